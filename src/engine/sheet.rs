//! Workbooks (`.xlsx`, `.xls`, `.ods`) read with calamine: one sheet, whole, into rows of
//! text numbered as the spreadsheet numbers them. A cell becomes the text a person reads
//! in it, not the way the program stored it: a phone typed as a number is `6139690710`,
//! never `6.13969071E9`; a date is ISO (`1985-12-10`), so no day/month order is guessed;
//! a formula is its last computed value; an error (`#N/A`) is an empty cell.
//!
//! This module knows nothing of how rows are read afterwards: `source` turns what it
//! returns into the rows every import reads.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use calamine::{open_workbook_from_rs, Data, Ods, Reader, SheetType, SheetVisible, Xls, Xlsx};

use super::error::{EngineError, Result};

/// The workbook formats rolodex reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Xls,
    Ods,
}

impl Kind {
    /// How users call the format, in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Xlsx => "an Excel workbook (.xlsx)",
            Kind::Xls => "an Excel 97-2003 workbook (.xls)",
            Kind::Ods => "an OpenDocument spreadsheet (.ods)",
        }
    }
}

/// Which workbook `sample` (the first bytes of the file at `path`) is, if any. The bytes
/// decide, not the name: a workbook saved as `.csv` is still a workbook. A ZIP that is
/// neither (an Apple Numbers file, an archive) is not one.
pub fn workbook_kind(path: &Path, sample: &[u8]) -> Option<Kind> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if sample.starts_with(b"PK\x03\x04") {
        let has = |name: &[u8]| sample.windows(name.len()).any(|w| w == name);
        // An ODS starts with its uncompressed `mimetype` entry; an OOXML workbook names
        // its `xl/` parts in the first entries' headers.
        if has(b"application/vnd.oasis.opendocument.spreadsheet") {
            return Some(Kind::Ods);
        }
        if has(b"xl/") || (has(b"[Content_Types].xml") && matches!(ext.as_str(), "xlsx" | "xlsm")) {
            return Some(Kind::Xlsx);
        }
        return None;
    }
    // The OLE2 container of Office 97-2003 documents.
    if sample.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(Kind::Xls);
    }
    None
}

/// One sheet of a workbook, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub kind: Kind,
    /// The workbook's worksheets, in the order its tabs show them.
    pub names: Vec<String>,
    /// Which of `names` was read.
    pub chosen: usize,
    /// Each row of the sheet's used range: its spreadsheet row number (1-based) and its
    /// cells as text. Empty rows inside the range are there, with empty cells.
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Sheet {
    pub fn name(&self) -> &str {
        self.names
            .get(self.chosen)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// The sheets of a workbook, numbered from 1 as `--sheet` counts them, for messages.
pub fn list_sheets(names: &[String]) -> String {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{} {n:?}", i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the sheet `asked` (a name, or a number counted from 1) of the workbook at `path`,
/// or its first visible worksheet.
pub fn read(path: &Path, kind: Kind, asked: Option<&str>) -> Result<Sheet> {
    // calamine trusts the structures it parses: a damaged workbook may panic inside it
    // instead of returning an error. That is a file we cannot read, not a crash.
    std::panic::catch_unwind(|| read_unguarded(path, kind, asked)).unwrap_or_else(|_| {
        Err(EngineError::Workbook {
            path: path.to_path_buf(),
            format: kind.describe(),
            detail: "its data is damaged".into(),
        })
    })
}

fn read_unguarded(path: &Path, kind: Kind, asked: Option<&str>) -> Result<Sheet> {
    let file = File::open(path).map_err(|e| EngineError::from_io(path, e))?;
    let file = BufReader::new(file);
    let unreadable = |detail: String| EngineError::Workbook {
        path: path.to_path_buf(),
        format: kind.describe(),
        detail,
    };
    match kind {
        Kind::Xlsx => {
            let book =
                open_workbook_from_rs::<Xlsx<_>, _>(file).map_err(|e| unreadable(e.to_string()))?;
            read_book(path, kind, book, asked)
        }
        Kind::Xls => {
            let book =
                open_workbook_from_rs::<Xls<_>, _>(file).map_err(|e| unreadable(e.to_string()))?;
            read_book(path, kind, book, asked)
        }
        Kind::Ods => {
            let book =
                open_workbook_from_rs::<Ods<_>, _>(file).map_err(|e| unreadable(e.to_string()))?;
            read_book(path, kind, book, asked)
        }
    }
}

fn read_book<RS, R>(path: &Path, kind: Kind, mut book: R, asked: Option<&str>) -> Result<Sheet>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    // Chart sheets and macro sheets hold no rows of contacts.
    let worksheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let names: Vec<String> = worksheets.iter().map(|(n, _)| n.clone()).collect();
    let chosen = match asked {
        Some(asked) => choose(&names, asked).ok_or_else(|| EngineError::NoSuchSheet {
            path: path.to_path_buf(),
            asked: asked.to_string(),
            sheets: list_sheets(&names),
        })?,
        // The first sheet a person sees: hidden sheets hold lookups and old data.
        None => worksheets
            .iter()
            .position(|(_, visible)| *visible)
            .unwrap_or(0),
    };
    let Some(name) = names.get(chosen) else {
        return Err(EngineError::Workbook {
            path: path.to_path_buf(),
            format: kind.describe(),
            detail: "it has no worksheet".into(),
        });
    };
    let range = book
        .worksheet_range(name)
        .map_err(|e| EngineError::Workbook {
            path: path.to_path_buf(),
            format: kind.describe(),
            detail: format!("sheet {name:?}: {e}"),
        })?;
    let first_row = range
        .start()
        .map(|(row, _)| u64::from(row) + 1)
        .unwrap_or(1);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let cells = cells.iter().map(|c| cell_text(c, kind)).collect();
            (first_row + i as u64, cells)
        })
        .collect();
    Ok(Sheet {
        kind,
        names,
        chosen,
        rows,
    })
}

