//! The terminal wizard. Rendering is a pure function of the app's state; the main loop
//! blocks on one channel (keys from an input thread, progress from the background work),
//! drains what is queued, and draws once — nothing is redrawn while nothing happens.

pub mod action;
pub mod app;
pub mod chrome;
pub mod context;
pub mod event;
pub mod screens;
pub mod theme;

use std::io::Write;
use std::path::Path;
use std::sync::mpsc;

use app::App;
use context::Ctx;
use theme::Theme;

use crate::store::Store;

/// Opens the wizard, on the file of `import FILE` when given, with the options its flags
/// set as the starting point; returns the process exit status.
pub fn run(db: Option<&Path>, import: Option<&crate::cli::ImportArgs>) -> i32 {
    let file = import.map(|args| args.file.as_path());
    if let Some(f) = file {
        // A file that does not exist is a usage problem, reported before the screen opens.
        if !f.exists() {
            eprintln!(
                "rolodex: {}: no such file; check the path",
                crate::engine::text::sanitize_for_terminal(&f.display().to_string())
            );
            return crate::cli::EXIT_UNUSABLE;
        }
    }
    let config = match crate::cli::load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Read-only: the wizard opens the store for writing only while it writes, so an import
    // in another process can run while it is open, and it shows that import's commits.
    let path = crate::cli::jobs::store_path(db);
    let store = match &path {
        Some(path) => Store::open_read_only(path).map_err(|e| e.to_string()),
        None => Err("no data directory for the store; start rolodex with --db PATH".to_string()),
    };
    // Warm the phone metadata now, so the first keystroke does not wait for it.
    std::thread::spawn(crate::engine::phone::warm_up);
    let (tx, rx) = mpsc::channel();
    let out_dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let theme = Theme {
        color: Theme::from_env().color && config.color(),
    };
    let mut defaults = config.import_defaults();
    if let Some(args) = import {
        defaults = crate::cli::headless::options_from_args(args, &defaults);
        // The wizard asks for consent itself; a flag does not tick the box.
        defaults.consent_confirmed = false;
    }
    let ctx = Ctx::new(theme, store, tx.clone(), chrono::Local::now, out_dir)
        .with_store_path(path)
        .with_defaults(defaults);
    let mut app = App::new(ctx, file);
    app.bell_enabled = config.bell();

    let mut terminal = ratatui::init();
    // In front of the hook that restores the terminal: a panic the store catches (a damaged
    // page) must leave the wizard's screen as it is.
    crate::store::guard::install_panic_filter();
    if let Err(e) = event::spawn_signals(tx.clone()).and_then(|()| event::spawn_input(tx)) {
        restore(terminal);
        eprintln!("rolodex: cannot read the terminal: {e}");
        return crate::cli::EXIT_UNUSABLE;
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
            // After a signal the terminal may be gone (SIGHUP): nothing more is drawn, and
            // the wizard ends once the work under way has stopped at a commit.
            if app.stopping.is_some() {
                if app.work_done() {
                    break;
                }
                continue;
            }
            if app.quit || (app.leaving && app.work_done()) {
                break;
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
    // Said on stderr once the terminal is back; after SIGHUP it may be gone, and a failed
    // write must not turn into a panic.
    let mut err = std::io::stderr();
    if let Err(e) = result {
        let _ = writeln!(err, "rolodex: the terminal failed: {e}");
        return crate::cli::EXIT_UNUSABLE;
    }
    if app.stopping.is_some() || app.leaving {
        let id = app.ctx.job.as_ref().map(|j| j.id).or(app.ctx.recorded);
        let stored = id.and_then(|id| app.ctx.store.as_ref()?.job(id).ok());
        let said = match stored {
            Some(job) if app.ctx.importing => Some(format!(
                "import job {} was interrupted; every batch committed is kept; `rolodex resume {}` finishes it",
                job.id, job.id
            )),
            Some(job) if job.status == crate::store::jobs::JobStatus::Cancelled => Some(format!(
                "import job {} was cancelled; every batch committed is kept; `rolodex resume {}` finishes it",
                job.id, job.id
            )),
            _ => None,
        };
        if let Some(said) = said {
            let _ = writeln!(err, "rolodex: {said}");
        }
    }
    if let Some(id) = app.ctx.reverting {
        let _ = writeln!(
            err,
            "rolodex: the revert of job {id} was interrupted; `rolodex revert {id} --yes` finishes it"
        );
    }
    match app.stopping {
        Some(signal) => 128 + signal,
        None => 0,
    }
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
