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
use crate::engine::number::group_digits;
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

/// The width text for people is fitted to: `$COLUMNS` (as shells and `less` set it), else
/// the terminal's, else 80 (a pipe or a file) — never under 40, where no table reads.
pub fn width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0);
    let terminal = || {
        terminal_size::terminal_size_of(std::io::stdout())
            .map(|(w, _)| usize::from(w.0))
            .filter(|&n| n > 0)
    };
    columns.or_else(terminal).unwrap_or(80).max(40)
}

/// The number of characters `s` shows as (what the width of a line is counted in).
fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `s` in at most `width` characters: whole, or cut at its end with `…`.
pub fn cut_end(s: &str, width: usize) -> String {
    if chars(s) <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `s` in at most `width` characters: whole, or cut at its start with `…` (a path keeps its
/// file name).
pub fn cut_start(s: &str, width: usize) -> String {
    let n = chars(s);
    if n <= width {
        return s.to_string();
    }
    let keep = width.saturating_sub(1);
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - keep));
    out
}

/// A line of text wrapped at spaces into lines of at most `width` characters; the lines
/// after the first are indented two more than the first (a word longer than a line is
/// split).
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    if chars(line) <= width {
        return vec![line.to_string()];
    }
    let indent = line.len() - line.trim_start_matches(' ').len();
    let indent = indent.min(width / 2);
    let next_indent = " ".repeat((indent + 2).min(width / 2));
    let mut lines = Vec::new();
    let mut current = " ".repeat(indent);
    let mut empty = true;
    for word in unbreakable_words(line) {
        let mut word = word.to_string();
        loop {
            let gap = usize::from(!empty);
            if chars(&current) + gap + chars(&word) <= width {
                if !empty {
                    current.push(' ');
                }
                current.push_str(&word);
                empty = false;
                break;
            }
            if !empty {
                lines.push(std::mem::replace(&mut current, next_indent.clone()));
                empty = true;
                continue;
            }
            // A word longer than a whole line: as much as fits, the rest on the next.
            let room = width.saturating_sub(chars(&current)).max(1);
            let head: String = word.chars().take(room).collect();
            let rest: String = word.chars().skip(room).collect();
            current.push_str(&head);
            lines.push(std::mem::replace(&mut current, next_indent.clone()));
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty {
        lines.push(current);
    }
    lines
}

/// The words of a line, a command quoted in backticks (`rolodex resume 3`) kept as one so
/// that it is never split across lines.
fn unbreakable_words(line: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut open = false;
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        match words.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
        if word.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    words
}

/// What a column of a `Table` holds, which says how it may give up width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Counts: right-aligned, grouped (`1,030,021`), compacted (`1.03M`) when the table
    /// has no room for them grouped, never cut.
    Count,
    /// Text never cut (a date, a contact's number).
    Whole,
    /// Text cut at its end with `…`, down to `min` characters.
    Text { min: usize },
    /// Text cut at its start with `…` (a path, whose end names the file).
    Path { min: usize },
}

/// One cell of a `Table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Count(u64),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Count(n)
    }
}

