//! The hostile corpus: every file in `fixtures/bad/`, and the paths that are not files,
//! each with its exact exit status and message (or, for files that are odd but readable,
//! exactly what is read from them). No panic on any of them.

use serde_json::Value;

use crate::common::{fixture, run, tempdir};

/// `Err(line)` is the one line expected on stderr (`{path}` stands for the path);
/// `Ok((encoding, delimiter, header_row, rows, created))` is what the dry run reads.
type Expect = Result<(&'static str, &'static str, u64, u64, u64), &'static str>;

const EMPTY: &str = "{path}: the file is empty; export the contacts again with a header row and at least one contact";
const NO_HEADER: &str = "{path}: no header row found; the first line must name the columns (for example First Name,Last Name,Phone,Email)";
const SAVE_AS: &str = "open it in your spreadsheet and use File > Save As (or Download) > CSV UTF-8, then import the .csv";

fn corpus() -> Vec<(&'static str, Expect)> {
    vec![
        ("empty.csv", Err(EMPTY)),
        ("bom_only.csv", Err(EMPTY)),
        ("blank_lines_only.csv", Err(EMPTY)),
        ("whitespace_only.csv", Err(EMPTY)),
        ("header_only.csv", Err("{path}: the file has a header but no contact rows; add rows below the header")),
        ("numbers_only.csv", Err(NO_HEADER)),
        ("empty_header_cells.csv", Err(NO_HEADER)),
        ("binary.csv", Err("{path}: binary data (NUL bytes at byte 230), not a text CSV file; export the contacts as CSV")),
        ("nul_bytes.csv", Err("{path}: binary data (NUL bytes at byte 21), not a text CSV file; export the contacts as CSV")),
        ("xlsx_renamed.csv", Err("{path}: this is an Excel workbook (.xlsx), not CSV; SAVE_AS")),
        ("xls_renamed.csv", Err("{path}: this is an Excel 97-2003 workbook (.xls), not CSV; SAVE_AS")),
        ("ods_renamed.csv", Err("{path}: this is an OpenDocument spreadsheet (.ods), not CSV; SAVE_AS")),
        ("contacts.numbers", Err("{path}: this is an Apple Numbers file (.numbers), not CSV; in Numbers use File > Export To > CSV, then import the .csv")),
        ("zip_renamed.csv", Err("{path}: this is a ZIP archive, not CSV; unzip it and import the .csv inside")),
        ("pdf_renamed.csv", Err("{path}: this is a PDF document, not CSV; export the contacts from the program that made it as CSV")),
        ("gzip_renamed.csv", Err("{path}: this is a gzip-compressed file, not CSV; decompress it first (gunzip FILE) and import the result")),
        ("html_export.csv", Err("{path}: this is an HTML page (a web table saved under another name), not CSV; open it in your spreadsheet and save it as CSV, or export CSV from the web app")),
        ("unterminated_quote.csv", Err("{path}: quote opened on line 3 is never closed, so everything after it would become one value; close the quote or remove it")),
        ("utf16_no_bom.csv", Ok(("UTF-16LE", ",", 1, 1, 1))),
        ("invalid_utf8_middle.csv", Ok(("windows-1252", ",", 1, 3, 3))),
        ("cr_only.csv", Ok(("UTF-8", ",", 1, 2, 2))),
        ("single_column.csv", Ok(("UTF-8", ",", 1, 2, 2))),
        ("duplicate_headers.csv", Ok(("UTF-8", ",", 1, 1, 1))),
        ("mixed_delimiters.csv", Ok(("UTF-8", ";", 1, 2, 2))),
        ("deep_quotes.csv", Ok(("UTF-8", ",", 1, 1, 1))),
        ("many_columns.csv", Ok(("UTF-8", ",", 1, 1, 1))),
        ("control_chars.csv", Ok(("UTF-8", ",", 1, 1, 1))),
        ("title_lines.csv", Ok(("UTF-8", ",", 4, 1, 1))),
        ("quote_in_unquoted_field.csv", Ok(("UTF-8", ",", 1, 1, 1))),
        ("semicolon_excel_de.csv", Ok(("UTF-8", ";", 1, 1, 1))),
    ]
}

