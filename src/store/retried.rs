//! Which rows of a job a follow-up job retried: History, `show --failed` and `show --json`
//! say "retried in job N" of them instead of only `failed`.

use std::collections::BTreeMap;

use super::error::{Result, StoreError};
use super::jobs::JobStatus;
use super::schema::{RETRIED, RETRY_PENDING};
use super::{guard, Store};
use crate::engine::resolve::RowStatus;

/// Where a row of a job went again: the follow-up job, and the row of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retried {
    pub job: u64,
    pub row: u64,
}

/// A retried row with what became of it in the follow-up job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetriedFate {
    pub to: Retried,
    /// The row's status in the follow-up (`None`: the follow-up has not reached it).
    pub status: Option<RowStatus>,
    /// The follow-up job was reverted since.
    pub reverted: bool,
}

impl RetriedFate {
    /// "retried in job 8: created", "retried in job 8 (since reverted)".
    pub fn describe(&self) -> String {
        format!("retried in {}", self.follow_up())
    }

    /// "job 8: created", "job 8 (since reverted)", "job 8": the follow-up and the row's
    /// fate there, for a column already titled as a retry (`show --failed --csv`).
    pub fn follow_up(&self) -> String {
        let job = self.to.job;
        match (self.reverted, self.status) {
            (true, _) => format!("job {job} (since reverted)"),
            (false, Some(status)) => format!("job {job}: {}", status.label()),
            (false, None) => format!("job {job}"),
        }
    }
}

/// The row of a retry file that holds its `i`th (from 0) row: the file has a header.
pub fn retry_file_row(i: usize) -> u64 {
    i as u64 + 2
}

impl Store {
    /// Notes that job `by` retries `rows` of job `of`, in the order its file holds them
    /// (the `i`th at `retry_file_row(i)`). A row retried again later names the later job.
    /// The rows `note_retry` kept for `by` are done with in the same commit.
    pub fn mark_retried(&self, of: u64, rows: &[u64], by: u64) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(RETRIED)?;
            for (i, row) in rows.iter().enumerate() {
                table.insert((of, *row), (by, retry_file_row(i)))?;
            }
            let mut pending = txn.open_table(RETRY_PENDING)?;
            pending.retain_in((by, 0)..=(by, u64::MAX), |_, _| false)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Keeps, with the retry job `by` just recorded, the rows of the job it retries that
    /// its file holds (in order): its first batch — in this run or, after a kill or a
    /// cancel before it, in a resume — marks them retried (`pending_retry`).
    pub fn note_retry(&self, by: u64, rows: &[u64]) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut pending = txn.open_table(RETRY_PENDING)?;
            for (i, row) in rows.iter().enumerate() {
                pending.insert((by, i as u64), *row)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// The rows of the job it retries that the retry job `by` has not marked retried yet
    /// (`note_retry`), in its file's order; none once they are marked, or for a store
    /// from before retries were noted.
    pub fn pending_retry(&self, by: u64) -> Result<Vec<u64>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = match snap.txn.open_table(RETRY_PENDING) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            let mut out = Vec::new();
            for entry in table.range((by, 0)..=(by, u64::MAX))? {
                out.push(entry?.1.value());
            }
            Ok(out)
        })
    }

    /// The rows of `job` a follow-up job retried, by row. A store from before retries
    /// were noted has none.
    pub fn retried_rows(&self, job: u64) -> Result<BTreeMap<u64, Retried>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = match snap.txn.open_table(RETRIED) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
                Err(e) => return Err(e.into()),
            };
            let mut out = BTreeMap::new();
            for entry in table.range((job, 0)..=(job, u64::MAX))? {
                let (key, value) = entry?;
                let (job, row) = value.value();
                out.insert(key.value().1, Retried { job, row });
            }
            Ok(out)
        })
    }

    /// The rows of `job` a follow-up job retried, with what became of each there (the
    /// follow-ups are read whole: they hold only the rows fixed by hand).
    pub fn retried_fates(&self, job: u64) -> Result<BTreeMap<u64, RetriedFate>> {
        fates(
            self.retried_rows(job)?,
            &|id| self.job(id),
            &mut |id, each| self.job_rows(id, each),
        )
    }
}

/// Calls `each` with every row of a job (a store's `job_rows`).
pub type RowsOf<'a> =
    dyn FnMut(u64, &mut dyn FnMut(super::jobs::JobRow) -> Result<()>) -> Result<()> + 'a;

/// What became of each retried row in its follow-up job, whichever store holds them.
pub fn fates(
    retried: BTreeMap<u64, Retried>,
    job_of: &dyn Fn(u64) -> Result<super::jobs::Job>,
    rows_of: &mut RowsOf<'_>,
) -> Result<BTreeMap<u64, RetriedFate>> {
    let mut by_job: BTreeMap<u64, BTreeMap<u64, Option<RowStatus>>> = BTreeMap::new();
    for to in retried.values() {
        by_job.entry(to.job).or_default().insert(to.row, None);
    }
    let mut reverted = Vec::new();
    for (follow_up, rows) in &mut by_job {
        match job_of(*follow_up) {
            Ok(j) if j.status == JobStatus::Reverted => reverted.push(*follow_up),
            Ok(_) => {}
            // A follow-up gone or damaged leaves the rows said as retried, no more.
            Err(StoreError::NoSuchJob(_)) => continue,
            Err(e) if e.is_damaged_record() => continue,
            Err(e) => return Err(e),
        }
        rows_of(*follow_up, &mut |r| {
            if let Some(status) = rows.get_mut(&r.row) {
                *status = Some(r.status);
            }
            Ok(())
        })?;
    }
    Ok(retried
        .into_iter()
        .map(|(row, to)| {
            let status = by_job
                .get(&to.job)
                .and_then(|r| r.get(&to.row))
                .copied()
                .flatten();
            let fate = RetriedFate {
                to,
                status,
                reverted: reverted.contains(&to.job),
            };
            (row, fate)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retried_row_names_its_latest_follow_up_and_the_row_there() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("s.redb")).unwrap();
        assert!(store.retried_rows(1).unwrap().is_empty());
        store.mark_retried(1, &[5, 9], 2).unwrap();
        store.mark_retried(1, &[9], 3).unwrap();
        store.mark_retried(4, &[5], 6).unwrap();
        let retried = store.retried_rows(1).unwrap();
        assert_eq!(
            retried.into_iter().collect::<Vec<_>>(),
            vec![
                (5, Retried { job: 2, row: 2 }),
                (9, Retried { job: 3, row: 2 }),
            ]
        );
    }

    #[test]
    fn rows_noted_for_a_retry_wait_until_it_marks_them() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("s.redb")).unwrap();
        assert!(store.pending_retry(2).unwrap().is_empty());
        store.note_retry(2, &[9, 5]).unwrap();
        store.note_retry(3, &[7]).unwrap();
        assert_eq!(store.pending_retry(2).unwrap(), [9, 5]);
        store.mark_retried(1, &[9, 5], 2).unwrap();
        assert!(store.pending_retry(2).unwrap().is_empty());
        assert_eq!(store.pending_retry(3).unwrap(), [7]);
        assert_eq!(
            store.retried_rows(1).unwrap()[&5],
            Retried { job: 2, row: 3 }
        );
    }
}