/// A table for people that fits a width: text columns give up characters (marked `…`),
/// counts are grouped or compacted but never cut. Cells are sanitized for the terminal.
pub struct Table {
    columns: Vec<(String, Column)>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: &[(&str, Column)]) -> Table {
        Table {
            columns: columns.iter().map(|(h, c)| (h.to_string(), *c)).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The header and the rows, each line at most `width` characters when the counts and
    /// whole columns leave room (they are never cut).
    pub fn lines(&self, width: usize) -> Vec<String> {
        let fitted = self.fitted(width);
        std::iter::once(fitted.header())
            .chain(self.rows.iter().map(|r| fitted.line(r)))
            .collect()
    }

    /// The widths that fit `width` for the rows added so far: rows streamed later are
    /// drawn with them (`Fitted::line`), so the rows added should be the widest expected.
    pub fn fitted(&self, width: usize) -> Fitted {
        let rows: Vec<Vec<Cell>> = self.rows.iter().map(|r| shown(r)).collect();
        let grouped = Layout::fit(&self.columns, &rows, width, false);
        let layout = if grouped.total() <= width {
            grouped
        } else {
            Layout::fit(&self.columns, &rows, width, true)
        };
        Fitted {
            columns: self.columns.clone(),
            layout,
        }
    }
}

/// Cells as they are shown: sanitized, line breaks as `⏎`.
fn shown(cells: &[Cell]) -> Vec<Cell> {
    cells
        .iter()
        .map(|c| match c {
            Cell::Text(s) => Cell::Text(clean(s).replace(['\n', '\r'], "⏎")),
            other => other.clone(),
        })
        .collect()
}

/// A `Table`'s columns with their widths decided: draws its header and any row.
pub struct Fitted {
    columns: Vec<(String, Column)>,
    layout: Layout,
}

impl Fitted {
    pub fn header(&self) -> String {
        let head: Vec<Cell> = self
            .columns
            .iter()
            .map(|(h, _)| Cell::Text(h.clone()))
            .collect();
        self.layout.render(&self.columns, &head, true)
    }

    pub fn line(&self, cells: &[Cell]) -> String {
        self.layout.render(&self.columns, &shown(cells), false)
    }

    /// The row as one line or more: the text of its last column wrapped within that column
    /// (a reason read whole), the other cells on its first line only.
    pub fn wrapped_lines(&self, cells: &[Cell]) -> Vec<String> {
        let last = self.columns.len().saturating_sub(1);
        let width = self.layout.widths.get(last).copied().unwrap_or(1).max(1);
        let text = match cells.get(last) {
            Some(Cell::Text(s)) if cells.len() == self.columns.len() => clean(s),
            _ => return vec![self.line(cells)],
        };
        let mut lines = Vec::new();
        for (i, part) in wrap(&text, width).into_iter().enumerate() {
            let mut row: Vec<Cell> = if i == 0 {
                cells[..last].to_vec()
            } else {
                vec![Cell::Empty; last]
            };
            row.push(Cell::Text(part));
            lines.push(self.line(&row));
        }
        lines
    }
}

/// The widths a `Table` is drawn with.
struct Layout {
    widths: Vec<usize>,
    /// The spaces before each column.
    gaps: Vec<usize>,
    compact: bool,
}

fn count_text(n: u64, compact: bool) -> String {
    if compact {
        crate::engine::number::compact_count(n)
    } else {
        crate::engine::number::group_digits(n)
    }
}

impl Layout {
    fn fit(
        columns: &[(String, Column)],
        rows: &[Vec<Cell>],
        width: usize,
        compact: bool,
    ) -> Layout {
        let cell_width = |c: &Cell| match c {
            Cell::Text(s) => chars(s),
            Cell::Count(n) => chars(&count_text(*n, compact)),
            Cell::Empty => 0,
        };
        let widths: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(i, (head, _))| {
                rows.iter()
                    .filter_map(|r| r.get(i))
                    .map(cell_width)
                    .max()
                    .unwrap_or(0)
                    .max(chars(head))
            })
            .collect();
        // One space between two counts, two elsewhere.
        let gaps = columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| match i {
                0 => 0,
                _ if *kind == Column::Count && columns[i - 1].1 == Column::Count => 1,
                _ => 2,
            })
            .collect();
        let mut layout = Layout {
            widths,
            gaps,
            compact,
        };
        // The widest column that may give up a character gives it, until the table fits.
        while layout.total() > width {
            let widest = columns
                .iter()
                .enumerate()
                .filter_map(|(i, (_, kind))| match kind {
                    Column::Text { min } | Column::Path { min } if layout.widths[i] > *min => {
                        Some(i)
                    }
                    _ => None,
                })
                .max_by_key(|&i| layout.widths[i]);
            match widest {
                Some(i) => layout.widths[i] -= 1,
                None => break,
            }
        }
        layout
    }

    fn total(&self) -> usize {
        self.widths.iter().sum::<usize>() + self.gaps.iter().sum::<usize>()
    }

    /// One line: each cell cut or padded to its column, no spaces at its end.
    fn render(&self, columns: &[(String, Column)], cells: &[Cell], header: bool) -> String {
        let mut line = String::new();
        for (i, (_, kind)) in columns.iter().enumerate() {
            let w = self.widths[i];
            let text = match cells.get(i).unwrap_or(&Cell::Empty) {
                Cell::Text(s) => s.clone(),
                Cell::Count(n) => count_text(*n, self.compact),
                Cell::Empty => String::new(),
            };
            let text = match kind {
                Column::Path { .. } if !header => cut_start(&text, w),
                _ => cut_end(&text, w),
            };
            line.push_str(&" ".repeat(self.gaps[i]));
            let pad = " ".repeat(w.saturating_sub(chars(&text)));
            if *kind == Column::Count {
                line.push_str(&pad);
                line.push_str(&text);
            } else {
                line.push_str(&text);
                line.push_str(&pad);
            }
        }
        line.trim_end().to_string()
    }
}

