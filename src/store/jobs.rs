//! Jobs and their rows: what history, `show`, reports, `resume` and `revert` read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::plan::ImportPlan;
use crate::engine::reason::{Issue, Reason};
use crate::engine::resolve::RowStatus;
use crate::engine::review::Counts;

/// How a job ends is decided by the engine's rules (`engine::apply`); its words live there.
pub use crate::engine::apply::JobStatus;

/// Counts as a job keeps them (reasons by code, so the JSON reads the same as the review's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub total_rows: u64,
    pub blank_rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
    pub warnings: u64,
    pub reasons: BTreeMap<String, u64>,
    /// The rows' opportunities, apart from their contacts (none before opportunities).
    #[serde(default)]
    pub opportunities: crate::engine::opportunity::OpportunityCounts,
}

impl From<&Counts> for JobCounts {
    fn from(c: &Counts) -> Self {
        JobCounts {
            total_rows: c.total_rows,
            blank_rows: c.blank_rows,
            created: c.created,
            updated: c.updated,
            skipped: c.skipped,
            failed: c.failed,
            warnings: c.warnings,
            reasons: c
                .reasons
                .iter()
                .map(|(r, n)| (r.code().to_string(), *n))
                .collect(),
            opportunities: c.opportunities,
        }
    }
}

impl JobCounts {
    pub fn to_counts(&self) -> Counts {
        Counts {
            total_rows: self.total_rows,
            blank_rows: self.blank_rows,
            created: self.created,
            updated: self.updated,
            skipped: self.skipped,
            failed: self.failed,
            warnings: self.warnings,
            reasons: self
                .reasons
                .iter()
                .filter_map(|(code, n)| Reason::from_code(code).map(|r| (r, *n)))
                .collect(),
            opportunities: self.opportunities,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: u64,
    pub file: String,
    pub size: u64,
    /// SHA-256 of the file, so `resume` can tell the file has not changed.
    pub checksum: String,
    pub header: Vec<String>,
    pub plan: ImportPlan,
    pub import_tag: Option<String>,
    pub started: String,
    pub finished: Option<String>,
    pub status: JobStatus,
    pub counts: JobCounts,
    /// The last spreadsheet row whose outcome is committed: `resume` goes on after it.
    pub resume_after: u64,
    /// Failed rows already counted when the job was last resumed: the failure threshold
    /// counts from there, so a stopped job can go on.
    #[serde(default)]
    pub failure_base: u64,
    /// The job whose failed rows this one retries.
    pub retry_of: Option<u64>,
    /// Contacts a revert left alone because a later job changed them.
    #[serde(default)]
    pub revert_conflicts: Vec<u64>,
    /// Why the job stopped or failed ("the file changed while it was being imported", a
    /// quote never closed at row 48,213, a full disk).
    #[serde(default)]
    pub reason: Option<String>,
    /// The process writing the job (importing, resuming or reverting it), so a job whose
    /// process is gone is shown as interrupted instead of running forever.
    #[serde(default)]
    pub owner: Option<Owner>,
}

impl Job {
    /// Blank rows of the file, once known: they are counted when the file's end is reached,
    /// which a job stopped by its failure threshold or cancelled never did.
    pub fn blank_rows(&self) -> Option<u64> {
        match self.status {
            JobStatus::Checking
            | JobStatus::Running
            | JobStatus::Interrupted
            | JobStatus::Stopped
            | JobStatus::Cancelled => None,
            _ => Some(self.counts.blank_rows),
        }
    }

    /// The status as it is now: a job left `checking`, `running` or `reverting` by a
    /// process that is gone (killed, the machine restarted) is `interrupted`. Reads /proc,
    /// so it is asked when a job is read for showing or for a decision, never stored.
    pub fn effective_status(&self) -> JobStatus {
        match self.status {
            JobStatus::Checking | JobStatus::Running | JobStatus::Reverting
                if !self.owner.as_ref().is_some_and(Owner::is_alive) =>
            {
                JobStatus::Interrupted
            }
            status => status,
        }
    }

    /// The same job with `effective_status` as its status, for showing (never save it).
    pub fn as_shown(mut self) -> Job {
        self.status = self.effective_status();
        self
    }
}

/// The process that writes a job: its id and its start time (field 22 of
/// /proc/PID/stat, in clock ticks since boot), so a process id reused after a reboot or
/// by another program is not mistaken for the job's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub pid: u32,
    pub start: u64,
}

impl Owner {
    /// This process, where /proc tells its start time (Linux); elsewhere `None`, and a job
    /// left running is shown as interrupted.
    pub fn current() -> Option<Owner> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        Some(Owner {
            pid: std::process::id(),
            start: start_time(&stat)?,
        })
    }

