//! The wizard's background work, one task per kind: the review, the import, a revert, the
//! files being written, a search of every job's rows. Starting a task replaces the one of
//! its kind before it — that one is asked to stop, and what it says from then on is
//! ignored — so only the newest result of a kind ever reaches the screen (gitui's
//! `AsyncSingleJob`). Screens never start tasks: they return a `Command`, and the app
//! starts it here. On the way out every task is asked to stop and its thread joined, within
//! a bounded wait.

use std::collections::BTreeMap;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

// The kinds and ids live beside the events that carry them, which this module sends.
use super::event::{AppEvent, TaskEvent};
pub use super::event::{Kind, TaskId};
use crate::worker::Cancel;

/// What a task's thread holds: its id, to tag what it says, and its cancel flag.
pub struct Reporter {
    id: TaskId,
    tx: Sender<AppEvent>,
    cancel: Cancel,
}

impl Reporter {
    /// Tells the app; false when the app is gone (the task may stop).
    pub fn send(&self, event: TaskEvent) -> bool {
        self.tx.send(AppEvent::Task(self.id, event)).is_ok()
    }

    /// Set when the task is asked to stop (replaced, cancelled, or the wizard ends).
    pub fn cancel(&self) -> &Cancel {
        &self.cancel
    }
}

/// Says `TaskEvent::Ended` as the task's thread ends, a panic included, so that the app
/// never waits on a thread that is gone.
struct EndGuard(Reporter);

impl Drop for EndGuard {
    fn drop(&mut self) {
        self.0.send(TaskEvent::Ended);
    }
}

struct Task {
    id: TaskId,
    cancel: Cancel,
    thread: JoinHandle<()>,
}

/// How a task's thread ended, once joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    /// It was the newest of its kind (its results were wanted).
    pub current: bool,
    /// It panicked: it may not have said how its work ended.
    pub panicked: bool,
}

/// The wizard's task handles: one current task per kind, and the tasks replaced or given up
/// whose threads have not ended yet.
pub struct Tasks {
    tx: Sender<AppEvent>,
    started: u64,
    current: BTreeMap<Kind, Task>,
    ending: Vec<Task>,
}

impl Tasks {
    pub fn new(tx: Sender<AppEvent>) -> Tasks {
        Tasks {
            tx,
            started: 0,
            current: BTreeMap::new(),
            ending: Vec::new(),
        }
    }

