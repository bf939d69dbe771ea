//! The contact name index: the words `engine::search` says a contact is found by (its name
//! and company tokens), as fixed-width entries (key, contact id) like the phone and email
//! indexes, so a search is a few range reads and an intersection, never a pass over the
//! contacts. A key is `WORD` and the first seven bytes of a folded word, big-endian and
//! padded with zeros, so every word with a given prefix is one range of keys; a query word
//! longer than seven bytes is confirmed against the contacts its range finds.
//!
//! Emails and phones are searched through their own indexes (`index.rs`): an address whole,
//! a number by the digits its E.164 form starts with (the phone index's keys are the
//! numbers themselves).

use std::ops::Bound;

use redb::{ReadableTable, Table};

use super::codec::{self, Format};
use super::error::Result;
use super::index::{self as id_index, Kind};
use super::schema::{BY_EMAIL, BY_PHONE, CONTACTS, SEARCH};
use super::{guard, Store};
use crate::engine::contact::Contact;
use crate::engine::search::{self, Query, Term, MAX_PHONE_DIGITS};

const WORD: u64 = 1 << 56;
/// Bytes of a word a key holds.
const WORD_BYTES: usize = 7;

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

/// Puts `after`'s keys in the index in place of `before`'s: what an import, a revert or
/// an upgrade calls for each contact it changes (`None`: no contact before, or none left).
pub fn update(
    index: &mut Table<(u64, u64), ()>,
    id: u64,
    before: Option<&Contact>,
    after: Option<&Contact>,
) -> Result<()> {
    let old = before.map(keys).unwrap_or_default();
    let new = after.map(keys).unwrap_or_default();
    for key in &old {
        if new.binary_search(key).is_err() {
            index.remove((*key, id))?;
        }
    }
    for key in &new {
        if old.binary_search(key).is_err() {
            index.insert((*key, id), ())?;
        }
    }
    Ok(())
}

/// Entries of new contacts held back and inserted together in key order (inserting them
/// one by one at random places cost an import about a third more time), the way the
/// phone and email entries are. A changed contact flushes them first, so what it removes
/// is in the table.
#[derive(Default)]
pub struct Pending {
    entries: Vec<(u64, u64)>,
}

/// Entries held back at most: 1 MiB (4 MiB measured no faster: 6,453 writer samples
/// against 6,300 at 499 Hz on a 1M-row import).
const PENDING_ENTRIES: usize = 1 << 16;

impl Pending {
    /// `update`, holding back the entries of a new contact.
    pub fn update(
        &mut self,
        index: &mut Table<(u64, u64), ()>,
        id: u64,
        before: Option<&Contact>,
        after: &Contact,
    ) -> Result<()> {
        if before.is_some() {
            self.flush(index)?;
            return update(index, id, before, Some(after));
        }
        self.entries
            .extend(keys(after).into_iter().map(|k| (k, id)));
        if self.entries.len() >= PENDING_ENTRIES {
            self.flush(index)?;
        }
        Ok(())
    }

    pub fn flush(&mut self, index: &mut Table<(u64, u64), ()>) -> Result<()> {
        self.entries.sort_unstable();
        for entry in self.entries.drain(..) {
            index.insert(entry, ())?;
        }
        Ok(())
    }
}

/// Builds the index afresh from every contact, in the transaction `txn` upgrades the store
/// in: a store from before it, or a version 5 one whose index held more than names.
pub fn rebuild(txn: &redb::WriteTransaction) -> Result<u64> {
    txn.delete_table(super::schema::SEARCH)?;
    build(txn)
}

/// Builds the index from every contact (a store from before it, or one `check --repair`
/// rebuilds), in the transaction `txn` upgrades the store in.
pub fn build(txn: &redb::WriteTransaction) -> Result<u64> {
    let contacts = txn.open_table(super::schema::CONTACTS)?;
    let mut index = txn.open_table(super::schema::SEARCH)?;
    let mut built = 0;
    let mut pending = Pending::default();
    for entry in contacts.iter()? {
        let (id, bytes) = entry?;
        // A damaged contact is served to nobody, so it is found by nothing either.
        let Ok(contact) = codec::decode::<Contact>(bytes.value()) else {
            continue;
        };
        pending.update(&mut index, id.value(), None, &contact)?;
        built += 1;
    }
    pending.flush(&mut index)?;
    Ok(built)
}

/// The ids of the contacts `query` finds, ascending: names from the name index, numbers
/// from the phone index, addresses from the email index; `contacts` confirms the words
/// the index holds only the start of.
pub fn find<S, C>(
    index: &S,
    phones: &S,
    emails: &S,
    contacts: &C,
    query: &Query,
    format: Format,
) -> Result<Vec<u64>>
where
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
                collect(index, lo, hi, &mut ids)?;
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
            // A store from before version 6 (read-only until something writes to it) has
            // no name index, or one that holds more than names: its contacts are read.
            let index = match snap.txn.open_table(SEARCH) {
                Ok(index) if snap.version >= 6 => index,
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

    #[test]
    fn word_keys_keep_to_their_space() {
        let (_, hi, _) = word_range("\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}");
        assert!(hi < 2 << 56);
        assert!(word_range("").0 >= WORD);
    }
}