    /// The process still runs: its id exists and started when the owner did.
    pub fn is_alive(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .ok()
            .and_then(|stat| start_time(&stat))
            == Some(self.start)
    }
}

/// Field 22 (start time) of a /proc/PID/stat line. The process name, field 2, is in
/// parentheses and may hold spaces and parentheses itself: fields are counted after the
/// last `)`.
fn start_time(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name.
    after_name.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// One row's fate, kept forever in the job's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRow {
    pub row: u64,
    pub line: u64,
    pub status: RowStatus,
    /// The error or skip reason first, then the warnings.
    pub issues: Vec<Issue>,
    pub contact: Option<u64>,
    /// The original cells, exactly as read.
    pub cells: crate::engine::source::Cells,
}

impl JobRow {
    pub fn has_reason(&self, reason: Reason) -> bool {
        self.issues.iter().any(|i| i.reason == reason)
    }
}

/// A list of contacts to dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactList {
    pub name: String,
    pub dial: crate::engine::plan::DialMode,
    pub shared: bool,
    pub created_by: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_is_field_22_even_with_a_strange_process_name() {
        let stat = "15098 (cat) R 15096 15096 9912 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 44835 3133440 387";
        assert_eq!(start_time(stat), Some(44835));
        let odd =
            "15098 (a) b (c) R 15096 15096 9912 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 77 3133440";
        assert_eq!(start_time(odd), Some(77));
        assert_eq!(start_time("15098 (cat) R 1 2"), None);
        assert_eq!(start_time("garbage"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_reused_pid_is_not() {
        let me = Owner::current().expect("/proc/self/stat is readable");
        assert!(me.is_alive());
        let reused = Owner {
            start: me.start + 1,
            ..me.clone()
        };
        assert!(!reused.is_alive());
        let gone = Owner {
            pid: u32::MAX,
            ..me
        };
        assert!(!gone.is_alive());
    }

    #[test]
    fn a_job_left_running_by_a_gone_process_is_interrupted() {
        let header = vec!["Name".to_string()];
        let job = Job {
            id: 3,
            file: "/tmp/x.csv".into(),
            size: 1,
            checksum: String::new(),
            header: header.clone(),
            plan: ImportPlan {
                file: "/tmp/x.csv".into(),
                read: Default::default(),
                mapping: crate::engine::mapping::Mapping::auto(&header),
                options: Default::default(),
                date_orders: Default::default(),
            },
            import_tag: None,
            started: "2025-01-01T00:00:00+00:00".into(),
            finished: None,
            status: JobStatus::Running,
            counts: JobCounts::default(),
            resume_after: 0,
            failure_base: 0,
            retry_of: None,
            revert_conflicts: Vec::new(),
            reason: None,
            owner: None,
        };
        let mut old = serde_json::to_value(&job).unwrap();
        let fields = old.as_object_mut().unwrap();
        fields.remove("owner");
        fields.remove("reason");
        let mut job: Job =
            serde_json::from_value(old).expect("a job recorded before owners were kept reads");
        // Recorded by an older rolodex: no owner, so no process can be writing it now.
        assert_eq!(job.effective_status(), JobStatus::Interrupted);
        job.owner = Owner::current();
        for status in [
            JobStatus::Checking,
            JobStatus::Running,
            JobStatus::Reverting,
        ] {
            job.status = status;
            assert_eq!(job.effective_status(), status, "its process is alive");
        }
        job.owner = Some(Owner {
            pid: u32::MAX,
            start: 1,
        });
        job.status = JobStatus::Reverting;
        assert_eq!(job.effective_status(), JobStatus::Interrupted);
        job.status = JobStatus::Completed;
        assert_eq!(job.effective_status(), JobStatus::Completed);
        assert_eq!(job.clone().as_shown().status, JobStatus::Completed);
    }
}
