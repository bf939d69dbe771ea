//! Files that cannot be imported: exit status 1, one clear line on stderr naming the file
//! and what to do, nothing on stdout, no panic.

use crate::common::{fixture, run, tempdir};

fn refuse(path: &str, expected: &str) {
    let dir = tempdir();
    for args in [
        vec!["preview", path],
        vec!["import", path, "--dry-run", "--json"],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.code, 1, "{args:?}: stderr {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: stdout {}", out.stdout);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{args:?}: one line expected, got {:?}",
            out.stderr
        );
        assert!(
            lines[0].contains(path),
            "{args:?}: the message names the file: {}",
            lines[0]
        );
        assert!(
            lines[0].contains(expected),
            "{args:?}: {:?} not in {:?}",
            expected,
            lines[0]
        );
        assert!(!out.stderr.contains("panicked"));
    }
}

fn bad(name: &str) -> String {
    fixture(&format!("bad/{name}"))
        .to_string_lossy()
        .into_owned()
}

#[test]
fn empty_file() {
    refuse(&bad("empty.csv"), "the file is empty");
}

#[test]
fn bom_only() {
    refuse(&bad("bom_only.csv"), "the file is empty");
}

#[test]
fn header_only() {
    refuse(&bad("header_only.csv"), "has a header but no contact rows");
}

#[test]
fn binary_noise() {
    refuse(&bad("binary.csv"), "binary data");
}

// One NUL byte is not binary data: nul_bytes.csv is read (see cli_hostile).
#[test]
fn png_renamed_csv() {
    refuse(&bad("png_renamed.csv"), "binary data (a PNG image)");
}

#[test]
fn xlsx_renamed_csv() {
    refuse(
        &bad("xlsx_renamed.csv"),
        "this is an Excel workbook (.xlsx), but it could not be read",
    );
}

#[test]
fn zip_renamed_csv() {
    refuse(&bad("zip_renamed.csv"), "this is a ZIP archive, not CSV");
}

#[test]
fn pdf_renamed_csv() {
    refuse(&bad("pdf_renamed.csv"), "this is a PDF document, not CSV");
}

#[test]
fn gzip_renamed_csv() {
    refuse(
        &bad("gzip_renamed.csv"),
        "this is a gzip-compressed file, not CSV",
    );
}

#[test]
fn unterminated_quote_names_the_line() {
    refuse(
        &bad("unterminated_quote.csv"),
        "quote opened on line 3 is never closed",
    );
}

#[test]
fn missing_path_and_directory() {
    refuse("/nonexistent/contacts.csv", "no such file");
    let dir = tempdir();
    refuse(dir.path().to_str().unwrap(), "is a directory");
}

#[test]
fn bad_usage_is_exit_2() {
    let dir = tempdir();
    let out = run(dir.path(), &["import", "x.csv", "--purpose", "sometimes"]);
    assert_eq!(out.code, 2);
    let out = run(
        dir.path(),
        &[
            "import",
            &fixture("contacts.csv").to_string_lossy(),
            "--dry-run",
            "--map",
            "Nope=phone",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no column named \"Nope\""),
        "{}",
        out.stderr
    );
}

#[test]
fn unmapped_requirement_is_refused_with_what_to_map() {
    let dir = tempdir();
    let path = dir.path().join("emails.csv");
    std::fs::write(&path, "Email\nada@example.com\n").unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            path.to_str().unwrap(),
            "--dry-run",
            "--require",
            "dialer",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("no column is mapped to a phone column"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--map"), "{}", out.stderr);
}

#[test]
fn invalid_utf8_past_the_sample_is_refused_not_replaced() {
    let dir = tempdir();
    let path = dir.path().join("mixed.csv");
    let mut bytes = b"Name,Phone\n".to_vec();
    for i in 0..20_000 {
        bytes.extend(format!("Person {i},+1 212 334 {:04}\n", i % 10_000).as_bytes());
    }
    bytes.extend(b"M\xfcller,+1 212 555 0000\n");
    std::fs::write(&path, &bytes).unwrap();
    let p = path.to_str().unwrap();
    // Preview reads only the first rows; the dry run reads them all.
    let out = run(dir.path(), &["import", p, "--dry-run"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("line 20002 is not valid UTF-8"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("--encoding windows-1252"),
        "{}",
        out.stderr
    );
    let out = run(dir.path(), &["import", p, "--yes", "--consent-confirmed"]);
    assert_eq!(out.code, 1);
    // The job is recorded as it starts, and ends failed with the reason; no contact.
    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history[0]["status"], "failed", "{history}");
    assert!(
        history[0]["reason"]
            .as_str()
            .unwrap()
            .contains("line 20002 is not valid UTF-8"),
        "{history}"
    );
    assert_eq!(history[0]["created"], 0);
    assert_eq!(
        run(dir.path(), &["contacts", "--json"]).json(),
        serde_json::json!([])
    );
    let out = run(
        dir.path(),
        &["preview", p, "--encoding", "windows-1252", "--rows", "1"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn unterminated_quote_far_down_writes_nothing() {
    let dir = tempdir();
    let path = dir.path().join("quote.csv");
    let mut text = String::from("Name,Phone\n");
    for i in 0..30_000 {
        text.push_str(&format!(
            "Person {i},+1 212 {} {:04}\n",
            300 + i / 10_000,
            i % 10_000
        ));
    }
    text.push_str("\"Broken,+1 212 555 0000\nAfter,+1 212 555 0001\n");
    std::fs::write(&path, text).unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            path.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("quote opened on line 30002 is never closed"),
        "{}",
        out.stderr
    );
    // The job was recorded as it started; it ends failed, with the reason, and nothing
    // of the file written.
    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["status"], "failed");
    assert_eq!(history[0]["total_rows"], 0);
    assert!(
        history[0]["reason"]
            .as_str()
            .unwrap()
            .contains("quote opened on line 30002 is never closed"),
        "{history}"
    );
    assert_eq!(
        run(dir.path(), &["contacts", "--json"]).json(),
        serde_json::json!([])
    );
    let shown = run(dir.path(), &["history"]).stdout;
    assert!(
        shown.contains("failed: ") && shown.contains("is never closed"),
        "{shown}"
    );
}

#[test]
fn bad_region_is_usage_in_both_modes() {
    let dir = tempdir();
    let f = fixture("contacts.csv");
    let f = f.to_str().unwrap();
    for args in [
        vec!["import", f, "--dry-run", "--region", "XX"],
        vec![
            "import",
            f,
            "--yes",
            "--consent-confirmed",
            "--region",
            "XX",
        ],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("--region"), "{}", out.stderr);
    }
}
