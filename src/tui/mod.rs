//! The terminal wizard. Rendering is a pure function of the app's state; the main loop
//! blocks on one channel (keys from an input thread, progress from the background work),
//! drains what is queued, and draws once — nothing is redrawn while nothing happens.

pub mod action;
pub mod app;
pub mod chrome;
pub mod context;
pub mod event;
pub mod job_index;
pub mod screens;
pub mod task;
pub mod theme;

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use app::App;
use context::{Ctx, StoreUnavailable};
use task::Kind;
use theme::Theme;

use crate::session::ImportRequest;
use crate::store::Store;

/// Everything the wizard starts from, decided by its caller (the command line reads the
/// flags and the config; the wizard reads neither, and never imports `cli`).
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// The store; `None` when there is no data directory and no `--db`.
    pub store_path: Option<PathBuf>,
    /// What to import: `import FILE`'s file with how to read and map it (`request.file`
    /// is `None` without one), and the options every new import starts from (config.toml,
    /// then the flags) — the same value a headless import turns into its plan.
    pub request: ImportRequest,
    /// `--report` and `--errors`: written after the wizard's first import, as after a
    /// headless one (the command line has checked that they can be).
    pub report: Option<PathBuf>,
    pub errors: Option<PathBuf>,
    pub color: bool,
    pub bell: bool,
    /// The schema of a PostgreSQL store (`--pg-schema`; empty: the default).
    pub pg_schema: String,
}

/// Why the wizard could not run.
#[derive(Debug, thiserror::Error)]
pub enum WizardError {
    #[error("cannot read the terminal: {0}")]
    Input(std::io::Error),
    #[error("the terminal failed: {0}")]
    Terminal(std::io::Error),
}

/// How long the wizard, as it ends, waits for a file being written.
const FILES_WAIT: Duration = Duration::from_secs(5);

/// The wizard `launch` describes, before any terminal: what `run` drives, and what tests
/// drive with keys (`tests/it/differential.rs`), so both start from the same state. Events
/// of its background work arrive on `tx`'s channel; `clock` stamps the import tag.
pub fn build(
    launch: Launch,
    tx: mpsc::Sender<event::AppEvent>,
    clock: context::Clock,
    out_dir: PathBuf,
) -> App {
    let Launch {
        store_path: path,
        mut request,
        report,
        errors,
        color,
        bell,
        pg_schema,
    } = launch;
    // The wizard asks for consent itself; a flag does not tick the box.
    request.options.consent_confirmed = false;
    // Read-only: the wizard opens the store for writing only while it writes, so an import
    // in another process can run while it is open, and it shows that import's commits.
    let store = match &path {
        // Opened below, through the interface.
        Some(path) if crate::store::pg::location::is_postgres_path(path) => {
            Err(StoreUnavailable::NoDataDirectory)
        }
        Some(path) => Store::open_read_only(path).map_err(StoreUnavailable::from),
        None => Err(StoreUnavailable::NoDataDirectory),
    };
    let theme = Theme {
        color: Theme::from_env().color && color,
    };
    let file = request.file.clone();
    let mut ctx = Ctx::new(theme, store, tx, clock, out_dir)
        .with_store_path(path.clone())
        .with_request(request);
    // A PostgreSQL store is read (and written) through the store interface.
    if let Some(url) = path.filter(|p| crate::store::pg::location::is_postgres_path(p)) {
        let schema = if pg_schema.is_empty() {
            crate::store::pg::location::DEFAULT_SCHEMA
        } else {
            pg_schema.as_str()
        };
        let opened = crate::store::backend::open(&url, schema, crate::store::Access::Read)
            .map_err(StoreUnavailable::from);
        ctx = ctx.with_shared_store(opened, url, schema);
    }
    if report.is_some() || errors.is_some() {
        ctx.given_files = Some((report, errors));
    }
    let mut app = App::new(ctx, file.as_deref());
    app.bell_enabled = bell;
    app
}

