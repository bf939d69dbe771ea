//! What a checked row does: create, update, skip or fail, given what it matched. The same
//! decision serves the dry run (matches from the file so far and a read of the store) and
//! the import (matches from the store, which already holds this job's earlier rows).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::mapping::Requirement;
use super::plan::{Identifier, ImportOptions, Purpose};
use super::reason::{Issue, Reason};
use super::validate::RowCheck;

/// A contact the row matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    /// Made or matched by an earlier row of this file (the row number).
    EarlierRow {
        row: u64,
        contact: Option<u64>,
        key: String,
    },
    /// Already in the store before this import.
    Stored { id: u64, name: String, key: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    None,
    One(Matched),
    /// The identifier matched several contacts (their ids or rows).
    Many(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Create,
    Update(Matched),
    Skip(Issue),
    Fail(Issue),
}

impl Decision {
    pub fn status(&self) -> RowStatus {
        match self {
            Decision::Create => RowStatus::Imported,
            Decision::Update(_) => RowStatus::Updated,
            Decision::Skip(_) => RowStatus::Skipped,
            Decision::Fail(_) => RowStatus::Error,
        }
    }
}

/// A row's fate, as history and reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Imported,
    Updated,
    Skipped,
    Error,
}

impl RowStatus {
    pub fn name(self) -> &'static str {
        match self {
            RowStatus::Imported => "imported",
            RowStatus::Updated => "updated",
            RowStatus::Skipped => "skipped",
            RowStatus::Error => "error",
        }
    }
}

/// The issues kept with a row: the error or skip reason first, then the other errors and
/// the warnings.
pub fn issues_of(check: &RowCheck, decision: &Decision) -> Vec<Issue> {
    let mut issues = Vec::new();
    if let Decision::Skip(i) | Decision::Fail(i) = decision {
        issues.push(i.clone());
    }
    issues.extend(check.errors.iter().skip(1).cloned());
    issues.extend(check.warnings.iter().cloned());
    issues
}

/// The keys a row is matched by, in the order SPEC §5 tries them.
pub fn match_keys(check: &RowCheck, identifier: Identifier) -> Vec<MatchKey> {
    let phones = check
        .contact
        .phones
        .iter()
        .map(|p| MatchKey::Phone(p.clone()));
    let emails = check
        .contact
        .emails
        .iter()
        .map(|e| MatchKey::Email(e.clone()));
    match identifier {
        Identifier::Any => phones.chain(emails).collect(),
        Identifier::Phone => phones.collect(),
        Identifier::Email => emails.collect(),
        Identifier::Id => check.match_id.map(MatchKey::Id).into_iter().collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MatchKey {
    Phone(String),
    Email(String),
    Id(u64),
}

impl MatchKey {
    pub fn describe(&self) -> String {
        match self {
            MatchKey::Phone(p) => format!("phone {p}"),
            MatchKey::Email(e) => format!("email {e}"),
            MatchKey::Id(i) => format!("id {i}"),
        }
    }

    /// A 64-bit fingerprint (FxHash: fast, and plenty for telling keys apart within one
    /// file).
    fn fingerprint(&self) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        self.hash(&mut h);
        h.finish()
    }
}

/// Decides a row's fate from its check and what it matched.
pub fn decide(check: &RowCheck, options: &ImportOptions, lookup: &Lookup) -> Decision {
    if let Some(first) = check.errors.first() {
        return Decision::Fail(first.clone());
    }
    if let Some(no) = &check.no_consent {
        return Decision::Skip(no.clone());
    }
    let create = |check: &RowCheck| {
        if options.require == Requirement::Contact && !check.contact.has_name() {
            Decision::Fail(Issue::new(
                Reason::MissingName,
                None,
                "no first, last or full name; a new contact needs a name",
            ))
        } else {
            Decision::Create
        }
    };
    if options.purpose == Purpose::Always {
        return create(check);
    }
    match lookup {
        // Under create, a row matching several contacts is a duplicate all the same.
        Lookup::Many(which) if options.purpose == Purpose::Create => Decision::Skip(Issue::new(
            Reason::DuplicateExisting,
            None,
            format!(
                "already stored, as {} contacts ({})",
                which.len(),
                which.join(", ")
            ),
        )),
        Lookup::Many(which) => Decision::Fail(Issue::new(
            Reason::AmbiguousMatch,
            None,
            format!(
                "matches {} contacts ({}); make the row's phone or email unique, or match by id",
                which.len(),
                which.join(", ")
            ),
        )),
        Lookup::None => match options.purpose {
            Purpose::Update => Decision::Skip(Issue::new(
                Reason::NotFound,
                None,
                format!(
                    "no stored contact has this row's {}",
                    identifier_words(options.identifier)
                ),
            )),
            _ => create(check),
        },
        Lookup::One(matched) => match options.purpose {
            Purpose::Update | Purpose::Upsert => Decision::Update(matched.clone()),
            _ => Decision::Skip(match matched {
                Matched::EarlierRow { row, key, .. } => Issue::new(
                    Reason::DuplicateInFile,
                    None,
                    format!("same {key} as row {row}"),
                ),
                Matched::Stored { id, name, key } => Issue::new(
                    Reason::DuplicateExisting,
                    None,
                    format!("already stored as contact #{id} ({name}) with {key}"),
                ),
            }),
        },
    }
}

fn identifier_words(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::Any => "phone numbers or emails",
        Identifier::Phone => "phone numbers",
        Identifier::Email => "emails",
        Identifier::Id => "contact id",
    }
}

