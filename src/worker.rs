//! The import worker: a named thread that streams the file, checks every row and writes
//! batches to the store, sending small progress events over one channel. A cancel flag goes
//! the other way; the worker stops after committing the batch in hand, so the store is
//! always consistent and the job can be resumed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::apply::final_status;
use crate::engine::pipeline::{CheckedRows, Chunk, Cores};
use crate::engine::review::Progress;
use crate::engine::source::Source;
use crate::engine::validate::Validator;
use crate::engine::EngineError;
use crate::store::backend::ContactStore;
use crate::store::import::{BatchOutcome, BatchRows, Gated, NewJob};
use crate::store::jobs::{Job, JobStatus, Owner};
use crate::store::StoreError;

/// Rows per transaction. Each commit syncs the disk and copies every index page the batch
/// touched, so few large batches are fast; memory holds one chunk of rows and redb's
/// bounded write buffer whatever the batch size. A kill loses at most one batch of work
/// (10–20 s), which `resume` redoes; a cancel ends the batch at the next chunk. Measured
/// on 1M rows: 200k-row batches left a 539 MB store (each commit's copied pages are freed
/// only after the next, so the file grows past them), one 1M-row batch 269 MB, in the same
/// time and memory; at 10M rows, 200k-row batches wrote 11 GB for a 3 GB store.
pub const BATCH_ROWS: usize = 1_000_000;

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
    /// The job is recorded (`checking`), in a commit of its own: from now on it shows in
    /// history whatever happens to the process. A resume sends it too.
    Recorded(Box<Job>),
    /// The whole file was checked and the first batch committed: the job is running. From
    /// here on, progress carries the file's counted rows as its total, no longer an estimate.
    Started(Box<Job>),
    /// No contact was written: the job could not be recorded, the file could not be used
    /// (the job, if recorded, ends `failed` with the reason), or the import was cancelled
    /// before its first batch (`cancelled`). A resume that does not start leaves its job
    /// as it was.
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
    /// The flag itself, for a signal handler to set.
    pub fn shared(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

/// What a new job needs before its worker can run: the file, its plan and import tag.
pub struct NewImport {
    pub source: Source,
    pub plan: crate::engine::plan::ImportPlan,
    pub import_tag: Option<String>,
    pub retry_of: Option<u64>,
    /// For a retry: the rows of `retry_of` its file holds, in order (the fixed rows).
    /// Noted with the job when it is recorded, they are marked retried by it once its
    /// first batch is committed (by a resume, when that was never reached).
    pub retried_rows: Vec<u64>,
}

/// Why a job stopped because its file changed under it.
pub const FILE_CHANGED: &str = "the file changed while it was being imported";

/// Runs a new import on the worker's thread, so the wizard stays responsive. The job is
/// recorded first, in a commit of its own (`checking`). The whole-file check (a quote never
/// closed at row 48,213, bytes that are not the file's encoding) runs on a thread of its
/// own beside the first batch, which is committed only once the check has passed: a file
/// that cannot be used ends the job `failed` with the reason, a cancel before then
/// `cancelled`, both with no contact written.
pub fn spawn_new_import(
    store: Arc<dyn ContactStore>,
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
                retried_rows,
            } = new;
            source.make_absolute();
            plan.file = source.info.path.clone();
            let watch = Watch::start(&source);
            let new = NewJob::of(&source, &plan, String::new(), import_tag, retry_of);
            let job = match store.start_job(new) {
                Ok(job) => job,
                Err(e) => {
                    let _ = events.send(WorkerEvent::NotStarted(e.to_string()));
                    return;
                }
            };
            if retry_of.is_some() && !retried_rows.is_empty() {
                if let Err(e) = store.note_retry(job.id, &retried_rows) {
                    let why = NotYet::Unusable(format!("cannot note the rows it retries: {e}"));
                    return not_started(&*store, job, None, why, &events);
                }
            }
            let _ = events.send(WorkerEvent::Recorded(Box::new(job.clone())));
            run(&*store, job, None, &source, &watch, &events, &cancel);
        })
}

