//! The contact name index: the words `engine::search` says a contact is found by (its name
//! and company tokens), so a search is a few range reads and an intersection, never a pass
//! over the contacts. A word's key is `WORD` and the first seven bytes of the folded word,
//! big-endian and padded with zeros, so every word with a given prefix is one range of
//! keys; a query word longer than seven bytes is confirmed against the contacts its range
//! finds.
//!
//! Each word keeps the ids of its contacts as posting lists in chunks: (key, first id) →
//! the later ids of the chunk, ascending, as varint gaps (at most `CHUNK_IDS` a chunk). A
//! chunk holds the ids from its first up to the next chunk's first (the word's first chunk
//! also any smaller id added later). Version 6 kept one entry (key, id) a word of a contact:
//! 16 bytes each plus redb's share, 44 MB and as much again fragmented for 720k contacts, and
//! a B-tree insert for each of 2.7M entries on the import's writer thread. Chunks store a
//! common name's ids in one or two bytes each, and an import rewrites each word's last
//! chunk once a flush instead of inserting every entry.
//!
//! Emails and phones are searched through their own indexes (`index.rs`): an address whole,
//! a number by the digits its E.164 form starts with (the phone index's keys are the
//! numbers themselves).

use std::ops::Bound;

use redb::{ReadableTable, Table};

use super::codec::{self, Format};
use super::error::{Result, StoreError};
use super::index::{self as id_index, Kind};
use super::schema::{BY_EMAIL, BY_PHONE, CONTACTS, WORDS};
use super::{guard, Store};
use crate::engine::contact::Contact;
use crate::engine::search::{self, Query, Term, MAX_PHONE_DIGITS};

const WORD: u64 = 1 << 56;
/// Bytes of a word a key holds.
const WORD_BYTES: usize = 7;
/// Ids a chunk holds at most: a few hundred bytes for a common word, so that a change of
/// one contact rewrites little, while a word of ten thousand contacts is 40 entries.
pub const CHUNK_IDS: usize = 256;

/// The name index's table, as a writer or a reader opens it.
pub type WordsTable<'t> = Table<'t, (u64, u64), &'static [u8]>;

/// Every key `contact` is found under, sorted, without repeats.
pub fn keys(contact: &Contact) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(4);
    search::for_each_word(contact, |w| out.push(word_range(w).0));
    out.sort_unstable();
    out.dedup();
    out
}

/// The keys of the words starting with `word`, and whether they hold only such words.
fn word_range(word: &str) -> (u64, u64, bool) {
    let bytes = word.as_bytes();
    let held = bytes.len().min(WORD_BYTES);
    let mut key = 0u64;
    for (i, b) in bytes[..held].iter().enumerate() {
        key |= u64::from(*b) << (8 * (WORD_BYTES - 1 - i));
    }
    let free_bits = 8 * (WORD_BYTES - held);
    let spread = if free_bits == 0 {
        0
    } else {
        (1u64 << free_bits) - 1
    };
    (WORD | key, WORD | key | spread, bytes.len() <= WORD_BYTES)
}

/// A chunk's ids: its first (the key's), then its value's gaps.
pub fn decode_chunk(first: u64, gaps: &[u8], out: &mut Vec<u64>) -> Result<()> {
    out.push(first);
    let mut last = first;
    let mut at = 0;
    while at < gaps.len() {
        let mut gap = 0u64;
        let mut shift = 0;
        loop {
            let Some(&b) = gaps.get(at) else {
                return Err(damaged_chunk(first));
            };
            at += 1;
            if shift > 63 {
                return Err(damaged_chunk(first));
            }
            gap |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        last = match last.checked_add(gap) {
            Some(id) if gap > 0 => id,
            _ => return Err(damaged_chunk(first)),
        };
        out.push(last);
    }
    Ok(())
}

fn damaged_chunk(first: u64) -> StoreError {
    StoreError::Codec(format!(
        "the name index's chunk of contact {first} is damaged; `rolodex check` names it"
    ))
}

/// The value of a chunk of `ids` (ascending, without repeats): the gaps after the first.
fn encode_chunk(ids: &[u64], out: &mut Vec<u8>) {
    out.clear();
    for pair in ids.windows(2) {
        let mut gap = pair[1] - pair[0];
        while gap >= 0x80 {
            out.push((gap as u8) | 0x80);
            gap >>= 7;
        }
        out.push(gap as u8);
    }
}

/// One change of the index: contact `id` added under `key`, or taken out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Op {
    key: u64,
    id: u64,
    add: bool,
}

