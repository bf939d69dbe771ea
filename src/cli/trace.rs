//! `rolodex trace TEXT`: every row of every job that mentioned a name, an email or a phone
//! number, and what became of it — "why is Jane not in our contacts?" in one step.

use std::path::Path;

use serde_json::{json, Value};

use super::db::open_any;
use super::jobs::warn_damage;
use super::output::{self, Human};
use super::{CliError, Outcome};
use crate::engine::resolve::RowStatus;
use crate::engine::text::sanitize_for_terminal as clean;
use crate::engine::trace::Needle;
use crate::store::jobs::JobRow;

/// One row found, with the job it belongs to.
struct Found {
    job: u64,
    file: String,
    row: JobRow,
}

pub fn trace(
    text: &str,
    json: bool,
    db: Option<&Path>,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    let Some(needle) = Needle::new(text) else {
        return Err(CliError::Usage(
            "trace needs a name, an email or a phone number to look for".into(),
        ));
    };
    let store = open_any(db, pg_schema, crate::store::Access::Read)?;
    let mut found = Vec::new();
    let result = store.trace(&needle, &mut |job, row| {
        found.push(Found {
            job: job.id,
            file: job.file.clone(),
            row,
        })
    });
    warn_damage(&*store);
    result?;
    if json {
        let rows: Vec<Value> = found.iter().map(Found::json).collect();
        output::print_json(&rows);
    } else {
        print_text(text, &found);
    }
    Ok(Outcome::Done)
}

impl Found {
    fn json(&self) -> Value {
        let r = &self.row;
        json!({
            "job": self.job,
            "file": self.file,
            "row": r.row,
            "status": r.status.name(),
            "contact": r.contact,
            "reasons": r.issues.iter().map(|i| json!({
                "code": i.reason.code(),
                "column": i.column,
                "message": i.message,
            })).collect::<Vec<_>>(),
            "cells": r.cells.to_vec(),
        })
    }

    /// "Job 2 · leads.csv · row 48213: skipped", then why, then the row's cells.
    fn describe(&self) -> Vec<String> {
        let r = &self.row;
        let became = match (r.status, r.contact) {
            (RowStatus::Imported | RowStatus::Updated, Some(id)) => {
                format!("{} as contact #{id}", r.status.label())
            }
            (status, _) => status.label().to_string(),
        };
        let mut lines = vec![format!(
            "Job {} · {} · row {}: {became}",
            self.job,
            clean(&self.file),
            r.row
        )];
        for issue in &r.issues {
            lines.push(format!(
                "  {}: {}",
                issue.reason.code(),
                clean(&issue.describe())
            ));
        }
        let cells: Vec<&str> = r.cells.iter().filter(|c| !c.trim().is_empty()).collect();
        lines.push(format!("  cells: {}", clean(&cells.join(" · "))));
        lines
    }
}

fn print_text(text: &str, found: &[Found]) {
    let mut out = Human::stdout();
    for f in found {
        for line in f.describe() {
            out.line(&line);
        }
    }
    let jobs = {
        let mut ids: Vec<u64> = found.iter().map(|f| f.job).collect();
        ids.dedup();
        ids.len()
    };
    let text = clean(text);
    out.line(&match found.len() {
        0 => format!("No row of any job mentions {text:?}."),
        1 => format!("1 row mentions {text:?}."),
        n if jobs == 1 => format!("{n} rows in 1 job mention {text:?}."),
        n => format!("{n} rows in {jobs} jobs mention {text:?}."),
    });
}
