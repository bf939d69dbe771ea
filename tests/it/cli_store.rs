//! Imports that write: purposes × identifiers, keep-existing, ambiguous matches, tags,
//! lists, consent, the failure threshold, revert, and the one-import-at-a-time rule —
//! all through the real binary on a store in a temporary directory.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{fixture, import, run, tempdir, write};

const BASE: &str = "Name,Phone,Email,Company,Title\n\
Ada Lovelace,+1 212 334 5678,ada@example.com,Babbage & Co,\n\
Grace Hopper,+1 212 334 5679,grace@example.com,,Rear Admiral\n\
Alan Turing,+1 212 334 5680,alan@example.com,,\n";

const INCOMING: &str = "Name,Phone,Email,Company,Title\n\
Ada Lovelace,(212) 334-5678,ada.l@example.org,Analytical Engines,Countess\n\
Grace Hopper,+1 212 334 0000,GRACE@example.com,Navy,\n\
Katherine Johnson,+1 212 334 7777,katherine@example.com,NASA,\n";

fn import_ok(dir: &Path, file: &Path, extra: &[&str]) -> Value {
    let out = import(dir, file, extra);
    assert_eq!(out.code, 0, "{extra:?}: {}", out.stderr);
    out.json()
}

fn contacts(dir: &Path) -> Value {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

fn counts(j: &Value) -> (u64, u64, u64) {
    (
        j["created"].as_u64().unwrap(),
        j["updated"].as_u64().unwrap(),
        j["skipped"].as_u64().unwrap(),
    )
}

fn find<'a>(all: &'a Value, first: &str) -> Vec<&'a Value> {
    all.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["first_name"] == first)
        .collect()
}

#[test]
fn purposes_by_identifier() {
    let cases: &[(&str, &str, (u64, u64, u64))] = &[
        ("create", "any", (1, 0, 2)),
        ("update", "any", (0, 2, 1)),
        ("upsert", "any", (1, 2, 0)),
        ("always", "any", (3, 0, 0)),
        ("create", "phone", (2, 0, 1)),
        ("update", "phone", (0, 1, 2)),
        ("upsert", "phone", (2, 1, 0)),
        ("always", "phone", (3, 0, 0)),
        ("create", "email", (2, 0, 1)),
        ("update", "email", (0, 1, 2)),
        ("upsert", "email", (2, 1, 0)),
        ("always", "email", (3, 0, 0)),
    ];
    for &(purpose, identifier, want) in cases {
        let dir = tempdir();
        let base = write(dir.path(), "base.csv", BASE);
        let incoming = write(dir.path(), "incoming.csv", INCOMING);
        import_ok(dir.path(), &base, &[]);
        let j = import_ok(
            dir.path(),
            &incoming,
            &["--purpose", purpose, "--identifier", identifier],
        );
        assert_eq!(
            counts(&j),
            want,
            "--purpose {purpose} --identifier {identifier}: {j}"
        );
        let expected_skip = match purpose {
            "create" => "duplicate_existing",
            "update" => "not_found",
            _ => "",
        };
        if !expected_skip.is_empty() {
            assert_eq!(
                j["reasons"][expected_skip].as_u64(),
                Some(want.2),
                "{purpose}/{identifier}"
            );
        }
        assert_eq!(
            contacts(dir.path()).as_array().unwrap().len() as u64,
            3 + want.0
        );
    }
}

#[test]
fn update_merges_phones_emails_and_fields() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    let incoming = write(dir.path(), "incoming.csv", INCOMING);
    import_ok(dir.path(), &base, &[]);
    import_ok(dir.path(), &incoming, &["--purpose", "update"]);
    let all = contacts(dir.path());
    let ada = find(&all, "Ada")[0];
    assert_eq!(ada["phones"], serde_json::json!(["+12123345678"]));
    assert_eq!(
        ada["emails"],
        serde_json::json!(["ada@example.com", "ada.l@example.org"])
    );
    assert_eq!(ada["company"], "Analytical Engines");
    let grace = find(&all, "Grace")[0];
    assert_eq!(
        grace["phones"],
        serde_json::json!(["+12123345679", "+12123340000"])
    );
    assert_eq!(
        grace["title"], "Rear Admiral",
        "an empty cell never blanks a stored value"
    );
}

