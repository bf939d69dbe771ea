//! Reverting a job: the contacts it created are deleted, the contacts it updated get their
//! values from before it back, and any contact a later job changed is left alone and named.
//! Undo records are consumed batch by batch in the same transactions as the changes, so a
//! revert killed half-way is finished by running it again.

use redb::ReadableTable;

use super::codec;
use super::error::Result;
use super::index::{self, Kind};
use super::jobs::{Job, JobStatus};
use super::schema::*;
use super::{Store, StoreError};
use crate::engine::contact::Contact;

const BATCH: usize = 20_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RevertReport {
    pub job: u64,
    pub deleted: u64,
    pub restored: u64,
    /// Contacts changed by a later job since: left as they are.
    pub conflicts: Vec<u64>,
}

impl RevertReport {
    /// What the revert did, for the wizard's status line and the command line: the counts
    /// first, so that a line cut at the screen's edge loses only the list of contacts.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "Job {} reverted: {} contacts deleted, {} restored to their values before it.",
            self.job, self.deleted, self.restored
        );
        if !self.conflicts.is_empty() {
            let ids: Vec<String> = self.conflicts.iter().map(|c| format!("#{c}")).collect();
            text.push_str(&format!(
                " {} left as they are, because a later job changed them: {}.",
                self.conflicts.len(),
                ids.join(", ")
            ));
        }
        text
    }
}

impl Store {
    pub fn revert_job(&self, id: u64, progress: &mut dyn FnMut(u64)) -> Result<RevertReport> {
        // Restoring before-images indexes keys the import's filter never saw.
        drop(self.take_filter());
        let mut job = self.job(id)?;
        match job.status {
            JobStatus::Reverted => {
                return Err(StoreError::JobState {
                    job: id,
                    status: job.status.to_string(),
                    what: "it was already reverted".into(),
                })
            }
            JobStatus::Running => {
                return Err(StoreError::JobState {
                    job: id,
                    status: job.status.to_string(),
                    what: format!("finish it first (`rolodex resume {id}`), then revert it"),
                })
            }
            _ => {}
        }
        let mut report = RevertReport {
            job: id,
            conflicts: job.revert_conflicts.clone(),
            ..Default::default()
        };
        job.status = JobStatus::Reverting;
        self.save_job(&job)?;
        loop {
            let done = self.revert_batch(&mut job, &mut report)?;
            progress(report.deleted + report.restored);
            if done {
                break;
            }
        }
        job.status = JobStatus::Reverted;
        job.revert_conflicts = report.conflicts.clone();
        job.finished = job
            .finished
            .clone()
            .or(Some(chrono::Local::now().to_rfc3339()));
        self.save_job(&job)?;
        Ok(report)
    }

    /// Reverts up to `BATCH` contacts; true when no undo record of the job is left. Updated
    /// contacts are restored first, then the created ones deleted, range by range; each
    /// transaction consumes exactly the records it acted on.
    fn revert_batch(&self, job: &mut Job, report: &mut RevertReport) -> Result<bool> {
        let txn = self.begin_write()?;
        let done;
        {
            let mut undo = txn.open_table(UNDO)?;
            let mut created = txn.open_table(CREATED)?;
            let mut contacts = txn.open_table(CONTACTS)?;
            let mut phones = txn.open_table(BY_PHONE)?;
            let mut emails = txn.open_table(BY_EMAIL)?;
            let mut tags = txn.open_table(TAGS)?;
            // (contact id, before-image; empty for a contact the job created)
            let mut work: Vec<(u64, Vec<u8>)> = Vec::new();
            for entry in undo.range((job.id, 0)..=(job.id, u64::MAX))?.take(BATCH) {
                let (k, v) = entry?;
                work.push((k.value().1, v.value().to_vec()));
            }
            for (id, _) in &work {
                undo.remove((job.id, *id))?;
            }
            if work.len() < BATCH {
                let range = created
                    .range((job.id, 0)..=(job.id, u64::MAX))?
                    .next()
                    .transpose()?
                    .map(|(k, v)| (k.value().1, v.value()));
                if let Some((first, last)) = range {
                    let take = (BATCH - work.len()) as u64;
                    let end = last.min(first.saturating_add(take - 1));
                    work.extend((first..=end).map(|id| (id, Vec::new())));
                    created.remove((job.id, first))?;
                    if end < last {
                        created.insert((job.id, end + 1), last)?;
                    }
                }
            }
            done = work.len() < BATCH
                && undo
                    .range((job.id, 0)..=(job.id, u64::MAX))?
                    .next()
                    .is_none()
                && created
                    .range((job.id, 0)..=(job.id, u64::MAX))?
                    .next()
                    .is_none();
            for (contact_id, before) in work {
                let current: Option<Contact> = contacts
                    .get(contact_id)?
                    .map(|v| codec::decode(v.value()))
                    .transpose()?;
                let Some(current) = current else { continue };
                let touched_later = current.updated_by.is_some_and(|u| u != job.id)
                    || current.created_by.is_some_and(|c| c > job.id);
                if touched_later {
                    report.conflicts.push(contact_id);
                    continue;
                }
                for p in &current.phones {
                    index::remove(&mut phones, Kind::Phone, p, contact_id)?;
                }
                for e in &current.emails {
                    index::remove(&mut emails, Kind::Email, e, contact_id)?;
                }
                for t in &current.tags {
                    let n = tags.get(t.as_str())?.map(|v| v.value()).unwrap_or(0);
                    if n <= 1 {
                        tags.remove(t.as_str())?;
                    } else {
                        tags.insert(t.as_str(), n - 1)?;
                    }
                }
                if before.is_empty() {
                    contacts.remove(contact_id)?;
                    report.deleted += 1;
                } else {
                    let restored: Contact = codec::decode(&before)?;
                    contacts.insert(contact_id, before.as_slice())?;
                    for p in &restored.phones {
                        index::insert(&mut phones, Kind::Phone, p, contact_id)?;
                    }
                    for e in &restored.emails {
                        index::insert(&mut emails, Kind::Email, e, contact_id)?;
                    }
                    for t in &restored.tags {
                        let n = tags.get(t.as_str())?.map(|v| v.value()).unwrap_or(0);
                        tags.insert(t.as_str(), n + 1)?;
                    }
                    report.restored += 1;
                }
            }
            job.revert_conflicts = report.conflicts.clone();
            txn.open_table(JOBS)?
                .insert(job.id, codec::encode_json(&*job)?.as_slice())?;
        }
        txn.commit()?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::RevertReport;

    #[test]
    fn the_report_says_what_was_undone_and_what_was_left() {
        let mut report = RevertReport {
            job: 4,
            deleted: 3,
            restored: 2,
            conflicts: Vec::new(),
        };
        assert_eq!(
            report.describe(),
            "Job 4 reverted: 3 contacts deleted, 2 restored to their values before it."
        );
        report.conflicts = vec![7, 9];
        assert!(report
            .describe()
            .ends_with(" 2 left as they are, because a later job changed them: #7, #9."));
    }
}
