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
const SAVE_AGAIN: &str =
    "open it in your spreadsheet and save it again, or save it as CSV UTF-8 and import the .csv";

fn corpus() -> Vec<(&'static str, Expect)> {
    vec![
        ("empty.csv", Err(EMPTY)),
        ("bom_only.csv", Err(EMPTY)),
        ("blank_lines_only.csv", Err(EMPTY)),
        ("whitespace_only.csv", Err(EMPTY)),
        ("header_only.csv", Err("{path}: the file has a header but no contact rows; add rows below the header")),
        ("numbers_only.csv", Err(NO_HEADER)),
        ("empty_header_cells.csv", Err(NO_HEADER)),
        ("binary.csv", Err("{path}: binary data (11% of the first 4096 bytes are NUL or control bytes, the first at byte 5), not a text CSV file; export the contacts as CSV")),
        ("png_renamed.csv", Err("{path}: binary data (a PNG image), not a text CSV file; export the contacts as CSV")),
        // One NUL is a stray byte in a text file: removed from the phone with a warning.
        ("nul_bytes.csv", Ok(("UTF-8", ",", 1, 1, 1))),
        ("terminal_injection.csv", Ok(("UTF-8", ",", 1, 4, 4))),
        // Workbooks are read whatever their name; these are only their first bytes.
        ("xlsx_renamed.csv", Err("{path}: this is an Excel workbook (.xlsx), but it could not be read (File not found '_rels/.rels'); SAVE_AGAIN")),
        ("xls_renamed.csv", Err("{path}: this is an Excel 97-2003 workbook (.xls), but it could not be read (Cfb error: Invalid sector shift, expecting 0x09 or 0x0C found 0); SAVE_AGAIN")),
        ("ods_renamed.csv", Err("{path}: this is an OpenDocument spreadsheet (.ods), but it could not be read ('META-INF/manifest.xml' file not found in archive); SAVE_AGAIN")),
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
                line.replace("{path}", path)
                    .replace("SAVE_AGAIN", SAVE_AGAIN)
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

/// A character that must never reach a terminal raw: C0 controls (here tab, line feed and
/// carriage return too: `allowed` names the ones a format may hold), DEL and C1.
fn control_chars(text: &str, allowed: &[char]) -> Vec<char> {
    text.chars()
        .filter(|c| matches!(c, '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}') && !allowed.contains(c))
        .collect()
}

/// What a spreadsheet would run: `=`, `@`, tab or CR first; `+` or `-` first unless the rest
/// is a plain number (E.164 phones and negative numbers are values).
fn live_formula(cell: &str) -> bool {
    let mut chars = cell.chars();
    match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.'),
        _ => false,
    }
}

/// Every cell of a CSV text: no control character but the line breaks and tabs CSV quotes,
/// and no live formula.
fn assert_safe_csv(what: &str, text: &str) {
    assert!(
        control_chars(text, &['\n', '\t']).is_empty(),
        "{what} holds control characters: {text:?}"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cells = 0;
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(!live_formula(cell), "{what}: live formula {cell:?}");
            cells += 1;
        }
    }
    assert!(cells > 0, "{what} is empty");
}

/// Every string of a JSON value.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(fields) => fields.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        _ => {}
    }
}

