//! The contact search on PostgreSQL, with the meaning of redb's (`engine::search`,
//! `store::search`): a table of (word, contact) pairs for names and companies, folded for
//! case and accents by the same code the redb index uses, written by the batch writer in
//! the transaction of the batch (`WordChanges`) and by revert (`revert_words`); emails
//! found whole and numbers by their leading digits in the `phones` and `emails` tables the
//! import keeps anyway. A search is one query: one range per term, intersected.

use postgres::{GenericClient, Transaction};
use rustc_hash::FxHashMap;

use super::{decode_contact, id_param, PgStore};
use crate::engine::contact::Contact;
use crate::engine::search::{for_each_word, Query, Term};
use crate::store::search::Found;
use crate::store::{Result, StoreError};

type Err<'a> = &'a dyn Fn(postgres::Error) -> StoreError;

/// The (word, contact) pairs a batch adds and removes, net of each other: a contact the
/// batch creates and then updates (a later row of the file matching it) writes only the
/// words it ends with.
#[derive(Default)]
pub struct WordChanges {
    /// (word, contact) → true to add, false to remove.
    pairs: FxHashMap<(String, u64), bool>,
}

impl WordChanges {
    /// Notes that contact `after` was `before` (`None`: new) in the batch.
    pub fn contact(&mut self, before: Option<&Contact>, after: &Contact) {
        let id = after.id;
        let old = before.map(sorted_words).unwrap_or_default();
        let new = sorted_words(after);
        for w in &old {
            if new.binary_search(w).is_err() {
                self.toggle(w, id, false);
            }
        }
        for w in new {
            if old.binary_search(&w).is_err() {
                self.toggle(&w, id, true);
            }
        }
    }

    /// Presence alternates (a pair is added only when absent, removed only when present),
    /// so a change undoing the one before cancels it.
    fn toggle(&mut self, word: &str, id: u64, add: bool) {
        let key = (word.to_string(), id);
        match self.pairs.get(&key) {
            Some(&was) if was != add => {
                self.pairs.remove(&key);
            }
            _ => {
                self.pairs.insert(key, add);
            }
        }
    }

    /// Writes the changes in `txn` (the batch's transaction) and forgets them.
    pub fn write(&mut self, txn: &mut Transaction<'_>, err: Err<'_>) -> Result<()> {
        let mut add = (Vec::new(), Vec::new());
        let mut remove = (Vec::new(), Vec::new());
        for ((word, id), adding) in self.pairs.drain() {
            let to = if adding { &mut add } else { &mut remove };
            to.0.push(word);
            to.1.push(id_param(id)?);
        }
        if !remove.0.is_empty() {
            delete_pairs(txn, &remove.0, &remove.1, err)?;
        }
        if !add.0.is_empty() {
            insert_pairs(txn, &add.0, &add.1, err)?;
        }
        Ok(())
    }
}

fn sorted_words(contact: &Contact) -> Vec<String> {
    let mut out = Vec::with_capacity(4);
    for_each_word(contact, |w| out.push(w.to_string()));
    out.sort_unstable();
    out.dedup();
    out
}

fn insert_pairs(
    txn: &mut impl GenericClient,
    words: &[String],
    ids: &[i64],
    err: Err<'_>,
) -> Result<()> {
    txn.execute(
        "INSERT INTO words (word, contact_id) SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT DO NOTHING",
        &[&words, &ids],
    )
    .map_err(err)?;
    Ok(())
}

fn delete_pairs(
    txn: &mut impl GenericClient,
    words: &[String],
    ids: &[i64],
    err: Err<'_>,
) -> Result<()> {
    txn.execute(
        "DELETE FROM words w USING unnest($1::text[], $2::bigint[]) AS d(word, contact_id)
         WHERE w.word = d.word AND w.contact_id = d.contact_id",
        &[&words, &ids],
    )
    .map_err(err)?;
    Ok(())
}