/// A progress bar on stderr, or `None` when stderr is not a terminal. `show_progress`
/// moves it.
pub fn progress_bar(approx_total: u64, what: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(approx_total.max(1));
    let style = ProgressStyle::with_template(&format!("{what} {{msg}} {{wide_bar}}"))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// Moves the bar to `p`: the rows read of the total (`~` while it is an estimate), the
/// rate, the created and failed counts and the time left.
pub fn show_progress(bar: &ProgressBar, p: &crate::engine::review::Progress, exact: bool) {
    bar.set_length(p.approx_total.max(p.rows).max(1));
    bar.set_position(p.rows);
    bar.set_message(progress_text(p, exact));
}

/// "39,936/~40,100 rows · 8,120/s · 39,000 created · 936 failed · 5s left": counts grouped,
/// the rate in whole rows a second, the total never below the rows already read.
pub fn progress_text(p: &crate::engine::review::Progress, exact: bool) -> String {
    let n = group_digits;
    let total = p.approx_total.max(p.rows);
    let about = if exact { "" } else { "~" };
    let mut text = format!("{}/{about}{} rows", n(p.rows), n(total));
    let seconds = p.elapsed.as_secs_f64();
    let rate = (seconds >= 0.5).then(|| p.rows as f64 / seconds);
    if let Some(rate) = rate {
        text.push_str(&format!(" · {}/s", n(rate.round() as u64)));
    }
    text.push_str(&format!(" · {} created", n(p.created)));
    if p.updated > 0 {
        text.push_str(&format!(" · {} updated", n(p.updated)));
    }
    text.push_str(&format!(" · {} failed", n(p.failed)));
    if let Some(rate) = rate.filter(|r| *r >= 1.0) {
        let left = ((total - p.rows) as f64 / rate).round() as u64;
        text.push_str(&format!(" · {} left", duration_words(left)));
    }
    text
}

/// "5s", "2m 05s", "1h 02m".
fn duration_words(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds}s"),
        60..=3599 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds / 60 % 60),
    }
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
        "format": source.info.format,
        "sheet": source.sheets().and_then(|s| s.names.get(s.chosen)),
        "encoding": source.info.encoding,
        "encoding_confident": source.info.encoding_confident,
        "encoding_warning": review.encoding_warning,
        "delimiter": source.info.delimiter.to_string(),
        "header_row": source.info.header_row,
        "mapping_remembered": plan.mapping.is_remembered(),
        "mapping": plan.mapping.columns.iter().map(|m| json!({"column": m.header, "field": m.target.label()})).collect::<Vec<_>>(),
        "phone_health": health,
        "consent_column": plan.options.consent_column,
        "unmapped_columns": plan.not_imported(),
        "objects": plan.options.objects.name(),
        "opportunities": c.opportunities,
        "opportunity_columns_not_imported": plan.opportunity_columns_left_out(),
        "consent_column_suggestion": crate::engine::mapping::guess_consent_column(source.header())
            .filter(|_| plan.options.consent_column.is_none())
            .map(|i| source.header()[i].clone()),
        "date_columns": review.date_columns,
        "custom_fields": review.custom_fields,
        "samples": review.samples.iter().map(crate::cli::output::contact_json).collect::<Vec<_>>(),
        "changes": review.changes,
        "problems": review.problems,
        "members": review.members,
        "elapsed_ms": review.elapsed_ms,
    })
}

