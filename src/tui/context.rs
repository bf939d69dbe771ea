//! What the wizard's screens share: the store, the file being imported and the plan being
//! built, the review and the job. The background work (the review, the import, …) is
//! prepared here and run as the app's tasks (`task.rs`), which report over the app's one
//! channel; screens only ask for it. No business rule lives here: every decision is the
//! engine's or the store's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Weak};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;
use tui_textarea::TextArea;

use super::chrome::Level;
use super::event::{AppEvent, RevertError, Reviewed, TaskEvent};
use super::job_index::{find_in_job, index_job};
use super::task::{Kind, Tasks};
use super::theme::Theme;
use crate::engine::by_reason::ByReason;
use crate::engine::date::DateOrder;
use crate::engine::mapping::{Mapping, Who};
use crate::engine::outfile::{self, OutfileError, Protected, Request};
use crate::engine::plan::{import_tag, ImportOptions, ImportPlan};
use crate::engine::report::ReportFiles;
use crate::engine::resolve::issues_of;
use crate::engine::review::{
    phone_column_health, review, scan_date_columns, ColumnHealth, NoStore, Progress, Review,
};
use crate::engine::source::{RawRow, ReadOptions, Source};
use crate::session::{ConsentChoice, Draft, DraftError, ImportRequest};
use crate::store::backend::{ContactStore, SharedLookup};
use crate::store::jobs::Job;
use crate::store::{Access, Store, StoreError};
use crate::worker::{spawn_new_import, spawn_resume, NewImport, WorkerEvent};

/// Why the wizard has no store to read, or cannot write one.
#[derive(Debug, thiserror::Error)]
pub enum StoreUnavailable {
    #[error("no data directory for the store; start rolodex with --db PATH")]
    NoDataDirectory,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The clock the wizard reads (fixed in tests, so snapshots do not change by the minute).
pub type Clock = fn() -> chrono::DateTime<chrono::Local>;

pub struct Ctx {
    pub theme: Theme,
    /// The store, read-only: the wizard follows the commits of whoever writes it (its own
    /// import or another process's) and holds no lock against a writer while it is idle.
    pub store: Option<Arc<dyn ContactStore>>,
    /// Why there is no store, in words.
    pub store_error: Option<String>,
    /// Where the store is (or will be, once an import creates it).
    pub store_path: Option<PathBuf>,
    /// The handle the last write opened, alive while work holding it runs (a worker drops
    /// it only as its thread ends, just after saying it is done).
    pub writer: Option<Weak<dyn ContactStore>>,
    /// The schema of a PostgreSQL store (`--pg-schema`); unused for a store file.
    pub pg_schema: String,
    pub tx: Sender<AppEvent>,
    pub clock: Clock,
    /// Where the wizard writes result and error files.
    pub out_dir: PathBuf,
    pub status: Option<(Level, String)>,

    pub source: Option<Source>,
    /// The first rows of the file, for sample values.
    pub samples: Vec<RawRow>,
    pub mapping: Mapping,
    pub options: ImportOptions,
    /// What the wizard was launched to import: the file named on the command line with how
    /// to read and map it, and the options every new import starts from (config.toml, then
    /// the flags). Each file opened becomes a `session::Draft` of it, as on the command line.
    pub request: ImportRequest,
    /// How the draft chose its consent column, for the review to say.
    pub consent: Option<ConsentChoice>,
    /// `--report` and `--errors` (results file, error file), written once the first import
    /// of this wizard ends.
    pub given_files: Option<(Option<PathBuf>, Option<PathBuf>)>,
    /// A `--map` (or a stored field type) the file could not take, said again when the
    /// user leaves Map: the command line refuses such an import, so the wizard never goes
    /// on past it unnoticed.
    pub map_refused: Option<String>,
    /// The columns left out that the user agreed to leave out, leaving Map: asked again
    /// only when another column is left out.
    pub unmapped_seen: Vec<String>,
    /// The custom fields the store defines, read when a file is opened.
    pub custom_defined: BTreeMap<String, crate::engine::mapping::CustomKind>,
    pub health: Vec<ColumnHealth>,
    /// Owner, followers and favorite agent columns against the store's team, on the same
    /// sample as `health` (the Map step shows them; the review counts every row).
    pub members: Vec<crate::engine::team::MemberColumn>,
    pub date_orders: BTreeMap<usize, DateOrder>,