/// Imports `fixtures/bad/terminal_injection.csv` (OSC 52 clipboard, OSC 0 title, CSI 2J,
/// 8-bit CSI and OSC, DCS, NUL, stray CR, a bidi override, formulas behind escapes).
fn import_injection(dir: &std::path::Path) -> Value {
    let file = fixture("bad/terminal_injection.csv");
    let (report, errors) = (dir.join("report.csv"), dir.join("errors.csv"));
    let out = run(
        dir,
        &[
            "import",
            file.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--json",
            "--report",
            report.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

#[test]
fn hostile_cells_are_cleaned_at_import_and_in_every_written_csv() {
    let dir = tempdir();
    let job = import_injection(dir.path());
    assert_eq!(job["created"], 4, "{job}");
    assert_eq!(job["failed"], 0, "{job}");
    assert_eq!(job["reasons"]["control_characters"], 11, "{job}");

    // To a pipe, JSON is exact: the stored values hold no control character at all.
    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let contacts = out.json();
    let mut all = Vec::new();
    strings(&contacts, &mut all);
    for s in &all {
        assert!(
            control_chars(s, &['\n', '\t']).is_empty(),
            "stored value {s:?}"
        );
    }
    let by_first = |name: &str| {
        contacts
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["first_name"].as_str().unwrap().starts_with(name))
            .unwrap_or_else(|| panic!("no contact {name} in {contacts}"))
            .clone()
    };
    let ada = by_first("Ada");
    assert_eq!(ada["first_name"], "Ada", "the OSC 52 payload is gone whole");
    assert_eq!(
        ada["note"], "first line\nsecond\tline",
        "notes keep their layout"
    );
    let grace = by_first("Grace");
    assert_eq!(grace["last_name"], "Hopper");
    assert_eq!(
        grace["company"],
        "=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    let alan = by_first("Alan");
    assert_eq!(alan["last_name"], "Turing");
    assert_eq!(
        alan["phones"][0], "+12123345680",
        "the NUL in the phone is gone"
    );
    assert_eq!(alan["note"], "ok", "the DCS string is gone whole");
    let eve = by_first("Eve");
    assert_eq!(
        eve["first_name"], "Eve\u{202E}gnp.exe",
        "a bidi override is kept in the value"
    );
    assert_eq!(eve["company"], "BadCorp");
    assert_eq!(eve["note"], "link", "the 8-bit OSC is gone whole");

    // Every CSV written, to files and to a pipe: no control byte, no live formula.
    for args in [
        &["contacts", "--csv"][..],
        &["show", "1", "--csv"],
        &["show", "1", "--failed", "--csv"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_safe_csv(&format!("{args:?}"), &out.stdout);
    }
    let report = std::fs::read_to_string(dir.path().join("report.csv")).unwrap();
    assert_safe_csv("the results file", &report);
    assert!(report.contains("'=HYPERLINK"), "{report}");
    assert!(
        report.contains("'@SUM"),
        "a formula behind NUL and CR is still caught: {report}"
    );
    let errors = std::fs::read_to_string(dir.path().join("errors.csv")).unwrap();
    assert!(control_chars(&errors, &['\n']).is_empty(), "{errors:?}");

    // Text for people never holds a control character, whatever the cells held.
    for args in [
        &["contacts"][..],
        &["show", "1"],
        &["history"],
        &["trace", "Ada"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(
            control_chars(&out.stdout, &['\n']).is_empty(),
            "{args:?}: {:?}",
            out.stdout
        );
        assert!(!out.stdout.contains('\u{202E}'), "{args:?}: {}", out.stdout);
    }
}

/// Runs the real binary in a pseudo-terminal and returns everything it wrote to it.
fn through_pty(dir: &std::path::Path, args: &[&str]) -> String {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::Read;
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("rolodex"));
    cmd.args(args);
    cmd.env("ROLODEX_DB", dir.join("test.redb"));
    cmd.env("HOME", dir);
    cmd.env("XDG_DATA_HOME", dir.join("data"));
    cmd.env("XDG_CONFIG_HOME", dir.join("config"));
    cmd.env("TERM", "xterm-256color");
    cmd.cwd(dir);
    let mut child = pair.slave.spawn_command(cmd).expect("rolodex starts");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let collect = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 8192];
        // The read fails (EIO) or ends once the child has gone and the terminal closed.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
        }
        bytes
    });
    let status = child.wait().unwrap();
    drop(pair.master);
    let bytes = collect.join().unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(status.success(), "{args:?} exited with {status:?}: {text}");
    text
}

#[test]
fn csv_and_json_on_a_terminal_show_placeholders() {
    let dir = tempdir();
    import_injection(dir.path());
    let file = fixture("bad/terminal_injection.csv");
    for args in [
        &["contacts", "--csv"][..],
        &["show", "1", "--csv"],
        &["contacts", "--json"],
        &["history", "--json"],
        &["trace", "Ada", "--json"],
        // The rows exactly as decoded: the raw escape sequences themselves.
        &["preview", file.to_str().unwrap(), "--json"],
        &["preview", file.to_str().unwrap()],
    ] {
        let text = through_pty(dir.path(), args);
        // The terminal turns each line feed into CR LF.
        let bad = control_chars(&text, &['\n', '\r', '\t']);
        assert!(
            bad.is_empty(),
            "{args:?} wrote {bad:?} to the terminal: {text:?}"
        );
        assert!(!text.contains('\u{202E}'), "{args:?}: {text}");
    }
    let preview = through_pty(dir.path(), &["preview", file.to_str().unwrap(), "--json"]);
    assert!(
        preview.contains("\u{241B}]52;c;"),
        "the escape is shown, not hidden: {preview}"
    );
    let contacts = through_pty(dir.path(), &["contacts", "--csv"]);
    assert!(contacts.contains("Eve<U+202E>gnp.exe"), "{contacts}");
    // To a pipe, the preview is exact: JSON escapes the ESC, and it is there.
    let out = run(dir.path(), &["preview", file.to_str().unwrap(), "--json"]);
    assert!(out.stdout.contains("\\u001b]52;c;"), "{}", out.stdout);
}

const ROWS: usize = 10_000;

