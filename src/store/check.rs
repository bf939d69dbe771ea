//! `rolodex check`: every record's checksum, every index entry, every job's counts against
//! its stored rows. Damage is reported by contact or job, one problem each; nothing is
//! changed. (redb's own page checksums are verified by `Store::check_pages`, which needs
//! the store opened for writing.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use redb::DatabaseError;

use redb::ReadableTable;
use serde::Serialize;

use super::codec;
use super::error::{describe_damage, Result, StoreError};
use super::index::{self, Kind};
use super::jobs::{Job, JobStatus};
use super::schema::*;
use super::search;
use super::{decode_contact, decode_job, guard, rows, Db, Store};
use crate::engine::resolve::RowStatus;

/// A multiset of (word key, contact id) pairs, as a count and a sum of their mixed bits:
/// two tallies differ when one pair is missing, astray or repeated (unless 64-bit hashes
/// collide).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    count: u64,
    sum: u64,
}

impl Tally {
    fn add(&mut self, key: u64, id: u64) {
        // splitmix64's finalizer over both halves.
        let mut z = key ^ id.rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        self.count += 1;
        self.sum = self.sum.wrapping_add(z);
    }
}

/// One part of the check.
type Part = fn(&Store, &mut CheckReport) -> Result<()>;

/// One thing found wrong, with the contact or job it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<u64>,
    pub problem: String,
}

impl Problem {
    fn contact(id: u64, problem: impl Into<String>) -> Problem {
        Problem {
            contact: Some(id),
            job: None,
            problem: problem.into(),
        }
    }

    fn job(id: u64, problem: impl Into<String>) -> Problem {
        Problem {
            contact: None,
            job: Some(id),
            problem: problem.into(),
        }
    }

    fn store(problem: impl Into<String>) -> Problem {
        Problem {
            contact: None,
            job: None,
            problem: problem.into(),
        }
    }

    /// One line: "contact 17: …", "job 3: …".
    pub fn describe(&self) -> String {
        match (self.contact, self.job) {
            (Some(c), _) => format!("contact {c}: {}", self.problem),
            (None, Some(j)) => format!("job {j}: {}", self.problem),
            (None, None) => self.problem.clone(),
        }
    }
}

/// How redb's own page checksums fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "detail")]
pub enum Pages {
    /// Every page of the store verified.
    Intact,
    /// A page did not verify and redb repaired the file (it may have gone back to the
    /// last commit that verified).
    Repaired,
    /// Pages are broken beyond redb's repair.
    Damaged(String),
    /// Not checked, and why (another process is writing the store).
    NotChecked(String),
}

/// What `rolodex check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub contacts: u64,
    pub jobs: u64,
    pub pages: Pages,
    pub problems: Vec<Problem>,
}

impl CheckReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty() && matches!(self.pages, Pages::Intact | Pages::NotChecked(_))
    }
}