/// Opens the wizard as `launch` says. `Ok(Some(signal))` when SIGINT, SIGTERM or SIGHUP
/// ended it (after the work under way stopped at a commit).
pub fn run(launch: Launch) -> Result<Option<i32>, WizardError> {
    // Warm the phone metadata now, so the first keystroke does not wait for it.
    std::thread::spawn(crate::engine::phone::warm_up);
    let (tx, rx) = mpsc::channel();
    let out_dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let mut app = build(launch, tx.clone(), chrono::Local::now, out_dir);

    let mut terminal = ratatui::init();
    // In front of the hook that restores the terminal: a panic the store catches (a damaged
    // page) must leave the wizard's screen as it is.
    crate::store::guard::install_panic_filter();
    if let Err(e) = event::spawn_signals(tx.clone()).and_then(|()| event::spawn_input(tx)) {
        restore(terminal);
        return Err(WizardError::Input(e));
    }
    let result = (|| -> std::io::Result<()> {
        terminal.draw(|f| f.render_widget(&app, f.area()))?;
        while let Ok(first) = rx.recv() {
            app.on_event(first);
            // Coalesce what queued up meanwhile: one draw for many events.
            while let Ok(more) = rx.try_recv() {
                app.on_event(more);
                if app.quit {
                    break;
                }
            }
            // Asked to end, the wizard ends once the work under way has stopped at a commit
            // and its thread has been joined (`App::leave`).
            if app.quit {
                break;
            }
            // After a signal the terminal may be gone (SIGHUP): nothing more is drawn.
            if app.stopping.is_some() {
                continue;
            }
            terminal.draw(|f| f.render_widget(&app, f.area()))?;
            if app.bell {
                app.bell = false;
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07");
                let _ = out.flush();
            }
        }
        Ok(())
    })();
    restore(terminal);
    // The tasks still running are asked to stop and their threads joined, the review and a
    // search at once, a file being written within a bounded wait. An import or a revert has
    // stopped and been joined by now, unless a second signal ended the wizard at once.
    let wait = if app.work_done() {
        FILES_WAIT
    } else {
        Duration::ZERO
    };
    let unfinished = app.tasks.join_all(wait);
    // Said on stderr once the terminal is back; after SIGHUP it may be gone, and a failed
    // write must not turn into a panic.
    let mut err = std::io::stderr();
    if unfinished.contains(&Kind::Files) {
        let _ = writeln!(
            err,
            "rolodex: a results or error file was still being written as the wizard ended; it was not put in place (write it again)"
        );
    }
    result.map_err(WizardError::Terminal)?;
    if app.stopping.is_some() || app.leaving {
        let id = app.ctx.job.as_ref().map(|j| j.id).or(app.ctx.recorded);
        let stored = id.and_then(|id| app.ctx.store.as_ref()?.job(id).ok());
        // Stopped before its first commit, a job has nothing to keep: said so.
        let kept = |job: &crate::store::jobs::Job| {
            if job.resume_after == 0 {
                "nothing was written yet"
            } else {
                "every batch committed is kept"
            }
        };
        let said = match stored {
            Some(job) if app.ctx.importing => Some(format!(
                "import job {} was interrupted; {}; `rolodex resume {}` finishes it",
                job.id,
                kept(&job),
                job.id
            )),
            Some(job) if job.status == crate::store::jobs::JobStatus::Cancelled => Some(format!(
                "import job {} was cancelled; {}; `rolodex resume {}` finishes it",
                job.id,
                kept(&job),
                job.id
            )),
            _ => None,
        };
        if let Some(said) = said {
            let _ = writeln!(err, "rolodex: {said}");
        }
    }
    for said in &app.on_exit {
        let _ = writeln!(err, "rolodex: {said}");
    }
    if let Some(id) = app.ctx.reverting {
        let _ = writeln!(
            err,
            "rolodex: the revert of job {id} was interrupted; `rolodex revert {id} --yes` finishes it"
        );
    }
    Ok(app.stopping)
}

/// Gives the terminal back as it was: cooked mode, the main screen, the cursor shown.
/// Every step is tried whatever the one before did, and nothing fails or panics when the
/// terminal is gone (after SIGHUP): the job's end is recorded by then, and the exit status
/// must still say what happened.
fn restore(terminal: ratatui::DefaultTerminal) {
    use crossterm::{cursor::Show, terminal::LeaveAlternateScreen};
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), LeaveAlternateScreen, Show);
    // Its drop would show the cursor again and report a failure with a panicking
    // `eprintln!`; all of that is done above.
    std::mem::forget(terminal);
}