    /// Runs `work` on a thread named `name` as the task of its kind. The task before it of
    /// that kind, if any, is asked to stop and is no longer listened to.
    pub fn start(
        &mut self,
        kind: Kind,
        name: &str,
        work: impl FnOnce(&Reporter) + Send + 'static,
    ) -> std::io::Result<TaskId> {
        self.abandon(kind);
        self.started += 1;
        let id = TaskId::new(kind, self.started);
        let cancel = Cancel::default();
        let reporter = Reporter {
            id,
            tx: self.tx.clone(),
            cancel: cancel.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let guard = EndGuard(reporter);
                work(&guard.0);
            })?;
        self.current.insert(kind, Task { id, cancel, thread });
        Ok(id)
    }

    /// Asks the task of `kind` to stop; what it says as it ends is still wanted (an import
    /// says how its job ended). False when none runs.
    pub fn cancel(&self, kind: Kind) -> bool {
        match self.current.get(&kind) {
            Some(task) => {
                task.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Asks the task of `kind` to stop, and ignores whatever it says from now on.
    pub fn abandon(&mut self, kind: Kind) {
        if let Some(task) = self.current.remove(&kind) {
            task.cancel.cancel();
            self.ending.push(task);
        }
    }

    /// A task of `kind` runs and is listened to.
    pub fn is_running(&self, kind: Kind) -> bool {
        self.current.contains_key(&kind)
    }

    /// The task of `kind` was asked to stop.
    pub fn is_cancelled(&self, kind: Kind) -> bool {
        self.current
            .get(&kind)
            .is_some_and(|t| t.cancel.is_cancelled())
    }

    /// `id` is the newest task of its kind: what it says is wanted.
    pub fn is_current(&self, id: TaskId) -> bool {
        self.current.get(&id.kind()).is_some_and(|t| t.id == id)
    }

    /// A thread of `kind` has not ended yet, listened to or not.
    pub fn is_alive(&self, kind: Kind) -> bool {
        self.is_running(kind) || self.ending.iter().any(|t| t.id.kind() == kind)
    }

    /// Joins the thread of `id`, which said it ended (the join does not wait); `None` when
    /// it was joined before.
    pub fn ended(&mut self, id: TaskId) -> Option<Ended> {
        let (task, current) = if self.is_current(id) {
            (self.current.remove(&id.kind())?, true)
        } else {
            let at = self.ending.iter().position(|t| t.id == id)?;
            (self.ending.swap_remove(at), false)
        };
        let panicked = task.thread.join().is_err();
        Some(Ended { current, panicked })
    }

    /// Asks every task to stop, then joins their threads, waiting at most `wait` in all.
    /// Returns the kinds of the tasks still running then, listened to or not: their threads
    /// are left to end with the process.
    pub fn join_all(&mut self, wait: Duration) -> Vec<Kind> {
        let mut tasks: Vec<Task> = std::mem::take(&mut self.current).into_values().collect();
        tasks.append(&mut self.ending);
        for task in &tasks {
            task.cancel.cancel();
        }
        let deadline = Instant::now() + wait;
        while tasks.iter().any(|t| !t.thread.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut running = Vec::new();
        for task in tasks {
            if task.thread.is_finished() {
                let _ = task.thread.join();
            } else {
                running.push(task.id.kind());
            }
        }
        running.sort();
        running.dedup();
        running
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::chrome::Level;
    use std::sync::mpsc::{self, Receiver};

    fn said(rx: &Receiver<AppEvent>) -> (TaskId, TaskEvent) {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(AppEvent::Task(id, event)) => (id, event),
            other => panic!("expected a task's event, got {other:?}"),
        }
    }

    /// A task that says `text` once it is asked to stop.
    fn until_cancelled(text: &'static str) -> impl FnOnce(&Reporter) + Send + 'static {
        move |task: &Reporter| {
            while !task.cancel().is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            task.send(TaskEvent::Status(Level::Info, text.into()));
        }
    }

    #[test]
    fn the_newest_task_of_a_kind_wins() {
        let (tx, rx) = mpsc::channel();
        let mut tasks = Tasks::new(tx);
        let first = tasks
            .start(Kind::Review, "first", until_cancelled("first"))
            .unwrap();
        let second = tasks
            .start(Kind::Review, "second", |task: &Reporter| {
                task.send(TaskEvent::Status(Level::Info, "second".into()));
            })
            .unwrap();
        assert!(!tasks.is_current(first), "replaced");
        assert!(tasks.is_current(second));
        let mut wanted = Vec::new();
        while tasks.is_alive(Kind::Review) {
            let (id, event) = said(&rx);
            match event {
                TaskEvent::Ended => {
                    let ended = tasks.ended(id).unwrap();
                    assert_eq!(ended.current, id == second);
                    assert!(!ended.panicked);
                }
                TaskEvent::Status(_, text) if tasks.is_current(id) => wanted.push(text),
                _ => {}
            }
        }
        assert_eq!(wanted, ["second"]);
        assert!(!tasks.is_running(Kind::Review));
    }

    #[test]
    fn a_cancelled_task_is_still_heard_and_kinds_do_not_replace_each_other() {
        let (tx, rx) = mpsc::channel();
        let mut tasks = Tasks::new(tx);
        let import = tasks
            .start(Kind::Import, "import", until_cancelled("stopped"))
            .unwrap();
        tasks
            .start(Kind::Trace, "trace", until_cancelled("trace"))
            .unwrap();
        assert!(tasks.is_current(import), "another kind replaces nothing");
        assert!(!tasks.is_cancelled(Kind::Import));
        assert!(tasks.cancel(Kind::Import));
        assert!(tasks.is_cancelled(Kind::Import));
        let (id, event) = said(&rx);
        assert_eq!(id, import);
        assert!(matches!(event, TaskEvent::Status(_, ref t) if t == "stopped"));
        assert!(
            tasks.is_current(id),
            "a cancelled task's last words are wanted"
        );
        assert!(matches!(said(&rx), (i, TaskEvent::Ended) if i == import));
        assert!(tasks.ended(import).is_some_and(|e| e.current));
        assert!(tasks.ended(import).is_none(), "joined once");
        assert!(tasks.is_running(Kind::Trace));
        assert!(tasks.join_all(Duration::from_secs(10)).is_empty());
        assert!(!tasks.is_alive(Kind::Trace));
    }

    #[test]
    fn a_panicking_task_still_says_it_ended() {
        let (tx, rx) = mpsc::channel();
        let mut tasks = Tasks::new(tx);
        let id = tasks
            .start(Kind::Files, "panics", |_: &Reporter| panic!("on purpose"))
            .unwrap();
        assert!(matches!(said(&rx), (i, TaskEvent::Ended) if i == id));
        assert_eq!(
            tasks.ended(id),
            Some(Ended {
                current: true,
                panicked: true
            })
        );
    }

    #[test]
    fn join_all_waits_no_longer_than_told() {
        let (tx, _rx) = mpsc::channel();
        let mut tasks = Tasks::new(tx);
        let (release, wait) = mpsc::channel::<()>();
        tasks
            .start(Kind::Files, "stuck", move |_: &Reporter| {
                let _ = wait.recv();
            })
            .unwrap();
        tasks
            .start(Kind::Review, "stops", until_cancelled("review"))
            .unwrap();
        let start = Instant::now();
        assert_eq!(tasks.join_all(Duration::from_millis(200)), [Kind::Files]);
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(!tasks.is_alive(Kind::Review));
        drop(release);
    }
}
