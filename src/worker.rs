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
use crate::store::import::{final_status, BatchOutcome, BatchRows, Gated, NewJob};
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

/// Runs a new import on the worker's thread, so the wizard stays responsive. The whole-file
/// check (a quote never closed at row 48,213, bytes that are not the file's encoding) runs
/// on a thread of its own beside the first batch, which is committed together with the
/// job's record only once the check has passed: a file that cannot be used, or a cancel
/// before then, ends with `NotStarted` and nothing written.
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
            source.make_absolute();
            plan.file = source.info.path.clone();
            // Nothing is written before the check passes, so a cancel may stop it early.
            with_check(&source, cancel.flag(), |verified| {
                let rows = Feed::start(&plan, 0, &source, &events, &cancel);
                let new = NewJob::of(&source, &plan, String::new(), import_tag, retry_of);
                run_gated(&store, &events, rows, |rows| {
                    let cancelled = || {
                        if cancel.is_cancelled() {
                            Err(CANCELLED.to_string())
                        } else {
                            Ok(())
                        }
                    };
                    // A cancel need not wait for the check to end, nor be missed while it
                    // is awaited.
                    let mut go_ahead = || {
                        cancelled()?;
                        let sum = verified.checksum()?;
                        cancelled()?;
                        Ok(sum)
                    };
                    store.start_job_with_batch(new, rows, batch_rows(), &mut go_ahead)
                });
            });
        })
}

/// Resumes a recorded job on the worker's thread. The file is read through beside the
/// first batch to make sure it is the file the job started with; that batch is committed
/// only then, so a changed file ends with `NotStarted` and the job as it was.
pub fn spawn_resume(
    store: Arc<Store>,
    mut job: Job,
    source: Source,
    events: Sender<WorkerEvent>,
    cancel: Cancel,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rolodex-import".into())
        .spawn(move || {
            // A resumed job commits the batch in hand when cancelled, so its check runs to
            // the end.
            let never = AtomicBool::new(false);
            with_check(&source, &never, |verified| {
                let rows = Feed::start(&job.plan, job.resume_after, &source, &events, &cancel);
                run_gated(&store, &events, rows, |rows| {
                    let (id, file, expected) = (job.id, job.file.clone(), job.checksum.clone());
                    let mut go_ahead = || {
                        if verified.checksum()? == expected {
                            Ok(())
                        } else {
                            Err(format!("{file} has changed since job {id} started; resuming would mix two files. Import the new file as a new job"))
                        }
                    };
                    let gated = store.write_batch_if(&mut job, rows, batch_rows(), &mut go_ahead)?;
                    Ok(gated.map(|outcome| (job, outcome)))
                });
            });
        })
}

