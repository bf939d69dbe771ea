//! Files people open in a spreadsheet: the results file (the original columns plus
//! `Import Status` and `Errors`) and the error file (failed and skipped rows plus `Error`,
//! ready to fix and import again). Every cell a spreadsheet would run as a formula is
//! neutralized; E.164 numbers and plain numbers stay as they are.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::outfile::{OutFile, OutfileError};
use super::reason::Issue;
use super::records::Cells;
use super::resolve::RowStatus;
use super::text::{strip_controls, would_run, ERROR_COLUMNS, RESULTS_COLUMNS};

/// Prefixes a `'` to a cell that a spreadsheet would execute (`=`, `+`, `-`, `@`, tab or
/// carriage return first), and to a cell that already starts with `'`s before such a
/// character (`'-` becomes `''-`), so that [`restore`] can tell the two apart and give
/// back exactly the cell written. A spreadsheet shows both as the original value.
/// `+16135551234` and `-12.5` are plain values and stay readable.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    if would_run(cell.trim_start_matches('\'')) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Creates a file readable by its owner only, in place (the store's file, before redb opens
/// it). Files written for the user go through `outfile` instead.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// A CSV writer that removes control characters from every cell it writes and neutralizes
/// formulas.
pub struct SafeCsv<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> SafeCsv<W> {
    pub fn new(writer: W) -> Self {
        SafeCsv {
            inner: csv::WriterBuilder::new().flexible(true).from_writer(writer),
        }
    }

    pub fn row<I, S>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // Control characters first, so that a formula behind an escape sequence is still
        // found and neutralized.
        let record: Vec<String> = cells
            .into_iter()
            .map(|c| neutralize(&strip_controls(c.as_ref())).into_owned())
            .collect();
        self.inner.write_record(&record).map_err(io::Error::other)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    pub fn get_ref(&self) -> &W {
        self.inner.get_ref()
    }
}

impl SafeCsv<OutFile> {
    /// The file, every row flushed into it.
    pub fn into_inner(self) -> Result<OutFile, OutfileError> {
        super::outfile::unwrap_csv(self.inner)
    }
}

/// The results file and the error file of one job (or one review), either optional. Each
/// is written beside its target and renamed into place by `finish` (see `outfile`).
pub struct ReportFiles {
    width: usize,
    results: Option<SafeCsv<OutFile>>,
    errors: Option<SafeCsv<OutFile>>,
}

