//! What History keeps of an open job, read off the screen's thread: an entry of 16 bytes
//! per row (its number, status and reasons) for the filters, however many rows the job
//! has, and the rows a search of the job finds. Both read every row of the job, which
//! takes seconds for millions; the app runs them as tasks (`task.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::reason::Reason;
use crate::engine::resolve::RowStatus;
use crate::store::backend::ContactStore;
use crate::store::jobs::JobRow;
use crate::store::StoreError;

/// One row of the open job as the browser keeps it: enough to filter and count. The cells
/// and messages of the rows on screen are read from the store page by page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub row: u64,
    pub status: RowStatus,
    /// A bit per reason of the row (`reason_bit`).
    pub reasons: u32,
}

const _: () = assert!(Reason::ALL.len() <= 32, "a reason's bit must fit an Entry");

pub fn reason_bit(reason: Reason) -> u32 {
    Reason::ALL
        .iter()
        .position(|r| *r == reason)
        .map_or(0, |i| 1 << i)
}

/// Stops a read of every row once its task is given up: what it would say is ignored.
fn given_up(cancel: &AtomicBool) -> Result<(), StoreError> {
    if cancel.load(Ordering::Relaxed) {
        return Err(StoreError::Codec("the read was given up".into()));
    }
    Ok(())
}

/// Every row of `job` as an entry, or only the rows `only` names (the rows a search of
/// every job found there), in file order.
pub fn index_job(
    store: &dyn ContactStore,
    job: u64,
    only: Option<&[u64]>,
    cancel: &AtomicBool,
) -> Result<Vec<Entry>, StoreError> {
    let mut entries = Vec::new();
    store.job_rows(job, &mut |row| {
        given_up(cancel)?;
        if only.is_none_or(|found| found.binary_search(&row.row).is_ok()) {
            entries.push(Entry {
                row: row.row,
                status: row.status,
                reasons: row.issues.iter().fold(0, |b, i| b | reason_bit(i.reason)),
            });
        }
        Ok(())
    })?;
    Ok(entries)
}

/// A row mentions `query` (in lowercase): in a cell, in a message, or as its number.
pub fn row_matches(row: &JobRow, query: &str) -> bool {
    !query.is_empty()
        && (row.cells.iter().any(|c| c.to_lowercase().contains(query))
            || row
                .issues
                .iter()
                .any(|i| i.message.to_lowercase().contains(query))
            || row.row.to_string() == query)
}

/// The rows of `job` that mention `query`, in file order.
pub fn find_in_job(
    store: &dyn ContactStore,
    job: u64,
    query: &str,
    cancel: &AtomicBool,
) -> Result<Vec<u64>, StoreError> {
    let query = query.to_lowercase();
    let mut found = Vec::new();
    store.job_rows(job, &mut |row| {
        given_up(cancel)?;
        if row_matches(&row, &query) {
            found.push(row.row);
        }
        Ok(())
    })?;
    Ok(found)
}
