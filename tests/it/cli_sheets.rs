//! Workbooks (`.xlsx`, `.xls`, `.ods`, saved by LibreOffice: see fixtures/sheets/README.md)
//! through the real binary: the sheet read, the cells as a person reads them, the exact
//! contacts stored, and the same history, reports and resume as a CSV.

use std::path::Path;

use serde_json::{json, Value};

use crate::common::{fixture, import, run, tempdir};

const FORMATS: [&str; 3] = ["xlsx", "ods", "xls"];

fn book(ext: &str) -> std::path::PathBuf {
    fixture(&format!("sheets/contacts.{ext}"))
}

/// (first name, last name, phones, emails, custom fields) of every stored contact, in the
/// order they were created.
fn stored(dir: &Path) -> Vec<(String, String, Value, Value, Value)> {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                text(&c["first_name"]),
                text(&c["last_name"]),
                c["phones"].clone(),
                c["emails"].clone(),
                c["custom"].clone(),
            )
        })
        .collect()
}

fn person(
    first: &str,
    last: &str,
    phone: &str,
    email: &str,
    custom: Value,
) -> (String, String, Value, Value, Value) {
    (
        first.into(),
        last.into(),
        json!([phone]),
        json!([email]),
        custom,
    )
}

#[test]
fn the_first_sheet_of_each_workbook_is_read_as_the_spreadsheet_shows_it() {
    for ext in FORMATS {
        let dir = tempdir();
        let path = book(ext);
        let out = run(dir.path(), &["preview", "--json", path.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{ext}: {}", out.stderr);
        let j = out.json();
        assert_eq!(j["format"], ext, "{ext}");
        assert_eq!(j["sheet"], "Contacts", "{ext}");
        assert_eq!(j["sheets"], json!(["Contacts", "Suppliers"]), "{ext}");
        // A title line and a blank row above the header, as an export from a shop has.
        assert_eq!(j["header_row"], 3, "{ext}");
        assert_eq!(
            j["header"],
            json!([
                "First Name",
                "Last Name",
                "Mobile",
                "Email",
                "Birthday",
                "VIP",
                "Orders"
            ]),
            "{ext}"
        );
        // Phones stored as numbers are their digits, dates ISO, booleans true/false, a
        // formula its computed value, a formula that failed (#DIV/0!) empty.
        assert_eq!(
            j["rows"],
            json!([
                [
                    "Ada",
                    "Lovelace",
                    "6139690710",
                    "ada@example.com",
                    "1985-12-10",
                    "true",
                    "5"
                ],
                [
                    "Zoë",
                    "Kim",
                    "4163917710",
                    "zoe.kim@example.net",
                    "1990-07-04",
                    "false",
                    "12"
                ],
                [
                    "Richard",
                    "Rodriguez",
                    "+44 20 7946 1018",
                    "richard@example.co.uk",
                    "1978-03-15",
                    "true",
                    ""
                ],
            ]),
            "{ext}"
        );
        assert_eq!(j["row_numbers"], json!([4, 5, 7]), "{ext}");
        assert_eq!(j["blank_rows"], 1, "{ext}");
        assert_eq!(j["approx_rows"], 3, "{ext}");
    }
}

#[test]
fn each_workbook_imports_exact_contacts() {
    for ext in FORMATS {
        let dir = tempdir();
        let out = import(
            dir.path(),
            &book(ext),
            &[
                "--map",
                "Birthday=custom:birthday:date",
                "--map",
                "VIP=custom:vip:checkbox",
                "--map",
                "Orders=custom:orders:number",
            ],
        );
        assert_eq!(out.code, 0, "{ext}: {}", out.stderr);
        let j = out.json();
        assert_eq!(
            (
                &j["created"],
                &j["failed"],
                &j["blank_rows"],
                &j["warnings"]
            ),
            (&json!(3), &json!(0), &json!(1), &json!(0)),
            "{ext}: {j}"
        );
        assert_eq!(
            stored(dir.path()),
            vec![
                person(
                    "Ada",
                    "Lovelace",
                    "+16139690710",
                    "ada@example.com",
                    json!({"birthday": "1985-12-10", "vip": true, "orders": "5"})
                ),
                person(
                    "Zoë",
                    "Kim",
                    "+14163917710",
                    "zoe.kim@example.net",
                    json!({"birthday": "1990-07-04", "vip": false, "orders": "12"})
                ),
                // The failed formula left Orders empty: nothing is stored for it.
                person(
                    "Richard",
                    "Rodriguez",
                    "+442079461018",
                    "richard@example.co.uk",
                    json!({"birthday": "1978-03-15", "vip": true})
                ),
            ],
            "{ext}"
        );
        // History keeps the workbook like any file.
        let history = run(dir.path(), &["history", "--json"]).json();
        assert_eq!(history[0]["status"], "completed", "{ext}: {history}");
    }
}

#[test]
fn sheet_chooses_another_sheet_by_name_or_number() {
    for ext in FORMATS {
        for asked in ["Suppliers", "suppliers", "2"] {
            let dir = tempdir();
            let out = import(dir.path(), &book(ext), &["--sheet", asked]);
            assert_eq!(out.code, 0, "{ext} {asked}: {}", out.stderr);
            assert_eq!(out.json()["created"], 2, "{ext} {asked}");
            let people: Vec<(String, Value)> = run(dir.path(), &["contacts", "--json"])
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        format!("{} {} · {}", c["first_name"], c["last_name"], c["company"]),
                        c["phones"].clone(),
                    )
                })
                .collect();
            assert_eq!(
                people,
                vec![
                    (
                        "\"Arjun\" \"Jackson\" · \"Oceanic Airlines\"".to_string(),
                        json!(["+15147209963"])
                    ),
                    (
                        "\"Art\" \"Vandelay\" · \"Vandelay Industries\"".to_string(),
                        json!(["+16132345678"])
                    ),
                ],
                "{ext} {asked}"
            );
        }
    }
}