/// Resumes a recorded job on the worker's thread. The job is recorded as `checking` by
/// this process first; the file is read through beside the first batch to make sure it is
/// the file the job started with, and that batch is committed only then: a changed file
/// (or a cancel before then) ends with `NotStarted` and the job as it was.
pub fn spawn_resume(
    store: Arc<dyn ContactStore>,
    job: Job,
    source: Source,
    events: Sender<WorkerEvent>,
    cancel: Cancel,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rolodex-import".into())
        .spawn(move || {
            let watch = Watch::start(&source);
            let before = job.clone();
            let mut job = job;
            // A job cut short by a kill goes on counting failures as one uninterrupted run
            // would; a stopped (or cancelled, or failed) one gets a fresh allowance.
            if !matches!(job.status, JobStatus::Checking | JobStatus::Running) {
                job.failure_base = job.counts.failed;
            }
            job.status = JobStatus::Checking;
            job.finished = None;
            job.reason = None;
            job.owner = Owner::current();
            if let Err(e) = store.save_job(&job) {
                let _ = events.send(WorkerEvent::NotStarted(e.to_string()));
                return;
            }
            let _ = events.send(WorkerEvent::Recorded(Box::new(job.clone())));
            run(
                &*store,
                job,
                Some(before),
                &source,
                &watch,
                &events,
                &cancel,
            );
        })
}

/// Why the first batch of a run was not committed.
enum NotYet {
    Cancelled,
    FileChanged,
    /// The file cannot be imported (or, for a resume, is not the job's file).
    Unusable(String),
}

/// Runs a recorded job to its end: the first batch, committed once the whole-file check
/// passes, then the rest. `before` is the job as it was when this is a resume.
fn run(
    store: &dyn ContactStore,
    mut job: Job,
    before: Option<Job>,
    source: &Source,
    watch: &Watch,
    events: &Sender<WorkerEvent>,
    cancel: &Cancel,
) {
    with_check(source, cancel.flag(), |verified| {
        let first = Feed::start(store, &job.plan, job.resume_after, source, events, cancel).and_then(
            |mut rows| {
                let (id, file, expected) = (job.id, job.file.clone(), job.checksum.clone());
                // The check counts the file's rows: from the first batch on, progress
                // shows that count instead of the estimate.
                let counted = std::cell::Cell::new(None);
                let mut go_ahead = |job: &mut Job| {
                    // A cancel need not wait for the check to end, nor be missed while it
                    // is awaited.
                    if cancel.is_cancelled() {
                        return Err(NotYet::Cancelled);
                    }
                    let checked = verified.checksum();
                    if cancel.is_cancelled() {
                        return Err(NotYet::Cancelled);
                    }
                    if watch.changed() {
                        return Err(NotYet::FileChanged);
                    }
                    let (sum, total) = checked.map_err(|e| NotYet::Unusable(e.to_string()))?;
                    counted.set(Some(total));
                    if expected.is_empty() {
                        // No batch was committed before: the file is the job's from now on.
                        job.size = watch.size().unwrap_or(source.info.size);
                    } else if sum != expected {
                        return Err(NotYet::Unusable(format!("{file} has changed since job {id} started; resuming would mix two files. Import the new file as a new job, or revert job {id} with `rolodex revert {id}`")));
                    }
                    job.checksum = sum;
                    job.status = JobStatus::Running;
                    Ok(())
                };
                let gated = write_gated(store, &mut job, &mut rows, batch_rows(), &mut go_ahead)?;
                rows.total = counted.get().or(rows.total);
                Ok((gated, rows))
            },
        );
        let (outcome, mut rows) = match first {
            Ok((Gated::Committed(outcome), rows)) => (outcome, rows),
            Ok((Gated::Refused(why), _)) => return not_started(store, job, before, why, events),
            Err(e) => {
                return not_started(store, job, before, NotYet::Unusable(e.to_string()), events)
            }
        };
        let _ = events.send(WorkerEvent::Started(Box::new(job.clone())));
        let _ = events.send(WorkerEvent::Progress(progress(
            &job,
            rows.total(),
            rows.started,
        )));
        finish(store, job, events, |store, job| {
            // The fixed rows are in this job now: their original job says so. Those of a
            // retry whose first run never got here are marked by its resume.
            if let Some(of) = job.retry_of {
                let rows = store.pending_retry(job.id)?;
                if !rows.is_empty() {
                    store.mark_retried(of, &rows, job.id)?;
                }
            }
            match ended(&outcome, rows.cancel, job) {
                Some(status) => Ok(status),
                None => write_batches(store, job, &mut rows, watch),
            }
        });
    });
}