/// The sheet `asked` names: its exact name, its name in another case, or its number.
fn choose(names: &[String], asked: &str) -> Option<usize> {
    let asked = asked.trim();
    if let Some(i) = names.iter().position(|n| n == asked) {
        return Some(i);
    }
    let folded = asked.to_lowercase();
    if let Some(i) = names.iter().position(|n| n.trim().to_lowercase() == folded) {
        return Some(i);
    }
    let n: usize = asked.parse().ok()?;
    (1..=names.len()).contains(&n).then(|| n - 1)
}

/// What a person reads in a cell, as text.
pub fn cell_text(cell: &Data, kind: Kind) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        // LibreOffice keeps a failed formula's result as its error text in an ODS, which
        // calamine hands over as a string.
        Data::String(s) if kind == Kind::Ods && is_error_text(s) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_duration() => {
            let (_, _, _, h, m, s, _) = dt.to_ymd_hms_milli();
            let days = dt.as_f64().trunc() as u64;
            clock(u64::from(h) + days * 24, m.into(), s.into())
        }
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (0.0..1.0).contains(&dt.as_f64()) {
                // A time of day alone: serial 0 is no date anyone meant.
                return clock(h.into(), mi.into(), s.into());
            }
            let date = format!("{y:04}-{mo:02}-{d:02}");
            if (h, mi, s) == (0, 0, 0) {
                date
            } else {
                format!("{date} {}", clock(h.into(), mi.into(), s.into()))
            }
        }
        Data::DateTimeIso(iso) => iso_text(iso),
        Data::DurationIso(iso) => duration_text(iso),
    }
}

/// The texts LibreOffice and Excel show for a formula that failed.
fn is_error_text(s: &str) -> bool {
    matches!(
        s,
        "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!" | "#VALUE!"
    ) || s
        .strip_prefix("Err:")
        .is_some_and(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
}

/// A number as a person typed it: whole numbers without a decimal point or an exponent
/// (a phone stored as a number is digits), others in their shortest exact form.
pub fn number_text(f: f64) -> String {
    // Beyond 2^53 a float no longer holds every whole number: its digits would be made up.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() == 0.0 && f.abs() < EXACT {
        return format!("{}", f as i64);
    }
    if f.is_finite() {
        // Display never writes an exponent: 1e21 is all its digits.
        format!("{f}")
    } else {
        String::new()
    }
}

/// `HH:MM`, with `:SS` when there are seconds.
fn clock(h: u64, m: u64, s: u64) -> String {
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// An ODS date (`1985-12-10`, `2024-03-15T10:30:00`): the date, and the time unless it is
/// midnight, in the same form as an Excel date.
fn iso_text(iso: &str) -> String {
    let Some((date, time)) = iso.split_once('T') else {
        return iso.to_string();
    };
    let time = time.split('.').next().unwrap_or_default();
    let parts: Vec<u64> = time.split(':').filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [0, 0] | [0, 0, 0] => date.to_string(),
        [h, m] => format!("{date} {}", clock(*h, *m, 0)),
        [h, m, s] => format!("{date} {}", clock(*h, *m, *s)),
        _ => iso.to_string(),
    }
}

