//! How a command ends: an `Outcome` when it ran (its results are printed, its exit status
//! says how far it got), or a `CliError` when it could not do what it was asked. Each knows
//! its exit status; `main` prints the error, once, as `rolodex: LINE` on stderr. Warnings
//! and progress are not errors: the commands say them where they happen.

use super::signals;
use crate::config::ConfigError;
use crate::engine::outfile::OutfileError;
use crate::engine::EngineError;
use crate::session::DraftError;
use crate::store::StoreError;
use crate::tui::WizardError;

/// Exit status for a file or store that could not be used.
pub const EXIT_UNUSABLE: i32 = 1;
/// Exit status for bad usage (clap uses it too).
pub const EXIT_USAGE: i32 = 2;
/// Exit status for a job that ran (it is in the store) but did not do all it was asked:
/// stopped part way by its failure threshold, because its file changed under it, or by a
/// failure after its first commit (the rows committed before are kept; resume it, or
/// revert it), or its `--report`/`--errors` file could not be written afterwards. The
/// summary or stderr says which, and what to do.
pub const EXIT_PARTLY_DONE: i32 = 3;

/// The exit status a shell reports for a process `signal` ended.
pub fn exit_status_of_signal(signal: i32) -> i32 {
    128 + signal
}

/// How a command that ran ended, once its results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did all it was asked.
    Done,
    /// A job stopped short (its failure threshold, or its file changed under it); its
    /// summary and the lines under it say how far it got and how to go on.
    PartlyDone,
    /// A signal stopped it: a job at its next commit, or the wizard.
    Stopped { signal: i32 },
    /// `rolodex check` found the store damaged; its report names each problem.
    Damaged,
}

impl Outcome {
    pub fn exit_status(self) -> i32 {
        match self {
            Outcome::Done => 0,
            Outcome::PartlyDone => EXIT_PARTLY_DONE,
            Outcome::Stopped { signal } => exit_status_of_signal(signal),
            Outcome::Damaged => EXIT_UNUSABLE,
        }
    }
}

/// What kind of failure a `CliError` is, which decides its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The command line itself was wrong: a flag to change or add. Nothing was done.
    Usage,
    /// A file, the store or the terminal could not be used. Nothing was written.
    Unusable,
    /// A job ran in part: what it committed is kept, the rest is not done.
    PartlyDone,
    /// A signal stopped the command before it was done.
    Signal(i32),
}

impl Kind {
    pub fn exit_status(self) -> i32 {
        match self {
            Kind::Usage => EXIT_USAGE,
            Kind::Unusable => EXIT_UNUSABLE,
            Kind::PartlyDone => EXIT_PARTLY_DONE,
            Kind::Signal(signal) => exit_status_of_signal(signal),
        }
    }
}