/// What a revert does to the words of contact `current`: all gone when it is deleted
/// (`restored` none), else those of the contact it goes back to.
pub fn revert_words(
    txn: &mut Transaction<'_>,
    current: &Contact,
    restored: Option<&Contact>,
    err: Err<'_>,
) -> Result<()> {
    let mut changes = WordChanges::default();
    match restored {
        Some(before) => changes.contact(Some(current), before),
        None => {
            for w in sorted_words(current) {
                changes.toggle(&w, current.id, false);
            }
        }
    }
    changes.write(txn, err)
}

/// Fills the words table from every contact: the migration that makes the table calls it,
/// so a store written before it is searchable at once.
pub fn build_words(txn: &mut Transaction<'_>, err: Err<'_>) -> Result<u64> {
    let mut after = 0i64;
    let mut built = 0u64;
    loop {
        let rows = txn
            .query(
                "SELECT id, body FROM contacts WHERE id > $1 ORDER BY id LIMIT 5000",
                &[&after],
            )
            .map_err(err)?;
        let Some(last) = rows.last().map(|r| r.get::<_, i64>(0)) else {
            return Ok(built);
        };
        after = last;
        let mut changes = WordChanges::default();
        for r in &rows {
            let id = r.get::<_, i64>(0).unsigned_abs();
            // A damaged contact is served to nobody, so it is found by nothing either.
            if let Ok(c) = decode_contact(id, r.get(1)) {
                changes.contact(None, &c);
                built += 1;
            }
        }
        changes.write(txn, err)?;
    }
}