/// Changes held back and applied together, word by word: what an import, a revert or an
/// upgrade records for each contact it changes, and `flush`es before its commit (and when
/// `PENDING_OPS` are held). A word's chunks are read and rewritten once a flush, whatever
/// the number of its contacts that changed.
#[derive(Default)]
pub struct Pending {
    ops: Vec<Op>,
    ids: Vec<u64>,
    merged: Vec<u64>,
    value: Vec<u8>,
}

/// Changes held back at most: 4 MiB.
const PENDING_OPS: usize = 1 << 18;

impl Pending {
    /// Records `after`'s keys in the index in place of `before`'s (`None`: no contact
    /// before, or none left).
    pub fn update(
        &mut self,
        index: &mut WordsTable<'_>,
        id: u64,
        before: Option<&Contact>,
        after: Option<&Contact>,
    ) -> Result<()> {
        match before {
            None => {
                if let Some(after) = after {
                    search::for_each_word(after, |w| {
                        self.ops.push(Op {
                            key: word_range(w).0,
                            id,
                            add: true,
                        })
                    });
                }
            }
            Some(before) => {
                let old = keys(before);
                let new = after.map(keys).unwrap_or_default();
                for &key in &old {
                    if new.binary_search(&key).is_err() {
                        self.ops.push(Op {
                            key,
                            id,
                            add: false,
                        });
                    }
                }
                for &key in &new {
                    if old.binary_search(&key).is_err() {
                        self.ops.push(Op { key, id, add: true });
                    }
                }
            }
        }
        if self.ops.len() >= PENDING_OPS {
            self.flush(index)?;
        }
        Ok(())
    }

    /// Applies the changes held, word by word, chunk by chunk.
    pub fn flush(&mut self, index: &mut WordsTable<'_>) -> Result<()> {
        // Stable: two changes of one (word, contact) apply in the order they were made.
        self.ops.sort_by_key(|op| (op.key, op.id));
        let ops = std::mem::take(&mut self.ops);
        let mut at = 0;
        while at < ops.len() {
            at = self.apply_chunk(index, &ops, at)?;
        }
        self.ops = ops;
        self.ops.clear();
        Ok(())
    }

    /// Applies the changes from `ops[at]` on that fall in one chunk of its word; returns
    /// where the next chunk's changes start.
    fn apply_chunk(&mut self, index: &mut WordsTable<'_>, ops: &[Op], at: usize) -> Result<usize> {
        let (key, id) = (ops[at].key, ops[at].id);
        // The chunk holding `id`: the last one starting at or before it, else the word's
        // first (which also takes ids below its own first).
        let found = match index.range((key, 0)..=(key, id))?.next_back() {
            Some(e) => Some(e?),
            None => index
                .range((key, id)..=(key, u64::MAX))?
                .next()
                .transpose()?,
        }
        .map(|(k, v)| (k.value().1, v.value().to_vec()));
        let next = match &found {
            Some((first, _)) if *first < u64::MAX => index
                .range((key, first + 1)..=(key, u64::MAX))?
                .next()
                .transpose()?
                .map(|e| e.0.value().1),
            _ => None,
        };
        let end =
            at + ops[at..].partition_point(|op| op.key == key && next.is_none_or(|n| op.id < n));
        self.ids.clear();
        if let Some((first, gaps)) = &found {
            decode_chunk(*first, gaps, &mut self.ids)?;
            index.remove((key, *first))?;
        }
        // Merge: each contact's last change decides whether it is in.
        self.merged.clear();
        let mut held = self.ids.iter().copied().peekable();
        let mut changes = ops[at..end].iter().peekable();
        loop {
            match (held.peek().copied(), changes.peek().map(|op| op.id)) {
                (None, None) => break,
                (Some(h), None) => {
                    self.merged.push(h);
                    held.next();
                }
                (Some(h), Some(c)) if h < c => {
                    self.merged.push(h);
                    held.next();
                }
                (h, Some(c)) => {
                    let mut present = h == Some(c);
                    if present {
                        held.next();
                    }
                    while let Some(op) = changes.next_if(|op| op.id == c) {
                        present = op.add;
                    }
                    if present {
                        self.merged.push(c);
                    }
                }
            }
        }
        for piece in self.merged.chunks(CHUNK_IDS) {
            encode_chunk(piece, &mut self.value);
            index.insert((key, piece[0]), self.value.as_slice())?;
        }
        Ok(end)
    }
}