#[test]
fn keep_existing_only_fills_empty_fields() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    let incoming = write(dir.path(), "incoming.csv", INCOMING);
    import_ok(dir.path(), &base, &[]);
    import_ok(
        dir.path(),
        &incoming,
        &["--purpose", "update", "--keep-existing"],
    );
    let all = contacts(dir.path());
    let ada = find(&all, "Ada")[0];
    assert_eq!(ada["company"], "Babbage & Co");
    assert_eq!(ada["title"], "Countess");
    assert_eq!(find(&all, "Grace")[0]["company"], "Navy");
}

#[test]
fn update_by_id() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    import_ok(dir.path(), &base, &[]);
    let by_id = write(
        dir.path(),
        "ids.csv",
        "Id,Company\n1,Difference Engines\n99,Nowhere\n",
    );
    let j = import_ok(
        dir.path(),
        &by_id,
        &["--purpose", "update", "--identifier", "id"],
    );
    assert_eq!(counts(&j), (0, 1, 1));
    assert_eq!(j["reasons"]["not_found"], 1);
    assert_eq!(
        find(&contacts(dir.path()), "Ada")[0]["company"],
        "Difference Engines"
    );
    let out = import(
        dir.path(),
        &by_id,
        &["--purpose", "upsert", "--identifier", "id"],
    );
    assert_eq!(out.code, 2, "matching by id only updates: {}", out.stderr);
}

#[test]
fn ambiguous_match_when_two_contacts_share_a_phone() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    let incoming = write(dir.path(), "incoming.csv", INCOMING);
    import_ok(dir.path(), &base, &[]);
    import_ok(dir.path(), &base, &["--purpose", "always"]);
    let j = import_ok(dir.path(), &incoming, &["--purpose", "upsert"]);
    assert_eq!(j["reasons"]["ambiguous_match"], 2, "{j}");
    assert_eq!(j["failed"], 2);
    let rows = run(dir.path(), &["show", "3", "--failed"]);
    assert!(
        rows.stdout.contains("matches 2 contacts (#1, #4)"),
        "{}",
        rows.stdout
    );
}

#[test]
fn second_create_run_skips_every_row_as_duplicate_existing_and_upsert_updates() {
    let dir = tempdir();
    let file = fixture("contacts.csv");
    // Every row, consent or not: this is about matching stored contacts.
    let all = ["--consent-column", "none"];
    let first = import_ok(dir.path(), &file, &all);
    assert!(first["created"].as_u64().unwrap() > 250);
    let second = import_ok(
        dir.path(),
        &file,
        &[&all[..], &["--purpose", "create"]].concat(),
    );
    let failed = second["failed"].as_u64().unwrap();
    assert_eq!(second["created"], 0);
    // A row that failed for want of a name now matches a stored contact instead.
    assert!(failed <= first["failed"].as_u64().unwrap());
    let skipped = second["skipped"].as_u64().unwrap();
    assert_eq!(skipped + failed, second["total_rows"].as_u64().unwrap());
    assert_eq!(
        second["reasons"]["duplicate_existing"].as_u64(),
        Some(skipped)
    );
    let third = import_ok(
        dir.path(),
        &file,
        &[&all[..], &["--purpose", "upsert"]].concat(),
    );
    assert_eq!(third["created"], 0);
    assert_eq!(
        third["updated"].as_u64().unwrap() + failed,
        third["total_rows"].as_u64().unwrap()
    );
}

#[test]
fn national_format_finds_the_e164_contact() {
    let dir = tempdir();
    let stored = write(
        dir.path(),
        "stored.csv",
        "Name,Phone\nPat Doe,+16135551234\n",
    );
    import_ok(dir.path(), &stored, &[]);
    let typed = write(
        dir.path(),
        "typed.csv",
        "Name,Phone,Company\nPat Doe,(613) 555-1234,Acme\n",
    );
    let j = import_ok(
        dir.path(),
        &typed,
        &["--purpose", "update", "--identifier", "phone"],
    );
    assert_eq!(counts(&j), (0, 1, 0));
    assert_eq!(find(&contacts(dir.path()), "Pat")[0]["company"], "Acme");
}