fn check(path: &str, expect: Expect) {
    let dir = tempdir();
    let out = run(
        dir.path(),
        &["import", path, "--dry-run", "--json", "--require", "any"],
    );
    assert!(!out.stderr.contains("panicked"), "{path}: {}", out.stderr);
    match expect {
        Err(line) => {
            let want = format!(
                "rolodex: {}",
                line.replace("{path}", path).replace("SAVE_AS", SAVE_AS)
            );
            assert_eq!(out.code, 1, "{path}: {}", out.stderr);
            assert_eq!(out.stderr.trim_end(), want, "{path}");
            assert!(out.stdout.is_empty());
        }
        Ok((encoding, delimiter, header_row, rows, created)) => {
            assert_eq!(out.code, 0, "{path}: {}", out.stderr);
            let j: Value = out.json();
            assert_eq!(j["encoding"], encoding, "{path}");
            assert_eq!(j["delimiter"], delimiter, "{path}");
            assert_eq!(j["header_row"], header_row, "{path}");
            assert_eq!(j["total_rows"], rows, "{path}");
            assert_eq!(j["created"], created, "{path}");
        }
    }
}

#[test]
fn every_file_of_the_hostile_corpus() {
    let corpus = corpus();
    let listed: std::collections::BTreeSet<&str> = corpus.iter().map(|(f, _)| *f).collect();
    let present: std::collections::BTreeSet<String> = std::fs::read_dir(fixture("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for p in &present {
        assert!(
            listed.contains(p.as_str()),
            "fixtures/bad/{p} has no expectation"
        );
    }
    assert!(corpus.len() >= 30);
    for (file, expect) in corpus {
        check(&fixture(&format!("bad/{file}")).to_string_lossy(), expect);
    }
}

#[test]
fn paths_that_are_not_files() {
    let dir = tempdir();
    let d = dir.path().to_string_lossy().into_owned();
    check(
        &d,
        Err("{path}: is a directory; give the path of a CSV file inside it"),
    );
    check(
        "/nonexistent/leads.csv",
        Err("{path}: no such file; check the path"),
    );
    #[cfg(unix)]
    {
        let fifo = dir.path().join("pipe.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if made {
            check(
                &fifo.to_string_lossy(),
                Err("{path}: not a regular file; save the data to a CSV file first"),
            );
        } else {
            eprintln!("skipped the FIFO case: mkfifo is not available here");
        }
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked.csv");
        std::fs::write(&locked, "Name,Phone\nAda,+1 212 334 5678\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&locked).is_err() {
            check(
                &locked.to_string_lossy(),
                Err("{path}: permission denied; make the file readable (chmod u+r) or copy it somewhere you can read"),
            );
        } else {
            eprintln!("skipped the unreadable-file case: this user (root) can read any file");
        }
    }
}

#[test]
fn huge_cells_and_rows_are_read_not_refused() {
    let dir = tempdir();
    // A 50 MB single cell.
    let big = dir.path().join("big_cell.csv");
    let mut text = String::from("Name,Phone,Note\nAda Lovelace,+1 212 334 5678,\"");
    text.push_str(&"x".repeat(50 * 1024 * 1024));
    text.push_str("\"\n");
    std::fs::write(&big, text).unwrap();
    check(&big.to_string_lossy(), Ok(("UTF-8", ",", 1, 1, 1)));
    // A row of a million commas: extra empty fields are ignored.
    let commas = dir.path().join("commas.csv");
    let mut text = String::from("Name,Phone\nAda Lovelace,+1 212 334 5678");
    text.push_str(&",".repeat(1_000_000));
    text.push('\n');
    std::fs::write(&commas, text).unwrap();
    check(&commas.to_string_lossy(), Ok(("UTF-8", ",", 1, 1, 1)));
}
