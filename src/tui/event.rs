//! One channel feeds the main loop: terminal input from a reader thread, and the events of
//! the background work (the review, the import).

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
    /// Progress of the background review.
    ReviewProgress(Progress),
    ReviewDone(Result<Box<Reviewed>, EngineError>),
    /// A line for the status bar from work done in the background (files written).
    Status(Level, String),
    /// A revert run in the background ended (the job's id).
    Reverted(u64, Result<RevertReport, RevertError>),
    /// A search of every job's rows ended: what was looked for, and per job the rows found.
    Traced(String, Result<BTreeMap<u64, Vec<u64>>, StoreError>),
    Worker(WorkerEvent),
    /// SIGTERM, SIGHUP or SIGINT: stop the work under way at its next commit, restore the
    /// terminal and end.
    Signal(i32),
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