/// The contacts (or rows) the row's keys find, by SPEC §5's order: phones first, emails only
/// when no phone matched. Returns every distinct match of the first kind that matched, and
/// the key that found the first one.
pub fn first_match<E>(
    keys: &[MatchKey],
    mut find: impl FnMut(&MatchKey) -> Result<Vec<u64>, E>,
) -> Result<Option<(Vec<u64>, &MatchKey)>, E> {
    let mut found: Vec<u64> = Vec::new();
    let mut first_key: Option<&MatchKey> = None;
    for key in keys {
        if first_key.is_some_and(|k| !same_kind(k, key)) {
            break;
        }
        for id in find(key)? {
            if !found.contains(&id) {
                found.push(id);
            }
            first_key.get_or_insert(key);
        }
    }
    Ok(first_key.map(|k| (found, k)))
}

pub fn same_kind(a: &MatchKey, b: &MatchKey) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// The dry run's memory of what this file's rows would store: a fingerprint of each key
/// and what it leads to — the row that would create a contact, or the stored contact an
/// earlier row would update. The newest keys are kept in memory; when there are more than
/// `MEMORY_KEYS`, the older ones move to a temporary file (with a Bloom filter in front,
/// so a key never seen costs no disk read). Memory stays flat however long the file.
pub struct InFileIndex {
    recent: HashMap<u64, u64, rustc_hash::FxBuildHasher>,
    spilled: Option<Spill>,
    len: usize,
    memory_keys: usize,
}

impl Default for InFileIndex {
    fn default() -> Self {
        InFileIndex::with_memory_keys(MEMORY_KEYS)
    }
}

/// Keys held in memory before older ones move to disk (about 10 MB).
pub const MEMORY_KEYS: usize = 1 << 19;

/// What a key of the file leads to, in the dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadsTo {
    /// The contact an earlier row creates.
    Row(u64),
    /// A stored contact an earlier row updates.
    Contact(u64),
}

const ROW_BIT: u64 = 1 << 63;

impl LeadsTo {
    /// One u64 for both kinds: the high bit marks a row.
    pub(crate) fn encode(self) -> u64 {
        match self {
            LeadsTo::Row(r) => r | ROW_BIT,
            LeadsTo::Contact(id) => id & !ROW_BIT,
        }
    }

    pub(crate) fn decode(v: u64) -> LeadsTo {
        if v & ROW_BIT != 0 {
            LeadsTo::Row(v & !ROW_BIT)
        } else {
            LeadsTo::Contact(v)
        }
    }
}

impl InFileIndex {
    /// An index that keeps `memory_keys` keys in memory before spilling older ones.
    pub fn with_memory_keys(memory_keys: usize) -> InFileIndex {
        InFileIndex {
            recent: HashMap::default(),
            spilled: None,
            len: 0,
            memory_keys: memory_keys.max(1),
        }
    }

    pub fn get(&self, key: &MatchKey) -> Option<LeadsTo> {
        self.lookup(key.fingerprint())
    }

    fn lookup(&self, fp: u64) -> Option<LeadsTo> {
        if let Some(v) = self.recent.get(&fp) {
            return Some(LeadsTo::decode(*v));
        }
        self.spilled.as_ref()?.get(fp).map(LeadsTo::decode)
    }