/// Ends a run whose first batch was not committed: a new job ends cancelled, stopped or
/// failed with the reason; a resume puts its job back as it was (a changed file: stopped).
fn not_started(
    store: &dyn ContactStore,
    mut job: Job,
    before: Option<Job>,
    why: NotYet,
    events: &Sender<WorkerEvent>,
) {
    let id = job.id;
    let (status, message) = match why {
        NotYet::FileChanged => {
            job.reason = Some(FILE_CHANGED.into());
            let event = match store.finish_job(&mut job, JobStatus::Stopped) {
                Ok(()) => WorkerEvent::Finished(Box::new(job)),
                Err(e) => WorkerEvent::Failed(e.to_string()),
            };
            let _ = events.send(event);
            return;
        }
        NotYet::Cancelled if before.is_some() => (
            None,
            format!(
                "the resume of job {id} was cancelled before its first batch; the job is as it was"
            ),
        ),
        NotYet::Cancelled => (
            Some(JobStatus::Cancelled),
            format!("job {id} was cancelled before its first batch; nothing was written"),
        ),
        NotYet::Unusable(why) => (Some(JobStatus::Failed), why),
    };
    let saved = match (before, status) {
        (Some(before), _) => store.save_job(&before),
        (None, Some(status)) => {
            job.reason = (status == JobStatus::Failed).then(|| message.clone());
            store.finish_job(&mut job, status)
        }
        (None, None) => Ok(()),
    };
    let message = match saved {
        Ok(()) => message,
        Err(e) => format!("{message} (and job {id} could not be updated: {e})"),
    };
    let _ = events.send(WorkerEvent::NotStarted(message));
}