/// Why a command could not do what it was asked. Its `Display` is the line said on stderr
/// (`main` puts `rolodex: ` before it and sanitizes it for the terminal); the few errors
/// that take more than one line give them all in `lines`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag to change or add, said in the user's words.
    #[error("{0}")]
    Usage(String),
    /// A file, the store or the terminal that cannot be used, said in the user's words.
    #[error("{0}")]
    Unusable(String),
    /// The user's config.toml cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The input file cannot be read, or the engine could not go on with it.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The flags do not make an import of this file (usage), or the file lacks what the
    /// import needs (unusable).
    #[error(transparent)]
    Draft(#[from] DraftError),
    /// `--report` or `--errors` was refused or failed before the store was written.
    #[error("{0}; nothing was written")]
    Outfile(#[from] OutfileError),
    #[error(transparent)]
    Wizard(#[from] WizardError),
    /// A job stopped after committing part of its file (`message` says how to go on).
    #[error("{0}")]
    PartlyDone(String),
    /// The job ended as `after`, but its `--report` or `--errors` file was not written.
    #[error("job {job} finished, but {error}; get it from the store with `rolodex show {job} --csv > FILE` (results) or `rolodex show {job} --failed --csv > FILE` (errors)")]
    ReportUnwritten {
        job: u64,
        error: OutfileError,
        after: Outcome,
    },
    /// A signal came before anything was written: the work was not started.
    #[error("stopped by {} before anything was written", signals::name(*.signal))]
    StoppedEarly { signal: i32 },
    /// A signal stopped a job before its first batch; `reason` is the worker's word.
    #[error("{reason}")]
    StoppedBeforeCommit {
        signal: i32,
        job: u64,
        reason: String,
    },
    /// A signal stopped a revert part way; `error` is what the store said.
    #[error("{error}")]
    RevertStopped { signal: i32, error: StoreError },
    /// A revert refused before anything changed, because it met damaged records.
    #[error("job {job} was not reverted: {} damaged record(s) above; nothing was changed", .damaged.len())]
    DamagedRevert { job: u64, damaged: Vec<StoreError> },
}

impl CliError {
    pub fn kind(&self) -> Kind {
        match self {
            CliError::Usage(_) => Kind::Usage,
            CliError::Unusable(_)
            | CliError::Config(_)
            | CliError::Store(_)
            | CliError::Engine(_)
            | CliError::Wizard(_)
            | CliError::DamagedRevert { .. } => Kind::Unusable,
            CliError::Draft(e) if e.is_usage() => Kind::Usage,
            CliError::Draft(_) => Kind::Unusable,
            CliError::Outfile(e) if e.is_bad_path() => Kind::Usage,
            CliError::Outfile(_) => Kind::Unusable,
            CliError::PartlyDone(_) => Kind::PartlyDone,
            // The job is in the store, whatever happened to its files.
            CliError::ReportUnwritten { after, .. } => match after {
                Outcome::Stopped { signal } => Kind::Signal(*signal),
                _ => Kind::PartlyDone,
            },
            CliError::StoppedEarly { signal }
            | CliError::StoppedBeforeCommit { signal, .. }
            | CliError::RevertStopped { signal, .. } => Kind::Signal(*signal),
        }
    }

    pub fn exit_status(&self) -> i32 {
        self.kind().exit_status()
    }

    /// The lines said on stderr, in order: the message, with what it needs around it.
    pub fn lines(&self) -> Vec<String> {
        match self {
            CliError::DamagedRevert { damaged, .. } => damaged
                .iter()
                .map(ToString::to_string)
                .chain([self.to_string()])
                .collect(),
            CliError::StoppedBeforeCommit { job, .. } => vec![
                self.to_string(),
                format!("`rolodex resume {job}` goes on with it"),
            ],
            CliError::RevertStopped { signal, .. } => vec![
                self.to_string(),
                format!("stopped by {}", signals::name(*signal)),
            ],
            _ => vec![self.to_string()],
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

    use super::*;

    fn bad_path() -> OutfileError {
        OutfileError::NotAFile {
            label: "--report".into(),
            path: PathBuf::from("/tmp"),
        }
    }

    fn write_failed() -> OutfileError {
        OutfileError::Write {
            label: "--report".into(),
            path: PathBuf::from("out.csv"),
            source: std::io::Error::other("disk full"),
        }
    }

    #[test]
    fn each_kind_has_its_exit_status() {
        assert_eq!(Kind::Usage.exit_status(), 2);
        assert_eq!(Kind::Unusable.exit_status(), 1);
        assert_eq!(Kind::PartlyDone.exit_status(), 3);
        assert_eq!(Kind::Signal(SIGINT).exit_status(), 130);
        assert_eq!(Kind::Signal(SIGTERM).exit_status(), 143);
        assert_eq!(Kind::Signal(SIGHUP).exit_status(), 129);
    }

    #[test]
    fn each_outcome_has_its_exit_status() {
        assert_eq!(Outcome::Done.exit_status(), 0);
        assert_eq!(Outcome::PartlyDone.exit_status(), 3);
        assert_eq!(Outcome::Stopped { signal: SIGTERM }.exit_status(), 143);
        assert_eq!(Outcome::Damaged.exit_status(), 1);
    }

    #[test]
    fn each_error_has_the_exit_status_of_its_kind() {
        let cases: Vec<(CliError, i32)> = vec![
            (CliError::Usage("trace needs a name".into()), 2),
            (CliError::Unusable("no data directory".into()), 1),
            (
                CliError::Config(ConfigError::NotUtf8 {
                    path: PathBuf::from("config.toml"),
                }),
                1,
            ),
            (
                CliError::Store(StoreError::Busy(PathBuf::from("db.redb"))),
                1,
            ),
            (
                CliError::Engine(EngineError::NotFound(PathBuf::from("x.csv"))),
                1,
            ),
            (CliError::Draft(DraftError::IdNeedsUpdate), 2),
            (
                CliError::Draft(DraftError::Unmapped {
                    file: "a.csv".into(),
                    field: "phone".into(),
                    requirement: crate::engine::plan::Requirement::Dialer,
                }),
                1,
            ),
            (
                CliError::Draft(DraftError::Store(StoreError::Busy(PathBuf::from("db")))),
                1,
            ),
            (CliError::Outfile(bad_path()), 2),
            (CliError::Outfile(write_failed()), 1),
            (CliError::PartlyDone("job 1 stopped".into()), 3),
            (
                CliError::ReportUnwritten {
                    job: 1,
                    error: write_failed(),
                    after: Outcome::Done,
                },
                3,
            ),
            (
                CliError::ReportUnwritten {
                    job: 1,
                    error: write_failed(),
                    after: Outcome::PartlyDone,
                },
                3,
            ),
            (
                CliError::ReportUnwritten {
                    job: 1,
                    error: write_failed(),
                    after: Outcome::Stopped { signal: SIGTERM },
                },
                143,
            ),
            (CliError::StoppedEarly { signal: SIGHUP }, 129),
            (
                CliError::StoppedBeforeCommit {
                    signal: SIGINT,
                    job: 4,
                    reason: "job 4 was cancelled".into(),
                },
                130,
            ),
            (
                CliError::RevertStopped {
                    signal: SIGTERM,
                    error: StoreError::Busy(PathBuf::from("db")),
                },
                143,
            ),
            (
                CliError::DamagedRevert {
                    job: 2,
                    damaged: vec![],
                },
                1,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.exit_status(), status, "{error:?}");
        }
    }

    #[test]
    fn the_lines_are_the_messages_said_today() {
        assert_eq!(
            CliError::Outfile(bad_path()).lines(),
            ["--report /tmp is not a regular file (a folder, device or pipe); give the path of a file to create or replace; nothing was written"]
        );
        assert_eq!(
            CliError::StoppedEarly { signal: SIGTERM }.lines(),
            ["stopped by SIGTERM before anything was written"]
        );
        assert_eq!(
            CliError::StoppedBeforeCommit {
                signal: SIGINT,
                job: 4,
                reason: "job 4 was cancelled before its first batch; nothing was written".into(),
            }
            .lines(),
            [
                "job 4 was cancelled before its first batch; nothing was written",
                "`rolodex resume 4` goes on with it"
            ]
        );
        let damaged = CliError::DamagedRevert {
            job: 2,
            damaged: vec![
                StoreError::Busy(PathBuf::from("a")),
                StoreError::Busy(PathBuf::from("b")),
            ],
        };
        let lines = damaged.lines();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[2],
            "job 2 was not reverted: 2 damaged record(s) above; nothing was changed"
        );
    }
}
