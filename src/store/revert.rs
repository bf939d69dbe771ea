//! Reverting a job: the contacts it created are deleted, the contacts it updated get their
//! values from before it back. A contact that a later job relied on — updated, or skipped a
//! row against as a duplicate — is a conflict: it is left as it is and named, with the later
//! job, its row and what it did, unless the revert is forced (`rolodex revert --force`,
//! also afterwards: a reverted job's conflicts keep what a forced revert needs).
//! Undo records are consumed batch by batch in the same transactions as the changes, so a
//! revert killed half-way is finished by running it again.

use std::collections::{BTreeMap, HashSet};

use redb::{ReadableTable, Table};

use super::codec;
use super::error::Result;
use super::index::{self, Kind};
use super::jobs::{Job, JobStatus};
use super::schema::*;
use super::{Store, StoreError};
use crate::engine::contact::Contact;

/// Contacts undone per transaction. Each durable commit copies every index page its
/// deletions touched: 20k-contact batches took 5.6 min (100 s of it in the kernel) to
/// revert a 10M-row import. Memory holds a batch's ids and the before-images of the
/// updated contacts among them (a few hundred bytes each) beside redb's bounded cache.
const BATCH: usize = 100_000;

/// `BATCH`, or `ROLODEX_REVERT_BATCH` (tests that stop a revert between commits use
/// small batches on small stores).
pub(crate) fn batch() -> usize {
    std::env::var("ROLODEX_REVERT_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(BATCH)
}

/// Conflicts named one by one in the text report; `--json` lists them all.
const NAMED: usize = 10;

/// What a later job did with a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Touch {
    /// Skipped a row as a duplicate of it.
    Skipped,
    /// Updated it.
    Updated,
    /// Created it (a job id older than the reverted one, resumed after it).
    Created,
}

impl Touch {
    /// As `MATCHED_BY` keeps it.
    pub fn code(self) -> u8 {
        match self {
            Touch::Skipped => 1,
            Touch::Updated => 2,
            Touch::Created => 3,
        }
    }

    /// A code this rolodex does not know is taken for the strongest reason, an update.
    pub fn from_code(code: u8) -> Touch {
        match code {
            1 => Touch::Skipped,
            3 => Touch::Created,
            _ => Touch::Updated,
        }
    }
}

/// A row of another job that matched a contact, as `MATCHED_BY` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub job: u64,
    pub row: u64,
    pub did: Touch,
}

/// Why a revert leaves a contact alone (or, forced, why it should have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    pub contact: u64,
    /// The later job.
    pub job: u64,
    /// Its row, when known: stores from before rolodex recorded matches know only the job
    /// that last updated a contact.
    pub row: Option<u64>,
    pub did: Touch,
}

impl Conflict {
    /// "#12 (job 5 skipped row 40 as a duplicate of it)".
    pub fn describe(&self) -> String {
        let (c, j) = (self.contact, self.job);
        match (self.did, self.row) {
            (Touch::Skipped, Some(r)) => {
                format!("#{c} (job {j} skipped row {r} as a duplicate of it)")
            }
            (Touch::Skipped, None) => format!("#{c} (job {j} skipped a row as a duplicate of it)"),
            (Touch::Updated, Some(r)) => format!("#{c} (job {j} updated it at row {r})"),
            (Touch::Updated, None) => format!("#{c} (job {j} updated it)"),
            (Touch::Created, Some(r)) => format!("#{c} (job {j} created it at row {r})"),
            (Touch::Created, None) => format!("#{c} (job {j} created it)"),
        }
    }
}

/// What a revert knows of a contact it is about to delete or restore.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub contact: u64,
    pub created_by: Option<u64>,
    pub updated_by: Option<u64>,
    /// Every job's rows that matched it (`MATCHED_BY`).
    pub matches: &'a [Match],
}

