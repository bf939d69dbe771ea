//! SIGINT, SIGTERM and SIGHUP for the headless commands (`import --yes`, `resume`,
//! `revert`): the first asks the work to stop at its next commit, so the job ends
//! `cancelled` (a revert, interrupted) with every committed batch kept and a line on how
//! to go on; a second SIGINT ends the process at once — redb commits are atomic, so the
//! store stays consistent and the job shows `interrupted`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The signals that ask a headless command to stop.
pub const STOPPING: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// Exit status after a second SIGINT: 128 + SIGINT, as a shell reports it.
const EXIT_AT_ONCE: i32 = 128 + SIGINT;

/// Which stop signal arrived, if one did.
#[derive(Debug, Clone)]
pub struct StopSignal {
    received: Arc<AtomicUsize>,
    told: Arc<AtomicBool>,
}

impl StopSignal {
    /// Installs the handlers; each signal also sets `flag` (the worker's cancel flag).
    /// Without handlers (which should not happen) the signals keep their default: the
    /// process ends, and the job shows `interrupted`.
    pub fn install(flag: Option<Arc<AtomicBool>>) -> StopSignal {
        let stop = StopSignal {
            received: Arc::new(AtomicUsize::new(0)),
            told: Arc::new(AtomicBool::new(false)),
        };
        let armed = Arc::new(AtomicBool::new(false));
        // The shutdown first: it acts only once an earlier signal has armed it.
        let _ = signal_hook::flag::register_conditional_shutdown(
            SIGINT,
            EXIT_AT_ONCE,
            Arc::clone(&armed),
        );
        for signal in STOPPING {
            if let Some(flag) = &flag {
                let _ = signal_hook::flag::register(signal, Arc::clone(flag));
            }
            let _ = signal_hook::flag::register_usize(
                signal,
                Arc::clone(&stop.received),
                signal as usize,
            );
            let _ = signal_hook::flag::register(signal, Arc::clone(&armed));
        }
        stop
    }

    /// The signal that arrived, if any.
    pub fn received(&self) -> Option<i32> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }

    /// Says once, on stderr, that the signal was heard and what happens now.
    pub fn acknowledge(&self, what: &str) {
        let Some(signal) = self.received() else {
            return;
        };
        if self.told.swap(true, Ordering::SeqCst) {
            return;
        }
        let again = if signal == SIGINT {
            "press Ctrl-C again to stop at once"
        } else {
            "a SIGINT (Ctrl-C) stops it at once"
        };
        say(&format!("{}: {what}; {again}", name(signal)));
    }
}

/// The signal's name, as `kill -l` prints it.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// A line on stderr, never failing: after SIGHUP the terminal may be gone, and a failed
/// write must not end the process before the job is recorded as it ended.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "rolodex: {line}");
}