/// Opens the store at `path` for `rolodex check` and verifies redb's checksum of every
/// page, which takes the store opened for writing: when another process writes it (an
/// import is running) or this user may not, the pages are not checked, only the records.
/// Nothing is upgraded. (redb repairs what it can while it verifies: the check says so.)
pub fn open_for_check(path: &Path) -> Result<(Store, Pages)> {
    if !super::sniff(path)? {
        return Err(StoreError::Missing(path.to_path_buf()));
    }
    // As `open_store` does before any writer open (which marks the file's header): another
    // program's database, or a newer rolodex's store, is refused and left as it was.
    if let Err(e @ (StoreError::NotAStore { .. } | StoreError::NewerSchema { .. })) =
        super::try_reader(path)
    {
        return Err(e);
    }
    let reader = || super::open_reader(path);
    // The plain open trusts redb's page bookkeeping, which a damaged page can make it fail
    // on, or panic: then the open that verifies every page before it trusts any is tried.
    let opened = guard::guarded(path, || match super::builder().open(path) {
        Ok(db) => Ok(Ok(db)),
        Err(e) => Ok(Err(e)),
    });
    let db = match opened {
        Ok(Ok(db)) => Some((db, false)),
        Ok(Err(e)) if super::not_permitted(&e) => {
            let why = "this user may not write the store, which checking its pages takes; its records were checked";
            return Ok((reader()?, Pages::NotChecked(why.into())));
        }
        Ok(Err(DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch)) => {
            let why = "another rolodex is writing the store (an import, resume or revert is running), so redb's page checksums were not checked; its records were";
            return Ok((reader()?, Pages::NotChecked(why.into())));
        }
        Ok(Err(_)) | Err(_) => None,
    };
    let (mut db, repaired) = match db {
        Some(d) => d,
        None => {
            let verified = guard::guarded(path, || {
                let mut b = super::builder();
                b.set_check_integrity_on_open(true);
                b.open(path).map_err(|e| super::busy_or(path, e))
            });
            match verified {
                Ok(db) => (db, true),
                Err(e) => {
                    let pages = Pages::Damaged(e.to_string());
                    return Ok((reader()?, pages));
                }
            }
        }
    };
    let pages = match guard::guarded(path, || Ok(db.check_integrity())) {
        Ok(Ok(true)) if !repaired => Pages::Intact,
        Ok(Ok(_)) => Pages::Repaired,
        Ok(Err(e)) => Pages::Damaged(e.to_string()),
        Err(e) => Pages::Damaged(e.to_string()),
    };
    if matches!(pages, Pages::Damaged(_)) {
        // A failed check leaves the handle unusable; the records are read afresh.
        drop(db);
        return Ok((reader()?, pages));
    }
    let store = Store::of(Db::Write(db), path.to_path_buf(), None);
    let found = guard::guarded(path, || store.schema_version())?;
    store.verify_schema(found)?;
    Ok((store, pages))
}

const DAMAGED: &str = "damaged: its checksum does not match, so it is never used";

