//! One file per screen. A screen holds its own state, turns actions into transitions, and
//! renders as a pure function of its state and the shared context. A screen never starts
//! background work itself: it returns `Transition::Run` with a `Command`, and the app runs
//! it as a task (`tui/task.rs`).

pub mod consent;
pub mod contacts;
pub mod destination;
pub mod done;
pub mod file;
pub mod history;
pub mod map;
pub mod options;
pub mod progress;
pub mod review;
pub mod tags;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use std::path::PathBuf;

use super::action::{Action, Keys};
use super::context::Ctx;
use crate::engine::number::group_digits;
use crate::store::jobs::Job;

/// Where the app goes after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Stay,
    Next,
    Back,
    To(View),
    Confirm(Confirm),
    Quit,
    /// Background work for the app to start; where to go then is the command's to say.
    Run(Command),
}

/// Background work a screen asks for. The app runs each as the task of its kind
/// (`tui/task.rs`): a new one replaces the one before, and what the old one says is
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The dry run over the whole file (entering Review).
    StartReview,
    /// The import of the wizard's file (entering Progress).
    StartImport,
    /// The review's error file (Review's `w`).
    WriteReviewErrors,
    /// A job's results and error files (Done's `w`).
    WriteJobFiles(Box<Job>),
    /// A search of every job's rows (History's `/`).
    Trace(String),
    /// The fixed rows of `job`, written to `path`, imported as a follow-up job; the app
    /// shows its progress once it has started.
    /// Import `path`, the fixed `rows` of `job` (in the file's order), as its follow-up.
    Retry {
        job: u64,
        path: PathBuf,
        rows: Vec<u64>,
    },
    /// Undo a job (once confirmed).
    Revert(u64),
    /// Read a job's rows and open it in History; `problems` starts on its failed rows.
    OpenJob { job: u64, problems: bool },
    /// Look for `query` in the rows of the job History has open.
    FindInJob { job: u64, query: String },
    /// Go on with a stopped or interrupted job where it stopped (once confirmed).
    Resume(u64),
}

impl Confirm {
    /// Reverting `job` as it is now: the question says what will be undone.
    pub fn revert(job: &Job) -> Confirm {
        Confirm::Revert {
            job: job.id,
            created: job.counts.created,
            updated: job.counts.updated,
        }
    }
}

/// Questions asked before doing something that cannot be taken back lightly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    CancelImport,
    QuitDuringImport,
    QuitDuringRevert,
    /// Quitting would lose the mapping, options and tags chosen for the open file.
    QuitWithChoices,
    /// Undo a job that created and updated so many contacts.
    Revert {
        job: u64,
        created: u64,
        updated: u64,
    },
    Resume(u64),
    /// Import a job's fixed rows as a follow-up job.
    Retry {
        job: u64,
        rows: usize,
    },
    /// Leaving Map with columns no field takes (seed 004's "Don't import data for unmapped
    /// columns"): asked once for those columns.
    Unmapped(Vec<String>),
}

impl Confirm {
    pub fn question(&self) -> String {
        match self {
            Confirm::CancelImport => {
                "Cancel the import? Rows written so far stay, and the job can be resumed.".into()
            }
            Confirm::QuitDuringImport => "An import is running. Cancel it and quit?".into(),
            Confirm::QuitDuringRevert => {
                "A revert is running. Stop it after the batch in hand and quit?".into()
            }
            Confirm::QuitWithChoices => {
                "Quit and lose the mapping and options chosen for this file?".into()
            }
            Confirm::Revert {
                job,
                created,
                updated,
            } => format!(
                "Revert job {job}? The {} {} it created {} deleted and the {} it updated restored as they were before it.",
                group_digits(*created),
                if *created == 1 { "contact" } else { "contacts" },
                if *created == 1 { "is" } else { "are" },
                group_digits(*updated),
            ),
            Confirm::Resume(job) => format!(
                "Resume job {job} where it stopped? The rows committed are kept; the rest of the file is imported, with a fresh allowance of failed rows."
            ),
            Confirm::Retry { job, rows } => format!(
                "Import the {} fixed {} of job {job} as a follow-up job?",
                group_digits(*rows as u64),
                if *rows == 1 { "row" } else { "rows" }
            ),
            Confirm::Unmapped(columns) => {
                const NAMED: usize = 6;
                let mut names: Vec<String> = columns
                    .iter()
                    .take(NAMED)
                    .map(|c| format!("{c:?}"))
                    .collect();
                if columns.len() > NAMED {
                    names.push(format!("and {} more", columns.len() - NAMED));
                }
                let (n, what) = match columns.len() {
                    1 => ("This".to_string(), "column"),
                    n => (format!("These {n}"), "columns"),
                };
                format!("{n} {what} will not be imported: {}.", names.join(", "))
            }
        }
    }

