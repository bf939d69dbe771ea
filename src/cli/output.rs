//! What the command line prints: JSON on stdout for scripts, short readable text for
//! people, progress on stderr only when it is a terminal. Every line of text for people
//! passes through `sanitize_for_terminal` before it is printed, and so does every string
//! of JSON or CSV when stdout is a terminal: a stored value can never drive the terminal
//! (an older store may hold the raw bytes of a cell). Sent to a file or a pipe, JSON keeps
//! the exact data.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use crate::engine::mapping::{MapSource, Mapping, Target};
use crate::engine::plan::ImportPlan;
use crate::engine::review::{ColumnHealth, Review};
use crate::engine::source::{FileInfo, RawRow, Source};
use crate::engine::text::sanitize_for_terminal as clean;

/// Prints JSON on stdout: exact for a file or a pipe, every string (and key) shown as
/// `sanitize_for_terminal` shows it when stdout is a terminal.
pub fn print_json(value: &impl serde::Serialize) {
    let mut out = std::io::stdout().lock();
    if stdout_is_terminal() {
        let mut value = serde_json::to_value(value).unwrap_or(Value::Null);
        sanitize_json(&mut value);
        let _ = serde_json::to_writer_pretty(&mut out, &value);
    } else {
        let _ = serde_json::to_writer_pretty(&mut out, value);
    }
    let _ = writeln!(out);
}

/// Whether stdout is a terminal, where a stored escape sequence would run.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Every string and key of `value`, as `sanitize_for_terminal` shows it.
pub fn sanitize_json(value: &mut Value) {
    match value {
        Value::String(s) => *s = clean(s),
        Value::Array(items) => items.iter_mut().for_each(sanitize_json),
        Value::Object(fields) => {
            *fields = std::mem::take(fields)
                .into_iter()
                .map(|(key, mut v)| {
                    sanitize_json(&mut v);
                    (clean(&key), v)
                })
                .collect();
        }
        _ => {}
    }
}

/// A cell of CSV on stdout: shown as `sanitize_for_terminal` shows it on a terminal; to a
/// file or a pipe, as it is (the CSV writer removes control characters and neutralizes
/// formulas either way).
pub fn csv_cell(terminal: bool, cell: String) -> String {
    if terminal {
        clean(&cell)
    } else {
        cell
    }
}

