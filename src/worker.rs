//! The import worker: a named thread that streams the file, checks every row and writes
//! batches to the store, sending small progress events over one channel. A cancel flag goes
//! the other way; the worker stops after committing the batch in hand, so the store is
//! always consistent and the job can be resumed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::pipeline::{CheckedRows, Chunk, Cores};
use crate::engine::review::Progress;
use crate::engine::source::Source;
use crate::engine::validate::Validator;
use crate::engine::EngineError;
use crate::store::import::{final_status, BatchRows, NewJob};
use crate::store::jobs::{Job, JobStatus};
use crate::store::{Store, StoreError};

/// Rows per transaction. Each commit syncs the disk and copies every index page the batch
/// touched, so few large batches are fast; memory holds one chunk of rows and redb's
/// bounded write buffer whatever the batch size. A kill loses at most one batch of work,
/// which `resume` redoes.
pub const BATCH_ROWS: usize = 200_000;

/// `BATCH_ROWS`, or `ROLODEX_BATCH_ROWS` (the crash tests use small batches so that kills
/// land between commits).
fn batch_rows() -> usize {
    std::env::var("ROLODEX_BATCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(BATCH_ROWS)
}

#[derive(Debug)]
pub enum WorkerEvent {
    /// The whole file was checked and the job recorded: it is running.
    Started(Box<Job>),
    /// The file could not be used, or the job not recorded: nothing was written.
    NotStarted(String),
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

/// What a new job needs before its worker can run: the file, its plan and import tag.
pub struct NewImport {
    pub source: Source,
    pub plan: crate::engine::plan::ImportPlan,
    pub import_tag: Option<String>,
    pub retry_of: Option<u64>,
}

/// Checks the whole file, records the job and runs it, all on the worker's thread, so the
/// wizard stays responsive while a large file is read through first. A file that cannot
/// be used ends with `NotStarted`, with nothing written.
pub fn spawn_new_import(
    store: Arc<Store>,
    new: NewImport,
    events: Sender<WorkerEvent>,
    cancel: Cancel,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rolodex-import".into())
        .spawn(move || {
            let NewImport {
                mut source,
                mut plan,
                import_tag,
                retry_of,
            } = new;
            let checksum = match source.check_whole_file(&mut |_| {}) {
                Ok(sum) => sum,
                Err(e) => {
                    let _ = events.send(WorkerEvent::NotStarted(e.to_string()));
                    return;
                }
            };
            if cancel.is_cancelled() {
                let _ = events.send(WorkerEvent::NotStarted(
                    "the import was cancelled before it started; nothing was written".into(),
                ));
                return;
            }
            source.make_absolute();
            plan.file = source.info.path.clone();
            let job = store.start_job(NewJob::of(&source, &plan, checksum, import_tag, retry_of));
            let job = match job {
                Ok(job) => job,
                Err(e) => {
                    let _ = events.send(WorkerEvent::NotStarted(e.to_string()));
                    return;
                }
            };
            let _ = events.send(WorkerEvent::Started(Box::new(job.clone())));
            work(&store, job, &source, &events, &cancel);
        })
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
        .spawn(move || work(&store, job, &source, &events, &cancel))
}

/// Runs a recorded job to its end and says how it ended.
fn work(store: &Store, job: Job, source: &Source, events: &Sender<WorkerEvent>, cancel: &Cancel) {
    let id = job.id;
    let event = match run_import(store, job, source, events, cancel) {
        Ok(job) => WorkerEvent::Finished(Box::new(job)),
        Err(e) => {
            // The job keeps every committed batch; marked failed, it can be reverted, or
            // resumed once the cause is fixed.
            if let Ok(mut job) = store.job(id) {
                let _ = store.finish_job(&mut job, JobStatus::Failed);
            }
            WorkerEvent::Failed(e.to_string())
        }
    };
    let _ = events.send(event);
}

fn run_import(
    store: &Store,
    mut job: Job,
    source: &Source,
    events: &Sender<WorkerEvent>,
    cancel: &Cancel,
) -> Result<Job, StoreError> {
    let validator = Validator::new(&job.plan, source.header()).map_err(EngineError::Mapping)?;
    let mut rows = Feed {
        rows: CheckedRows::start(
            source,
            Arc::new(validator),
            job.resume_after,
            Some(crate::store::rows::pack_chunk),
            Cores::SpareOne,
        )?,
        source,
        events,
        cancel,
        started: Instant::now(),
        last_event: Instant::now(),
    };
    let limit = batch_rows();
    let status = loop {
        let outcome = store.write_batch(&mut job, &mut rows, limit)?;
        let _ = events.send(WorkerEvent::Progress(progress(&job, source, rows.started)));
        if outcome.stopped {
            break JobStatus::Stopped;
        }
        if cancel.is_cancelled() {
            break JobStatus::Cancelled;
        }
        if outcome.ended {
            break final_status(&job.counts);
        }
    };
    store.finish_job(&mut job, status)?;
    Ok(job)
}

/// The checked rows of the file, handed to the store chunk by chunk, with a progress event
/// at most every 100 ms; a cancel ends them after the chunk in hand.
struct Feed<'a> {
    rows: CheckedRows,
    source: &'a Source,
    events: &'a Sender<WorkerEvent>,
    cancel: &'a Cancel,
    started: Instant,
    last_event: Instant,
}

impl BatchRows for Feed<'_> {
    fn next_chunk(&mut self, job: &Job) -> Result<Option<Chunk>, StoreError> {
        if self.last_event.elapsed() >= Duration::from_millis(100) {
            let _ = self.events.send(WorkerEvent::Progress(progress(
                job,
                self.source,
                self.started,
            )));
            self.last_event = Instant::now();
        }
        if self.cancel.is_cancelled() {
            return Ok(None);
        }
        Ok(self.rows.next_chunk()?)
    }

    fn blank_rows(&self) -> u64 {
        self.rows.blank_rows()
    }

    fn rows_left(&self, job: &Job) -> u64 {
        self.source
            .info
            .approx_rows
            .saturating_sub(job.counts.total_rows)
    }
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