/// Runs `work` while `source` is read through on a thread of its own (given up once `stop`
/// is set).
fn with_check<R>(source: &Source, stop: &AtomicBool, work: impl FnOnce(&mut Verify<'_>) -> R) -> R {
    std::thread::scope(|scope| work(&mut Verify::start(scope, source, stop)))
}

/// Writes the job's first batch of this run with `first`, which commits it only once the
/// file has passed its check, then the rest. Until that commit nothing is written: a
/// refusal or an error ends with `NotStarted`.
fn run_gated<'a>(
    store: &Store,
    events: &Sender<WorkerEvent>,
    rows: Result<Feed<'a>, StoreError>,
    first: impl FnOnce(&mut Feed<'a>) -> Result<Gated<(Job, BatchOutcome)>, StoreError>,
) {
    let not_started = |why: String| {
        let _ = events.send(WorkerEvent::NotStarted(why));
    };
    let started = rows.and_then(|mut rows| Ok((first(&mut rows)?, rows)));
    let (job, outcome, mut rows) = match started {
        Ok((Gated::Committed((job, outcome)), rows)) => (job, outcome, rows),
        Ok((Gated::Refused(why), _)) => return not_started(why),
        Err(e) => return not_started(e.to_string()),
    };
    let _ = events.send(WorkerEvent::Started(Box::new(job.clone())));
    let _ = events.send(WorkerEvent::Progress(progress(
        &job,
        rows.source,
        rows.started,
    )));
    finish(store, job, events, |store, job| {
        match ended(&outcome, rows.cancel, job) {
            Some(status) => Ok(status),
            None => write_batches(store, job, &mut rows),
        }
    });
}

const CANCELLED: &str = "the import was cancelled before it started; nothing was written";

/// The whole-file check beside the first batch: the file's checksum, or why the file cannot
/// be imported (or that the check was given up on a cancel).
type Checked = Result<String, String>;

fn check(source: &Source, stop: &AtomicBool) -> Checked {
    match source.verify_until(stop) {
        Ok(Some((sum, _))) => Ok(sum),
        Ok(None) => Err(CANCELLED.into()),
        Err(e) => Err(e.to_string()),
    }
}

enum Verify<'scope> {
    Running(std::thread::ScopedJoinHandle<'scope, Checked>),
    Done(Checked),
}

impl<'scope> Verify<'scope> {
    /// Starts reading `source` through on a thread of its own, given up once `stop` is set.
    fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        source: &'env Source,
        stop: &'env AtomicBool,
    ) -> Verify<'scope> {
        let verify = std::thread::Builder::new()
            .name("rolodex-verify".into())
            .spawn_scoped(scope, move || check(source, stop));
        match verify {
            Ok(handle) => Verify::Running(handle),
            // No thread to spare: check before the batch instead of beside it.
            Err(_) => Verify::Done(check(source, stop)),
        }
    }

    /// Waits for the check to end.
    fn checksum(&mut self) -> Checked {
        let checked = match std::mem::replace(self, Verify::Done(Err(String::new()))) {
            Verify::Running(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("the whole-file check stopped unexpectedly".into())),
            Verify::Done(checked) => checked,
        };
        *self = Verify::Done(checked.clone());
        checked
    }
}

/// Runs `batches` on a recorded job, records how it ended and says so.
fn finish(
    store: &Store,
    mut job: Job,
    events: &Sender<WorkerEvent>,
    batches: impl FnOnce(&Store, &mut Job) -> Result<JobStatus, StoreError>,
) {
    let id = job.id;
    let event = match batches(store, &mut job).and_then(|status| {
        store.finish_job(&mut job, status)?;
        Ok(job)
    }) {
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

/// Writes batches until the rows end, the failure threshold stops the job or the user
/// cancels it; returns the job's final status.
fn write_batches(
    store: &Store,
    job: &mut Job,
    rows: &mut Feed<'_>,
) -> Result<JobStatus, StoreError> {
    let limit = batch_rows();
    loop {
        let outcome = store.write_batch(job, rows, limit)?;
        let _ = rows.events.send(WorkerEvent::Progress(progress(
            job,
            rows.source,
            rows.started,
        )));
        if let Some(status) = ended(&outcome, rows.cancel, job) {
            return Ok(status);
        }
    }
}

/// The job's final status once a batch has ended it, if it has.
fn ended(outcome: &BatchOutcome, cancel: &Cancel, job: &Job) -> Option<JobStatus> {
    if outcome.stopped {
        Some(JobStatus::Stopped)
    } else if cancel.is_cancelled() {
        Some(JobStatus::Cancelled)
    } else if outcome.ended {
        Some(final_status(&job.counts))
    } else {
        None
    }
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

impl<'a> Feed<'a> {
    /// Starts reading and checking the rows below `resume_after` for `plan`.
    fn start(
        plan: &crate::engine::plan::ImportPlan,
        resume_after: u64,
        source: &'a Source,
        events: &'a Sender<WorkerEvent>,
        cancel: &'a Cancel,
    ) -> Result<Feed<'a>, StoreError> {
        let validator = Validator::new(plan, source.header()).map_err(EngineError::Mapping)?;
        Ok(Feed {
            rows: CheckedRows::start(
                source,
                Arc::new(validator),
                resume_after,
                Some(crate::store::rows::pack_chunk),
                Cores::SpareOne,
            )?,
            source,
            events,
            cancel,
            started: Instant::now(),
            last_event: Instant::now(),
        })
    }
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