/// A contact as JSON with the field names of SPEC §1 (custom values flattened).
pub fn contact_json(c: &crate::engine::contact::Contact) -> Value {
    serde_json::to_value(ContactJson(c)).unwrap_or(Value::Null)
}

/// A contact as `contact_json` writes it, serialized straight to text: `contacts --json`
/// writes millions, and building a `Value` tree for each (then cloning and re-indenting
/// it) made it three times slower than `--csv`. The keys come in the order a `Value`
/// object keeps them (sorted), so both give the same text.
pub struct ContactJson<'a>(pub &'a crate::engine::contact::Contact);

impl serde::Serialize for ContactJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::engine::contact::{Consent, CustomValue};
        use serde::ser::SerializeMap;
        /// SPEC §1: consent is true, false or "unknown" (never asked).
        struct ConsentJson(Consent);
        impl serde::Serialize for ConsentJson {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.0 {
                    Consent::Yes => s.serialize_bool(true),
                    Consent::No => s.serialize_bool(false),
                    Consent::Unknown => s.serialize_str("unknown"),
                }
            }
        }
        /// A custom value flattened: text, a list of texts, or a flag.
        struct CustomJson<'a>(&'a std::collections::BTreeMap<String, CustomValue>);
        impl serde::Serialize for CustomJson<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    match v {
                        CustomValue::Text(t) => map.serialize_entry(k, t)?,
                        CustomValue::Many(v) => map.serialize_entry(k, v)?,
                        CustomValue::Flag(b) => map.serialize_entry(k, b)?,
                    }
                }
                map.end()
            }
        }
        let c = self.0;
        let mut map = s.serialize_map(Some(28))?;
        map.serialize_entry("address", &c.address)?;
        map.serialize_entry("city", &c.city)?;
        map.serialize_entry("company", &c.company)?;
        map.serialize_entry("consent", &ConsentJson(c.consent))?;
        map.serialize_entry("consent_job", &c.consent_job)?;
        map.serialize_entry("country", &c.country)?;
        map.serialize_entry("created_by", &c.created_by)?;
        map.serialize_entry("created_row", &c.created_row)?;
        map.serialize_entry("custom", &CustomJson(&c.custom))?;
        map.serialize_entry("emails", &c.emails)?;
        map.serialize_entry("extensions", &c.extensions)?;
        // The assignments read as the contact's own fields, as the mapping names them.
        map.serialize_entry("favorite_agent", &c.team.favorite_agent)?;
        map.serialize_entry("first_name", &c.first_name)?;
        map.serialize_entry("followers", &c.team.followers)?;
        map.serialize_entry("id", &c.id)?;
        map.serialize_entry("industry", &c.industry)?;
        map.serialize_entry("last_name", &c.last_name)?;
        map.serialize_entry("lists", &c.lists)?;
        map.serialize_entry("note", &c.note)?;
        map.serialize_entry("owner", &c.team.owner)?;
        map.serialize_entry("phones", &c.phones)?;
        map.serialize_entry("shared", &c.shared)?;
        map.serialize_entry("state", &c.state)?;
        map.serialize_entry("tags", &c.tags)?;
        map.serialize_entry("title", &c.title)?;
        map.serialize_entry("updated_by", &c.updated_by)?;
        map.serialize_entry("website", &c.website)?;
        map.serialize_entry("zip", &c.zip)?;
        map.end()
    }
}

/// Human output on stdout, fitted to `width()`.
pub struct Human {
    out: std::io::StdoutLock<'static>,
    width: usize,
}