    /// The keys that answer, and what each does.
    pub fn answers(&self) -> &'static [(char, &'static str)] {
        match self {
            Confirm::Unmapped(_) => &[
                ('y', "go on without them"),
                ('c', "keep them as custom fields"),
                ('n', "back to Map"),
            ],
            _ => &[('y', "yes"), ('n', "no")],
        }
    }
}

/// The steps of the wizard, then the two browsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    File,
    Map,
    Options,
    Review,
    Consent,
    Tags,
    Destination,
    Progress,
    Done,
    History,
    Contacts,
}

impl View {
    pub const STEPS: [View; 9] = [
        View::File,
        View::Map,
        View::Options,
        View::Review,
        View::Consent,
        View::Tags,
        View::Destination,
        View::Progress,
        View::Done,
    ];

    pub fn name(self) -> &'static str {
        match self {
            View::File => "File",
            View::Map => "Map",
            View::Options => "Options",
            View::Review => "Review",
            View::Consent => "Consent",
            View::Tags => "Tags",
            View::Destination => "Destination",
            View::Progress => "Progress",
            View::Done => "Done",
            View::History => "History",
            View::Contacts => "Contacts",
        }
    }

    /// `Step 2/9 · Map`, or the browser's own name.
    pub fn title(self) -> String {
        match Self::STEPS.iter().position(|s| *s == self) {
            Some(i) => format!("Step {}/9 · {}", i + 1, self.name()),
            None => self.name().to_string(),
        }
    }

    pub fn next(self) -> View {
        match Self::STEPS.iter().position(|s| *s == self) {
            Some(i) if i + 1 < Self::STEPS.len() => Self::STEPS[i + 1],
            _ => self,
        }
    }

    pub fn prev(self) -> View {
        match Self::STEPS.iter().position(|s| *s == self) {
            Some(i) if i > 0 => Self::STEPS[i - 1],
            _ => View::File,
        }
    }
}

pub trait Screen {
    /// The keys that work on the screen as it is now (`action::Keys`): what keys do,
    /// the footer and the help all read them.
    fn keys(&self) -> Keys;
    /// A focused text field gets first refusal of keys: `None` leaves the key to the
    /// screen's keymap; `Some` says the field used it, and what follows.
    fn text_input(&mut self, _key: KeyEvent, _ctx: &mut Ctx) -> Option<Transition> {
        None
    }
    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition;
    /// Called when the screen is entered.
    fn enter(&mut self, _ctx: &mut Ctx) {}
    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer);
    /// Extra words for the title bar (a job, a row).
    fn subtitle(&self) -> Option<String> {
        None
    }
}

/// Moves a selection within `len` items for the common movement actions.
pub fn move_selection(selected: usize, len: usize, action: Action, page: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (selected + 1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageUp => selected.saturating_sub(page.max(1)),
        Action::PageDown => (selected + page.max(1)).min(last),
        _ => selected.min(last),
    }
}

/// The first visible item so that `selected` shows in a window of `height` items.
pub fn scroll_offset(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected.saturating_sub(height - 1)
    }
}