/// Whether reverting job `reverting` would take away a contact, or values, that another job
/// relied on, and which job: the latest one. A job's match counts when it came after the
/// reverted job — a later job id, or any job at all for a contact the reverted job created
/// (it did not exist before) — and that job is not reverted itself (`reverted`). A contact
/// last updated or created by another job is a conflict whatever happened to that job
/// since: its values are that job's, and stores from before matches were recorded know
/// nothing else.
pub fn conflict_of(
    reverting: u64,
    candidate: &Candidate<'_>,
    reverted: &dyn Fn(u64) -> bool,
) -> Option<Conflict> {
    let created_here = candidate.created_by == Some(reverting);
    let row_of = |job: u64| {
        candidate
            .matches
            .iter()
            .filter(|m| m.job == job)
            .map(|m| m.row)
            .max()
    };
    let conflict = |job: u64, row: Option<u64>, did: Touch| Conflict {
        contact: candidate.contact,
        job,
        row,
        did,
    };
    let matched = candidate
        .matches
        .iter()
        .filter(|m| m.job != reverting && !reverted(m.job) && (created_here || m.job > reverting))
        .map(|m| conflict(m.job, Some(m.row), m.did));
    let updated = candidate
        .updated_by
        .filter(|&u| u != reverting)
        .map(|u| conflict(u, row_of(u), Touch::Updated));
    let created = candidate
        .created_by
        .filter(|&c| c > reverting)
        .map(|c| conflict(c, None, Touch::Created));
    // The latest job; for one job, what the store knows best (a row over none).
    matched
        .chain(updated)
        .chain(created)
        .max_by_key(|c| (c.job, c.row.is_some()))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RevertReport {
    pub job: u64,
    pub deleted: u64,
    pub restored: u64,
    /// Contacts a later job matched, updated or skipped against: left as they are.
    pub conflicts: Vec<u64>,
    /// Contacts reverted by force although a later job matched them: that job's rows now
    /// name a contact that is gone, or has its values from before.
    pub forced: Vec<u64>,
    /// For each contact of `conflicts` and `forced`, the later job's row behind it, where
    /// known.
    pub matched_later: Vec<Conflict>,
    /// The job's opportunities deleted and restored.
    pub opportunities: super::opportunities::OpportunitiesReverted,
}

impl RevertReport {
    /// What the revert did, for the wizard's status line and the command line: the counts
    /// first, then what to do about conflicts, so that a line cut at the screen's edge
    /// loses only the list of contacts.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "Job {} reverted: {} contacts deleted, {} restored to their values before it.",
            self.job, self.deleted, self.restored
        );
        let o = &self.opportunities;
        if o.deleted + o.restored > 0 {
            text.push_str(&format!(
                " Opportunities: {} deleted, {} restored.",
                o.deleted, o.restored
            ));
        }
        if !self.conflicts.is_empty() {
            text.push_str(&format!(
                " {} left as they are, because a later job matched them (`rolodex revert {} --force` reverts them too): {}.",
                self.conflicts.len(),
                self.job,
                self.name(&self.conflicts)
            ));
        }
        if !self.forced.is_empty() {
            text.push_str(&format!(
                " {} reverted although a later job matched them (--force); that job's rows now name contacts deleted or restored: {}.",
                self.forced.len(),
                self.name(&self.forced)
            ));
        }
        text
    }

    /// "#12 (job 5 skipped row 40 as a duplicate of it), #13 (…) and 8 more".
    fn name(&self, ids: &[u64]) -> String {
        let why: BTreeMap<u64, &Conflict> =
            self.matched_later.iter().map(|c| (c.contact, c)).collect();
        let mut named: Vec<String> = ids
            .iter()
            .take(NAMED)
            .map(|id| {
                why.get(id)
                    .map_or_else(|| format!("#{id}"), |c| c.describe())
            })
            .collect();
        if ids.len() > NAMED {
            named.push(format!(
                "and {} more (`--json` lists them all)",
                ids.len() - NAMED
            ));
        }
        named.join(", ")
    }
}