    pub review: Option<Review>,
    /// The review's rows by outcome and reason (Review opens a reason on them).
    pub by_reason: Option<ByReason>,
    pub review_progress: Option<Progress>,
    /// The review task runs; its result is not in yet.
    pub reviewing: bool,

    pub job: Option<Job>,
    pub progress: Option<Progress>,
    /// An import is under way: from its start until the worker says how it ended.
    pub importing: bool,
    /// The import under way was asked to stop at its next commit.
    pub cancelling: bool,
    /// The job being reverted in the background, if one is.
    pub reverting: Option<u64>,
    /// The import under way, once its job is recorded (before its first batch commits).
    pub recorded: Option<u64>,
    /// The job whose fixed rows the import under way retries (started from History).
    pub retrying: Option<u64>,
    /// Rows fixed in the failed-rows workbench, waiting to be retried: (job, row) → cells.
    pub fixes: BTreeMap<(u64, u64), Vec<String>>,
}

impl Ctx {
    /// How to read `path`: as the command line asked, if it named this file.
    pub fn read_options_for(&self, path: &Path) -> ReadOptions {
        self.request.read_for(path)
    }

    /// The options a new import starts from.
    pub fn defaults(&self) -> &ImportOptions {
        &self.request.options
    }

    /// Starts every new import from `defaults` (the user's config.toml) instead of the
    /// built-in options.
    pub fn with_defaults(mut self, defaults: ImportOptions) -> Ctx {
        self.options = defaults.clone();
        self.request.options = defaults;
        self
    }

    /// The wizard as launched to import `request`.
    pub fn with_request(mut self, request: ImportRequest) -> Ctx {
        self.options = request.options.clone();
        self.request = request;
        self
    }

    pub fn new(
        theme: Theme,
        store: Result<Store, StoreUnavailable>,
        tx: Sender<AppEvent>,
        clock: Clock,
        out_dir: PathBuf,
    ) -> Ctx {
        let (store, store_error, store_path) = match store {
            Ok(s) => {
                let path = s.path().to_path_buf();
                // A store opened for writing is given back, so that the wizard never holds
                // the write lock while it waits on the user.
                let reader = if s.is_writable() {
                    drop(s);
                    Store::open_read_only(&path)
                } else {
                    Ok(s)
                };
                match reader {
                    Ok(r) => (Some(Arc::new(r) as Arc<dyn ContactStore>), None, Some(path)),
                    Err(e) => (None, Some(e.to_string()), Some(path)),
                }
            }
            Err(e) => (None, Some(e.to_string()), None),
        };
        Ctx {
            theme,
            store,
            store_error,
            store_path,
            writer: None,
            pg_schema: crate::store::pg::location::DEFAULT_SCHEMA.into(),
            tx,
            clock,
            out_dir,
            status: None,
            source: None,
            samples: Vec::new(),
            mapping: Mapping::default(),
            options: ImportOptions::default(),
            request: ImportRequest::default(),
            consent: None,
            given_files: None,
            map_refused: None,
            unmapped_seen: Vec::new(),
            custom_defined: BTreeMap::new(),
            health: Vec::new(),
            members: Vec::new(),
            date_orders: BTreeMap::new(),
            review: None,
            by_reason: None,
            review_progress: None,
            reviewing: false,
            job: None,
            progress: None,
            importing: false,
            cancelling: false,
            reverting: None,
            recorded: None,
            retrying: None,
            fixes: BTreeMap::new(),
        }
    }

    /// The wizard on a store opened through the interface (a PostgreSQL URL, its tables in
    /// `pg_schema`), read-only as a file is.
    pub fn with_shared_store(
        mut self,
        store: Result<Box<dyn ContactStore>, StoreUnavailable>,
        path: PathBuf,
        pg_schema: &str,
    ) -> Ctx {
        self.pg_schema = pg_schema.to_string();
        self.store_path = Some(path);
        match store {
            Ok(s) => {
                self.store = Some(Arc::from(s));
                self.store_error = None;
            }
            Err(e) => {
                self.store = None;
                self.store_error = Some(e.to_string());
            }
        }
        self
    }

    /// Opens the store at `path` as `access` asks: a file, or a PostgreSQL URL.
    fn open_at(&self, path: &Path, access: Access) -> Result<Arc<dyn ContactStore>, StoreError> {
        if crate::store::pg::location::is_postgres_path(path) {
            return crate::store::backend::open(path, &self.pg_schema, access).map(Arc::from);
        }
        let store = match access {
            Access::Read => Store::open_read_only(path),
            _ => Store::open_for(path, access),
        };
        store.map(|s| Arc::new(s) as Arc<dyn ContactStore>)
    }

