//! Reverting a job on PostgreSQL, with redb's semantics (`store::revert`): the contacts it
//! created are deleted, those it updated restored from their undo records, a contact a
//! later job relied on is left as a conflict unless the revert is forced. Each batch is a
//! transaction that consumes exactly the undo records and created ids it acted on, with
//! the job's record, so a revert killed half-way is finished by running it again.

use std::collections::{BTreeMap, HashSet};

use postgres::Transaction;

use super::{decode_contact, encode, id_param, PgStore};
use crate::engine::contact::Contact;
use crate::store::jobs::{Job, JobStatus};
use crate::store::revert::{batch, conflict_of, Candidate, Match, RevertReport, Run, Touch};
use crate::store::{Result, StoreError};

type Err<'a> = &'a dyn Fn(postgres::Error) -> StoreError;

impl PgStore {
    /// Reverts job `id`; with `force`, contacts a later job matched too — and, for a job
    /// already reverted, the conflicts it left.
    pub fn revert_job(
        &self,
        id: u64,
        force: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<RevertReport> {
        self.refuse_read_only()?;
        // A revert changes the identifiers stored: the next import reads them afresh.
        *self.known.lock().unwrap_or_else(|p| p.into_inner()) = None;
        if force {
            let mut job = self.job(id)?;
            if job.status == JobStatus::Reverted && !job.revert_conflicts.is_empty() {
                job.status = JobStatus::Reverting;
                self.save_job(&job)?;
            }
        }
        let mut job = self.job(id)?;
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
        job.owner = crate::store::jobs::Owner::current();
        let report = RevertReport {
            job: id,
            conflicts: job.revert_conflicts.clone(),
            ..Default::default()
        };
        let mut run = self.start_run(&job, force, report)?;
        job.status = JobStatus::Reverting;
        self.save_job(&job)?;
        loop {
            let done = self.revert_batch(&mut job, &mut run, None)?;
            progress(run.report.deleted + run.report.restored);
            if done {
                break;
            }
        }
        if force {
            // Conflicts left earlier among the contacts the job created: no undo record
            // holds them any more, the list does.
            let left = run.settle().to_vec();
            for ids in left.chunks(batch()) {
                self.revert_batch(&mut job, &mut run, Some(ids))?;
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
            let mut client = self.client();
            let err = self.err();
            let mut txn = client.transaction().map_err(&err)?;
            for &id in &report.conflicts {
                let Some(c) = contact(&mut txn, id, &err)? else {
                    continue;
                };
                let matches = matches_of(&mut txn, id, &err)?;
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

    /// Reverts up to `batch()` contacts in one transaction — the undo records from
    /// `run.next_undo` on, then created ids range by range; or, `listed`, those contacts —
    /// and saves the job with it. True when nothing of the job is left to look at.
    fn revert_batch(&self, job: &mut Job, run: &mut Run, listed: Option<&[u64]>) -> Result<bool> {
        let batch = batch();
        let jid = id_param(job.id)?;
        let mut client = self.client();
        let err = self.err();
        let mut txn = client.transaction().map_err(&err)?;
        // (contact id, before-image; none for a contact the job created)
        let mut work: Vec<(u64, Option<Contact>)> = Vec::new();
        let mut done = true;
        match listed {
            Some(ids) => {
                for &id in ids {
                    let before = txn
                        .query_opt(
                            "SELECT body FROM undo WHERE job_id = $1 AND contact_id = $2",
                            &[&jid, &id_param(id)?],
                        )
                        .map_err(&err)?
                        .map(|r| decode_contact(id, r.get(0)))
                        .transpose()?;
                    work.push((id, before));
                }
            }
            None => {
                let limit = i64::try_from(batch).unwrap_or(i64::MAX);
                let undo = txn
                    .query(
                        "SELECT contact_id, body FROM undo WHERE job_id = $1 AND contact_id >= $2
                         ORDER BY contact_id LIMIT $3",
                        &[&jid, &id_param(run.next_undo)?, &limit],
                    )
                    .map_err(&err)?;
                for r in undo {
                    let id = r.get::<_, i64>(0).unsigned_abs();
                    work.push((id, Some(decode_contact(id, r.get(1))?)));
                }
                if let Some((last, _)) = work.last() {
                    run.next_undo = last.saturating_add(1);
                }
                if work.len() < batch {
                    let range = txn
                        .query_opt(
                            "SELECT first_id, last_id FROM created_ranges WHERE job_id = $1
                             ORDER BY first_id LIMIT 1",
                            &[&jid],
                        )
                        .map_err(&err)?
                        .map(|r| {
                            (
                                r.get::<_, i64>(0).unsigned_abs(),
                                r.get::<_, i64>(1).unsigned_abs(),
                            )
                        });
                    if let Some((first, last)) = range {
                        let take = (batch - work.len()) as u64;
                        let end = last.min(first.saturating_add(take - 1));
                        work.extend((first..=end).map(|id| (id, None)));
                        txn.execute(
                            "DELETE FROM created_ranges WHERE job_id = $1 AND first_id = $2",
                            &[&jid, &id_param(first)?],
                        )
                        .map_err(&err)?;
                        if end < last {
                            txn.execute(
                                "INSERT INTO created_ranges (job_id, first_id, last_id) VALUES ($1, $2, $3)",
                                &[&jid, &id_param(end + 1)?, &id_param(last)?],
                            )
                            .map_err(&err)?;
                        }
                    }
                }
                let full = work.len() >= batch;
                done = !full;
            }
        }
        for (contact_id, before) in work {
            revert_contact(&mut txn, job.id, contact_id, before, run, &err)?;
        }
        if listed.is_none() && done {
            let more: bool = txn
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM undo WHERE job_id = $1 AND contact_id >= $2)
                         OR EXISTS (SELECT 1 FROM created_ranges WHERE job_id = $1)",
                    &[&jid, &id_param(run.next_undo)?],
                )
                .map_err(&err)?
                .get(0);
            done = !more;
        }
        job.revert_conflicts = run.settle().to_vec();
        txn.execute(
            "UPDATE jobs SET body = $2::text::jsonb, updated_at = now() WHERE id = $1",
            &[&jid, &encode(&*job)?],
        )
        .map_err(&err)?;
        txn.commit().map_err(&err)?;
        Ok(done)
    }
}

fn contact(txn: &mut Transaction<'_>, id: u64, err: Err<'_>) -> Result<Option<Contact>> {
    txn.query_opt("SELECT body FROM contacts WHERE id = $1", &[&id_param(id)?])
        .map_err(err)?
        .map(|r| decode_contact(id, r.get(0)))
        .transpose()
}

/// The rows of every job that matched the contact.
fn matches_of(txn: &mut Transaction<'_>, contact: u64, err: Err<'_>) -> Result<Vec<Match>> {
    let rows = txn
        .query(
            "SELECT job_id, row, did FROM matched_by WHERE contact_id = $1 ORDER BY job_id",
            &[&id_param(contact)?],
        )
        .map_err(err)?;
    Ok(rows
        .iter()
        .map(|r| Match {
            job: r.get::<_, i64>(0).unsigned_abs(),
            row: r.get::<_, i64>(1).unsigned_abs(),
            did: Touch::from_code(u8::try_from(r.get::<_, i16>(2)).unwrap_or(2)),
        })
        .collect())
}

/// Deletes (no `before`) or restores one contact of job `job`, unless another job relied
/// on it since and the revert is not forced: then it is left, and so is its undo record.
fn revert_contact(
    txn: &mut Transaction<'_>,
    job: u64,
    contact_id: u64,
    before: Option<Contact>,
    run: &mut Run,
    err: Err<'_>,
) -> Result<()> {
    let (jid, cid) = (id_param(job)?, id_param(contact_id)?);
    let drop_undo = |txn: &mut Transaction<'_>| -> Result<()> {
        txn.execute(
            "DELETE FROM undo WHERE job_id = $1 AND contact_id = $2",
            &[&jid, &cid],
        )
        .map_err(err)?;
        Ok(())
    };
    let Some(current) = contact(txn, contact_id, err)? else {
        if before.is_some() {
            drop_undo(txn)?;
        }
        return Ok(());
    };
    if before.is_none() && current.created_by != Some(job) {
        // Neither made by the job nor with its values from before: nothing to go back to.
        run.leave(contact_id, None);
        return Ok(());
    }
    let matches = matches_of(txn, contact_id, err)?;
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
        drop_undo(txn)?;
    }
    let tags: Vec<&str> = current.tags.iter().map(String::as_str).collect();
    txn.execute(
        "UPDATE tags SET count = count - 1 WHERE name = ANY($1)",
        &[&tags],
    )
    .map_err(err)?;
    txn.execute(
        "DELETE FROM tags WHERE name = ANY($1) AND count <= 0",
        &[&tags],
    )
    .map_err(err)?;
    super::search::revert_words(txn, &current, before.as_ref(), err)?;
    txn.execute("DELETE FROM phones WHERE contact_id = $1", &[&cid])
        .map_err(err)?;
    txn.execute("DELETE FROM emails WHERE contact_id = $1", &[&cid])
        .map_err(err)?;
    match before {
        None => {
            txn.execute("DELETE FROM contacts WHERE id = $1", &[&cid])
                .map_err(err)?;
            // Ids are never given again: what matched a deleted contact is history only.
            txn.execute("DELETE FROM matched_by WHERE contact_id = $1", &[&cid])
                .map_err(err)?;
            run.report.deleted += 1;
        }
        Some(restored) => {
            txn.execute(
                "UPDATE contacts SET first_name = $2, last_name = $3, company = $4, body = $5
                 WHERE id = $1",
                &[
                    &cid,
                    &restored.first_name,
                    &restored.last_name,
                    &restored.company,
                    &crate::store::codec::encode(&restored)?,
                ],
            )
            .map_err(err)?;
            let phones: Vec<&str> = restored.phones.iter().map(String::as_str).collect();
            let emails: Vec<&str> = restored.emails.iter().map(String::as_str).collect();
            txn.execute(
                "INSERT INTO phones (value, contact_id) SELECT v, $2 FROM unnest($1::text[]) AS v
                 ON CONFLICT DO NOTHING",
                &[&phones, &cid],
            )
            .map_err(err)?;
            txn.execute(
                "INSERT INTO emails (value, contact_id) SELECT v, $2 FROM unnest($1::text[]) AS v
                 ON CONFLICT DO NOTHING",
                &[&emails, &cid],
            )
            .map_err(err)?;
            let tags: Vec<&str> = restored.tags.iter().map(String::as_str).collect();
            txn.execute(
                "INSERT INTO tags (name, count) SELECT t, 1 FROM unnest($1::text[]) AS t
                 ON CONFLICT (name) DO UPDATE SET count = tags.count + 1",
                &[&tags],
            )
            .map_err(err)?;
            run.report.restored += 1;
        }
    }
    Ok(())
}