/// A progress bar on stderr, or `None` when stderr is not a terminal.
pub fn progress_bar(approx_total: u64, what: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(approx_total.max(1));
    let style = ProgressStyle::with_template(&format!(
        "{what} {{bar:30}} {{human_pos}}/~{{human_len}} rows  {{per_sec}}  {{eta}} left"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

fn delimiter_name(d: char) -> String {
    match d {
        ',' => "comma".into(),
        ';' => "semicolon".into(),
        '\t' => "tab".into(),
        '|' => "pipe".into(),
        other => format!("{other:?}"),
    }
}

/// The review as SPEC §9's JSON, plus what a script may want to check beside the counts.
pub fn review_json(
    plan: &ImportPlan,
    source: &Source,
    review: &Review,
    health: &[ColumnHealth],
) -> Value {
    let c = &review.counts;
    let reasons: serde_json::Map<String, Value> = c
        .reasons
        .iter()
        .map(|(r, n)| (r.code().to_string(), json!(n)))
        .collect();
    json!({
        "job": null,
        "status": "dry_run",
        "file": plan.file.display().to_string(),
        "total_rows": c.total_rows,
        "blank_rows": c.blank_rows,
        "created": c.created,
        "updated": c.updated,
        "skipped": c.skipped,
        "failed": c.failed,
        "warnings": c.warnings,
        "reasons": reasons,
        "encoding": source.info.encoding,
        "encoding_confident": source.info.encoding_confident,
        "encoding_warning": review.encoding_warning,
        "delimiter": source.info.delimiter.to_string(),
        "header_row": source.info.header_row,
        "mapping_remembered": plan.mapping.is_remembered(),
        "mapping": plan.mapping.columns.iter().map(|m| json!({"column": m.header, "field": m.target.label()})).collect::<Vec<_>>(),
        "phone_health": health,
        "consent_column": plan.options.consent_column,
        "consent_column_suggestion": crate::engine::mapping::guess_consent_column(source.header())
            .filter(|_| plan.options.consent_column.is_none())
            .map(|i| source.header()[i].clone()),
        "date_columns": review.date_columns,
        "custom_fields": review.custom_fields,
        "samples": review.samples.iter().map(crate::cli::output::contact_json).collect::<Vec<_>>(),
        "changes": review.changes,
        "problems": review.problems,
        "elapsed_ms": review.elapsed_ms,
    })
}

/// A contact as JSON with the field names of SPEC §1 (custom values flattened).
pub fn contact_json(c: &crate::engine::contact::Contact) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        let custom: serde_json::Map<String, Value> = c
            .custom
            .iter()
            .map(|(k, v)| (k.clone(), v.as_json()))
            .collect();
        obj.insert("custom".into(), Value::Object(custom));
        // SPEC §1: consent is true, false or "unknown" (never asked).
        use crate::engine::contact::Consent;
        let consent = match c.consent {
            Consent::Yes => Value::Bool(true),
            Consent::No => Value::Bool(false),
            Consent::Unknown => Value::from("unknown"),
        };
        obj.insert("consent".into(), consent);
    }
    v
}

/// Human output on stdout.
pub struct Human {
    out: std::io::StdoutLock<'static>,
}

impl Human {
    pub fn stdout() -> Human {
        Human {
            out: std::io::stdout().lock(),
        }
    }

    /// One line (or several, split on line breaks) for people: whatever the caller
    /// cleaned or forgot to, nothing in it can drive the terminal.
    pub fn line(&mut self, text: &str) {
        for line in text.split('\n') {
            let _ = writeln!(self.out, "{}", clean(line));
        }
    }

    pub fn file_info(&mut self, info: &FileInfo) {
        if info.format == crate::engine::source::Format::VCard {
            // An address book has neither delimiter nor header row.
            self.line(&format!(
                "{}: vCard address book, {}{}, {} cards",
                clean(&info.path.display().to_string()),
                info.encoding,
                if info.bom { " with BOM" } else { "" },
                info.approx_rows
            ));
            return;
        }
        let rows = if info.rows_exact {
            format!("{} rows", info.approx_rows)
        } else {
            format!("about {} rows", info.approx_rows)
        };
        self.line(&format!(
            "{}: {}{}{}, {}-delimited, header on row {}, {rows}",
            clean(&info.path.display().to_string()),
            info.encoding,
            if info.encoding_confident {
                ""
            } else {
                " (guessed, low confidence)"
            },
            if info.bom { " with BOM" } else { "" },
            delimiter_name(info.delimiter),
            info.header_row,
        ));
    }

    /// A plain-text table of rows, cells cut to fit and sanitized.
    pub fn table<'a>(
        &mut self,
        record: &str,
        header: &[String],
        rows: impl Iterator<Item = (u64, Vec<&'a str>)>,
    ) {
        const WIDTH: usize = 18;
        let cut = |s: &str| {
            let s = clean(s).replace('\n', "⏎");
            if s.chars().count() > WIDTH {
                format!("{}…", s.chars().take(WIDTH - 1).collect::<String>())
            } else {
                s
            }
        };
        let mut head = format!("{record:>5}");
        for h in header {
            head.push_str(&format!(" │ {:<WIDTH$}", cut(h)));
        }
        self.line(&head);
        for (row, cells) in rows {
            let mut line = format!("{row:>5}");
            for i in 0..header.len().max(cells.len()) {
                let cell = cells.get(i).copied().unwrap_or("");
                line.push_str(&format!(" │ {:<WIDTH$}", cut(cell)));
            }
            self.line(&line);
        }
    }

    /// The columns and their fields; an unrecognised column's suggestion reads `samples`,
    /// the file's first rows, in `region` (see `mapping::suggest_column`).
    pub fn mapping(&mut self, mapping: &Mapping, samples: &[RawRow], region: &str) {
        if mapping.is_remembered() {
            self.line("Columns (as remembered from an earlier import of this header; --no-remembered maps from the header):");
        } else {
            self.line("Columns:");
        }
        for c in &mapping.columns {
            let note = match (c.source, &c.target) {
                (MapSource::Unmatched, Target::Ignore) => {
                    match crate::engine::mapping::suggest_column(c, samples, region) {
                        Some(f) => format!(
                            "  (not recognised; did you mean {f}? --map '{}={f}')",
                            clean(&c.header)
                        ),
                        None => {
                            "  (not recognised; --map 'COLUMN=custom:NAME' keeps it)".to_string()
                        }
                    }
                }
                _ => String::new(),
            };
            self.line(&format!(
                "  {:<28} → {}{note}",
                clean(&c.header),
                clean(&c.target.label())
            ));
        }
    }

    /// Which column filtered rows for consent, or that a column that looks like one did not.
    pub fn consent_hint(&mut self, plan: &ImportPlan, header: &[String]) {
        if let Some(column) = &plan.options.consent_column {
            self.line(&format!(
                "consent: rows whose {:?} column does not say yes are skipped (no_consent); --consent-column none imports them all",
                clean(column)
            ));
        } else if let Some(i) = crate::engine::mapping::guess_consent_column(header) {
            self.line(&format!(
                "note: the {:?} column was not used to filter rows (--consent-column none)",
                clean(&header[i])
            ));
        }
    }

    pub fn health(&mut self, health: &[ColumnHealth]) {
        for h in health {
            if let Some(w) = h.warning() {
                self.line(&format!("warning: {}", clean(&w)));
            }
        }
    }

    pub fn job_summary(&mut self, job: &crate::store::jobs::Job) {
        let c = &job.counts;
        self.line(&format!(
            "Job {}: {} — {}",
            job.id,
            clean(&job.file),
            job.effective_status().name()
        ));
        self.line(&format!("  rows            {:>9}", c.total_rows));
        self.line(&format!("  created         {:>9}", c.created));
        self.line(&format!("  updated         {:>9}", c.updated));
        self.line(&format!("  skipped         {:>9}", c.skipped));
        self.line(&format!("  failed          {:>9}", c.failed));
        // A stopped or cancelled job never saw the rest of its file.
        let blank = job
            .blank_rows()
            .map_or("unknown".to_string(), |n| n.to_string());
        self.line(&format!("  blank rows      {blank:>9}"));
        if let Some(tag) = &job.import_tag {
            self.line(&format!("  tagged          {}", clean(tag)));
        }
        if let Some(list) = &job.plan.options.list {
            self.line(&format!(
                "  list            {} ({} dialing)",
                clean(&list.name),
                list.dial
            ));
        }
        if !c.reasons.is_empty() {
            self.line("Reasons:");
            let reasons = crate::engine::review::by_frequency(&c.reasons);
            for (reason, n) in reasons {
                self.line(&format!("  {reason:<20} {n:>9}"));
            }
        }
        if c.failed + c.skipped > 0 {
            self.line(&format!(
                "Rows that failed or were skipped: rolodex show {} --failed  (as a file to fix: rolodex show {} --failed --csv > fix.csv)",
                job.id, job.id
            ));
        }
        for note in job_notes(job) {
            self.line(&clean(&note));
        }
        for (column, order) in &job.plan.date_orders {
            let header = job.header.get(*column).map_or("?", String::as_str);
            self.line(&clean(&format!(
                "Dates in {header:?} were read {}",
                order.describe()
            )));
        }
        self.consent_hint(&job.plan, &job.header);
    }

    pub fn review(&mut self, review: &Review, format: crate::engine::source::Format) {
        let c = &review.counts;
        self.line("");
        self.line("Dry run: nothing was written.");
        self.line(&format!("  rows            {:>9}", c.total_rows));
        self.line(&format!("  would create    {:>9}", c.created));
        self.line(&format!("  would update    {:>9}", c.updated));
        self.line(&format!("  skipped         {:>9}", c.skipped));
        self.line(&format!("  failed          {:>9}", c.failed));
        self.line(&format!("  blank rows      {:>9}", c.blank_rows));
        self.line(&format!("  warnings        {:>9}", c.warnings));
        if !c.reasons.is_empty() {
            self.line("Reasons:");
            let reasons = crate::engine::review::by_frequency(&c.reasons);
            for (reason, n) in reasons {
                self.line(&format!("  {:<20} {:>9}", reason.code(), n));
            }
        }
        if let Some(warning) = &review.encoding_warning {
            self.line(&format!("Warning: {warning}"));
        }
        for d in &review.date_columns {
            self.line(&clean(&d.describe()));
        }
        if !review.problems.is_empty() {
            self.line("First problems:");
            for p in review.problems.iter().take(10) {
                for issue in &p.issues {
                    self.line(&format!(
                        "  {}  {:<8} {:<18} {}",
                        match format {
                            crate::engine::source::Format::Csv => format!("row {:>6}", p.row),
                            _ => format.place(p.row, p.line),
                        },
                        p.status.name(),
                        issue.reason.code(),
                        clean(&issue.describe())
                    ));
                }
            }
        }
    }
}

/// Why a job that did not finish ended, and the command that goes on with it (history and
/// `show` print these under the job).
pub fn job_notes(job: &crate::store::jobs::Job) -> Vec<String> {
    use crate::store::jobs::JobStatus;
    let id = job.id;
    let shown = job.effective_status();
    let mut notes = Vec::new();
    // Why it ended, while that is still the news (a reverted job's is in its JSON).
    if let Some(reason) = job.reason.as_ref().filter(|_| {
        matches!(
            shown,
            JobStatus::Stopped | JobStatus::Cancelled | JobStatus::Failed | JobStatus::Interrupted
        )
    }) {
        notes.push(format!("{shown}: {reason}"));
    }
    match (job.status, shown) {
        (JobStatus::Reverting, JobStatus::Interrupted) => notes.push(format!(
            "interrupted while being reverted: `rolodex revert {id} --yes` finishes the revert"
        )),
        (_, JobStatus::Interrupted) => notes.push(format!(
            "interrupted: its process ended before the job did; `rolodex resume {id}` finishes it, `rolodex revert {id}` undoes it"
        )),
        (_, JobStatus::Stopped | JobStatus::Cancelled | JobStatus::Failed) => notes.push(format!(
            "the job did not finish: `rolodex resume {id}` goes on where it stopped, `rolodex revert {id}` undoes it"
        )),
        _ => {}
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_a_terminal_has_every_string_and_key_sanitized() {
        let mut value = json!({
            "first_name": "\u{1b}]0;pwned\u{7}Ada",
            "custom": {"\u{1b}[2Jkey": ["\u{9b}31m", 3, null, "plain"]},
        });
        sanitize_json(&mut value);
        assert_eq!(
            value,
            json!({
                "first_name": "\u{241b}]0;pwned\u{2407}Ada",
                "custom": {"\u{241b}[2Jkey": ["<U+009B>31m", 3, null, "plain"]},
            })
        );
        assert_eq!(csv_cell(true, "a\u{1b}[2J".into()), "a\u{241b}[2J");
        assert_eq!(csv_cell(false, "a\u{1b}[2J".into()), "a\u{1b}[2J");
    }
}