/// Runs `work` while `source` is read through on a thread of its own (given up once `stop`
/// is set).
fn with_check<R>(source: &Source, stop: &AtomicBool, work: impl FnOnce(&mut Verify<'_>) -> R) -> R {
    std::thread::scope(|scope| work(&mut Verify::start(scope, source, stop)))
}

/// Why the whole-file check beside the first batch gave no checksum.
#[derive(Debug, Clone, thiserror::Error)]
enum CheckFailed {
    /// Given up on a cancel.
    #[error("the import was cancelled before it started; nothing was written")]
    Cancelled,
    /// The file cannot be imported (shared: the check's answer is read more than once).
    #[error(transparent)]
    Unusable(Arc<EngineError>),
}

/// The whole-file check beside the first batch: the file's checksum, or why there is none.
type Checked = Result<(String, u64), CheckFailed>;

fn check(source: &Source, stop: &AtomicBool) -> Checked {
    match source.verify_until(stop) {
        Ok(Some((sum, rows))) => Ok((sum, rows)),
        Ok(None) => Err(CheckFailed::Cancelled),
        Err(e) => Err(CheckFailed::Unusable(Arc::new(e))),
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
        // The placeholder is replaced below, once the answer is in hand.
        let checked = match std::mem::replace(self, Verify::Done(Err(CheckFailed::Cancelled))) {
            Verify::Running(handle) => handle.join().unwrap_or_else(|_| {
                Err(CheckFailed::Unusable(Arc::new(EngineError::Interrupted(
                    "the whole-file check",
                ))))
            }),
            Verify::Done(checked) => checked,
        };
        *self = Verify::Done(checked.clone());
        checked
    }
}

/// Runs `batches` on a recorded job, records how it ended and says so.
fn finish(
    store: &dyn ContactStore,
    mut job: Job,
    events: &Sender<WorkerEvent>,
    batches: impl FnOnce(&dyn ContactStore, &mut Job) -> Result<JobStatus, StoreError>,
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
                job.reason = Some(e.to_string());
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
    store: &dyn ContactStore,
    job: &mut Job,
    rows: &mut Feed<'_>,
    watch: &Watch,
) -> Result<JobStatus, StoreError> {
    let limit = batch_rows();
    loop {
        // A batch read from a file that changed under it may end in a torn row: it is not
        // committed, and the job stops with every batch before kept.
        let unchanged = &mut |_: &mut Job| if watch.changed() { Err(()) } else { Ok(()) };
        let outcome = match write_gated(store, job, rows, limit, unchanged)? {
            Gated::Committed(outcome) => outcome,
            Gated::Refused(()) => {
                job.reason = Some(FILE_CHANGED.into());
                return Ok(JobStatus::Stopped);
            }
        };
        let _ = rows.events.send(WorkerEvent::Progress(progress(
            job,
            rows.total(),
            rows.started,
        )));
        if let Some(status) = ended(&outcome, rows.cancel, job) {
            return Ok(status);
        }
    }
}

/// A batch committed only when `go_ahead` agrees, through the store interface: its reason
/// for refusing is kept here.
fn write_gated<R>(
    store: &dyn ContactStore,
    job: &mut Job,
    rows: &mut dyn BatchRows,
    limit: usize,
    go_ahead: &mut dyn FnMut(&mut Job) -> Result<(), R>,
) -> Result<Gated<BatchOutcome, R>, StoreError> {
    let mut why = None;
    let written =
        store.write_batch_gated(job, rows, limit, &mut |job: &mut Job| match go_ahead(job) {
            Ok(()) => true,
            Err(r) => {
                why = Some(r);
                false
            }
        })?;
    Ok(match (written, why) {
        (Some(outcome), _) => Gated::Committed(outcome),
        (None, Some(why)) => Gated::Refused(why),
        (None, None) => unreachable!("a batch is refused only by its go-ahead"),
    })
}

/// The job's final status once a batch has ended it, if it has.
fn ended(outcome: &BatchOutcome, cancel: &Cancel, job: &mut Job) -> Option<JobStatus> {
    if outcome.stopped {
        job.reason = Some(format!(
            "{} rows failed, the most the failure threshold allows",
            job.counts.failed.saturating_sub(job.failure_base)
        ));
        Some(JobStatus::Stopped)
    } else if cancel.is_cancelled() {
        Some(JobStatus::Cancelled)
    } else if outcome.ended {
        Some(final_status(job.counts.failed))
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
    /// The file's data rows as the whole-file check counted them, once it has.
    total: Option<u64>,
}

impl<'a> Feed<'a> {
    /// The file's rows: counted once the check has passed, estimated until then.
    fn total(&self) -> u64 {
        self.total.unwrap_or(self.source.info.approx_rows)
    }

    /// Starts reading and checking the rows below `resume_after` for `plan`.
    fn start(
        store: &dyn ContactStore,
        plan: &crate::engine::plan::ImportPlan,
        resume_after: u64,
        source: &'a Source,
        events: &'a Sender<WorkerEvent>,
        cancel: &'a Cancel,
    ) -> Result<Feed<'a>, StoreError> {
        let mut validator = Validator::new(plan, source.header()).map_err(EngineError::from)?;
        // The members the dry run matched against, read the same way (a member added
        // since is found; the writer holds the store, so none changes during the import).
        let mut team = Arc::default();
        if validator.names_members() {
            team = Arc::new(crate::engine::team::Team::new(store.team()?));
            validator = validator.with_team(Arc::clone(&team));
        }
        // Under `--in-file-duplicates first|last|error` a row is decided by its whole group,
        // found by reading the file through before the first row is written.
        let groups = crate::engine::review::in_file_groups(plan, source, team, cancel.flag())?;
        let validator = validator.with_verdicts(groups);
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
            total: None,
        })
    }
}