    /// Where an import would create the store, when none could be opened (none yet).
    pub fn with_store_path(mut self, path: Option<PathBuf>) -> Ctx {
        if self.store_path.is_none() {
            self.store_path = path;
        }
        self
    }

    /// Opens the store for writing, for the length of one write (an import, a revert): the
    /// handle is dropped, and the lock with it, when the work that holds it ends. An import
    /// creates the store when there is none; the wizard then reads the new store too.
    pub fn open_writer(
        &mut self,
        access: Access,
    ) -> Result<Arc<dyn ContactStore>, StoreUnavailable> {
        // This wizard's own writer, still held by work that is ending: shared, not refused
        // as another rolodex's.
        if let Some(writer) = self.writer.as_ref().and_then(Weak::upgrade) {
            return Ok(writer);
        }
        // Without a path there is no data directory (`with_store_path` gives the path of a
        // store that could not be opened).
        let Some(path) = self.store_path.clone() else {
            return Err(StoreUnavailable::NoDataDirectory);
        };
        let mut opened = self.open_at(&path, access);
        // The last handle may be closing this moment (its worker let go of it just after
        // saying it was done, and closing flushes the file): its lock is this wizard's own,
        // and goes within milliseconds.
        let closing = std::time::Instant::now();
        while self.writer.is_some()
            && matches!(opened, Err(StoreError::Busy(_)))
            && closing.elapsed() < std::time::Duration::from_secs(2)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
            opened = self.open_at(&path, access);
        }
        let writer = opened?;
        if !writer.is_writable() {
            return Err(StoreError::ReadOnly(path).into());
        }
        // A store this write created is read from now on too.
        self.reader();
        self.writer = Some(Arc::downgrade(&writer));
        Ok(writer)
    }

    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some((level, text.into()));
    }

    /// Makes `source` the file being imported: its samples, and the draft of its import
    /// (`session::Draft`, exactly as the command line builds it: the remembered or guessed
    /// mapping, the command line's `--map`, the store's custom field types, the options
    /// with the consent column), then the phone-column health. Returns what could not be
    /// applied as asked, if anything: a `--map` override, or a store that cannot be read.
    pub fn load(&mut self, source: Source) -> Option<DraftError> {
        self.samples.clear();
        if let Ok(mut rows) = source.rows() {
            while self.samples.len() < 20 {
                match rows.next_row() {
                    Ok(Some(r)) => self.samples.push(r),
                    _ => break,
                }
            }
        }
        self.map_refused = None;
        self.unmapped_seen.clear();
        let reader = self.reader();
        let mut refused = None;
        let draft = match Draft::new(
            &source,
            &self.request,
            reader.as_deref().map(|s| s as &dyn ContactStore),
        ) {
            Ok(d) => d,
            // The store could not be read: the file is still mapped from its header, and the
            // review refuses to run against a store it cannot read.
            Err(e) => {
                refused = Some(e);
                match Draft::new(&source, &self.request, None) {
                    Ok(d) => d,
                    Err(e) => {
                        self.say(Level::Error, e.to_string());
                        return Some(e);
                    }
                }
            }
        };
        if let Some(r) = &draft.refused {
            refused.get_or_insert_with(|| DraftError::Mapping(r.clone()));
        }
        self.mapping = draft.plan.mapping;
        self.custom_defined = draft.custom_defined;
        self.options = draft.plan.options;
        self.consent = Some(draft.consent);
        self.review = None;
        self.by_reason = None;
        self.job = None;
        self.source = Some(source);
        self.refresh_health();
        refused
    }

    /// What the plan decided that the user did not choose on a screen, for the review to
    /// say as the command line's review does: the consent filter, a remembered mapping.
    pub fn plan_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        match (&self.options.consent_column, &self.consent) {
            (Some(c), Some(ConsentChoice::Guessed(g))) if c == g => notes.push(format!(
                "Consent: rows whose {c:?} column does not say yes are skipped (guessed from its name; Options changes it)."
            )),
            (Some(c), _) => notes.push(format!(
                "Consent: rows whose {c:?} column does not say yes are skipped."
            )),
            (None, _) => {}
        }
        if self.remembered() {
            notes.push(
                "Mapping: the one remembered from an earlier import of these columns.".into(),
            );
        }
        let left = self
            .mapping
            .not_imported(self.options.consent_column.as_deref());
        if !left.is_empty() {
            let names: Vec<String> = left.iter().map(|h| format!("{h:?}")).collect();
            notes.push(format!(
                "Not imported (no field takes them): {}. Back on Map, map one (custom:NAME keeps it) or answer c when leaving to keep them all.",
                names.join(", ")
            ));
        }
        notes
    }

    /// True when the mapping is (partly) the one remembered for this header shape.
    pub fn remembered(&self) -> bool {
        self.mapping.is_remembered()
    }

    /// The store to read, opened again if it could not be before: a wizard started before
    /// the store existed, or while it could not be read, sees it once it can.
    pub fn reader(&mut self) -> Option<Arc<dyn ContactStore>> {
        if self.store.is_none() {
            if let Some(path) = &self.store_path {
                if let Ok(reader) = self.open_at(path, Access::Read) {
                    self.store = Some(reader);
                    self.store_error = None;
                }
            }
        }
        self.store.clone()
    }

    pub fn refresh_health(&mut self) {
        if let Some(source) = &self.source {
            self.health = phone_column_health(source, &self.mapping, &self.options.region)
                .unwrap_or_default();
        }
        self.refresh_members();
    }

    /// Counts the member columns' sampled values against the store's team.
    pub fn refresh_members(&mut self) {
        use crate::engine::team::{count_member_columns, MemberColumn, Team};
        if MemberColumn::of(&self.mapping).is_empty() {
            self.members.clear();
            return;
        }
        let team = Team::new(
            self.reader()
                .and_then(|s| s.team().ok())
                .unwrap_or_default(),
        );
        if let Some(source) = &self.source {
            self.members = count_member_columns(
                source,
                &self.mapping,
                &team,
                crate::engine::review::HEALTH_SAMPLE,
            )
            .unwrap_or_default();
        }
    }

    pub fn file_name(&self) -> String {
        self.source
            .as_ref()
            .map(|s| s.info.path.display().to_string())
            .unwrap_or_default()
    }

    pub fn plan(&self) -> Option<ImportPlan> {
        let source = self.source.as_ref()?;
        Some(ImportPlan {
            file: source.info.path.clone(),
            read: self.read_options_for(&source.info.path),
            mapping: self.mapping.clone(),
            options: self.options.clone(),
            date_orders: self.date_orders.clone(),
        })
    }

    /// Starts the dry run over the whole file as the review task (the one before it, if
    /// any, is given up), after reading the date columns through to decide their order (a
    /// full read of the file too: the screen must not wait on it).
    pub fn start_review(&mut self, tasks: &mut Tasks) {
        let Some(source) = self.source.clone() else {
            return;
        };
        let Some(mut plan) = self.plan() else { return };
        // No review of an earlier plan is shown for this one, even when this one cannot run.
        self.review = None;
        self.by_reason = None;
        self.review_progress = None;
        // A store that exists but cannot be read is never taken for an empty one: the
        // review would count as new every contact already stored. The command line refuses
        // in the same case.
        let lookup = match self.reader().map(|s| SharedLookup::of(&s)) {
            Some(Ok(lookup)) => Some(lookup),
            Some(Err(e)) => return self.say(Level::Error, unreadable_store(&e.to_string())),
            None => match &self.store_path {
                Some(path) if path.exists() => {
                    let why = self.store_error.clone().unwrap_or_default();
                    return self.say(Level::Error, unreadable_store(&why));
                }
                _ => None,
            },
        };
        self.reviewing = true;
        let started = tasks.start(Kind::Review, "rolodex-review", move |task| {
            let mut progress = |p: Progress| {
                task.send(TaskEvent::ReviewProgress(p));
            };
            let cancel = task.cancel().flag();
            // Every row under its reasons, for Review to open a reason on its rows.
            let mut by_reason = ByReason::new(Who::of(&plan.mapping), source.header());
            let mut each = |raw: &RawRow, check: &_, decision: &_| {
                by_reason.add(&raw.cells, raw.row, raw.line, check, decision);
                Ok(())
            };
            let result = scan_date_columns(&source, &plan).and_then(|(orders, dates)| {
                plan.date_orders = orders;
                let mut reviewed = match &lookup {
                    Some(lookup) => {
                        review(&plan, &source, lookup, cancel, &mut each, &mut progress)
                    }
                    None => review(&plan, &source, &NoStore, cancel, &mut each, &mut progress),
                }?;
                reviewed.date_columns = dates;
                Ok((reviewed, plan.date_orders))
            });
            let result = result.map(|(review, date_orders)| Reviewed {
                review,
                date_orders,
                by_reason,
            });
            task.send(TaskEvent::ReviewDone(result.map(Box::new)));
        });
        if let Err(e) = started {
            self.reviewing = false;
            self.say(Level::Error, format!("cannot start the review: {e}"));
        }
    }

    fn stem(&self) -> String {
        self.source
            .as_ref()
            .and_then(|s| {
                s.info
                    .path
                    .file_stem()
                    .map(|f| f.to_string_lossy().to_string())
            })
            .unwrap_or_else(|| "import".into())
    }

    /// The files the wizard's output files must never overwrite: the store and its files,
    /// and `input`.
    pub fn protected(&self, input: &Path) -> Protected {
        let protected = Protected::new().input(input);
        match &self.store {
            Some(store) => match store.file() {
                Some(file) => protected.store(file),
                None => protected,
            },
            None => protected,
        }
    }

    /// Writes the review's error file (failed and skipped rows) as the files task, into a
    /// file checked and opened here first.
    pub fn write_review_errors(&mut self, tasks: &mut Tasks) {
        let (Some(source), Some(plan)) = (self.source.clone(), self.plan()) else {
            return;
        };
        let path = self.out_dir.join(format!("{}-errors.csv", self.stem()));
        let request = Request {
            label: "the error file",
            path: &path,
        };
        let file = match outfile::open(request, &self.protected(&source.info.path)) {
            Ok(f) => f,
            Err(e) => {
                self.say(Level::Error, e.to_string());
                return;
            }
        };
        let store = self.store.clone();
        self.say(Level::Info, format!("Writing {} …", path.display()));
        self.in_background(tasks, Kind::Files, "rolodex-errors", move |task| {
            let result = (|| -> Result<String, OutfileError> {
                let mut files = ReportFiles::new(source.header(), None, Some(file))?;
                // Given up (and the file left unwritten) when the wizard ends.
                let cancel = task.cancel().flag();
                let mut write_failed = None;
                let mut each = |raw: &RawRow, check: &_, decision: &_| {
                    files
                        .write(
                            &raw.cells,
                            crate::engine::resolve::Decision::status(decision),
                            &issues_of(check, decision),
                        )
                        .map_err(|e| {
                            let stop = std::io::Error::other(e.to_string());
                            write_failed = Some(e);
                            stop
                        })
                };
                let mut progress = |_| {};
                let reviewed = match store.as_ref().map(SharedLookup::of) {
                    Some(Ok(lookup)) => {
                        review(&plan, &source, &lookup, cancel, &mut each, &mut progress)
                    }
                    _ => review(&plan, &source, &NoStore, cancel, &mut each, &mut progress),
                };
                if let Some(e) = write_failed {
                    return Err(e);
                }
                reviewed.map_err(|e| files.source_error(e.to_string()))?;
                // A review given up ends early with the rows so far: never put in place.
                if cancel.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(files.source_error("the wizard ended before it was written".into()));
                }
                files.finish()?;
                Ok(path.display().to_string())
            })();
            match result {
                Ok(path) => TaskEvent::Status(Level::Info, format!("Error file written: {path}")),
                Err(e) => TaskEvent::Status(Level::Error, e.to_string()),
            }
        });
    }

    /// Runs `work` as the task of `kind` and hands the event it ends with to the main loop;
    /// false (with the reason said) when no thread could be started.
    fn in_background(
        &mut self,
        tasks: &mut Tasks,
        kind: Kind,
        name: &str,
        work: impl FnOnce(&super::task::Reporter) -> TaskEvent + Send + 'static,
    ) -> bool {
        let spawned = tasks.start(kind, name, move |task| {
            task.send(work(task));
        });
        if let Err(e) = &spawned {
            self.say(
                Level::Error,
                format!("cannot start the background work: {e}"),
            );
        }
        spawned.is_ok()
    }

    /// Looks for `query` in every row of every job as the trace task (the wizard's
    /// `rolodex trace`); the rows found come back as `TaskEvent::Traced`.
    pub fn start_trace(&mut self, tasks: &mut Tasks, query: String) -> bool {
        let Some(store) = self.store.clone() else {
            return false;
        };
        let Some(needle) = crate::engine::trace::Needle::new(&query) else {
            self.say(
                Level::Warn,
                "Type a name, an email or a phone number to look for.",
            );
            return false;
        };
        self.in_background(tasks, Kind::Trace, "rolodex-trace", move |_| {
            let mut found: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
            // `rolodex trace`'s search, through the store interface.
            let result = ContactStore::trace(&*store, &needle, &mut |job, row| {
                found.entry(job.id).or_default().push(row.row)
            });
            TaskEvent::Traced(query, result.map(|()| found))
        })
    }

    /// Reads every row of `job` (or the rows `only` names) for History as the job-rows
    /// task: a job of a million rows takes seconds, and the screen says it is reading.
    pub fn start_index_job(&mut self, tasks: &mut Tasks, job: u64, only: Option<Vec<u64>>) -> bool {
        let Some(store) = self.reader() else {
            self.say(Level::Error, "There is no store to read the job from.");
            return false;
        };
        self.in_background(tasks, Kind::JobRows, "rolodex-job-rows", move |task| {
            let result = index_job(&*store, job, only.as_deref(), task.cancel().flag());
            TaskEvent::JobIndexed(job, result)
        })
    }

    /// Looks for `query` in the rows of `job` as the find task (History's `/` in a job).
    pub fn start_find(&mut self, tasks: &mut Tasks, job: u64, query: String) -> bool {
        let Some(store) = self.reader() else {
            return false;
        };
        self.say(
            Level::Info,
            format!("Looking for {query:?} in job {job}'s rows…"),
        );
        self.in_background(tasks, Kind::Find, "rolodex-find", move |task| {
            let result = find_in_job(&*store, job, &query, task.cancel().flag());
            TaskEvent::Found(job, query, result)
        })
    }

    /// Resumes a stopped, cancelled, failed or interrupted job as the import task, as
    /// `rolodex resume` does: the committed rows are kept and the rest of its file read.
    pub fn start_resume(&mut self, tasks: &mut Tasks, id: u64) -> bool {
        let store = match self.open_writer(Access::Write) {
            Ok(s) => s,
            Err(why) => {
                self.say(Level::Error, why.to_string());
                return false;
            }
        };
        let job = match store.job(id) {
            Ok(job) => job,
            Err(e) => {
                self.say(Level::Error, e.to_string());
                return false;
            }
        };
        if let Some(why) = not_resumable(&job) {
            self.say(Level::Warn, why);
            return false;
        }
        let source = match Source::open(Path::new(&job.file), &job.plan.read) {
            Ok(s) => s,
            Err(e) => {
                self.say(
                    Level::Error,
                    format!("Job {id} cannot be resumed: {e}. Its file must be where it was, unchanged."),
                );
                return false;
            }
        };
        self.job = None;
        self.recorded = None;
        self.progress = None;
        self.cancelling = false;
        self.retrying = None;
        let started = tasks.start(Kind::Import, "rolodex-events", move |task| {
            relay_worker(task, "cannot resume the job", |wtx, cancel| {
                spawn_resume(store, job, source, wtx, cancel)
            })
        });
        match started {
            Ok(_) => {
                self.importing = true;
                self.say(Level::Info, format!("Resuming job {id} …"));
                true
            }
            Err(e) => {
                self.say(Level::Error, format!("cannot resume the job: {e}"));
                false
            }
        }
    }

    /// Forgets the fixes made to `job`'s rows (once they are in a retry that started).
    pub fn drop_fixes(&mut self, job: u64) {
        self.fixes.retain(|(j, _), _| *j != job);
    }

    /// Starts the import task: the worker records the job and imports, and the task's
    /// thread forwards what it says and joins it, so the task ends only once the worker's
    /// thread has (and with it the store's write handle). `retry` imports a job's fixed
    /// rows from a file of their own instead of the wizard's file.
    pub fn start_import(
        &mut self,
        tasks: &mut Tasks,
        retry: Option<(u64, PathBuf, Vec<u64>)>,
    ) -> bool {
        let store = match self.open_writer(Access::Create) {
            Ok(s) => s,
            Err(why) => {
                self.say(Level::Error, why.to_string());
                return false;
            }
        };
        let (source, plan) = match &retry {
            Some((of, path, _)) => {
                let Ok(job) = store.job(*of) else {
                    return false;
                };
                // The retry file is UTF-8 CSV with commas, whatever the original was.
                let plan = crate::engine::retry::retry_plan(&job.plan, path);
                let source = match Source::open(path, &plan.read) {
                    Ok(s) => s,
                    Err(e) => {
                        self.say(Level::Error, e.to_string());
                        return false;
                    }
                };
                (source, plan)
            }
            None => {
                let (Some(source), Some(plan)) = (self.source.clone(), self.plan()) else {
                    return false;
                };
                (source, plan)
            }
        };
        // A retry joins its original import: same tag, so the contacts are found together.
        let tag = match &retry {
            Some((of, _, _)) => store.job(*of).ok().and_then(|j| j.import_tag),
            None => plan
                .options
                .import_tag
                .then(|| import_tag(&source.info.path, (self.clock)())),
        };
        self.job = None;
        self.recorded = None;
        self.progress = None;
        self.cancelling = false;
        self.retrying = retry.as_ref().map(|(of, _, _)| *of);
        let new = NewImport {
            source,
            plan,
            import_tag: tag,
            retry_of: retry.as_ref().map(|(of, _, _)| *of),
            retried_rows: retry.map(|(_, _, rows)| rows).unwrap_or_default(),
        };
        let started = tasks.start(Kind::Import, "rolodex-events", move |task| {
            relay_worker(task, "cannot start the import", |wtx, cancel| {
                spawn_new_import(store, new, wtx, cancel)
            })
        });
        match started {
            Ok(_) => {
                self.importing = true;
                true
            }
            Err(e) => {
                self.say(Level::Error, format!("cannot start the import: {e}"));
                false
            }
        }
    }

    /// Writes the job's results and error files next to each other in `out_dir`, as the
    /// files task (a million-row job takes seconds).
    pub fn write_job_files(&mut self, tasks: &mut Tasks, job: &Job) {
        let stem = Path::new(&job.file)
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "import".into());
        let results = self
            .out_dir
            .join(format!("{stem}-job{}-results.csv", job.id));
        let errors = self
            .out_dir
            .join(format!("{stem}-job{}-errors.csv", job.id));
        self.write_files(tasks, job, Some(results), Some(errors));
    }

    /// Writes the files `--report` and `--errors` named, for the first import this wizard
    /// runs: the same files, with the same meaning, as after a headless import.
    pub fn write_given_files(&mut self, tasks: &mut Tasks, job: &Job) {
        if let Some((report, errors)) = self.given_files.take() {
            self.write_files(tasks, job, report, errors);
        }
    }

    /// Writes `job`'s results and error files (either may be left out) in the background:
    /// checked and opened here, put in place when whole.
    fn write_files(
        &mut self,
        tasks: &mut Tasks,
        job: &Job,
        results: Option<PathBuf>,
        errors: Option<PathBuf>,
    ) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let Some(first) = results.clone().or_else(|| errors.clone()) else {
            return;
        };
        let opened = outfile::open_pair(
            ("the results file", results.as_deref()),
            ("the error file", errors.as_deref()),
            &self.protected(Path::new(&job.file)),
        );
        let (results_file, errors_file) = match opened {
            Ok(files) => files,
            Err(e) => {
                self.say(Level::Error, e.to_string());
                return;
            }
        };
        self.say(Level::Info, format!("Writing {} …", first.display()));
        let names: Vec<String> = [&results, &errors]
            .into_iter()
            .flatten()
            .map(|p| name(p))
            .collect();
        let job = job.clone();
        self.in_background(tasks, Kind::Files, "rolodex-files", move |_| {
            match crate::store::backend::write_reports(&*store, &job, results_file, errors_file) {
                // The names first: the status line is one line, the folder may be long.
                Ok(()) => TaskEvent::Status(
                    Level::Info,
                    format!(
                        "Wrote {} in {}",
                        names.join(" and "),
                        first.parent().unwrap_or(Path::new(".")).display()
                    ),
                ),
                Err(e) => TaskEvent::Status(Level::Error, e.to_string()),
            }
        });
    }

    /// Reverts a job as the revert task; `TaskEvent::Reverted` says how it went. A revert
    /// under way is never replaced: the next waits for it to end.
    pub fn start_revert(&mut self, tasks: &mut Tasks, job: u64) {
        if let Some(running) = self.reverting {
            self.say(
                Level::Warn,
                format!("Job {running} is still being reverted."),
            );
            return;
        }
        let store = match self.open_writer(Access::Write) {
            Ok(s) => s,
            Err(why) => return self.say(Level::Error, why.to_string()),
        };
        let reverting = self.in_background(tasks, Kind::Revert, "rolodex-revert", move |task| {
            // A damaged contact could not be put back as it was: refused, naming each.
            let result = match store.damaged_for_revert(job) {
                Ok(damaged) if !damaged.is_empty() => Err(RevertError::Damaged { job, damaged }),
                Err(e) => Err(e.into()),
                Ok(_) => store
                    .revert_job_until(job, false, &mut |_| {}, task.cancel().flag())
                    .map_err(RevertError::from),
            };
            TaskEvent::Reverted(job, result)
        });
        if reverting {
            self.reverting = Some(job);
            self.say(Level::Info, format!("Reverting job {job} …"));
        }
    }
}

