//! The import worker: a named thread that streams the file, checks every row and writes
//! batches to the store, sending small progress events over one channel. A cancel flag goes
//! the other way; the worker stops after committing the batch in hand, so the store is
//! always consistent and the job can be resumed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::pipeline::CheckedRows;
use crate::engine::review::Progress;
use crate::engine::source::{RawRow, Source};
use crate::engine::validate::{RowCheck, Validator};
use crate::engine::EngineError;
use crate::store::import::final_status;
use crate::store::jobs::{Job, JobStatus};
use crate::store::{Store, StoreError};

/// Rows per transaction: each commit syncs the disk, so few large batches are fast, and
/// memory stays bounded by one batch.
pub const BATCH_ROWS: usize = 20_000;

#[derive(Debug)]
pub enum WorkerEvent {
    Progress(Progress),
    /// The job ended (completed, stopped or cancelled); its final record.
    Finished(Box<Job>),
    /// The job could not go on; the store holds every batch committed before.
    Failed(String),
}

/// Shared cancel flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }
}

/// Starts the worker for a job already recorded in the store (new, or resumed).
pub fn spawn_import(
    store: Arc<Store>,
    job: Job,
    source: Source,
    events: Sender<WorkerEvent>,
    cancel: Cancel,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rolodex-import".into())
        .spawn(move || {
            let id = job.id;
            let event = match run_import(&store, job, &source, &events, &cancel) {
                Ok(job) => WorkerEvent::Finished(Box::new(job)),
                Err(e) => {
                    // The job keeps every committed batch; marked failed, it can be
                    // reverted, or resumed once the cause is fixed.
                    if let Ok(mut job) = store.job(id) {
                        let _ = store.finish_job(&mut job, JobStatus::Failed);
                    }
                    WorkerEvent::Failed(e.to_string())
                }
            };
            let _ = events.send(event);
        })
}

fn run_import(
    store: &Store,
    mut job: Job,
    source: &Source,
    events: &Sender<WorkerEvent>,
    cancel: &Cancel,
) -> Result<Job, StoreError> {
    let started = Instant::now();
    let validator = Validator::new(&job.plan, source.header()).map_err(EngineError::Mapping)?;
    let mut rows = CheckedRows::start(source, Arc::new(validator), job.resume_after)?;
    let mut batch: Vec<(RawRow, RowCheck)> = Vec::with_capacity(BATCH_ROWS);
    let mut last_event = Instant::now();
    let mut status = None;
    loop {
        let next = rows.next_chunk()?;
        let end = next.is_none();
        if let Some(chunk) = next {
            batch.extend(chunk);
        }
        let cancelled = cancel.is_cancelled();
        if batch.len() >= BATCH_ROWS || end || cancelled {
            let outcome = store.write_batch(&mut job, &batch, rows.blank_rows())?;
            batch.clear();
            let _ = events.send(WorkerEvent::Progress(progress(&job, source, started)));
            last_event = Instant::now();
            if outcome.stopped {
                status = Some(JobStatus::Stopped);
                break;
            }
        } else if last_event.elapsed() >= Duration::from_millis(100) {
            // Between commits, show rows read so far (counts move at each commit).
            let mut p = progress(&job, source, started);
            p.rows = job.counts.total_rows + batch.len() as u64;
            let _ = events.send(WorkerEvent::Progress(p));
            last_event = Instant::now();
        }
        if cancelled {
            status = Some(JobStatus::Cancelled);
            break;
        }
        if end {
            break;
        }
    }
    let status = status.unwrap_or_else(|| final_status(&job.counts));
    store.finish_job(&mut job, status)?;
    Ok(job)
}

fn progress(job: &Job, source: &Source, started: Instant) -> Progress {
    let c = &job.counts;
    Progress {
        rows: c.total_rows,
        created: c.created,
        updated: c.updated,
        skipped: c.skipped,
        failed: c.failed,
        approx_total: source.info.approx_rows,
        elapsed: started.elapsed(),
    }
}
