//! One channel feeds the main loop: terminal input from a reader thread, signals, and what
//! the background tasks say (the review, the import, …), each tagged with its task.

use std::collections::BTreeMap;
use std::sync::mpsc::Sender;

use crossterm::event::{Event, KeyEvent, KeyEventKind};

use super::chrome::Level;
use crate::engine::date::DateOrder;
use crate::engine::review::{Progress, Review};
use crate::engine::EngineError;
use crate::store::revert::RevertReport;
use crate::store::StoreError;
use crate::worker::WorkerEvent;

#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Resize,
    /// What a background task said (`task.rs`), tagged with the task: the app ignores it
    /// once a newer task of the same kind has replaced that one.
    Task(TaskId, TaskEvent),
    /// SIGTERM, SIGHUP or SIGINT: stop the work under way at its next commit, restore the
    /// terminal and end.
    Signal(i32),
}

/// What the wizard's background tasks say.
#[derive(Debug)]
pub enum TaskEvent {
    /// Progress of the background review.
    ReviewProgress(Progress),
    ReviewDone(Result<Box<Reviewed>, EngineError>),
    /// A line for the status bar from work done in the background (files written).
    Status(Level, String),
    /// A revert run in the background ended (the job's id).
    Reverted(u64, Result<RevertReport, RevertError>),
    /// A search of every job's rows ended: what was looked for, and per job the rows found.
    Traced(String, Result<BTreeMap<u64, Vec<u64>>, StoreError>),
    /// A job's rows were read for History (the job's id, an entry per row).
    JobIndexed(u64, Result<Vec<super::job_index::Entry>, StoreError>),
    /// A search of one job's rows ended: the job, what was looked for, the rows found.
    Found(u64, String, Result<Vec<u64>, StoreError>),
    Worker(WorkerEvent),
    /// The task's thread is ending (after its last word, or a panic): it can be joined.
    Ended,
}

/// The kinds of background work; at most one task of each runs for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The dry run over the whole file (Step 4).
    Review,
    /// A new import or a retry of fixed rows: the worker and the thread that forwards its
    /// events.
    Import,
    Revert,
    /// The review's error file, or a job's results and error files.
    Files,
    /// A search of every job's rows (History's `/`).
    Trace,
    /// Reading a job's rows for History to open it.
    JobRows,
    /// A search of one job's rows (History's `/` in a job).
    Find,
}

impl Kind {
    /// What the task is doing, in words (for what is said when the wizard ends).
    pub fn doing(self) -> &'static str {
        match self {
            Kind::Review => "the review",
            Kind::Import => "the import",
            Kind::Revert => "the revert",
            Kind::Files => "writing a file",
            Kind::Trace => "the search of every job's rows",
            Kind::JobRows => "reading a job's rows",
            Kind::Find => "the search of a job's rows",
        }
    }
}

/// One task: its kind and a number no other task of this wizard has. What a task says is
/// tagged with it, so that the words of a task replaced since can be told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskId {
    kind: Kind,
    number: u64,
}

impl TaskId {
    pub(super) fn new(kind: Kind, number: u64) -> TaskId {
        TaskId { kind, number }
    }

    pub fn kind(self) -> Kind {
        self.kind
    }
}

/// Why the wizard's revert of a job did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum RevertError {
    /// Contacts of the job are damaged and could not be put back as they were: nothing was
    /// changed, and each is named.
    #[error("job {job} was not reverted, nothing was changed: {}", join(.damaged))]
    Damaged { job: u64, damaged: Vec<StoreError> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn join(errors: &[StoreError]) -> String {
    let each: Vec<String> = errors.iter().map(ToString::to_string).collect();
    each.join("; ")
}

/// A finished review, and the order its date columns were read in (the import reads them
/// the same way).
#[derive(Debug)]
pub struct Reviewed {
    pub review: Review,
    pub date_orders: BTreeMap<usize, DateOrder>,
    /// Its rows by outcome and reason.
    pub by_reason: crate::engine::by_reason::ByReason,
}

/// Turns SIGTERM, SIGHUP and SIGINT into `AppEvent::Signal` on a named thread, so the
/// main loop can stop the work under way and restore the terminal before the process ends.
pub fn spawn_signals(tx: Sender<AppEvent>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    std::thread::Builder::new()
        .name("rolodex-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if tx.send(AppEvent::Signal(signal)).is_err() {
                    return;
                }
            }
        })?;
    Ok(())
}

/// Reads the terminal on a named thread; only key presses (not repeats or releases) and
/// resizes are passed on.
pub fn spawn_input(tx: Sender<AppEvent>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("rolodex-input".into())
        .spawn(move || loop {
            let event = match crossterm::event::read() {
                Ok(e) => e,
                Err(_) => return,
            };
            let sent = match event {
                Event::Key(key) if key.kind == KeyEventKind::Press => tx.send(AppEvent::Key(key)),
                Event::Resize(_, _) => tx.send(AppEvent::Resize),
                _ => Ok(()),
            };
            if sent.is_err() {
                return;
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_revert_names_each_damaged_record() {
        let refused = RevertError::Damaged {
            job: 3,
            damaged: vec![
                StoreError::damaged("contacts", 7),
                StoreError::damaged("contacts", 9),
            ],
        };
        assert_eq!(
            refused.to_string(),
            "job 3 was not reverted, nothing was changed: contact 7 in the store is damaged and was not used; `rolodex check` lists every damaged record (restore them from a backup); contact 9 in the store is damaged and was not used; `rolodex check` lists every damaged record (restore them from a backup)"
        );
        let failed = RevertError::from(StoreError::NoSuchJob(4));
        assert_eq!(
            failed.to_string(),
            "no job 4 in this store; `rolodex history` lists the jobs"
        );
    }
}