/// Why `job` cannot be resumed, as `rolodex resume` says it; `None` when it can.
pub fn not_resumable(job: &Job) -> Option<String> {
    use crate::store::jobs::JobStatus;
    let id = job.id;
    match (job.status, job.effective_status()) {
        (JobStatus::Reverting, _) => Some(format!(
            "Job {id} was being reverted: r on History finishes the revert (it cannot be resumed)."
        )),
        (
            _,
            JobStatus::Interrupted | JobStatus::Cancelled | JobStatus::Stopped | JobStatus::Failed,
        ) => None,
        (_, JobStatus::Checking | JobStatus::Running) => Some(format!(
            "Job {id} is still running in another process; wait for it to end."
        )),
        (_, shown) => Some(format!(
            "Job {id} is {}; there is nothing to resume.",
            shown.words(job.counts.failed)
        )),
    }
}

/// Why the review cannot run against the store, and what to do.
fn unreadable_store(why: &str) -> String {
    format!("The store cannot be read, so the review cannot find existing contacts: {why}. Run `rolodex check`; nothing was written.")
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// A one-line text field (tui-textarea), which gets first refusal of keys while focused.
pub struct TextField {
    area: TextArea<'static>,
}

impl TextField {
    pub fn new(value: &str) -> TextField {
        let mut area = TextArea::new(vec![value.to_string()]);
        area.move_cursor(tui_textarea::CursorMove::End);
        area.set_cursor_line_style(Style::default());
        TextField { area }
    }

    pub fn value(&self) -> String {
        self.area.lines().first().cloned().unwrap_or_default()
    }

    pub fn set(&mut self, value: &str) {
        *self = TextField::new(value);
    }

    /// Offers a key to the field; true when it used it. Enter, Esc, Tab, the arrows up
    /// and down, the function keys and the app's control keys are left to the screen.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let ctrl = key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter
            | KeyCode::Esc
            | KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Up
            | KeyCode::Down
            | KeyCode::PageUp
            | KeyCode::PageDown
            // F1 is help wherever a field takes the printable keys.
            | KeyCode::F(_) => false,
            // The app's own control keys: quit, history, contacts.
            KeyCode::Char('c' | 'r' | 'o') if ctrl => false,
            _ => {
                self.area.input(key);
                true
            }
        }
    }

    pub fn render(&self, theme: Theme, title: &str, focused: bool, area: Rect, buf: &mut Buffer) {
        let mut field = self.area.clone();
        field.set_block(crate::tui::chrome::focus_block(theme, focused, title));
        if focused {
            field.set_cursor_style(
                Style::default().add_modifier(ratatui::style::Modifier::REVERSED),
            );
        } else {
            field.set_cursor_style(Style::default());
        }
        field.render(area, buf);
    }
}

/// Starts an import's worker with `spawn` and passes its events on to the wizard until its
/// thread ends (a new import and a resume alike); `cannot` begins the message when the
/// worker's thread cannot start.
fn relay_worker(
    task: &super::task::Reporter,
    cannot: &str,
    spawn: impl FnOnce(
        Sender<WorkerEvent>,
        crate::worker::Cancel,
    ) -> std::io::Result<std::thread::JoinHandle<()>>,
) {
    let (wtx, wrx) = mpsc::channel::<WorkerEvent>();
    let worker = match spawn(wtx, task.cancel().clone()) {
        Ok(worker) => worker,
        Err(e) => {
            let why = format!("{cannot}: {e}");
            task.send(TaskEvent::Worker(WorkerEvent::NotStarted(why)));
            return;
        }
    };
    // Ends when the worker drops its sender, as its thread ends.
    for e in wrx {
        task.send(TaskEvent::Worker(e));
    }
    if worker.join().is_err() {
        let why = "an internal error ended it (a bug; please report it)".to_string();
        task.send(TaskEvent::Worker(WorkerEvent::Failed(why)));
    }
}