/// A file larger than the sniffed sample, with `cell` as row `at`'s name.
fn big_file(dir: &std::path::Path, at: usize, cell: &str) -> std::path::PathBuf {
    let mut text = String::from("Name,Phone\n");
    for i in 0..ROWS {
        let name = if i == at {
            cell.to_string()
        } else {
            format!("Person Number{i}")
        };
        text.push_str(&format!("{name},+1 212 200 {i:04}\n"));
    }
    assert!(text.len() > 300 * 1024);
    let path = dir.join("big.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_nul_anywhere_in_a_text_file_is_removed_with_a_warning() {
    // In the sniffed sample, and far past it.
    for at in [3, ROWS - 10] {
        let dir = tempdir();
        let path = big_file(dir.path(), at, "Nu\0ll Byte");
        let out = run(
            dir.path(),
            &[
                "import",
                path.to_str().unwrap(),
                "--yes",
                "--consent-confirmed",
                "--json",
                "--require",
                "any",
            ],
        );
        assert_eq!(out.code, 0, "NUL at row {at}: {}", out.stderr);
        let job = out.json();
        assert_eq!(job["created"], ROWS, "{job}");
        assert_eq!(job["reasons"]["control_characters"], 1, "{job}");
        let found = run(dir.path(), &["contacts", "--json", "--search", "Byte"]).json();
        assert_eq!(found[0]["first_name"], "Null", "{found}");
    }
}

#[test]
fn mostly_nul_is_still_binary() {
    let dir = tempdir();
    let path = dir.path().join("padded.csv");
    let mut bytes = b"Name,Phone\n".to_vec();
    for i in 0..200 {
        bytes.extend(format!("P{i},+1 212 555 {:04}", 1000 + i).bytes());
        bytes.extend([0u8; 8]);
        bytes.push(b'\n');
    }
    std::fs::write(&path, bytes).unwrap();
    let out = run(dir.path(), &["import", path.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("binary data (28% of the first"),
        "{}",
        out.stderr
    );
}

fn people_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("people.csv");
    std::fs::write(
        &path,
        "First Name,Last Name,Phone,Mobile\nAda,Lovelace,+1 212 334 5678,\nGrace,Hopper,+1 212 334 5679,\n",
    )
    .unwrap();
    path
}

#[test]
fn map_flags_that_would_lose_a_column_are_bad_usage() {
    let dir = tempdir();
    let file = people_file(dir.path());
    let file = file.to_str().unwrap();
    for (flags, says) in [
        (
            &["--map", "First Name=first_name", "--map", "Last Name=first_name"][..],
            "rolodex: --map \"First Name=first_name\" and --map \"Last Name=first_name\" both map to first_name",
        ),
        (
            &["--map", "Phone="],
            "rolodex: --map \"Phone=\": no field after '='",
        ),
        (
            &["--map", "Phone=phone", "--map", "Phone=email"],
            "rolodex: --map \"Phone=phone\" and --map \"Phone=email\" both map the column \"Phone\"",
        ),
    ] {
        for mode in [&["--dry-run"][..], &["--yes", "--consent-confirmed"]] {
            let mut args = vec!["import", file];
            args.extend_from_slice(mode);
            args.extend_from_slice(flags);
            let out = run(dir.path(), &args);
            assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
            assert!(out.stderr.starts_with(says), "{args:?}: {}", out.stderr);
            assert!(!dir.path().join("test.redb").exists(), "{args:?} wrote a store");
        }
    }
    // Several columns to phone is fine, and a flag wins over the automatic mapping.
    let out = run(
        dir.path(),
        &[
            "import",
            file,
            "--dry-run",
            "--json",
            "--map",
            "Mobile=phone",
            "--map",
            "Last Name=first_name",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mapping = out.json()["mapping"].clone();
    assert_eq!(mapping[0]["field"], "ignore", "{mapping}");
    assert_eq!(mapping[1]["field"], "first_name", "{mapping}");
    assert_eq!(mapping[3]["field"], "phone", "{mapping}");
}

#[test]
fn max_failures_takes_a_positive_number_or_none() {
    let dir = tempdir();
    let file = people_file(dir.path());
    let file = file.to_str().unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            file,
            "--yes",
            "--consent-confirmed",
            "--max-failures",
            "0",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("0 would stop every import before its first row; use a positive number of failed rows, or none for no limit"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("test.redb").exists());
    let out = run(
        dir.path(),
        &["import", file, "--dry-run", "--max-failures", "lots"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    for n in ["none", "1"] {
        let out = run(
            dir.path(),
            &[
                "import",
                file,
                "--yes",
                "--consent-confirmed",
                "--json",
                "--max-failures",
                n,
            ],
        );
        assert_eq!(out.code, 0, "--max-failures {n}: {}", out.stderr);
        assert_eq!(out.json()["status"], "completed", "--max-failures {n}");
        run(dir.path(), &["revert", "1", "--yes"]);
        std::fs::remove_file(dir.path().join("test.redb")).unwrap();
    }
}