/// A revert under way (redb's and PostgreSQL's).
pub(crate) struct Run {
    pub(crate) force: bool,
    /// Jobs reverted before: what their rows matched no longer holds a contact back.
    pub(crate) reverted: HashSet<u64>,
    /// `report.conflicts`, to look up (a revert run again meets its conflicts again).
    pub(crate) left: HashSet<u64>,
    /// Some of `report.conflicts` were reverted since: `settle` drops them.
    pub(crate) unsettled: bool,
    /// The contacts named in `matched_later`, by id.
    pub(crate) why: BTreeMap<u64, Conflict>,
    /// Undo records of contacts below this id are done with: those still there belong to
    /// conflicts, kept for a forced revert.
    pub(crate) next_undo: u64,
    pub(crate) report: RevertReport,
}

impl Run {
    /// A contact left in place.
    pub(crate) fn leave(&mut self, id: u64, why: Option<Conflict>) {
        if self.left.insert(id) {
            self.report.conflicts.push(id);
        }
        if let Some(why) = why {
            self.why.insert(id, why);
        }
    }

    /// A contact reverted: by force when `why`.
    pub(crate) fn reverted(&mut self, id: u64, why: Option<Conflict>) {
        self.unsettled |= self.left.remove(&id);
        if let Some(why) = why {
            self.report.forced.push(id);
            self.why.insert(id, why);
        }
    }

    /// The conflicts still left, once per batch (once per contact cost a forced revert of
    /// 160,000 of them four minutes).
    pub(crate) fn settle(&mut self) -> &[u64] {
        if std::mem::take(&mut self.unsettled) {
            let left = &self.left;
            self.report.conflicts.retain(|c| left.contains(c));
        }
        &self.report.conflicts
    }

    pub(crate) fn finish(mut self) -> RevertReport {
        self.settle();
        let why = &self.why;
        self.report.matched_later = self
            .report
            .conflicts
            .iter()
            .chain(&self.report.forced)
            .filter_map(|id| why.get(id).copied())
            .collect();
        self.report
    }
}

/// The tables a revert batch changes.
struct Tables<'t> {
    undo: Table<'t, (u64, u64), &'static [u8]>,
    contacts: Table<'t, u64, &'static [u8]>,
    phones: Table<'t, (u64, u64), ()>,
    emails: Table<'t, (u64, u64), ()>,
    tags: Table<'t, &'static str, u64>,
    matched_by: Table<'t, (u64, u64), (u64, u8)>,
    search: super::search::WordsTable<'t>,
    /// Name index changes, applied word by word before the batch commits.
    words: super::search::Pending,
}

/// The rows of every job that matched the contact.
fn matches_of<T>(table: &T, contact: u64) -> Result<Vec<Match>>
where
    T: ReadableTable<(u64, u64), (u64, u8)>,
{
    let mut out = Vec::new();
    for entry in table.range((contact, 0)..=(contact, u64::MAX))? {
        let (key, value) = entry?;
        let (row, did) = value.value();
        out.push(Match {
            job: key.value().1,
            row,
            did: Touch::from_code(did),
        });
    }
    Ok(out)
}