#[test]
fn the_dry_run_names_the_format_and_the_sheet_it_read() {
    let dir = tempdir();
    let path = book("xls");
    let out = run(
        dir.path(),
        &[
            "import",
            path.to_str().unwrap(),
            "--dry-run",
            "--json",
            "--sheet",
            "2",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(
        (&j["format"], &j["sheet"]),
        (&json!("xls"), &json!("Suppliers"))
    );
    assert_eq!(j["created"], 2);
    let out = run(dir.path(), &["import", path.to_str().unwrap(), "--dry-run"]);
    assert!(
        out.stdout.starts_with(&format!(
            "{}: Excel 97-2003 workbook (.xls), header on row 3, 3 rows",
            path.display()
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn a_sheet_that_does_not_exist_is_refused_naming_the_sheets_there_are() {
    for ext in FORMATS {
        let dir = tempdir();
        let path = book(ext);
        let path = path.to_str().unwrap();
        for args in [
            vec!["preview", path, "--sheet", "Archive"],
            vec!["import", path, "--sheet", "3", "--dry-run"],
        ] {
            let out = run(dir.path(), &args);
            assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
            let asked = args[3];
            assert_eq!(
                out.stderr.trim_end(),
                format!(
                    "rolodex: {path}: there is no sheet \"{asked}\"; the workbook has 1 \"Contacts\", 2 \"Suppliers\"; choose one with --sheet NAME or --sheet NUMBER"
                ),
                "{args:?}"
            );
        }
        assert!(
            !dir.path().join("test.redb").exists(),
            "nothing was written"
        );
    }
}

#[test]
fn sheet_on_a_csv_is_refused() {
    let dir = tempdir();
    let path = fixture("contacts.csv");
    let out = run(
        dir.path(),
        &["preview", path.to_str().unwrap(), "--sheet", "2"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--sheet is for workbooks (.xlsx, .xls, .ods) and this file is read as CSV; leave --sheet out"),
        "{}",
        out.stderr
    );
}

#[test]
fn preview_says_what_the_workbook_is_and_lists_its_sheets() {
    let dir = tempdir();
    let path = book("xlsx");
    let path = path.to_str().unwrap();
    let out = run(dir.path(), &["preview", path]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("{path}: Excel workbook (.xlsx), header on row 3, 3 rows")
    );
    assert_eq!(
        lines[1],
        "Sheet 1 read; the workbook has 1 \"Contacts\", 2 \"Suppliers\" (choose with --sheet NAME or --sheet NUMBER)"
    );
    assert!(lines[3].contains("6139690710"), "{}", out.stdout);
    let out = run(dir.path(), &["preview", path, "--sheet", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Sheet 2 read; the workbook has"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Oceanic Airlines"), "{}", out.stdout);
}

#[test]
fn header_row_chooses_the_header_in_a_workbook_too() {
    let dir = tempdir();
    let path = book("ods");
    // Row 4 as the header: Ada's row names the columns, the rows below it are data.
    let out = run(
        dir.path(),
        &[
            "preview",
            "--json",
            path.to_str().unwrap(),
            "--header-row",
            "4",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["header"][0], "Ada");
    assert_eq!(j["row_numbers"], json!([5, 7]));
    let out = run(
        dir.path(),
        &["preview", path.to_str().unwrap(), "--header-row", "9"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("header row 9 is past the end of the file"),
        "{}",
        out.stderr
    );
}

#[test]
fn reports_name_the_workbook_rows() {
    let dir = tempdir();
    let errors = dir.path().join("errors.csv");
    let out = import(
        dir.path(),
        &fixture("sheets/failing.xlsx"),
        &["--require", "dialer", "--errors", errors.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!((&j["created"], &j["failed"]), (&json!(1), &json!(10)));
    let text = std::fs::read_to_string(&errors).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Name,Phone,Error");
    assert_eq!(lines.len(), 11, "{text}");
    assert!(lines[1].starts_with("Bad 0,123,"), "{text}");
    // Failed rows are named by their row in the sheet (the header is row 1).
    let failed = run(dir.path(), &["show", "1", "--failed"]);
    assert_eq!(failed.code, 0, "{}", failed.stderr);
    let rows: Vec<&str> = failed
        .stdout
        .lines()
        .filter(|l| l.contains("invalid_phone: Phone: 123"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(rows, ["2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]);
}

/// `failing.xlsx` copied into `dir` and imported until the third failure stops the job.
fn stopped_job(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("failing.xlsx");
    std::fs::copy(fixture("sheets/failing.xlsx"), &file).unwrap();
    let out = import(dir, &file, &["--max-failures", "3", "--require", "dialer"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let j = out.json();
    assert_eq!((&j["status"], &j["failed"]), (&json!("stopped"), &json!(3)));
    file
}

#[test]
fn a_stopped_workbook_import_resumes_where_it_stopped() {
    let dir = tempdir();
    stopped_job(dir.path());
    let mut last = Value::Null;
    for _ in 0..4 {
        let out = run(dir.path(), &["resume", "1", "--json"]);
        last = out.json();
        if last["status"] != "stopped" {
            break;
        }
        assert_eq!(out.code, 3, "{}", out.stderr);
    }
    assert_eq!(last["status"], "completed_with_errors", "{last}");
    let people = stored(dir.path());
    assert_eq!(people.len(), 1, "{people:?}");
    assert_eq!(people[0].2, json!(["+12123345678"]));
}

#[test]
fn resume_refuses_a_workbook_edited_since_the_job_started() {
    let dir = tempdir();
    let file = stopped_job(dir.path());
    let history = run(dir.path(), &["history", "--json"]).json();
    // Saved again with other rows: another workbook's bytes under the same name.
    std::fs::copy(book("xlsx"), &file).unwrap();
    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("has changed since job 1 started"),
        "{}",
        out.stderr
    );
    assert_eq!(run(dir.path(), &["history", "--json"]).json(), history);
    assert_eq!(stored(dir.path()), vec![]);
}