impl BatchRows for Feed<'_> {
    fn next_chunk(&mut self, job: &Job) -> Result<Option<Chunk>, StoreError> {
        if self.last_event.elapsed() >= Duration::from_millis(100) {
            let _ = self.events.send(WorkerEvent::Progress(progress(
                job,
                self.total(),
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
        self.total().saturating_sub(job.counts.total_rows)
    }
}

/// `total`: the file's rows, counted once the whole-file check has passed, estimated
/// before.
fn progress(job: &Job, total: u64, started: Instant) -> Progress {
    let c = &job.counts;
    Progress {
        rows: c.total_rows,
        created: c.created,
        updated: c.updated,
        skipped: c.skipped,
        failed: c.failed,
        approx_total: total,
        elapsed: started.elapsed(),
    }
}

/// What the file's metadata says about its content: a file truncated, appended to, written
/// over or replaced by another changes one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    /// Device and inode: a file replaced by a rename is another file.
    #[cfg(unix)]
    inode: (u64, u64),
}

impl FileStamp {
    fn of(path: &std::path::Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        Some(FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode,
        })
    }
}

/// The job's file as it was when the run started, to tell at each batch boundary (and at
/// the end) whether it changed under the import. (A file changed before then is what the
/// whole-file check reads and the run imports.)
struct Watch {
    path: std::path::PathBuf,
    at_start: Option<FileStamp>,
}

impl Watch {
    fn start(source: &Source) -> Watch {
        Watch {
            path: source.info.path.clone(),
            at_start: FileStamp::of(&source.info.path),
        }
    }

    /// The file's size when the run started.
    fn size(&self) -> Option<u64> {
        self.at_start.as_ref().map(|s| s.len)
    }

    fn changed(&self) -> bool {
        match (&self.at_start, FileStamp::of(&self.path)) {
            (Some(then), Some(now)) => *then != now,
            // Gone, or unreadable now or then.
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_file_check_says_why_it_gave_no_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        let mut text = String::from("Name,Phone\n");
        for n in 0..5000 {
            text.push_str(&format!("P{n},+1212555{:04}\n", n % 10_000));
        }
        std::fs::write(&path, text).unwrap();
        let source = Source::open(&path, &Default::default()).unwrap();
        assert!(check(&source, &AtomicBool::new(false)).is_ok());
        let given_up = check(&source, &AtomicBool::new(true)).unwrap_err();
        assert!(matches!(given_up, CheckFailed::Cancelled));
        assert_eq!(
            given_up.to_string(),
            "the import was cancelled before it started; nothing was written"
        );
        std::fs::remove_file(&path).unwrap();
        let gone = check(&source, &AtomicBool::new(false)).unwrap_err();
        assert!(matches!(gone, CheckFailed::Unusable(_)));
        assert_eq!(
            gone.to_string(),
            format!("{}: no such file; check the path", path.display())
        );
    }

    #[test]
    fn a_file_truncated_appended_or_replaced_is_seen_to_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, "Name,Phone\nAda,+12125550100\n").unwrap();
        let source = Source::open(&path, &Default::default()).unwrap();
        let watch = Watch::start(&source);
        assert!(!watch.changed());

        let append = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        use std::io::Write;
        (&append).write_all(b"Bob,+12125550101\n").unwrap();
        assert!(watch.changed(), "appended");

        std::fs::write(&path, "Name,Phone\nAda,+12125550100\n").unwrap();
        let watch = Watch::start(&Source::open(&path, &Default::default()).unwrap());
        // Same size, same content, another file: renamed over the original.
        let other = dir.path().join("other.csv");
        std::fs::write(&other, "Name,Phone\nAda,+12125550100\n").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(watch.changed(), "replaced");

        let watch = Watch::start(&Source::open(&path, &Default::default()).unwrap());
        std::fs::remove_file(&path).unwrap();
        assert!(watch.changed(), "removed");
    }
}