impl Store {
    /// Checks every record, every index entry and every job's counts. A part of the store
    /// redb cannot read (a damaged page) is reported as a problem, and the other parts are
    /// still checked.
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = CheckReport {
            contacts: 0,
            jobs: 0,
            pages: Pages::NotChecked("not asked".into()),
            problems: Vec::new(),
        };
        let parts: [(&str, Part); 4] = [
            ("the contacts and their indexes", Store::check_contacts),
            ("the jobs and their rows", Store::check_jobs),
            ("the undo records", Store::check_undo),
            (
                "the lists, custom fields and remembered mappings",
                Store::check_small_tables,
            ),
        ];
        for (what, part) in parts {
            match guard::guarded(&self.path, || part(self, &mut report)) {
                Ok(()) => {}
                Err(e @ (StoreError::Corrupt { .. } | StoreError::Db(_))) => {
                    report.problems.push(Problem::store(format!(
                        "{what} could not be read to the end: {e}"
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Every contact: intact, and indexed under each of its phones and emails and each
    /// word of its name; every index entry: its contact exists and carries a value with
    /// that key.
    fn check_contacts(&self, report: &mut CheckReport) -> Result<()> {
        let snap = self.read()?;
        let format = snap.format;
        let problems = &mut report.problems;
        let contacts = snap.txn.open_table(CONTACTS)?;
        let phones = snap.txn.open_table(BY_PHONE)?;
        let emails = snap.txn.open_table(BY_EMAIL)?;
        // The name index, from version 7 on (an older store gets it from its next writer).
        let names = match snap.txn.open_table(WORDS) {
            Ok(t) if snap.version >= 7 => Some(t),
            Ok(_) | Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.into()),
        };
        // What the name index must hold, as a count and an order-free sum: the index is
        // read word by word, the contacts id by id, and neither fits in memory at 10M.
        let mut expected = Tally::default();
        for entry in contacts.iter()? {
            let (id, v) = entry?;
            let id = id.value();
            report.contacts += 1;
            let c = match decode_contact(id, v.value(), format) {
                Ok(c) => c,
                Err(e) if e.is_damaged_record() => {
                    problems.push(Problem::contact(id, DAMAGED));
                    continue;
                }
                Err(e) => return Err(e),
            };
            for (kind, index) in [(Kind::Phone, &phones), (Kind::Email, &emails)] {
                for value in kind.values(&c) {
                    if !index::holds(index, kind, value, id)? {
                        problems.push(Problem::contact(
                            id,
                            format!("not indexed under its {} {value}", kind_name(kind)),
                        ));
                    }
                }
            }
            if names.is_some() {
                for key in search::keys(&c) {
                    expected.add(key, id);
                }
            }
        }
        if let Some(names) = &names {
            let mut held = Tally::default();
            let mut ids = Vec::new();
            for entry in names.iter()? {
                let (k, v) = entry?;
                let (key, first) = k.value();
                ids.clear();
                if search::decode_chunk(first, v.value(), &mut ids).is_err() {
                    problems.push(Problem::contact(
                        first,
                        "the name index's chunk that starts with it is damaged (rebuilt by the next import or revert after the store is restored from a backup)",
                    ));
                    continue;
                }
                for &id in &ids {
                    held.add(key, id);
                }
            }
            // Only when they differ are the contacts and the entries gone through again,
            // to name what is missing and what is astray.
            if held != expected {
                for entry in contacts.iter()? {
                    let (id, v) = entry?;
                    let id = id.value();
                    let Ok(c) = decode_contact(id, v.value(), format) else {
                        continue;
                    };
                    let mut missing = false;
                    for key in search::keys(&c) {
                        missing |= !search::holds(names, key, id).unwrap_or(false);
                    }
                    if missing {
                        problems.push(Problem::contact(
                            id,
                            "not in the name index under every word of its name",
                        ));
                    }
                }
                search::for_each_entry(names, |key, id| {
                    let Some(stored) = contacts.get(id)? else {
                        problems.push(Problem::contact(
                            id,
                            "the name index points to it, but it does not exist",
                        ));
                        return Ok(());
                    };
                    // A damaged contact was reported above.
                    if let Ok(c) = decode_contact(id, stored.value(), format) {
                        if search::keys(&c).binary_search(&key).is_err() {
                            problems.push(Problem::contact(
                                id,
                                "the name index holds it under a word its name does not have",
                            ));
                        }
                    }
                    Ok(())
                })?;
            }
        }
        for (kind, index) in [(Kind::Phone, &phones), (Kind::Email, &emails)] {
            for entry in index.iter()? {
                let ((key, id), ()) = entry.map(|(k, v)| (k.value(), v.value()))?;
                let Some(stored) = contacts.get(id)? else {
                    problems.push(Problem::contact(
                        id,
                        format!(
                            "the {} index points to it, but it does not exist",
                            kind_name(kind)
                        ),
                    ));
                    continue;
                };
                // A damaged contact was reported above.
                let Ok(c) = decode_contact(id, stored.value(), format) else {
                    continue;
                };
                if !kind.values(&c).iter().any(|v| kind.key(v).0 == key) {
                    problems.push(Problem::contact(
                        id,
                        format!(
                            "the {} index holds it under a key none of its values has",
                            kind_name(kind)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every job: intact, its counts add up and agree with its stored rows (each row's
    /// fate is stored in the same commit as the count it adds to).
    fn check_jobs(&self, report: &mut CheckReport) -> Result<()> {
        let snap = self.read()?;
        let format = snap.format;
        let mut problems = Vec::new();
        let mut jobs: BTreeMap<u64, Job> = BTreeMap::new();
        for entry in snap.txn.open_table(JOBS)?.iter()? {
            let (id, v) = entry?;
            let id = id.value();
            report.jobs += 1;
            match decode_job(id, v.value(), format) {
                Ok(job) => {
                    jobs.insert(id, job);
                }
                Err(e) if e.is_damaged_record() => problems.push(Problem::job(id, DAMAGED)),
                Err(e) => return Err(e),
            }
        }
        // The rows a retry mark names, on either side: looked for among the stored rows.
        let retried = retry_marks(&snap.txn)?;
        let mut wanted: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
        for ((of, row), (by, its_row)) in &retried {
            wanted.entry(*of).or_default().insert(*row);
            wanted.entry(*by).or_default().insert(*its_row);
        }
        let mut found: BTreeSet<(u64, u64)> = BTreeSet::new();
        let mut tallies: BTreeMap<u64, [u64; 4]> = BTreeMap::new();
        let mut rows_damaged = Vec::new();
        rows::chunks(
            &snap.txn.open_table(JOB_ROWS)?,
            None,
            &mut |job, first_row, packed| {
                match rows::decode_as(packed, format) {
                    Ok(rows) => {
                        let tally = tallies.entry(job).or_default();
                        let wanted = wanted.get(&job);
                        for row in rows {
                            if wanted.is_some_and(|w| w.contains(&row.row)) {
                                found.insert((job, row.row));
                            }
                            tally[match row.status {
                                RowStatus::Imported => 0,
                                RowStatus::Updated => 1,
                                RowStatus::Skipped => 2,
                                RowStatus::Error => 3,
                            }] += 1;
                        }
                    }
                    Err(e) if e.is_damaged_record() => {
                        rows_damaged.push(job);
                        problems.push(Problem::job(
                            job,
                            format!("its stored rows from row {first_row} are {DAMAGED}"),
                        ))
                    }
                    Err(e) => return Err(e),
                }
                Ok(())
            },
        )?;
        for (id, job) in &jobs {
            let c = &job.counts;
            if c.created + c.updated + c.skipped + c.failed != c.total_rows {
                problems.push(Problem::job(
                    *id,
                    format!(
                        "its counts do not add up: {} created + {} updated + {} skipped + {} failed is not {} rows",
                        c.created, c.updated, c.skipped, c.failed, c.total_rows
                    ),
                ));
                continue;
            }
            if rows_damaged.contains(id) {
                continue;
            }
            let counted = tallies.get(id).copied().unwrap_or_default();
            if counted != [c.created, c.updated, c.skipped, c.failed] {
                let [created, updated, skipped, failed] = counted;
                problems.push(Problem::job(
                    *id,
                    format!(
                        "its counts ({} created, {} updated, {} skipped, {} failed) disagree with its stored rows ({created}, {updated}, {skipped}, {failed})",
                        c.created, c.updated, c.skipped, c.failed
                    ),
                ));
            }
        }
        for id in tallies.keys() {
            if !jobs.contains_key(id) && !problems.iter().any(|p| p.job == Some(*id)) {
                problems.push(Problem::job(
                    *id,
                    "rows are stored for it, but the job is missing",
                ));
            }
        }
        let damaged = |id: &u64| {
            rows_damaged.contains(id)
                || problems
                    .iter()
                    .any(|p| p.job == Some(*id) && p.problem == DAMAGED)
        };
        let mut stray = Vec::new();
        for ((of, row), (by, its_row)) in retried {
            if damaged(&of) || damaged(&by) {
                continue;
            }
            let mark = format!("its row {row} is marked retried in job {by} (row {its_row})");
            let why = match (jobs.get(&of), jobs.get(&by)) {
                (None, _) => format!("{mark}, but the job is missing"),
                (_, None) => format!("{mark}, but job {by} is missing"),
                (Some(_), Some(follow_up)) if follow_up.retry_of != Some(of) => {
                    format!("{mark}, but job {by} is not a retry of it")
                }
                (Some(_), _) if !found.contains(&(of, row)) => {
                    format!("{mark}, but the job has no row {row}")
                }
                // A follow-up that stopped before a row has not stored it yet; one that
                // went through its file has them all.
                (Some(_), Some(follow_up))
                    if !found.contains(&(by, its_row))
                        && (its_row <= follow_up.resume_after
                            || matches!(
                                follow_up.status,
                                JobStatus::Completed | JobStatus::CompletedWithErrors
                            )) =>
                {
                    format!("{mark}, but job {by} has no row {its_row}")
                }
                _ => continue,
            };
            stray.push(Problem::job(of, why));
        }
        for (by, rows) in retry_pending(&snap.txn)? {
            match jobs.get(&by) {
                None if !damaged(&by) => stray.push(Problem::job(
                    by,
                    format!(
                        "{} kept for it to mark retried, but the job is missing",
                        plural(rows)
                    ),
                )),
                Some(job) if job.retry_of.is_none() => stray.push(Problem::job(
                    by,
                    format!(
                        "{} kept for it to mark retried, but it is not a retry",
                        plural(rows)
                    ),
                )),
                _ => {}
            }
        }
        problems.extend(stray);
        report.problems.extend(problems);
        Ok(())
    }

    /// The undo records: a contact's values from before a job updated it.
    fn check_undo(&self, report: &mut CheckReport) -> Result<()> {
        let snap = self.read()?;
        for entry in snap.txn.open_table(UNDO)?.iter()? {
            let (key, v) = entry?;
            let (job, id) = key.value();
            if codec::decode_contact_as(v.value(), snap.format).is_err() {
                report.problems.push(Problem::job(
                    job,
                    format!(
                        "its record of contact {id} from before it is {DAMAGED}; reverting the job is refused"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_small_tables(&self, report: &mut CheckReport) -> Result<()> {
        let snap = self.read()?;
        for (name, table) in [
            ("lists", LISTS),
            ("custom_fields", CUSTOM_FIELDS),
            ("mappings", MAPPINGS),
            ("team", TEAM),
        ] {
            // A store from before the team has no table for it.
            let table = match snap.txn.open_table(table) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            for entry in table.iter()? {
                let (key, v) = entry?;
                let valid = codec::unseal(v.value(), snap.format)
                    .is_ok_and(|p| serde_json::from_slice::<serde::de::IgnoredAny>(p).is_ok());
                if !valid {
                    report.problems.push(Problem::store(format!(
                        "{} is {DAMAGED}",
                        describe_damage(name, key.value())
                    )));
                }
            }
        }
        Ok(())
    }

    /// Checks the invariants a crash must never break (every indexed id exists, every
    /// contact is indexed under each of its phones and emails, job counts add up) and that
    /// every record is intact; one line per problem.
    pub fn check_invariants(&self) -> Result<Vec<String>> {
        Ok(self
            .check()?
            .problems
            .iter()
            .map(Problem::describe)
            .collect())
    }

    /// The damaged records a revert of `job` would meet: the contacts it created or
    /// updated, and its records of them from before. A revert is refused while any is.
    pub fn damaged_for_revert(&self, job: u64) -> Result<Vec<StoreError>> {
        guard::guarded(&self.path, || self.damaged_for_revert_unguarded(job))
    }

    fn damaged_for_revert_unguarded(&self, job: u64) -> Result<Vec<StoreError>> {
        let snap = self.read()?;
        let format = snap.format;
        let contacts = snap.txn.open_table(CONTACTS)?;
        let mut damaged = Vec::new();
        let mut check = |id: u64| -> Result<()> {
            if let Some(v) = contacts.get(id)? {
                if let Err(e) = decode_contact(id, v.value(), format) {
                    damaged.push(e);
                }
            }
            Ok(())
        };
        let undo = snap.txn.open_table(UNDO)?;
        let mut before = Vec::new();
        for entry in undo.range((job, 0)..=(job, u64::MAX))? {
            let (key, v) = entry?;
            let id = key.value().1;
            if codec::decode_contact_as(v.value(), format).is_err() {
                before.push(StoreError::damaged(
                    "undo",
                    format!("contact {id} from before job {job}"),
                ));
            }
            check(id)?;
        }
        for entry in snap
            .txn
            .open_table(CREATED)?
            .range((job, 0)..=(job, u64::MAX))?
        {
            let (key, last) = entry?;
            for id in key.value().1..=last.value() {
                check(id)?;
            }
        }
        damaged.extend(before);
        Ok(damaged)
    }
}

/// "1 row is", "3 rows are".
fn plural(rows: u64) -> String {
    if rows == 1 {
        "1 row is".into()
    } else {
        format!("{rows} rows are")
    }
}

/// Every retry mark: (job, row) → (follow-up job, its row). None in a store from before
/// retries were noted.
/// (job, row) and (follow-up job, its row).
type RetryMark = ((u64, u64), (u64, u64));

fn retry_marks(txn: &redb::ReadTransaction) -> Result<Vec<RetryMark>> {
    let table = match txn.open_table(RETRIED) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        out.push((k.value(), v.value()));
    }
    Ok(out)
}

/// The retries with rows still waiting to be marked, and how many each has.
fn retry_pending(txn: &redb::ReadTransaction) -> Result<BTreeMap<u64, u64>> {
    let table = match txn.open_table(RETRY_PENDING) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out: BTreeMap<u64, u64> = BTreeMap::new();
    for entry in table.iter()? {
        let (k, _) = entry?;
        *out.entry(k.value().0).or_default() += 1;
    }
    Ok(out)
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Phone => "phone",
        Kind::Email => "email",
    }
}
