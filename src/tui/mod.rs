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
    if let Err(e) = event::spawn_input(tx) {
        ratatui::restore();
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
            if app.quit {
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
    ratatui::restore();
    if let Err(e) = result {
        eprintln!("rolodex: the terminal failed: {e}");
        return crate::cli::EXIT_UNUSABLE;
    }
    // A cancelled import commits its batch before the process ends.
    if let Some(job) = &app.ctx.job {
        if app.ctx.importing {
            eprintln!(
                "rolodex: import job {} was cancelled; `rolodex resume {}` finishes it",
                job.id, job.id
            );
        }
    }
    0
}
