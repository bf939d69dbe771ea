//! Files people open in a spreadsheet: the results file (the original columns plus
//! `Import Status` and `Errors`) and the error file (failed and skipped rows plus `Error`,
//! ready to fix and import again). Every cell a spreadsheet would run as a formula is
//! neutralized; E.164 numbers and plain numbers stay as they are.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::reason::Issue;
use super::records::Cells;
use super::resolve::RowStatus;

/// Prefixes a `'` to a cell that a spreadsheet would execute (`=`, `+`, `-`, `@`, tab or
/// carriage return first). `+16135551234` and `-12.5` are plain values and stay readable.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let Some(first) = cell.chars().next() else {
        return Cow::Borrowed(cell);
    };
    if !matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r') {
        return Cow::Borrowed(cell);
    }
    let rest = &cell[first.len_utf8()..];
    // `+16135551234` (E.164) and `-12.5` are values a spreadsheet only displays; anything
    // else after `+` or `-` is arithmetic it would evaluate.
    let e164 =
        first == '+' && (7..=15).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit());
    let number = first == '-' && {
        let (int, frac) = rest.split_once('.').unwrap_or((rest, "0"));
        !int.is_empty()
            && !frac.is_empty()
            && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    };
    if e164 || number {
        Cow::Borrowed(cell)
    } else {
        Cow::Owned(format!("'{cell}"))
    }
}

/// Creates a file readable by its owner only: reports hold personal data.
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

/// A CSV writer that neutralizes every cell it writes.
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
        let record: Vec<String> = cells
            .into_iter()
            .map(|c| neutralize(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&record).map_err(io::Error::other)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The results file and the error file of one job (or one review), either optional.
pub struct ReportFiles {
    width: usize,
    results: Option<SafeCsv<BufWriter<File>>>,
    errors: Option<SafeCsv<BufWriter<File>>>,
}

impl ReportFiles {
    pub fn create(
        header: &[String],
        results: Option<&Path>,
        errors: Option<&Path>,
    ) -> io::Result<ReportFiles> {
        let open = |path: &Path, extra: &[&str]| -> io::Result<SafeCsv<BufWriter<File>>> {
            let file = create_private(path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            let mut csv = SafeCsv::new(BufWriter::new(file));
            csv.row(
                header
                    .iter()
                    .map(String::as_str)
                    .chain(extra.iter().copied()),
            )?;
            Ok(csv)
        };
        Ok(ReportFiles {
            width: header.len(),
            results: results
                .map(|p| open(p, &["Import Status", "Errors"]))
                .transpose()?,
            errors: errors.map(|p| open(p, &["Error"])).transpose()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.results.is_none() && self.errors.is_none()
    }

    /// Writes one row: to the results file always, to the error file when it failed or was
    /// skipped.
    pub fn write(&mut self, cells: &Cells, status: RowStatus, issues: &[Issue]) -> io::Result<()> {
        let original = (0..self.width).map(|i| cells.get(i).unwrap_or(""));
        let messages = issues
            .iter()
            .map(Issue::describe)
            .collect::<Vec<_>>()
            .join("; ");
        if let Some(results) = &mut self.results {
            results.row(original.clone().chain([status.name(), messages.as_str()]))?;
        }
        if let (Some(errors), RowStatus::Error | RowStatus::Skipped) = (&mut self.errors, status) {
            let codes = issues.first().map(|i| i.reason.code()).unwrap_or_default();
            let error = if messages.is_empty() {
                codes.to_string()
            } else {
                format!("{codes}: {messages}")
            };
            errors.row(original.chain([error.as_str()]))?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        if let Some(r) = &mut self.results {
            r.flush()?;
        }
        if let Some(e) = &mut self.errors {
            e.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