impl Human {
    pub fn stdout() -> Human {
        Human {
            out: std::io::stdout().lock(),
            width: width(),
        }
    }

    /// The width every line is fitted to.
    pub fn width(&self) -> usize {
        self.width
    }

    /// One line (or several, split on line breaks) for people, wrapped at spaces to the
    /// width: whatever the caller cleaned or forgot to, nothing in it can drive the
    /// terminal.
    pub fn line(&mut self, text: &str) {
        for line in text.split('\n') {
            for part in wrap(&clean(line), self.width) {
                let _ = writeln!(self.out, "{part}");
            }
        }
    }

    /// A table, its columns shrunk to the width.
    pub fn print_table(&mut self, table: &Table) {
        for line in table.lines(self.width) {
            self.line(&line);
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
            format!("{} rows", group_digits(info.approx_rows))
        } else {
            format!("about {} rows", group_digits(info.approx_rows))
        };
        if info.format != crate::engine::source::Format::Csv {
            self.line(&format!(
                "{}: {}, header on row {}, {rows}",
                clean(&info.path.display().to_string()),
                info.format.describe(),
                info.header_row,
            ));
            return;
        }
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

    /// The file's rows under its header, in the columns `chosen` (indexes into the header;
    /// all of them when `None`, as many as fit): every column at least 8 characters wide,
    /// cut text marked `…`, and a line naming the columns left out.
    pub fn preview_table<'a>(
        &mut self,
        record: &str,
        header: &[String],
        chosen: Option<&[usize]>,
        rows: impl Iterator<Item = (u64, Vec<&'a str>)>,
    ) {
        const MIN: usize = 8;
        let all: Vec<usize> = (0..header.len()).collect();
        let fits = (self.width.saturating_sub(6) / (MIN + 2)).max(1);
        let shown: Vec<usize> = match chosen {
            Some(chosen) => chosen.to_vec(),
            None => all.iter().copied().take(fits).collect(),
        };
        let heads: Vec<(&str, Column)> = std::iter::once((record, Column::Count))
            .chain(
                shown
                    .iter()
                    .map(|&i| (header[i].as_str(), Column::Text { min: MIN })),
            )
            .collect();
        let mut table = Table::new(&heads);
        for (row, cells) in rows {
            table.row(
                std::iter::once(Cell::Count(row))
                    .chain(
                        shown
                            .iter()
                            .map(|&i| Cell::from(cells.get(i).copied().unwrap_or(""))),
                    )
                    .collect(),
            );
        }
        self.print_table(&table);
        let left: Vec<&str> = all
            .iter()
            .filter(|i| !shown.contains(i))
            .map(|&i| header[i].as_str())
            .collect();
        if !left.is_empty() {
            self.line(&format!(
                "{} more column{} not shown: {} (choose them by number or name: --columns 1-3,{} or --columns \"{}\")",
                left.len(),
                if left.len() == 1 { "" } else { "s" },
                left.join(", "),
                shown.len() + 1,
                left[0]
            ));
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

    /// The opportunities' counts, apart from the contacts'; or, under `--objects
    /// contacts`, the opportunity columns it left out.
    pub fn opportunities(
        &mut self,
        plan: &ImportPlan,
        counts: &crate::engine::opportunity::OpportunityCounts,
    ) {
        let left = plan.opportunity_columns_left_out();
        if !left.is_empty() {
            let names: Vec<String> = left.iter().map(|h| format!("{:?}", clean(h))).collect();
            self.line(&format!(
                "  opportunities   not imported (--objects contacts): {}; --objects both imports them",
                names.join(", ")
            ));
        } else if !plan.opportunity_columns().is_empty() || !counts.is_empty() {
            self.line(&format!("  opportunities   {}", counts.describe()));
        }
    }

    /// The columns the import leaves out, and how to keep them.
    pub fn not_imported(&mut self, plan: &ImportPlan) {
        let left = plan.not_imported();
        if left.is_empty() {
            return;
        }
        let names: Vec<String> = left.iter().map(|h| format!("{:?}", clean(h))).collect();
        self.line(&format!(
            "Not imported ({} {} no field takes): {}; --unmapped custom keeps them as custom fields",
            left.len(),
            if left.len() == 1 { "column" } else { "columns" },
            names.join(", ")
        ));
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

    /// The first line of a job's summary: "Job 2: leads.csv — done, 13 rows failed".
    pub fn job_title(&mut self, job: &crate::store::jobs::Job) {
        self.line(&format!(
            "Job {}: {} — {}",
            job.id,
            clean(&job.file),
            status_words(job)
        ));
    }

    pub fn job_summary(&mut self, job: &crate::store::jobs::Job) {
        let c = &job.counts;
        self.job_title(job);
        let n = group_digits;
        self.line(&format!("  rows            {:>11}", n(c.total_rows)));
        self.line(&format!("  created         {:>11}", n(c.created)));
        self.line(&format!("  updated         {:>11}", n(c.updated)));
        self.line(&format!("  skipped         {:>11}", n(c.skipped)));
        self.line(&format!("  failed          {:>11}", n(c.failed)));
        self.opportunities(&job.plan, &c.opportunities);
        // A stopped or cancelled job never saw the rest of its file.
        let blank = job.blank_rows().map_or("unknown".to_string(), n);
        self.line(&format!("  blank rows      {blank:>11}"));
        if !job.plan.options.tags.is_empty() {
            self.line(&format!(
                "  tags            {}",
                clean(&job.plan.options.tags.join(", "))
            ));
        }
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
                self.line(&format!("  {reason:<20} {:>11}", group_digits(n)));
            }
        }
        if c.failed + c.skipped > 0 {
            self.line(&format!(
                "Rows that failed or were skipped: rolodex show {} --failed  (as a file to fix: rolodex show {} --failed --csv > fix.csv)",
                job.id, job.id
            ));
        }
        if c.failed > 0
            && !matches!(
                job.status,
                crate::store::jobs::JobStatus::Reverted | crate::store::jobs::JobStatus::Reverting
            )
        {
            self.line(&format!(
                "Failed rows whose cause is fixed outside the file (a team member added): rolodex retry {} imports them again",
                job.id
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
        self.not_imported(&job.plan);
        self.consent_hint(&job.plan, &job.header);
    }

    pub fn review(&mut self, review: &Review, format: crate::engine::source::Format) {
        let c = &review.counts;
        self.line("");
        self.line("Dry run: nothing was written.");
        let n = group_digits;
        self.line(&format!("  rows            {:>11}", n(c.total_rows)));
        self.line(&format!("  would create    {:>11}", n(c.created)));
        self.line(&format!("  would update    {:>11}", n(c.updated)));
        self.line(&format!("  skipped         {:>11}", n(c.skipped)));
        self.line(&format!("  failed          {:>11}", n(c.failed)));
        self.line(&format!("  blank rows      {:>11}", n(c.blank_rows)));
        self.line(&format!("  warnings        {:>11}", n(c.warnings)));
        if !c.opportunities.is_empty() {
            let o = &c.opportunities;
            self.line(&format!(
                "  opportunities   would create {}, would update {}, skip {}",
                n(o.created),
                n(o.updated),
                n(o.skipped)
            ));
        }
        if !c.reasons.is_empty() {
            self.line("Reasons:");
            let reasons = crate::engine::review::by_frequency(&c.reasons);
            for (reason, count) in reasons {
                self.line(&format!("  {:<20} {:>11}", reason.code(), n(count)));
            }
        }
        if let Some(warning) = &review.encoding_warning {
            self.line(&format!("Warning: {warning}"));
        }
        for d in &review.date_columns {
            self.line(&clean(&d.describe()));
        }
        for m in &review.members {
            self.line(&clean(&m.describe()));
            if !m.matches.unknown.is_empty() {
                self.line("  add them first: rolodex team add EMAIL --name \"First Last\"");
            }
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
                        p.status.label(),
                        issue.reason.code(),
                        clean(&issue.describe())
                    ));
                }
            }
        }
    }
}

/// A job's status in plain words ("done, 13 rows failed"); a job stopped because
/// its file changed says that rather than a count of failed rows.
pub fn status_words(job: &crate::store::jobs::Job) -> String {
    use crate::store::jobs::JobStatus;
    let shown = job.effective_status();
    if shown == JobStatus::Stopped && job.reason.as_deref() == Some(crate::worker::FILE_CHANGED) {
        return "stopped: the file changed while it was imported".into();
    }
    shown.words(job.counts.failed)
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
        notes.push(format!("{}: {reason}", shown.label()));
    }
    match (job.status, shown) {
        (JobStatus::Reverting, JobStatus::Interrupted) => notes.push(format!(
            "interrupted while being reverted: `rolodex revert {id} --yes` finishes the revert"
        )),
        (_, JobStatus::Interrupted) => notes.push(format!(
            "interrupted: its process ended before the job did; `rolodex resume {id}` finishes it, `rolodex revert {id}` undoes it"
        )),
        (_, JobStatus::Stopped)
            if job.reason.as_deref() != Some(crate::worker::FILE_CHANGED)
                && job.plan.options.max_failures != u64::MAX =>
        {
            notes.push(format!(
                "the failure limit stopped it: `rolodex resume {id}` goes on where it stopped with {} more failed rows allowed (`--max-failures N` or `none` to raise the limit), `rolodex revert {id}` undoes it",
                group_digits(job.plan.options.max_failures)
            ))
        }
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
    fn the_progress_line_has_a_true_total_a_sane_rate_and_the_counts() {
        let p = crate::engine::review::Progress {
            rows: 39_936,
            created: 39_000,
            updated: 0,
            skipped: 0,
            failed: 936,
            approx_total: 23_753,
            elapsed: std::time::Duration::from_millis(4_900),
        };
        // The estimate was passed: the total is what was read, never below it.
        assert_eq!(
            progress_text(&p, false),
            "39,936/~39,936 rows · 8,150/s · 39,000 created · 936 failed · 0s left"
        );
        let p = crate::engine::review::Progress {
            approx_total: 1_030_021,
            ..p
        };
        assert_eq!(
            progress_text(&p, true),
            "39,936/1,030,021 rows · 8,150/s · 39,000 created · 936 failed · 2m 01s left"
        );
    }

    #[test]
    fn tables_fit_the_width_cut_text_with_an_ellipsis_and_never_cut_counts() {
        let mut table = Table::new(&[
            ("job", Column::Count),
            ("status", Column::Text { min: 6 }),
            ("skipped", Column::Count),
            ("file", Column::Path { min: 10 }),
        ]);
        table.row(vec![
            1.into(),
            "done, errors".into(),
            1_030_021.into(),
            "/home/someone/exports/from-the-crm/2026/november/leads.csv".into(),
        ]);
        let lines = table.lines(40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:#?}");
        assert!(lines[1].contains("1,030,021"), "{lines:#?}");
        assert!(
            lines[1].ends_with("leads.csv") && lines[1].contains('…'),
            "{lines:#?}"
        );
        // Narrower still: the count is compacted, not cut.
        let lines = table.lines(24);
        assert!(lines[1].contains("1.03M"), "{lines:#?}");
    }

    #[test]
    fn long_lines_wrap_at_spaces_with_their_indent() {
        let lines = wrap("  one two three four five six", 12);
        assert_eq!(
            lines,
            ["  one two", "    three", "    four", "    five six"]
        );
        assert!(wrap(&"x".repeat(30), 10)
            .iter()
            .all(|l| l.chars().count() <= 10));
        // A command in backticks stays on one line, to be copied whole.
        let lines = wrap("go on with `rolodex resume 12` or undo it", 24);
        assert_eq!(
            lines,
            ["go on with", "  `rolodex resume 12` or", "  undo it"]
        );
    }

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