/// Builds the index afresh from every contact, in the transaction `txn` upgrades the store
/// in: a store from before it, or one whose index had another layout.
pub fn rebuild(txn: &redb::WriteTransaction) -> Result<u64> {
    for old in [super::schema::LEGACY_SEARCH] {
        match txn.delete_table(old) {
            Ok(_) => {}
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    txn.delete_table(WORDS)?;
    build(txn)
}

/// Builds the index from every contact, in the transaction `txn` upgrades the store in.
pub fn build(txn: &redb::WriteTransaction) -> Result<u64> {
    let contacts = txn.open_table(super::schema::CONTACTS)?;
    let mut index = txn.open_table(WORDS)?;
    let mut built = 0;
    let mut pending = Pending::default();
    for entry in contacts.iter()? {
        let (id, bytes) = entry?;
        // A damaged contact is served to nobody, so it is found by nothing either.
        let Ok(contact) = codec::decode::<Contact>(bytes.value()) else {
            continue;
        };
        pending.update(&mut index, id.value(), None, Some(&contact))?;
        built += 1;
    }
    pending.flush(&mut index)?;
    Ok(built)
}

/// Every (key, contact id) the index holds, chunk by chunk: what `check` compares with the
/// contacts' words. A damaged chunk is passed over (`check` names it on its own).
pub fn for_each_entry<S>(index: &S, mut each: impl FnMut(u64, u64) -> Result<()>) -> Result<()>
where
    S: ReadableTable<(u64, u64), &'static [u8]>,
{
    let mut ids = Vec::new();
    for entry in index.iter()? {
        let (k, v) = entry?;
        let (key, first) = k.value();
        ids.clear();
        if decode_chunk(first, v.value(), &mut ids).is_err() {
            continue;
        }
        for &id in &ids {
            each(key, id)?;
        }
    }
    Ok(())
}

/// Whether the index holds contact `id` under `key`.
pub fn holds<S>(index: &S, key: u64, id: u64) -> Result<bool>
where
    S: ReadableTable<(u64, u64), &'static [u8]>,
{
    let chunk = match index.range((key, 0)..=(key, id))?.next_back() {
        Some(e) => Some(e?),
        None => index
            .range((key, id)..=(key, u64::MAX))?
            .next()
            .transpose()?,
    };
    let Some((k, v)) = chunk else {
        return Ok(false);
    };
    let mut ids = Vec::new();
    decode_chunk(k.value().1, v.value(), &mut ids)?;
    Ok(ids.binary_search(&id).is_ok())
}

/// The ids of the contacts `query` finds, ascending: names from the name index, numbers
/// from the phone index, addresses from the email index; `contacts` confirms the words
/// the index holds only the start of.
pub fn find<W, S, C>(
    index: &W,
    phones: &S,
    emails: &S,
    contacts: &C,
    query: &Query,
    format: Format,
) -> Result<Vec<u64>>
where
    W: ReadableTable<(u64, u64), &'static [u8]>,
    S: ReadableTable<(u64, u64), ()>,
    C: ReadableTable<u64, &'static [u8]>,
{
    let mut found: Option<Vec<u64>> = None;
    let mut confirm = false;
    // The terms finding fewest contacts first would be cheaper; but each must be read
    // whole to be counted, so they are read in order and intersected as they come.
    for term in query.terms() {
        let mut ids = Vec::new();
        match term {
            Term::Word(w) => {
                let (lo, hi, exact) = word_range(w);
                confirm |= !exact;
                collect_words(index, lo, hi, &mut ids)?;
            }
            Term::Phone(starts) => {
                for digits in starts {
                    number_prefix(phones, digits, &mut ids)?;
                }
            }
            Term::Email(address) => {
                ids = id_index::find(emails, contacts, Kind::Email, address, format)?;
            }
        }
        ids.sort_unstable();
        ids.dedup();
        found = Some(match found {
            None => ids,
            Some(have) => intersect(&have, &ids),
        });
        if found.as_ref().is_some_and(Vec::is_empty) {
            break;
        }
    }
    let ids = found.unwrap_or_default();
    if !confirm {
        return Ok(ids);
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(bytes) = contacts.get(id)? else {
            continue;
        };
        if let Ok(contact) = codec::decode_as::<Contact>(bytes.value(), format) {
            if query.matches(&contact) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

fn collect_words<W>(index: &W, lo: u64, hi: u64, ids: &mut Vec<u64>) -> Result<()>
where
    W: ReadableTable<(u64, u64), &'static [u8]>,
{
    for entry in index.range((lo, 0)..=(hi, u64::MAX))? {
        let (k, v) = entry?;
        decode_chunk(k.value().1, v.value(), ids)?;
    }
    Ok(())
}

fn collect<S>(index: &S, lo: u64, hi: u64, ids: &mut Vec<u64>) -> Result<()>
where
    S: ReadableTable<(u64, u64), ()>,
{
    for entry in index.range((lo, 0)..=(hi, u64::MAX))? {
        ids.push(entry?.0.value().1);
    }
    Ok(())
}

/// The contacts with an E.164 number starting with `digits`: one range of the phone index
/// per length a number may have.
fn number_prefix<S>(phones: &S, digits: &str, ids: &mut Vec<u64>) -> Result<()>
where
    S: ReadableTable<(u64, u64), ()>,
{
    // A country code never starts with 0.
    if digits.starts_with('0') {
        return Ok(());
    }
    let Ok(prefix) = digits.parse::<u64>() else {
        return Ok(());
    };
    for extra in 0..=MAX_PHONE_DIGITS.saturating_sub(digits.len()) as u32 {
        let scale = 10u64.pow(extra);
        collect(phones, prefix * scale, (prefix + 1) * scale - 1, ids)?;
    }
    Ok(())
}

fn intersect(a: &[u64], b: &[u64]) -> Vec<u64> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .copied()
        .filter(|id| large.binary_search(id).is_ok())
        .collect()
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The ids of the contacts found, ascending.
    pub ids: Vec<u64>,
    /// False when the store has no search index yet (written by an older rolodex, and not
    /// opened for writing since): the contacts were read one by one. The next command
    /// that writes (an import, resume, revert, `check --repair`) builds the index.
    pub indexed: bool,
}

impl Store {
    /// The contacts `query` finds (see `engine::search` for what it means), from the
    /// indexes: a few range reads and an intersection, however large the store. In SQL: a
    /// table (key, contact_id) with the same keys, one range per term, intersected.
    pub fn search_contacts(&self, query: &Query) -> Result<Found> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let contacts = snap.txn.open_table(CONTACTS)?;
            // A store from before version 7 (read-only until something writes to it) has
            // no name index, or one of another layout: its contacts are read.
            let index = match snap.txn.open_table(WORDS) {
                Ok(index) if snap.version >= 7 => index,
                Ok(_) | Err(redb::TableError::TableDoesNotExist(_)) => {
                    return Ok(Found {
                        ids: self.scan(&contacts, query, snap.format)?,
                        indexed: false,
                    })
                }
                Err(e) => return Err(e.into()),
            };
            let ids = if query.is_empty() {
                contacts
                    .iter()?
                    .map(|e| Ok(e?.0.value()))
                    .collect::<Result<Vec<u64>>>()?
            } else {
                find(
                    &index,
                    &snap.txn.open_table(BY_PHONE)?,
                    &snap.txn.open_table(BY_EMAIL)?,
                    &contacts,
                    query,
                    snap.format,
                )?
            };
            Ok(Found { ids, indexed: true })
        })
    }

    /// What a store without the index answers with: every contact read and matched.
    fn scan(
        &self,
        contacts: &redb::ReadOnlyTable<u64, &'static [u8]>,
        query: &Query,
        format: Format,
    ) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        for entry in contacts.iter()? {
            let (id, bytes) = entry?;
            match super::decode_contact(id.value(), bytes.value(), format) {
                Ok(c) if query.matches(&c) => ids.push(c.id),
                Ok(_) => {}
                Err(e) if e.is_damaged_record() => self.note_damage(e),
                Err(e) => return Err(e),
            }
        }
        Ok(ids)
    }

    /// Up to `limit` contacts in id order, after `after` (from the first with `None`): one
    /// page of the whole store. In SQL: `WHERE id > $1 ORDER BY id LIMIT $2`.
    pub fn contacts_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.contacts_in((from, Bound::Unbounded), limit, false)
    }

    /// Up to `limit` contacts just before `before` (the last ones with `None`), in id
    /// order: the page above. In SQL: `WHERE id < $1 ORDER BY id DESC LIMIT $2`, reversed.
    pub fn contacts_before(&self, before: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
        let to = before.map_or(Bound::Unbounded, Bound::Excluded);
        self.contacts_in((Bound::Unbounded, to), limit, true)
    }

    fn contacts_in(
        &self,
        range: (Bound<u64>, Bound<u64>),
        limit: usize,
        backwards: bool,
    ) -> Result<Vec<Contact>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(CONTACTS)?;
            let entries = table.range::<u64>(range)?;
            let entries: Box<dyn Iterator<Item = _>> = if backwards {
                Box::new(entries.rev())
            } else {
                Box::new(entries)
            };
            let mut out = Vec::with_capacity(limit.min(1024));
            for entry in entries {
                if out.len() >= limit {
                    break;
                }
                let (id, v) = entry?;
                match super::decode_contact(id.value(), v.value(), snap.format) {
                    Ok(c) => out.push(c),
                    Err(e) if e.is_damaged_record() => self.note_damage(e),
                    Err(e) => return Err(e),
                }
            }
            if backwards {
                out.reverse();
            }
            Ok(out)
        })
    }

    /// The contacts with these ids, in the order given; an id with no contact (deleted
    /// since) or a damaged one (noted) is left out. In SQL: `WHERE id = ANY($1)`.
    pub fn contacts_by_id(&self, ids: &[u64]) -> Result<Vec<Contact>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(CONTACTS)?;
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids {
                let Some(v) = table.get(id)? else { continue };
                match super::decode_contact(id, v.value(), snap.format) {
                    Ok(c) => out.push(c),
                    Err(e) if e.is_damaged_record() => self.note_damage(e),
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_prefix_is_one_range_of_keys() {
        let (lo, hi, exact) = word_range("ann");
        assert!(exact);
        for word in ["ann", "anna", "annabel", "annabelle"] {
            let key = word_range(word).0;
            assert!((lo..=hi).contains(&key), "{word}");
        }
        for word in ["an", "anm", "ano", "bob"] {
            let key = word_range(word).0;
            assert!(!(lo..=hi).contains(&key), "{word}");
        }
        let (lo, hi, exact) = word_range("annabelle");
        assert!(!exact, "longer than a key holds: confirmed");
        assert!((lo..=hi).contains(&word_range("annabella").0));
    }

    /// The writer's keys (folded word by word, nothing collected) are those of the words a
    /// search matches against.
    #[test]
    fn a_contacts_keys_are_its_words_keys() {
        let contact = Contact {
            first_name: Some("Jürgen-Annabelle Annabella".into()),
            last_name: Some("O'Brien  Łódź".into()),
            company: Some("ACME acme Widgets & Co.".into()),
            ..Default::default()
        };
        let mut want: Vec<u64> = search::words(&contact)
            .iter()
            .map(|w| word_range(w).0)
            .collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(keys(&contact), want);
        assert_eq!(want.len(), 8, "annabelle and annabella share a key");
        assert!(keys(&Contact::default()).is_empty());
    }

    /// Posting lists agree with a set of (key, id) pairs whatever the changes: adds and
    /// removals in any order, several flushes, ids below a word's first chunk, chunks split
    /// and emptied.
    mod posting_lists {
        use super::super::*;
        use proptest::prelude::*;
        use redb::ReadableDatabase;
        use std::collections::BTreeSet;

        const T: redb::TableDefinition<(u64, u64), &[u8]> = redb::TableDefinition::new("w");

        fn held(db: &redb::Database) -> BTreeSet<(u64, u64)> {
            let txn = db.begin_read().unwrap();
            let t = txn.open_table(T).unwrap();
            let mut out = BTreeSet::new();
            for_each_entry(&t, |k, id| {
                assert!(out.insert((k, id)), "({k}, {id}) held twice");
                Ok(())
            })
            .unwrap();
            // Chunks in order, none longer than it may be, each starting with its key.
            for e in t.iter().unwrap() {
                let (k, v) = e.unwrap();
                let mut ids = Vec::new();
                decode_chunk(k.value().1, v.value(), &mut ids).unwrap();
                assert!(ids.len() <= CHUNK_IDS);
                assert!(ids.windows(2).all(|w| w[0] < w[1]));
            }
            out
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn changes_in_any_order_give_the_set(
                rounds in prop::collection::vec(
                    prop::collection::vec((0u64..2, 0u64..3000, any::<bool>()), 0..1500),
                    1..5,
                ),
            ) {
                let db = redb::Database::builder()
                    .create_with_backend(redb::backends::InMemoryBackend::new())
                    .unwrap();
                let mut model = BTreeSet::new();
                for ops in rounds {
                    let txn = db.begin_write().unwrap();
                    {
                        let mut t = txn.open_table(T).unwrap();
                        let mut pending = Pending::default();
                        for (key, id, add) in ops {
                            pending.ops.push(Op { key, id, add });
                            if add {
                                model.insert((key, id));
                            } else {
                                model.remove(&(key, id));
                            }
                        }
                        pending.flush(&mut t).unwrap();
                        for &(key, id) in model.iter().take(50) {
                            prop_assert!(holds(&t, key, id).unwrap());
                        }
                        prop_assert!(!holds(&t, 9, 1).unwrap());
                    }
                    txn.commit().unwrap();
                    prop_assert_eq!(&held(&db), &model);
                }
            }
        }

        #[test]
        fn a_contact_changed_twice_in_one_flush_ends_as_its_last_change() {
            let db = redb::Database::builder()
                .create_with_backend(redb::backends::InMemoryBackend::new())
                .unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut t = txn.open_table(T).unwrap();
                let ann = Contact {
                    first_name: Some("Ann".into()),
                    last_name: Some("Lee".into()),
                    ..Default::default()
                };
                let bob = Contact {
                    first_name: Some("Bob".into()),
                    last_name: Some("Lee".into()),
                    ..Default::default()
                };
                let mut p = Pending::default();
                p.update(&mut t, 7, None, Some(&ann)).unwrap();
                p.update(&mut t, 7, Some(&ann), Some(&bob)).unwrap();
                p.update(&mut t, 8, None, Some(&ann)).unwrap();
                p.update(&mut t, 8, Some(&ann), None).unwrap();
                p.flush(&mut t).unwrap();
                let key = |w: &str| word_range(w).0;
                assert!(holds(&t, key("bob"), 7).unwrap());
                assert!(holds(&t, key("lee"), 7).unwrap());
                assert!(!holds(&t, key("ann"), 7).unwrap());
                assert!(!holds(&t, key("ann"), 8).unwrap());
                assert!(!holds(&t, key("lee"), 8).unwrap());
            }
            txn.commit().unwrap();
        }
    }

    #[test]
    fn a_chunk_with_a_gap_of_zero_or_cut_short_is_damaged() {
        let mut ids = Vec::new();
        assert!(decode_chunk(5, &[0], &mut ids).is_err());
        assert!(decode_chunk(5, &[0x80], &mut ids).is_err());
        ids.clear();
        let mut v = Vec::new();
        encode_chunk(&[5, 6, 300, 1 << 40], &mut v);
        decode_chunk(5, &v, &mut ids).unwrap();
        assert_eq!(ids, [5, 6, 300, 1 << 40]);
    }

    #[test]
    fn word_keys_keep_to_their_space() {
        let (_, hi, _) = word_range("\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}");
        assert!(hi < 2 << 56);
        assert!(word_range("").0 >= WORD);
    }
}