impl ReportFiles {
    /// Starts both files with their headers; `results` and `errors` come from
    /// `outfile::open_all`, already checked.
    pub fn new(
        header: &[String],
        results: Option<OutFile>,
        errors: Option<OutFile>,
    ) -> Result<ReportFiles, OutfileError> {
        let start = |file: OutFile, extra: &[&str]| -> Result<SafeCsv<OutFile>, OutfileError> {
            let mut csv = SafeCsv::new(file);
            let written = csv.row(
                header
                    .iter()
                    .map(String::as_str)
                    .chain(extra.iter().copied()),
            );
            match written {
                Ok(()) => Ok(csv),
                Err(e) => Err(csv.get_ref().error(e)),
            }
        };
        Ok(ReportFiles {
            width: header.len(),
            results: results.map(|f| start(f, &RESULTS_COLUMNS)).transpose()?,
            errors: errors.map(|f| start(f, &ERROR_COLUMNS)).transpose()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.results.is_none() && self.errors.is_none()
    }

    /// Writes one row: to the results file always, to the error file when it failed or was
    /// skipped.
    pub fn write(
        &mut self,
        cells: &Cells,
        status: RowStatus,
        issues: &[Issue],
    ) -> Result<(), OutfileError> {
        let original = (0..self.width).map(|i| cells.get(i).unwrap_or(""));
        let messages = issues
            .iter()
            .map(Issue::describe)
            .collect::<Vec<_>>()
            .join("; ");
        if let Some(results) = &mut self.results {
            if let Err(e) = results.row(original.clone().chain([status.name(), messages.as_str()]))
            {
                return Err(results.get_ref().error(e));
            }
        }
        if let (Some(errors), RowStatus::Error | RowStatus::Skipped) = (&mut self.errors, status) {
            let codes = issues.first().map(|i| i.reason.code()).unwrap_or_default();
            let error = if messages.is_empty() {
                codes.to_string()
            } else {
                format!("{codes}: {messages}")
            };
            if let Err(e) = errors.row(original.chain([error.as_str()])) {
                return Err(errors.get_ref().error(e));
            }
        }
        Ok(())
    }

    /// A failure to read the rows, charged to the first file (the one a user looks for).
    pub fn source_error(&self, message: String) -> OutfileError {
        match self.results.as_ref().or(self.errors.as_ref()) {
            Some(f) => f.get_ref().source_error(message),
            None => OutfileError::Source {
                label: "the report".into(),
                path: PathBuf::new(),
                message,
            },
        }
    }

    /// Renames both files into place; the paths written, as the user named them.
    pub fn finish(self) -> Result<Vec<PathBuf>, OutfileError> {
        let mut written = Vec::new();
        for csv in [self.results, self.errors].into_iter().flatten() {
            written.push(csv.into_inner()?.commit()?);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::text::{restore, written_by_rolodex};

    #[test]
    fn neutralizes_formulas_but_not_numbers() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(neutralize("-2+3"), "'-2+3");
        assert_eq!(neutralize("+1 (613) 555-1234"), "'+1 (613) 555-1234");
        assert_eq!(neutralize("+1-613-555-1234"), "'+1-613-555-1234");
        assert_eq!(neutralize("-1-1"), "'-1-1");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("+16135551234"), "+16135551234");
        assert_eq!(neutralize("-12.5"), "-12.5");
        assert_eq!(neutralize("Jane"), "Jane");
        assert_eq!(neutralize(""), "");
    }

    #[test]
    fn restore_gives_back_exactly_the_cell_neutralized() {
        for cell in [
            "-",
            "'-",
            "''-",
            "+1 Club",
            "'+1 Club",
            "@home",
            "'@home",
            "=SUM(A1)",
            "'=SUM(A1)",
            "\tx",
            "'Tis",
            "'6135551234",
            "'",
            "''",
            "+16135551234",
            "'+16135551234",
            "-12.5",
            "Jane",
            "",
        ] {
            assert_eq!(restore(&neutralize(cell)), cell, "{cell:?}");
        }
        assert_eq!(neutralize("'-"), "''-");
        assert_eq!(neutralize("'Tis"), "'Tis");
        assert_eq!(restore("'Tis"), "'Tis");
        assert_eq!(restore("'+1 Club"), "+1 Club");
    }

    #[test]
    fn rolodex_files_are_known_by_their_last_columns() {
        let header = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(written_by_rolodex(&header(&[
            "Name",
            "Import Status",
            "Errors"
        ])));
        assert!(written_by_rolodex(&header(&["Name", "Phone", "Error"])));
        assert!(!written_by_rolodex(&header(&["Name", "Errors"])));
        assert!(!written_by_rolodex(&header(&["Import Status", "Errors"])));
        assert!(!written_by_rolodex(&header(&["Name", "Phone"])));
    }

    #[test]
    fn written_cells_carry_no_control_bytes_and_no_live_formula() {
        let mut w = SafeCsv::new(Vec::new());
        w.row([
            "\u{1b}[0m=HYPERLINK(\"http://x\")",
            "\u{1b}]52;c;cGF5bG9hZA==\u{7}Ada",
            "\u{0}\r@SUM(A1)",
            "\u{9b}31mline\nbreak",
        ])
        .unwrap();
        w.flush().unwrap();
        let text = String::from_utf8(w.inner.into_inner().unwrap()).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
            "{text:?}"
        );
        assert_eq!(
            text,
            "\"'=HYPERLINK(\"\"http://x\"\")\",Ada,'@SUM(A1),\"line\nbreak\"\n"
        );
    }
}