/// The smallest text greater than every text starting with `prefix` (in code point order,
/// which is byte order for UTF-8: the `words` column's collation is "C"); `None` when there
/// is none.
fn after_prefix(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The smallest digit string greater than every one starting with `digits`.
fn after_digits(digits: &str) -> Option<String> {
    let trimmed = digits.trim_end_matches('9');
    let last = trimmed.chars().last()?;
    let mut out = trimmed[..trimmed.len() - 1].to_string();
    out.push(char::from(b'0' + (last as u8 - b'0' + 1)));
    Some(out)
}

/// One SQL text and its parameters: a term's ids.
struct Sql {
    text: String,
    params: Vec<String>,
}

impl Sql {
    fn param(&mut self, value: String) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    fn term(&mut self, term: &Term) -> String {
        match term {
            Term::Word(w) => {
                let lo = self.param(w.clone());
                match after_prefix(w) {
                    Some(hi) => {
                        let hi = self.param(hi);
                        format!("SELECT contact_id FROM words WHERE word >= {lo} AND word < {hi}")
                    }
                    None => format!(
                        "SELECT contact_id FROM words WHERE word >= {lo} AND starts_with(word, {lo})"
                    ),
                }
            }
            Term::Email(address) => {
                let v = self.param(address.clone());
                format!("SELECT contact_id FROM emails WHERE value = {v}")
            }
            Term::Phone(starts) => {
                // As redb's phone index: E.164 numbers only, and a country code never
                // starts with 0. The range reads the index; `starts_with` keeps the answer
                // exact whatever the column's collation orders punctuation by.
                let mut parts = Vec::new();
                for digits in starts.iter().filter(|d| !d.starts_with('0')) {
                    let lo = self.param(format!("+{digits}"));
                    let hi = match after_digits(digits) {
                        Some(hi) => format!(" AND value < {}", self.param(format!("+{hi}"))),
                        None => String::new(),
                    };
                    parts.push(format!("(value >= {lo}{hi} AND starts_with(value, {lo}))"));
                }
                if parts.is_empty() {
                    return "SELECT NULL::bigint WHERE false".into();
                }
                format!(
                    "SELECT contact_id FROM phones WHERE ({}) AND value ~ '^\\+[0-9]{{1,15}}$'",
                    parts.join(" OR ")
                )
            }
        }
    }
}

impl PgStore {
    /// The contacts `query` finds (see `engine::search`), ascending: one query, an index
    /// range per term, intersected by the server.
    pub fn search_contacts(&self, query: &Query) -> Result<Found> {
        let mut sql = Sql {
            text: String::new(),
            params: Vec::new(),
        };
        sql.text = if query.is_empty() {
            "SELECT id FROM contacts".into()
        } else {
            let parts: Vec<String> = query
                .terms()
                .iter()
                .map(|t| format!("({})", sql.term(t)))
                .collect();
            parts.join(" INTERSECT ")
        };
        let text = format!("SELECT DISTINCT * FROM ({}) AS found ORDER BY 1", sql.text);
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> = sql
            .params
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let rows = self.client().query(&text, &params).map_err(self.err())?;
        Ok(Found {
            ids: rows
                .iter()
                .map(|r| r.get::<_, i64>(0).unsigned_abs())
                .collect(),
            indexed: true,
        })
    }

    /// Up to `limit` contacts in id order after `after` (from the first with `None`).
    pub fn contacts_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
        self.contacts_page(
            "SELECT id, body FROM contacts WHERE id > $1 ORDER BY id LIMIT $2",
            after.map_or(Ok(0), id_param)?,
            limit,
        )
    }

    /// Up to `limit` contacts just before `before` (the last ones with `None`), in id order.
    pub fn contacts_before(&self, before: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
        let mut page = self.contacts_page(
            "SELECT id, body FROM contacts WHERE id < $1 ORDER BY id DESC LIMIT $2",
            before.map_or(Ok(i64::MAX), id_param)?,
            limit,
        )?;
        page.reverse();
        Ok(page)
    }

    fn contacts_page(&self, sql: &str, bound: i64, limit: usize) -> Result<Vec<Contact>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client()
            .query(sql, &[&bound, &limit])
            .map_err(self.err())?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id = r.get::<_, i64>(0).unsigned_abs();
            match decode_contact(id, r.get(1)) {
                Ok(c) => out.push(c),
                Err(e) => self.note_damage(e),
            }
        }
        Ok(out)
    }

    /// The contacts with these ids, in the order given; one missing (deleted since) or
    /// damaged (noted) is left out.
    pub fn contacts_by_id(&self, ids: &[u64]) -> Result<Vec<Contact>> {
        let wanted: Vec<i64> = ids.iter().map(|&id| id_param(id)).collect::<Result<_>>()?;
        let rows = self
            .client()
            .query(
                "SELECT id, body FROM contacts WHERE id = ANY($1)",
                &[&wanted],
            )
            .map_err(self.err())?;
        let mut by_id = FxHashMap::default();
        for r in rows {
            let id = r.get::<_, i64>(0).unsigned_abs();
            match decode_contact(id, r.get(1)) {
                Ok(c) => {
                    by_id.insert(id, c);
                }
                Err(e) => self.note_damage(e),
            }
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_range_ends_after_every_word_it_starts() {
        assert_eq!(after_prefix("ann").as_deref(), Some("ano"));
        assert_eq!(after_prefix("z").as_deref(), Some("{"));
        assert_eq!(after_prefix("\u{d7ff}").as_deref(), Some("\u{e000}"));
        assert_eq!(after_prefix("a\u{10ffff}").as_deref(), Some("b"));
        assert_eq!(after_prefix(""), None);
        assert_eq!(after_digits("1613").as_deref(), Some("1614"));
        assert_eq!(after_digits("1619").as_deref(), Some("162"));
        assert_eq!(after_digits("999"), None);
    }

    #[test]
    fn a_batch_writes_the_words_a_contact_ends_with() {
        let c = |id: u64, first: &str| Contact {
            id,
            first_name: Some(first.into()),
            company: Some("Acme".into()),
            ..Default::default()
        };
        let mut changes = WordChanges::default();
        changes.contact(None, &c(1, "Ann"));
        changes.contact(Some(&c(1, "Ann")), &c(1, "Zoë"));
        // A stored contact renamed: its old word goes, then comes back.
        changes.contact(Some(&c(2, "Bob")), &c(2, "Rob"));
        changes.contact(Some(&c(2, "Rob")), &c(2, "Bob"));
        let mut pairs: Vec<_> = changes.pairs.into_iter().collect();
        pairs.sort();
        assert_eq!(
            pairs,
            [(("acme".into(), 1), true), (("zoe".into(), 1), true)]
        );
    }
}
