//! Jobs and their rows: what history, `show`, reports, `resume` and `revert` read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::plan::ImportPlan;
use crate::engine::reason::{Issue, Reason};
use crate::engine::resolve::RowStatus;
use crate::engine::review::Counts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Being written, or killed while it was: `resume` finishes it.
    Running,
    Completed,
    CompletedWithErrors,
    /// The failure threshold was reached.
    Stopped,
    Cancelled,
    Failed,
    /// Being reverted, or killed while it was: `revert` finishes it.
    Reverting,
    Reverted,
}

impl JobStatus {
    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::CompletedWithErrors => "completed_with_errors",
            JobStatus::Stopped => "stopped",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Failed => "failed",
            JobStatus::Reverting => "reverting",
            JobStatus::Reverted => "reverted",
        }
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
}

impl Job {
    /// Blank rows of the file, once known: they are counted when the file's end is reached,
    /// which a job stopped by its failure threshold or cancelled never did.
    pub fn blank_rows(&self) -> Option<u64> {
        match self.status {
            JobStatus::Stopped | JobStatus::Cancelled => None,
            _ => Some(self.counts.blank_rows),
        }
    }
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