    /// Remembers where a row's keys lead once it creates or updates a contact (the first
    /// row to bring a key keeps it).
    pub fn remember(&mut self, keys: &[MatchKey], target: LeadsTo) -> Result<(), String> {
        for key in keys {
            let fp = key.fingerprint();
            if self.lookup(fp).is_none() {
                self.recent.insert(fp, target.encode());
                self.len += 1;
            }
        }
        if self.recent.len() >= self.memory_keys {
            let spill = match self.spilled.take() {
                Some(s) => s,
                None => Spill::create()?,
            };
            let mut entries: Vec<(u64, u64)> = self.recent.drain().collect();
            entries.sort_unstable();
            let spill = spill.put(&entries)?;
            self.spilled = Some(spill);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Older keys of the dry run on disk: a temporary redb file (deleted when dropped) and a
/// Bloom filter of what it holds. This scratch file is not the store; it only lends the
/// dry run a disk-backed map.
struct Spill {
    db: redb::Database,
    path: std::path::PathBuf,
    read: redb::ReadTransaction,
    bloom: fastbloom::BloomFilter,
}

const SPILL: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("keys");
/// 2^26 bits (8 MB): about 1% false positives for six million keys.
const BLOOM_BITS: usize = 1 << 26;
const BLOOM_KEYS: usize = 6_000_000;

impl Spill {
    fn create() -> Result<Spill, String> {
        use redb::ReadableDatabase;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "rolodex-dry-run-{}-{nanos}.redb",
            std::process::id()
        ));
        let db = redb::Database::builder()
            .set_cache_size(16 * 1024 * 1024)
            .create(&path)
            .map_err(|e| {
                format!(
                    "cannot create a scratch file in {}: {e}",
                    std::env::temp_dir().display()
                )
            })?;
        let read = db.begin_read().map_err(|e| e.to_string())?;
        Ok(Spill {
            db,
            path,
            read,
            bloom: fastbloom::BloomFilter::with_num_bits(BLOOM_BITS).expected_items(BLOOM_KEYS),
        })
    }

    fn get(&self, fp: u64) -> Option<u64> {
        if !self.bloom.contains(&fp) {
            return None;
        }
        let table = self.read.open_table(SPILL).ok()?;
        let value = table.get(fp).ok()??.value();
        Some(value)
    }

    fn put(mut self, entries: &[(u64, u64)]) -> Result<Spill, String> {
        use redb::ReadableDatabase;
        let err = |e: &dyn std::fmt::Display| format!("the dry run's scratch file failed: {e}");
        let mut txn = self.db.begin_write().map_err(|e| err(&e))?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| err(&e))?;
        {
            let mut table = txn.open_table(SPILL).map_err(|e| err(&e))?;
            for &(fp, v) in entries {
                table.insert(fp, v).map_err(|e| err(&e))?;
                self.bloom.insert(&fp);
            }
        }
        txn.commit().map_err(|e| err(&e))?;
        self.read = self.db.begin_read().map_err(|e| err(&e))?;
        Ok(self)
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_keys_are_found_and_the_first_row_keeps_its_key() {
        let mut index = InFileIndex::with_memory_keys(1000);
        for i in 0..10_000u64 {
            let keys = [
                MatchKey::Phone(format!("+1212{i:07}")),
                MatchKey::Email(format!("p{i}@x.com")),
            ];
            index.remember(&keys, LeadsTo::Row(i + 2)).unwrap();
        }
        // A later row with an old key does not take it over.
        index
            .remember(
                &[MatchKey::Phone("+12120000005".into())],
                LeadsTo::Contact(99),
            )
            .unwrap();
        assert!(index.spilled.is_some(), "older keys moved to disk");
        assert_eq!(index.len(), 20_000);
        for i in [0u64, 5, 999, 1000, 5000, 9999] {
            assert_eq!(
                index.get(&MatchKey::Phone(format!("+1212{i:07}"))),
                Some(LeadsTo::Row(i + 2))
            );
            assert_eq!(
                index.get(&MatchKey::Email(format!("p{i}@x.com"))),
                Some(LeadsTo::Row(i + 2))
            );
        }
        assert_eq!(index.get(&MatchKey::Phone("+19999999999".into())), None);
        let path = index.spilled.as_ref().map(|s| s.path.clone()).unwrap();
        drop(index);
        assert!(!path.exists(), "the scratch file is removed");
    }
}