/// An ODS time (`PT10H30M00S`) as a clock time; anything else as it is.
fn duration_text(iso: &str) -> String {
    let Some(rest) = iso.strip_prefix("PT") else {
        return iso.to_string();
    };
    let (mut h, mut m, mut s) = (0u64, 0u64, 0u64);
    let mut number = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            'H' | 'M' | 'S' => {
                let whole = number.split('.').next().unwrap_or_default();
                let Ok(value) = whole.parse::<u64>() else {
                    return iso.to_string();
                };
                match c {
                    'H' => h = value,
                    'M' => m = value,
                    _ => s = value,
                }
                number.clear();
            }
            _ => return iso.to_string(),
        }
    }
    clock(h, m, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    fn excel(serial: f64) -> Data {
        Data::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            false,
        ))
    }

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number_text(6_135_551_234.0), "6135551234");
        assert_eq!(number_text(447_700_900_123.0), "447700900123");
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(1e21), "1000000000000000000000");
        assert_eq!(number_text(f64::NAN), "");
        assert_eq!(
            cell_text(&Data::Int(6_135_551_234), Kind::Xlsx),
            "6135551234"
        );
    }

    #[test]
    fn dates_are_iso_with_the_time_only_when_there_is_one() {
        // 45366 is 2024-03-15 in Excel's 1900 system.
        assert_eq!(cell_text(&excel(45366.0), Kind::Xlsx), "2024-03-15");
        assert_eq!(
            cell_text(&excel(45366.4375), Kind::Xlsx),
            "2024-03-15 10:30"
        );
        assert_eq!(cell_text(&excel(0.5), Kind::Xls), "12:00");
        let mac = Data::DateTime(ExcelDateTime::new(
            43904.0,
            ExcelDateTimeType::DateTime,
            true,
        ));
        assert_eq!(cell_text(&mac, Kind::Xlsx), "2024-03-15", "the 1904 system");
        let ods = |s: &str| cell_text(&Data::DateTimeIso(s.into()), Kind::Ods);
        assert_eq!(ods("1985-12-10"), "1985-12-10");
        assert_eq!(ods("1985-12-10T00:00:00"), "1985-12-10");
        assert_eq!(ods("2024-03-15T10:30:15.000"), "2024-03-15 10:30:15");
        assert_eq!(
            cell_text(&Data::DurationIso("PT10H30M00S".into()), Kind::Ods),
            "10:30"
        );
    }

    #[test]
    fn booleans_errors_and_text() {
        assert_eq!(cell_text(&Data::Bool(true), Kind::Xlsx), "true");
        assert_eq!(cell_text(&Data::Bool(false), Kind::Ods), "false");
        assert_eq!(cell_text(&Data::Error(CellErrorType::NA), Kind::Xlsx), "");
        assert_eq!(cell_text(&Data::String("#N/A".into()), Kind::Ods), "");
        assert_eq!(cell_text(&Data::String("Err:502".into()), Kind::Ods), "");
        // In an Excel workbook an error is its own kind of cell: text is text.
        assert_eq!(cell_text(&Data::String("#N/A".into()), Kind::Xlsx), "#N/A");
        assert_eq!(
            cell_text(&Data::String(" 0612 ".into()), Kind::Xlsx),
            " 0612 "
        );
    }

    #[test]
    fn a_sheet_is_chosen_by_name_case_or_number() {
        let names = vec!["Contacts".to_string(), "2".to_string(), "Old".to_string()];
        assert_eq!(choose(&names, "Contacts"), Some(0));
        assert_eq!(choose(&names, "old"), Some(2));
        assert_eq!(
            choose(&names, "2"),
            Some(1),
            "a sheet named 2 before the second"
        );
        assert_eq!(choose(&names, "3"), Some(2));
        assert_eq!(choose(&names, "4"), None);
        assert_eq!(choose(&names, "0"), None);
        assert_eq!(choose(&names, "Archive"), None);
        assert_eq!(list_sheets(&names), "1 \"Contacts\", 2 \"2\", 3 \"Old\"");
    }

    #[test]
    fn workbooks_are_told_by_their_bytes() {
        let p = Path::new("x.csv");
        let ods = b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK";
        assert_eq!(workbook_kind(p, ods), Some(Kind::Ods));
        assert_eq!(
            workbook_kind(p, b"PK\x03\x04...xl/workbook.xml"),
            Some(Kind::Xlsx)
        );
        assert_eq!(workbook_kind(p, b"PK\x03\x04...contacts.csv"), None);
        assert_eq!(
            workbook_kind(p, &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(Kind::Xls)
        );
        assert_eq!(workbook_kind(p, b"Name,Phone\n"), None);
    }
}