impl Store {
    /// Reverts job `id`; with `force`, contacts a later job matched too — and, for a job
    /// already reverted, the conflicts it left.
    pub fn revert_job(
        &self,
        id: u64,
        force: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<RevertReport> {
        self.revert_job_until(
            id,
            force,
            progress,
            &std::sync::atomic::AtomicBool::new(false),
        )
    }

    /// `revert_job`, stopped after the batch in hand once `stop` is set: the job stays
    /// `reverting` (shown interrupted once this process is gone) and running the revert
    /// again finishes it.
    pub fn revert_job_until(
        &self,
        id: u64,
        force: bool,
        progress: &mut dyn FnMut(u64),
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<RevertReport> {
        if force {
            self.reopen_conflicts(id)?;
        }
        // Restoring before-images indexes keys the import's filter never saw.
        drop(self.take_filter());
        let mut job = self.job(id)?;
        // Any job can be reverted, whatever happened to its file or its process: the undo
        // records and the ranges of created ids say what to undo, committed with each
        // batch. Only an import still running in a live process is left to finish.
        match job.effective_status() {
            JobStatus::Reverted => {
                return Err(StoreError::JobState {
                    job: id,
                    status: job.status.to_string(),
                    what: "it was already reverted".into(),
                })
            }
            JobStatus::Checking | JobStatus::Running => {
                let pid = job.owner.as_ref().map_or(0, |o| o.pid);
                return Err(StoreError::JobState {
                    job: id,
                    status: job.status.to_string(),
                    what: format!("it is being imported by process {pid}; wait for it to end, or stop it (Ctrl-C, or `kill {pid}`), then revert it"),
                });
            }
            _ => {}
        }
        job.owner = super::jobs::Owner::current();
        let report = RevertReport {
            job: id,
            conflicts: job.revert_conflicts.clone(),
            ..Default::default()
        };
        let mut run = self.start_run(&job, force, report)?;
        job.status = JobStatus::Reverting;
        self.save_job(&job)?;
        // The job's opportunities first, in a transaction of their own: a revert run again
        // finds nothing more to undo there.
        let opportunities = self.revert_opportunities(id)?;
        run.report.opportunities = opportunities;
        loop {
            let done = self.revert_batch(&mut job, &mut run)?;
            progress(run.report.deleted + run.report.restored);
            if done {
                break;
            }
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(StoreError::JobState {
                    job: id,
                    status: job.status.to_string(),
                    what: format!("the revert stopped after {} contacts; `rolodex revert {id} --yes{}` finishes it", run.report.deleted + run.report.restored, if force { " --force" } else { "" }),
                });
            }
        }
        if force {
            // Conflicts left earlier among the contacts the job created: no undo record
            // holds them any more, the list does.
            let left = run.settle().to_vec();
            for ids in left.chunks(batch()) {
                self.revert_listed(&mut job, &mut run, ids)?;
                progress(run.report.deleted + run.report.restored);
            }
        }
        job.status = JobStatus::Reverted;
        job.revert_conflicts = run.settle().to_vec();
        job.finished = job
            .finished
            .clone()
            .or(Some(chrono::Local::now().to_rfc3339()));
        self.save_job(&job)?;
        Ok(run.finish())
    }

    /// A reverted job that left conflicts goes back to `reverting`, for a forced revert to
    /// finish them.
    fn reopen_conflicts(&self, id: u64) -> Result<()> {
        let mut job = self.job(id)?;
        if job.status == JobStatus::Reverted && !job.revert_conflicts.is_empty() {
            job.status = JobStatus::Reverting;
            self.save_job(&job)?;
        }
        Ok(())
    }

    /// The revert's state, with the reasons for the conflicts an earlier run of it left.
    fn start_run(&self, job: &Job, force: bool, report: RevertReport) -> Result<Run> {
        let reverted: HashSet<u64> = self
            .jobs()?
            .iter()
            .filter(|j| j.status == JobStatus::Reverted)
            .map(|j| j.id)
            .collect();
        let mut why = BTreeMap::new();
        {
            let snap = self.read()?;
            let txn = &snap.txn;
            let contacts = txn.open_table(CONTACTS)?;
            let matched_by = txn.open_table(MATCHED_BY)?;
            for &id in &report.conflicts {
                let Some(c) = contacts.get(id)? else { continue };
                let c: Contact = codec::decode_contact(c.value())?;
                let matches = matches_of(&matched_by, id)?;
                let candidate = Candidate {
                    contact: id,
                    created_by: c.created_by,
                    updated_by: c.updated_by,
                    matches: &matches,
                };
                if let Some(conflict) = conflict_of(job.id, &candidate, &|j| reverted.contains(&j))
                {
                    why.insert(id, conflict);
                }
            }
        }
        Ok(Run {
            force,
            reverted,
            left: report.conflicts.iter().copied().collect(),
            unsettled: false,
            why,
            next_undo: 0,
            report,
        })
    }

    /// Reverts up to `batch()` contacts; true when no undo record of the job is left to look
    /// at. Updated contacts are restored first, then the created ones deleted, range by
    /// range; each transaction consumes exactly the records it acted on.
    fn revert_batch(&self, job: &mut Job, run: &mut Run) -> Result<bool> {
        let batch = batch();
        let txn = self.begin_write()?;
        let done;
        {
            let mut created = txn.open_table(CREATED)?;
            let mut t = Tables {
                undo: txn.open_table(UNDO)?,
                contacts: txn.open_table(CONTACTS)?,
                phones: txn.open_table(BY_PHONE)?,
                emails: txn.open_table(BY_EMAIL)?,
                search: txn.open_table(WORDS)?,
                words: Default::default(),
                tags: txn.open_table(TAGS)?,
                matched_by: txn.open_table(MATCHED_BY)?,
            };
            // (contact id, before-image; none for a contact the job created)
            let mut work: Vec<(u64, Option<Vec<u8>>)> = Vec::new();
            for entry in t
                .undo
                .range((job.id, run.next_undo)..=(job.id, u64::MAX))?
                .take(batch)
            {
                let (k, v) = entry?;
                work.push((k.value().1, Some(v.value().to_vec())));
            }
            if let Some((last, _)) = work.last() {
                run.next_undo = last.saturating_add(1);
            }
            if work.len() < batch {
                let range = created
                    .range((job.id, 0)..=(job.id, u64::MAX))?
                    .next()
                    .transpose()?
                    .map(|(k, v)| (k.value().1, v.value()));
                if let Some((first, last)) = range {
                    let take = (batch - work.len()) as u64;
                    let end = last.min(first.saturating_add(take - 1));
                    work.extend((first..=end).map(|id| (id, None)));
                    created.remove((job.id, first))?;
                    if end < last {
                        created.insert((job.id, end + 1), last)?;
                    }
                }
            }
            let full = work.len() >= batch;
            for (contact_id, before) in work {
                revert_contact(&mut t, job.id, contact_id, before, run)?;
            }
            done = !full
                && t.undo
                    .range((job.id, run.next_undo)..=(job.id, u64::MAX))?
                    .next()
                    .is_none()
                && created
                    .range((job.id, 0)..=(job.id, u64::MAX))?
                    .next()
                    .is_none();
            t.words.flush(&mut t.search)?;
            job.revert_conflicts = run.settle().to_vec();
            txn.open_table(JOBS)?
                .insert(job.id, codec::encode_json(&*job)?.as_slice())?;
        }
        txn.commit()?;
        Ok(done)
    }

    /// Reverts, by force, contacts an earlier run left as conflicts that have no undo record
    /// any more: the ones the job created are deleted.
    fn revert_listed(&self, job: &mut Job, run: &mut Run, ids: &[u64]) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut t = Tables {
                undo: txn.open_table(UNDO)?,
                contacts: txn.open_table(CONTACTS)?,
                phones: txn.open_table(BY_PHONE)?,
                emails: txn.open_table(BY_EMAIL)?,
                search: txn.open_table(WORDS)?,
                words: Default::default(),
                tags: txn.open_table(TAGS)?,
                matched_by: txn.open_table(MATCHED_BY)?,
            };
            for &id in ids {
                let before = t.undo.get((job.id, id))?.map(|v| v.value().to_vec());
                revert_contact(&mut t, job.id, id, before, run)?;
            }
            t.words.flush(&mut t.search)?;
            job.revert_conflicts = run.settle().to_vec();
            txn.open_table(JOBS)?
                .insert(job.id, codec::encode_json(&*job)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }
}

/// Deletes (no `before`) or restores one contact of job `job`, unless another job relied on
/// it since and the revert is not forced: then it is left, and so is its undo record.
fn revert_contact(
    t: &mut Tables<'_>,
    job: u64,
    contact_id: u64,
    before: Option<Vec<u8>>,
    run: &mut Run,
) -> Result<()> {
    let current: Option<Contact> = t
        .contacts
        .get(contact_id)?
        .map(|v| codec::decode_contact(v.value()))
        .transpose()?;
    let Some(current) = current else {
        if before.is_some() {
            t.undo.remove((job, contact_id))?;
        }
        return Ok(());
    };
    if before.is_none() && current.created_by != Some(job) {
        // Neither made by the job nor with its values from before: nothing to go back to.
        run.leave(contact_id, None);
        return Ok(());
    }
    let matches = matches_of(&t.matched_by, contact_id)?;
    let candidate = Candidate {
        contact: contact_id,
        created_by: current.created_by,
        updated_by: current.updated_by,
        matches: &matches,
    };
    let conflict = conflict_of(job, &candidate, &|j| run.reverted.contains(&j));
    if conflict.is_some() && !run.force {
        run.leave(contact_id, conflict);
        return Ok(());
    }
    run.reverted(contact_id, conflict);
    if before.is_some() {
        t.undo.remove((job, contact_id))?;
    }
    for p in &current.phones {
        index::remove(&mut t.phones, Kind::Phone, p, contact_id)?;
    }
    for e in &current.emails {
        index::remove(&mut t.emails, Kind::Email, e, contact_id)?;
    }
    for tag in &current.tags {
        let n = t.tags.get(tag.as_str())?.map(|v| v.value()).unwrap_or(0);
        if n <= 1 {
            t.tags.remove(tag.as_str())?;
        } else {
            t.tags.insert(tag.as_str(), n - 1)?;
        }
    }
    t.words
        .update(&mut t.search, contact_id, Some(&current), None)?;
    match before {
        None => {
            t.contacts.remove(contact_id)?;
            // Ids are never given again: what matched a deleted contact is history only.
            for m in &matches {
                t.matched_by.remove((contact_id, m.job))?;
            }
            run.report.deleted += 1;
        }
        Some(before) => {
            let restored: Contact = codec::decode_contact(&before)?;
            t.contacts.insert(contact_id, before.as_slice())?;
            t.words
                .update(&mut t.search, contact_id, None, Some(&restored))?;
            for p in &restored.phones {
                index::insert(&mut t.phones, Kind::Phone, p, contact_id)?;
            }
            for e in &restored.emails {
                index::insert(&mut t.emails, Kind::Email, e, contact_id)?;
            }
            for tag in &restored.tags {
                let n = t.tags.get(tag.as_str())?.map(|v| v.value()).unwrap_or(0);
                t.tags.insert(tag.as_str(), n + 1)?;
            }
            run.report.restored += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(conflicts: Vec<u64>, forced: Vec<u64>) -> RevertReport {
        let matched_later = conflicts
            .iter()
            .chain(&forced)
            .map(|&contact| Conflict {
                contact,
                job: 5,
                row: Some(contact * 10),
                did: Touch::Skipped,
            })
            .collect();
        RevertReport {
            job: 4,
            deleted: 3,
            restored: 2,
            conflicts,
            forced,
            matched_later,
            opportunities: Default::default(),
        }
    }

    #[test]
    fn the_report_says_what_was_undone_and_what_was_left() {
        assert_eq!(
            report(vec![], vec![]).describe(),
            "Job 4 reverted: 3 contacts deleted, 2 restored to their values before it."
        );
        assert!(report(vec![7, 9], vec![]).describe().ends_with(
            " 2 left as they are, because a later job matched them (`rolodex revert 4 --force` reverts them too): \
             #7 (job 5 skipped row 70 as a duplicate of it), #9 (job 5 skipped row 90 as a duplicate of it)."
        ));
        let forced = report(vec![], vec![7]).describe();
        assert!(
            forced.ends_with(" 1 reverted although a later job matched them (--force); that job's rows now name contacts deleted or restored: #7 (job 5 skipped row 70 as a duplicate of it)."),
            "{forced}"
        );
    }

    #[test]
    fn a_long_list_of_conflicts_is_cut_after_the_first_ten() {
        let text = report((1..=25).collect(), vec![]).describe();
        assert!(text.contains("#10 (job 5"), "{text}");
        assert!(!text.contains("#11 "), "{text}");
        assert!(
            text.ends_with(", and 15 more (`--json` lists them all)."),
            "{text}"
        );
    }

    #[test]
    fn each_way_a_later_job_touched_a_contact_reads_as_a_sentence() {
        let c = |did, row| Conflict {
            contact: 12,
            job: 5,
            row,
            did,
        };
        assert_eq!(
            c(Touch::Skipped, Some(40)).describe(),
            "#12 (job 5 skipped row 40 as a duplicate of it)"
        );
        assert_eq!(
            c(Touch::Updated, Some(40)).describe(),
            "#12 (job 5 updated it at row 40)"
        );
        assert_eq!(c(Touch::Updated, None).describe(), "#12 (job 5 updated it)");
        assert_eq!(c(Touch::Created, None).describe(), "#12 (job 5 created it)");
        for t in [Touch::Skipped, Touch::Updated, Touch::Created] {
            assert_eq!(Touch::from_code(t.code()), t);
        }
    }

    fn m(job: u64, row: u64, did: Touch) -> Match {
        Match { job, row, did }
    }

    /// Job 3 reverts contact 12, which it created (or, `created_by` 1, updated).
    fn decide(created_by: u64, updated_by: Option<u64>, matches: &[Match]) -> Option<Conflict> {
        let candidate = Candidate {
            contact: 12,
            created_by: Some(created_by),
            updated_by,
            matches,
        };
        conflict_of(3, &candidate, &|job| job == 7)
    }

    #[test]
    fn a_contact_nobody_else_matched_is_reverted() {
        assert_eq!(decide(3, None, &[]), None);
        assert_eq!(
            decide(3, Some(3), &[m(3, 8, Touch::Skipped)]),
            None,
            "its own rows"
        );
        assert_eq!(
            decide(1, Some(3), &[m(2, 5, Touch::Skipped)]),
            None,
            "job 2 matched it before job 3 updated it"
        );
    }

    #[test]
    fn a_later_job_that_skipped_or_updated_it_holds_it_back() {
        assert_eq!(
            decide(3, None, &[m(5, 40, Touch::Skipped)]),
            Some(Conflict {
                contact: 12,
                job: 5,
                row: Some(40),
                did: Touch::Skipped
            })
        );
        assert_eq!(
            decide(1, Some(6), &[m(6, 9, Touch::Updated)]),
            Some(Conflict {
                contact: 12,
                job: 6,
                row: Some(9),
                did: Touch::Updated
            })
        );
        // The latest of several is named.
        let many = [
            m(4, 2, Touch::Skipped),
            m(6, 3, Touch::Skipped),
            m(5, 1, Touch::Updated),
        ];
        assert_eq!(decide(3, Some(5), &many).map(|c| c.job), Some(6));
    }

    #[test]
    fn a_contact_the_job_created_is_held_back_by_any_other_job() {
        // Job 2, older, was resumed after job 3 made the contact.
        assert_eq!(
            decide(3, None, &[m(2, 4, Touch::Skipped)]).map(|c| c.job),
            Some(2)
        );
    }

    #[test]
    fn a_reverted_later_job_no_longer_counts_but_its_values_do() {
        assert_eq!(decide(3, None, &[m(7, 4, Touch::Skipped)]), None);
        // Job 7's revert left its values in place (a conflict of its own): they stay.
        assert_eq!(
            decide(3, Some(7), &[m(7, 4, Touch::Updated)]),
            Some(Conflict {
                contact: 12,
                job: 7,
                row: Some(4),
                did: Touch::Updated
            })
        );
    }

    #[test]
    fn stores_from_before_matches_were_recorded_still_know_the_last_update() {
        assert_eq!(
            decide(3, Some(5), &[]),
            Some(Conflict {
                contact: 12,
                job: 5,
                row: None,
                did: Touch::Updated
            })
        );
        assert_eq!(
            decide(4, None, &[]),
            Some(Conflict {
                contact: 12,
                job: 4,
                row: None,
                did: Touch::Created
            })
        );
    }
}