#[test]
fn tags_import_tag_lists_and_sharing() {
    let dir = tempdir();
    let base = write(
        dir.path(),
        "spring-leads.csv",
        "Name,Phone,Tags\nAda Lovelace,+1 212 334 5678,vip; math\n",
    );
    let j = import_ok(
        dir.path(),
        &base,
        &[
            "--tag",
            "q3",
            "--list",
            "Spring calls",
            "--dial",
            "manual",
            "--shared",
        ],
    );
    let tag = j["import_tag"].as_str().unwrap().to_string();
    assert!(
        tag.starts_with("import-") && tag.ends_with("-spring-leads"),
        "{tag}"
    );
    let ada = &contacts(dir.path())[0];
    let tags: Vec<&str> = ada["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let mut want = vec!["math", tag.as_str(), "q3", "vip"];
    want.sort();
    assert_eq!(tags, want);
    assert_eq!(ada["lists"], serde_json::json!(["Spring calls"]));
    assert_eq!(ada["shared"], true);
    assert_eq!(ada["consent"], true, "SPEC §1: true, false or unknown");
    let dir = tempdir();
    let base = write(
        dir.path(),
        "b.csv",
        "Name,Phone\nAda Lovelace,+1 212 334 5678\n",
    );
    let j = import_ok(dir.path(), &base, &["--no-import-tag"]);
    assert_eq!(j["import_tag"], Value::Null);
    assert_eq!(contacts(dir.path())[0]["tags"], serde_json::json!([]));
}

#[test]
fn consent_must_be_confirmed_before_anything_is_written() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    let out = run(dir.path(), &["import", base.to_str().unwrap(), "--yes"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert!(out.stderr.contains("--consent-confirmed"), "{}", out.stderr);
    assert!(
        !dir.path().join("test.redb").exists(),
        "no store was even created"
    );
}

/// A command refused before it does anything says why once, as one `rolodex: ` line on
/// stderr, nothing on stdout, and exits with the status of its kind: 2 for a flag to
/// change, 1 for something that cannot be used.
#[test]
fn a_refusal_is_one_line_on_stderr_with_the_status_of_its_kind() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    let base = base.to_str().unwrap();
    let refused = |args: &[&str], code: i32, says: &str| {
        let out = run(dir.path(), args);
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr, format!("rolodex: {says}\n"), "{args:?}");
        assert_eq!(out.stdout, "", "{args:?}");
    };
    refused(
        &["history"],
        1,
        &format!(
            "no store at {}; an import creates it",
            dir.path().join("test.redb").display()
        ),
    );
    refused(
        &["trace", " "],
        2,
        "trace needs a name, an email or a phone number to look for",
    );
    // Without a terminal (the test's stdin and stdout are pipes).
    refused(
        &["import", base],
        2,
        "the wizard needs a terminal, and standard input or output is not one; without it, run `rolodex import FILE --yes --consent-confirmed` or `rolodex import FILE --dry-run`",
    );
    import_ok(dir.path(), Path::new(base), &[]);
    refused(
        &["resume", "1"],
        1,
        "job 1 is done; there is nothing to resume",
    );
    refused(
        &["revert", "1"],
        2,
        "revert asks before changing contacts; add --yes to revert job 1 without asking",
    );
    refused(
        &["show", "9"],
        1,
        "no job 9 in this store; `rolodex history` lists the jobs",
    );
}

#[test]
fn consent_column_filters_rows() {
    let dir = tempdir();
    let j = import_ok(
        dir.path(),
        &fixture("rules/no_consent.csv"),
        &["--consent-column", "Consent"],
    );
    assert_eq!(counts(&j), (2, 0, 2));
    assert_eq!(j["reasons"]["no_consent"], 2);
}

/// Ten failing rows and a good one, imported until the third failure stops the job.
fn stopped_job(dir: &Path) -> (PathBuf, String, Value) {
    let mut text = String::from("Name,Phone\n");
    for i in 0..10 {
        text.push_str(&format!("Bad {i},123\n"));
    }
    text.push_str("Good One,+1 212 334 5678\n");
    let file = write(dir, "bad.csv", &text);
    let out = import(dir, &file, &["--max-failures", "3", "--require", "dialer"]);
    // Stopped before the file's end: it ran, but did not do all it was asked.
    assert_eq!(out.code, 3, "{}", out.stderr);
    (file, text, out.json())
}

#[test]
fn failure_threshold_stops_the_job_cleanly() {
    let dir = tempdir();
    let (_, _, j) = stopped_job(dir.path());
    assert_eq!(j["status"], "stopped");
    assert_eq!(j["failed"], 3);
    assert_eq!(j["total_rows"], 3);
    assert_eq!(j["blank_rows"], 0, "the JSON keeps a number for scripts");
    // The text does not claim to know the blank rows of a file it did not read to the end.
    let shown = run(dir.path(), &["show", "1"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains("blank rows          unknown"),
        "{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains("blank rows              0"));
    let resumed = run(dir.path(), &["resume", "1", "--json"]);
    // Three more failures stop it again.
    assert_eq!(resumed.code, 3, "{}", resumed.stderr);
    assert_eq!(resumed.json()["status"], "stopped");
}

#[test]
fn resume_refuses_a_changed_file_and_leaves_the_job_as_it_was() {
    let dir = tempdir();
    let (file, mut text, _) = stopped_job(dir.path());
    let history = run(dir.path(), &["history", "--json"]).json();
    text.push_str("Late Comer,+1 212 334 5679\n");
    std::fs::write(&file, &text).unwrap();
    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("has changed since job 1 started"),
        "{}",
        out.stderr
    );
    // The resume's first batch was written beside the file check, and dropped.
    assert_eq!(run(dir.path(), &["history", "--json"]).json(), history);
    assert_eq!(contacts(dir.path()), serde_json::json!([]));
}

#[test]
fn revert_restores_contacts_exactly() {
    for purpose in ["create", "upsert"] {
        let dir = tempdir();
        let base = write(dir.path(), "base.csv", BASE);
        let incoming = write(dir.path(), "incoming.csv", INCOMING);
        import_ok(dir.path(), &base, &["--no-import-tag"]);
        let before = contacts(dir.path());
        let j = import_ok(
            dir.path(),
            &incoming,
            &["--purpose", purpose, "--tag", "wave2", "--list", "L"],
        );
        assert_ne!(contacts(dir.path()), before, "{purpose} changed something");
        let job = j["job"].as_u64().unwrap().to_string();
        let out = run(dir.path(), &["revert", &job, "--yes", "--json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(contacts(dir.path()), before, "revert of a {purpose} job");
        let history = run(dir.path(), &["history", "--json"]).json();
        assert_eq!(history[1]["status"], "reverted");
        let again = run(dir.path(), &["revert", &job, "--yes"]);
        assert_eq!(again.code, 1, "{}", again.stderr);
    }
}

#[test]
fn revert_names_contacts_a_later_job_changed() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    let incoming = write(dir.path(), "incoming.csv", INCOMING);
    import_ok(dir.path(), &base, &[]);
    import_ok(dir.path(), &incoming, &["--purpose", "update"]);
    let out = run(dir.path(), &["revert", "1", "--yes", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["deleted"], 1, "Alan, untouched since, is deleted");
    assert_eq!(
        report["conflicts"],
        serde_json::json!([1, 2]),
        "Ada and Grace were changed by job 2"
    );
    let all = contacts(dir.path());
    assert_eq!(
        find(&all, "Ada")[0]["company"],
        "Analytical Engines",
        "not clobbered"
    );
    let out = run(dir.path(), &["revert", "1", "--yes"]);
    assert_eq!(out.code, 1);
}

#[test]
fn revert_without_yes_refuses_when_it_cannot_ask() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    import_ok(dir.path(), &base, &[]);
    let out = run(dir.path(), &["revert", "1"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--yes"));
    assert_eq!(contacts(dir.path()).as_array().unwrap().len(), 3);
}

#[test]
fn reports_and_show_csv() {
    let dir = tempdir();
    let results = dir.path().join("results.csv");
    let errors = dir.path().join("errors.csv");
    let file = fixture("contacts.csv");
    let j = import_ok(
        dir.path(),
        &file,
        &[
            "--report",
            results.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
        ],
    );
    let total = j["total_rows"].as_u64().unwrap();
    let bad = j["failed"].as_u64().unwrap() + j["skipped"].as_u64().unwrap();
    assert_eq!(
        csv::Reader::from_path(&results).unwrap().records().count() as u64,
        total
    );
    assert_eq!(
        csv::Reader::from_path(&errors).unwrap().records().count() as u64,
        bad
    );
    let shown = run(dir.path(), &["show", "1", "--failed", "--csv"]);
    assert_eq!(shown.code, 0);
    assert_eq!(
        shown.stdout,
        std::fs::read_to_string(&errors).unwrap(),
        "show --failed --csv is the error file"
    );
    let shown = run(dir.path(), &["show", "1", "--csv"]);
    assert_eq!(
        shown.stdout,
        std::fs::read_to_string(&results).unwrap(),
        "show --csv is the results file"
    );
    // The error file, fixed or not, imports as it is.
    let again = import_ok(dir.path(), &errors, &["--purpose", "upsert"]);
    assert_eq!(again["total_rows"].as_u64().unwrap(), bad);
}

#[test]
fn history_and_contacts_output() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    import_ok(dir.path(), &base, &[]);
    let h = run(dir.path(), &["history", "--json"]).json();
    let job = &h[0];
    for key in [
        "job",
        "status",
        "file",
        "started",
        "finished",
        "total_rows",
        "created",
        "updated",
        "skipped",
        "failed",
    ] {
        assert!(job.get(key).is_some(), "history lacks {key}");
    }
    let found = run(dir.path(), &["contacts", "--json", "--search", "grace"]).json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    let found = run(
        dir.path(),
        &["contacts", "--json", "--search", "(212) 334-5680"],
    )
    .json();
    assert_eq!(found[0]["first_name"], "Alan");
    let csv_out = run(dir.path(), &["contacts", "--csv"]);
    assert!(csv_out.stdout.starts_with("id,first_name,last_name,phones"));
    assert!(
        csv_out.stdout.contains("+12123345678"),
        "E.164 stays readable in CSV"
    );
}

#[test]
fn store_and_files_are_private() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempdir();
        let base = write(dir.path(), "base.csv", BASE);
        import_ok(dir.path(), &base, &[]);
        let mode = std::fs::metadata(dir.path().join("test.redb"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the store is readable by its owner only");
    }
}

#[test]
fn a_store_held_by_another_process_is_refused_and_left_intact() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", BASE);
    import_ok(dir.path(), &base, &[]);
    let before = contacts(dir.path());
    {
        let _held = rolodex::store::Store::open(&dir.path().join("test.redb")).unwrap();
        let out = import(dir.path(), &base, &["--purpose", "always"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("is in use by another rolodex"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1);
        // A revert meanwhile is refused the same way.
        let out = run(dir.path(), &["revert", "1", "--yes"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("is in use by another rolodex"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(contacts(dir.path()), before);
}

#[test]
fn resuming_a_stopped_job_goes_on_with_a_fresh_failure_budget() {
    let dir = tempdir();
    let mut text = String::from("Name,Phone\n");
    for i in 0..4 {
        text.push_str(&format!("Bad {i},123\n"));
    }
    for i in 0..3 {
        text.push_str(&format!("Good {i},+1 212 334 56{i:02}\n"));
    }
    let file = write(dir.path(), "bad.csv", &text);
    let out = import(
        dir.path(),
        &file,
        &["--max-failures", "3", "--require", "dialer"],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.json()["status"], "stopped");
    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["status"], "completed_with_errors");
    assert_eq!(
        (
            j["created"].as_u64(),
            j["failed"].as_u64(),
            j["total_rows"].as_u64()
        ),
        (Some(3), Some(4), Some(7))
    );
}

#[test]
fn the_dry_run_predicts_the_import() {
    for purpose in ["create", "upsert", "update"] {
        let dir = tempdir();
        let base = write(dir.path(), "base.csv", BASE);
        import_ok(dir.path(), &base, &["--purpose", "always"]);
        import_ok(dir.path(), &fixture("contacts.csv"), &[]);
        let tricky = write(
            dir.path(),
            "tricky.csv",
            "Name,Phone,Email\nNew One,+1 212 334 9001,\nBoth,+1 212 334 5678;+1 212 334 9001,\nGrace Again,,GRACE@example.com\nAlan Again,+1 212 334 5680,\n",
        );
        for file in [fixture("contacts.csv"), tricky] {
            let f = file.to_str().unwrap();
            let review = run(
                dir.path(),
                &["import", f, "--dry-run", "--json", "--purpose", purpose],
            )
            .json();
            let done = import_ok(dir.path(), &file, &["--purpose", purpose]);
            for key in [
                "total_rows",
                "created",
                "updated",
                "skipped",
                "failed",
                "reasons",
            ] {
                assert_eq!(review[key], done[key], "{purpose} {f}: {key}");
            }
            // Undo, so the next file meets the same store as its review did.
            let job = done["job"].as_u64().unwrap().to_string();
            assert_eq!(run(dir.path(), &["revert", &job, "--yes"]).code, 0);
        }
    }
}

#[test]
fn a_store_from_a_newer_rolodex_is_refused() {
    let dir = tempdir();
    let db = dir.path().join("test.redb");
    drop(rolodex::store::Store::open(&db).unwrap());
    {
        let raw = redb::Database::create(&db).unwrap();
        let txn = raw.begin_write().unwrap();
        {
            let mut meta = txn
                .open_table(redb::TableDefinition::<&str, u64>::new("meta"))
                .unwrap();
            meta.insert("schema_version", 99).unwrap();
        }
        txn.commit().unwrap();
    }
    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("was written by a newer rolodex (schema 99"),
        "{}",
        out.stderr
    );
}

/// Every CSV rolodex writes neutralizes cells a spreadsheet would run as formulas, while
/// E.164 numbers stay readable: the results file, the error file, `show --csv` (both
/// kinds) and `contacts --csv`.
#[test]
fn no_written_file_carries_a_live_formula() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "evil.csv",
        "Name,Phone,Company,Note\n\
         =cmd|' /C calc'!A0,+1 212 334 5678,@SUM(A1:A2),+1+2\n\
         Grace Hopper,+12123345679,\"\tTabbed\",\"\rReturned\"\n\
         -2+3 Jones,123,=HYPERLINK(\"http://x\"),-12.5\n",
    );
    let results = dir.path().join("results.csv");
    let errors = dir.path().join("errors.csv");
    let out = import(
        dir.path(),
        &file,
        &[
            "--report",
            results.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
            "--require",
            "dialer",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = run(dir.path(), &["show", "1", "--csv"]).stdout;
    let shown_failed = run(dir.path(), &["show", "1", "--failed", "--csv"]).stdout;
    let contacts_csv = run(dir.path(), &["contacts", "--csv"]).stdout;
    let texts = [
        ("results", std::fs::read_to_string(&results).unwrap()),
        ("errors", std::fs::read_to_string(&errors).unwrap()),
        ("show --csv", shown),
        ("show --failed --csv", shown_failed),
        ("contacts --csv", contacts_csv),
    ];
    let safe = |cell: &str| {
        let rest = &cell[1..];
        (cell.starts_with('+') && rest.len() >= 7 && rest.bytes().all(|b| b.is_ascii_digit()))
            || (cell.starts_with('-')
                && rest.replace('.', "").bytes().all(|b| b.is_ascii_digit())
                && !rest.is_empty())
    };
    let mut e164_seen = false;
    for (name, text) in &texts {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut cells = 0;
        for record in rdr.records() {
            for cell in record.unwrap().iter() {
                cells += 1;
                if cell == "+12123345678" || cell == "+12123345679" {
                    e164_seen = true;
                }
                if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    assert!(safe(cell), "{name}: live formula {cell:?}");
                }
            }
        }
        assert!(cells > 0, "{name} is empty");
    }
    assert!(
        texts[0].1.contains("'=cmd"),
        "the results file keeps the value, neutralized"
    );
    assert!(texts[1].1.contains("'=HYPERLINK"), "so does the error file");
    assert!(texts[4].1.contains("'=cmd"), "and contacts --csv");
    assert!(e164_seen, "E.164 numbers stay readable");
}

/// A store written by schema 2 (string-keyed multimap indexes) is upgraded when opened:
/// its indexes are rebuilt, and the next import matches the stored contacts through them.
#[test]
fn a_schema_2_store_is_upgraded_and_its_contacts_still_match() {
    use redb::{ReadableDatabase, ReadableTable};
    let dir = tempdir();
    let db = dir.path().join("test.redb");
    let base = write(dir.path(), "base.csv", BASE);
    import_ok(dir.path(), &base, &[]);
    let mut job_rows = Vec::new();
    rolodex::store::Store::open(&db)
        .unwrap()
        .job_rows(1, &mut |r| {
            job_rows.push(r);
            Ok(())
        })
        .unwrap();
    assert_eq!(job_rows.len(), 3);
    // Turn it back into a schema 2 store, as the previous release left it.
    {
        let raw = redb::Database::create(&db).unwrap();
        let contacts: Vec<rolodex::engine::contact::Contact> = {
            let txn = raw.begin_read().unwrap();
            let table = txn
                .open_table(redb::TableDefinition::<u64, &[u8]>::new("contacts"))
                .unwrap();
            table
                .iter()
                .unwrap()
                .map(|e| rolodex::store::codec::decode(e.unwrap().1.value()).unwrap())
                .collect()
        };
        assert_eq!(contacts.len(), 3);
        let txn = raw.begin_write().unwrap();
        {
            txn.delete_table(rolodex::store::schema::BY_PHONE).unwrap();
            txn.delete_table(rolodex::store::schema::BY_EMAIL).unwrap();
            let mut phones = txn
                .open_multimap_table(redb::MultimapTableDefinition::<&str, u64>::new("by_phone"))
                .unwrap();
            let mut emails = txn
                .open_multimap_table(redb::MultimapTableDefinition::<&str, u64>::new("by_email"))
                .unwrap();
            for c in &contacts {
                for p in &c.phones {
                    phones.insert(p.as_str(), c.id).unwrap();
                }
                for e in &c.emails {
                    emails.insert(e.as_str(), c.id).unwrap();
                }
            }
            // Schema 2 kept each chunk of job rows whole, LZ4-packed.
            txn.delete_table(rolodex::store::schema::JOB_ROWS).unwrap();
            let old =
                lz4_flex::compress_prepend_size(&rolodex::store::codec::encode(&job_rows).unwrap());
            txn.open_table(redb::TableDefinition::<(u64, u64), &[u8]>::new("job_rows"))
                .unwrap()
                .insert((1, job_rows[0].row), old.as_slice())
                .unwrap();
            txn.open_table(redb::TableDefinition::<&str, u64>::new("meta"))
                .unwrap()
                .insert("schema_version", 2)
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let incoming = write(dir.path(), "incoming.csv", INCOMING);
    let job = import_ok(dir.path(), &incoming, &["--purpose", "update"]);
    // Ada by her phone, Grace by her email (in another case): both found.
    assert_eq!(counts(&job), (0, 2, 1), "{job}");
    let store = rolodex::store::Store::open(&db).unwrap();
    assert_eq!(store.check_invariants().unwrap(), Vec::<String>::new());
    assert_eq!(store.find_by_phone("+12123345678").unwrap().len(), 1);
    assert_eq!(store.find_by_email("grace@example.com").unwrap().len(), 1);
    assert!(store
        .find_by_email("nobody@example.com")
        .unwrap()
        .is_empty());
}

#[test]
fn trace_finds_every_row_that_mentioned_someone_and_what_became_of_it() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "leads.csv",
        "Name,Phone,Email\nJane Doe,+1 212 334 5678,\nJane D.,(212) 334-5678,\nBob Stone,123,bob@example.com\n",
    );
    import_ok(dir.path(), &file, &[]);

    // Her name, in another case: the row that made her and the duplicate that was skipped.
    let out = run(dir.path(), &["trace", "JANE", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = out.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["status"], "imported");
    assert_eq!(rows[0]["job"], 1);
    assert_eq!(rows[0]["row"], 2);
    assert!(rows[0]["contact"].is_u64());
    assert_eq!(rows[1]["status"], "skipped");
    assert_eq!(rows[1]["reasons"][0]["code"], "duplicate_in_file");
    assert_eq!(rows[1]["cells"][1], "(212) 334-5678");

    // Her number, written a third way, finds the same two rows.
    let by_phone = run(dir.path(), &["trace", "212.334.5678", "--json"]).json();
    assert_eq!(by_phone.as_array().unwrap().len(), 2);

    // In text: where the row was, what became of it and why.
    let out = run(dir.path(), &["trace", "bob@example.com"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Job 1 · ")
            && out
                .stdout
                .contains("leads.csv · row 4: created as contact #2")
            && out.stdout.contains("invalid_phone: Phone: 123"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1 row mentions"), "{}", out.stdout);

    let none = run(dir.path(), &["trace", "Nobody Here"]);
    assert_eq!(none.code, 0);
    assert!(none
        .stdout
        .contains("No row of any job mentions \"Nobody Here\"."));
    assert_eq!(run(dir.path(), &["trace", " -- "]).code, 2);
}

#[test]
fn every_command_answers_version() {
    let dir = tempdir();
    for command in ["import", "history", "trace", "completions"] {
        let out = run(dir.path(), &[command, "--version"]);
        assert_eq!(out.code, 0, "{command}: {}", out.stderr);
        assert!(
            out.stdout.starts_with("rolodex"),
            "{command}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_custom_field_keeps_the_type_it_was_defined_with() {
    let dir = tempdir();
    let first = write(
        dir.path(),
        "first.csv",
        "Name,Phone,Born\nAda Lovelace,+1 212 334 5678,12/10/1815\n",
    );
    import_ok(dir.path(), &first, &["--map", "Born=custom:birthday:date"]);
    // A later file maps the same field without a type: it is still a date.
    let second = write(
        dir.path(),
        "second.csv",
        "Name,Phone,Born\nGrace Hopper,+1 212 334 5679,12/09/1906\n",
    );
    import_ok(dir.path(), &second, &["--map", "Born=custom:birthday"]);
    let all = contacts(dir.path());
    assert_eq!(find(&all, "Grace")[0]["custom"]["birthday"], "1906-12-09");
    // Another type is refused before anything is read or written.
    let third = write(
        dir.path(),
        "third.csv",
        "Name,Phone,Born\nAlan Turing,+1 212 334 5680,1912\n",
    );
    for extra in [&["--dry-run"][..], &[]] {
        let mut args = vec!["--map", "Born=custom:birthday:number"];
        args.extend_from_slice(extra);
        let out = import(dir.path(), &third, &args);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("the custom field birthday is date in the store, not number"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(contacts(dir.path()).as_array().unwrap().len(), 2);
}

/// The README's quick start: the Consent column is used without being named, and
/// `--consent-column none` is the explicit way to import everyone (issue 14).
#[test]
fn the_quick_start_skips_people_who_refused_consent() {
    let dir = tempdir();
    let contacts_csv = fixture("contacts.csv");
    let out = run(
        dir.path(),
        &[
            "import",
            contacts_csv.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("rows whose \"Consent\" column does not say yes are skipped"),
        "the summary says which column filtered rows: {}",
        out.stdout
    );
    let history = run(dir.path(), &["history", "--json"]).json();
    let job = &history[0];
    assert_eq!(job["consent_column"], "Consent");
    assert!(job["reasons"]["no_consent"].as_u64().unwrap() > 50);
    // Nobody whose Consent cell says no was stored.
    let source = std::fs::read_to_string(&contacts_csv).unwrap();
    let mut refused = csv::Reader::from_reader(source.as_bytes());
    let header = refused.headers().unwrap().clone();
    let consent = header.iter().position(|h| h == "Consent").unwrap();
    let email = header.iter().position(|h| h == "Email").unwrap();
    let rows: Vec<csv::StringRecord> = refused.records().map(|r| r.unwrap()).collect();
    let said = |r: &csv::StringRecord, yes: bool| {
        let v = r[consent].trim().to_lowercase();
        yes == matches!(
            v.as_str(),
            "yes" | "y" | "true" | "1" | "consent" | "opted-in" | "opt-in"
        )
    };
    let email_of = |r: &csv::StringRecord| {
        let e = r[email].trim().to_lowercase();
        e.trim_start_matches("mailto:").to_string()
    };
    // People who said no in one row and yes in none.
    let refused: Vec<String> = rows
        .iter()
        .filter(|r| said(r, false))
        .map(email_of)
        .filter(|e| e.contains('@'))
        .filter(|e| !rows.iter().any(|r| said(r, true) && email_of(r) == *e))
        .collect();
    assert!(!refused.is_empty());
    let stored = contacts(dir.path()).to_string().to_lowercase();
    for e in &refused {
        assert!(!stored.contains(&format!("\"{e}\"")), "{e} refused consent");
    }

    let dir = tempdir();
    let j = import_ok(dir.path(), &contacts_csv, &["--consent-column", "none"]);
    assert_eq!(j["consent_column"], Value::Null);
    assert!(j["reasons"].get("no_consent").is_none());
}

/// Search ignores case and accents, on the command line as on the wizard's Contacts screen
/// (both use `Contact::matches_search`): `jurgen` finds Jürgen, `ZOE` finds Zoë.
#[test]
fn contact_search_ignores_case_and_accents() {
    let dir = tempdir();
    let out = crate::common::import(dir.path(), &crate::common::fixture("contacts.csv"), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (query, first) in [
        ("jurgen", "Jürgen"),
        ("ZOE KIM", "Zoë"),
        ("Jürgen", "Jürgen"),
    ] {
        let found = run(dir.path(), &["contacts", "--json", "--search", query]).json();
        let names: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["first_name"].as_str())
            .collect();
        assert!(names.contains(&first), "{query:?} found {names:?}");
    }
}
