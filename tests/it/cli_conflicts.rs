//! Merges that never invent a person (issue 15), through the real binary: a name is one
//! unit, a row whose phone finds someone else is an `identity_conflict`, `--on-conflict`
//! decides what it does, and a number thousands of rows share stays cheap.

use std::path::Path;

use serde_json::Value;

use crate::common::{import, rolodex, run, tempdir, write};

fn import_ok(dir: &Path, file: &Path, extra: &[&str]) -> Value {
    let out = import(dir, file, extra);
    assert_eq!(out.code, 0, "{extra:?}: {}", out.stderr);
    out.json()
}

fn contacts(dir: &Path) -> Vec<Value> {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json().as_array().unwrap().clone()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = contacts(dir)
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["first_name"].as_str().unwrap_or(""),
                c["last_name"].as_str().unwrap_or("")
            )
            .trim()
            .to_string()
        })
        .collect();
    names.sort();
    names
}

fn reason(j: &Value, code: &str) -> u64 {
    j["reasons"][code].as_u64().unwrap_or(0)
}

const SWITCHBOARD: &str = "Name,Phone,Email\n\
Jean-Luc Haddad,+1 212 334 5678,jl.haddad@example.com\n\
Priya Raman,+1 212 334 5678,priya.raman@example.com\n";

#[test]
fn a_first_name_alone_never_replaces_half_of_a_stored_name() {
    let dir = tempdir();
    let base = write(
        dir.path(),
        "base.csv",
        "First Name,Last Name,Phone\nUwe,Köhler,+49 30 1234567\n",
    );
    import_ok(dir.path(), &base, &["--region", "DE"]);
    let update = write(
        dir.path(),
        "nana.csv",
        "First Name,Last Name,Phone,Company\nNana,,+49 30 1234567,Siemens\n",
    );
    let j = import_ok(
        dir.path(),
        &update,
        &["--region", "DE", "--purpose", "upsert"],
    );
    assert_eq!(j["updated"], 1, "{j}");
    assert_eq!(names(dir.path()), ["Uwe Köhler"], "never Nana Köhler");
    assert_eq!(contacts(dir.path())[0]["company"], "Siemens");

    // A whole name replaces the stored one, first and last together.
    let whole = write(
        dir.path(),
        "whole.csv",
        "First Name,Last Name,Phone\nUwe,Schmidt-Köhler,+49 30 1234567\n",
    );
    import_ok(
        dir.path(),
        &whole,
        &["--region", "DE", "--purpose", "upsert"],
    );
    assert_eq!(names(dir.path()), ["Uwe Schmidt-Köhler"]);
}

#[test]
fn a_first_name_alone_fills_an_empty_name() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", "Phone,Email\n+1 212 334 5678,\n");
    import_ok(dir.path(), &base, &["--require", "any"]);
    let named = write(
        dir.path(),
        "named.csv",
        "First Name,Phone\nNana,+1 212 334 5678\n",
    );
    import_ok(dir.path(), &named, &["--purpose", "upsert"]);
    assert_eq!(names(dir.path()), ["Nana"]);
}

#[test]
fn rows_of_one_file_merge_names_whole_too() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "in_file.csv",
        "First Name,Last Name,Phone\nUwe,Köhler,+1 212 334 5678\nNana,,+1 212 334 5678\n",
    );
    let j = import_ok(dir.path(), &file, &["--purpose", "upsert"]);
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(names(dir.path()), ["Uwe Köhler"]);
}

#[test]
fn a_row_whose_phone_finds_someone_else_is_an_identity_conflict_named_in_history() {
    let dir = tempdir();
    let base = write(
        dir.path(),
        "base.csv",
        &SWITCHBOARD[..SWITCHBOARD.find("Priya").unwrap()],
    );
    import_ok(dir.path(), &base, &[]);
    let later = write(
        dir.path(),
        "later.csv",
        "Name,Phone,Email\nPriya Raman,(212) 334-5678,priya.raman@example.com\n",
    );
    // The dry run counts and samples it, in JSON and in text.
    let out = run(
        dir.path(),
        &[
            "import",
            later.to_str().unwrap(),
            "--dry-run",
            "--json",
            "--purpose",
            "upsert",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dry = out.json();
    assert_eq!(reason(&dry, "identity_conflict"), 1, "{dry}");
    let message = dry["problems"][0]["issues"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "matches #1 Jean-Luc Haddad by phone +12123345678, but name and email differ; \
         the row updates it; use --on-conflict separate if they are different people"
    );
    let text = run(
        dir.path(),
        &[
            "import",
            later.to_str().unwrap(),
            "--dry-run",
            "--purpose",
            "upsert",
        ],
    );
    assert!(text.stdout.contains("identity_conflict"), "{}", text.stdout);

    // The import does as the dry run said: the row updates the contact, with the warning.
    let j = import_ok(dir.path(), &later, &["--purpose", "upsert"]);
    assert_eq!(
        (j["updated"].as_u64(), reason(&j, "identity_conflict")),
        (Some(1), 1),
        "{j}"
    );
    let shown = run(dir.path(), &["show", "2"]);
    assert!(
        shown
            .stdout
            .contains("matches #1 Jean-Luc Haddad by phone +12123345678"),
        "{}",
        shown.stdout
    );
    assert_eq!(names(dir.path()), ["Priya Raman"]);
}

#[test]
fn a_row_that_shares_an_email_or_has_none_is_no_conflict() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", SWITCHBOARD);
    let j = import_ok(dir.path(), &base, &["--purpose", "upsert"]);
    assert_eq!(reason(&j, "identity_conflict"), 1);
    let same = write(
        dir.path(),
        "same.csv",
        "Name,Phone,Email\nJ. Haddad,+1 212 334 5678,jl.haddad@example.com\nTom Becker,+1 212 334 5678,\n",
    );
    let j = import_ok(dir.path(), &same, &["--purpose", "upsert"]);
    assert_eq!(j["updated"], 2);
    assert_eq!(reason(&j, "identity_conflict"), 0, "{j}");
}

#[test]
fn on_conflict_separate_and_skip() {
    let dir = tempdir();
    let base = write(dir.path(), "base.csv", SWITCHBOARD);
    let j = import_ok(
        dir.path(),
        &base,
        &["--purpose", "upsert", "--on-conflict", "separate"],
    );
    assert_eq!(
        (j["created"].as_u64(), reason(&j, "identity_conflict")),
        (Some(2), 0)
    );
    assert_eq!(names(dir.path()), ["Jean-Luc Haddad", "Priya Raman"]);
    for c in contacts(dir.path()) {
        assert_eq!(c["phones"], serde_json::json!(["+12123345678"]));
        assert_eq!(c["emails"].as_array().unwrap().len(), 1);
    }

    let dir = tempdir();
    let base = write(dir.path(), "base.csv", SWITCHBOARD);
    let j = import_ok(
        dir.path(),
        &base,
        &["--purpose", "upsert", "--on-conflict", "skip"],
    );
    assert_eq!(
        (j["created"].as_u64(), j["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(reason(&j, "identity_conflict"), 1);
    let failed = run(dir.path(), &["show", "1", "--failed"]);
    assert!(
        failed.stdout.contains("--on-conflict skip"),
        "{}",
        failed.stdout
    );

    // Under update, separate cannot create: the row is skipped.
    let dir = tempdir();
    let first = write(
        dir.path(),
        "first.csv",
        &SWITCHBOARD[..SWITCHBOARD.find("Priya").unwrap()],
    );
    import_ok(dir.path(), &first, &[]);
    let j = import_ok(
        dir.path(),
        &base,
        &["--purpose", "update", "--on-conflict", "separate"],
    );
    assert_eq!(
        (j["updated"].as_u64(), j["skipped"].as_u64()),
        (Some(1), Some(1)),
        "{j}"
    );
    assert_eq!(reason(&j, "identity_conflict"), 1);
}

#[test]
fn on_conflict_comes_from_config_toml_and_a_flag_overrides_it() {
    let dir = tempdir();
    let config = dir.path().join("config").join("rolodex");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "on_conflict = \"separate\"\n").unwrap();
    let base = write(dir.path(), "base.csv", SWITCHBOARD);
    let j = import_ok(dir.path(), &base, &["--purpose", "upsert", "--dry-run"]);
    assert_eq!(j["created"], 2, "{j}");
    let j = import_ok(
        dir.path(),
        &base,
        &["--purpose", "upsert", "--on-conflict", "merge", "--dry-run"],
    );
    assert_eq!(
        (j["created"].as_u64(), reason(&j, "identity_conflict")),
        (Some(1), 1)
    );
    std::fs::write(config.join("config.toml"), "on_conflict = \"sometimes\"\n").unwrap();
    let out = import(dir.path(), &base, &["--dry-run"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("config.toml"), "{}", out.stderr);
}

/// A switchboard export: `rows` rows sharing one phone, each with its own name and email,
/// and (when `bad` is given) an invalid phone at that row.
fn switchboard(dir: &Path, rows: usize, bad: Option<usize>) -> std::path::PathBuf {
    let mut text = String::from("First Name,Last Name,Phone,Email\n");
    for i in 0..rows {
        if bad == Some(i) {
            text.push_str(&format!("Bad,Row{i},123,bad{i}@example.com\n"));
        } else {
            text.push_str(&format!(
                "Staff{i},Member{i},+1 212 334 5678,staff{i}@example.com\n"
            ));
        }
    }
    write(dir, "switchboard.csv", &text)
}

#[test]
fn eight_thousand_rows_sharing_a_phone_separate_makes_eight_thousand_contacts() {
    let dir = tempdir();
    let file = switchboard(dir.path(), 8000, None);
    let j = import_ok(
        dir.path(),
        &file,
        &["--purpose", "upsert", "--on-conflict", "separate"],
    );
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(8000), Some(0)),
        "{j}"
    );
    assert_eq!(j["warnings"], 0, "{j}");
    let all = contacts(dir.path());
    assert_eq!(all.len(), 8000);
    let mut emails: Vec<&str> = all
        .iter()
        .map(|c| {
            let e = c["emails"].as_array().unwrap();
            assert_eq!(e.len(), 1, "{c}");
            e[0].as_str().unwrap()
        })
        .collect();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), 8000, "each contact its own email");

    // Imported again, each row finds its own contact by its email, whatever the order.
    let j = import_ok(
        dir.path(),
        &file,
        &["--purpose", "upsert", "--on-conflict", "separate"],
    );
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(0), Some(8000)),
        "{j}"
    );
}

#[test]
fn eight_thousand_rows_sharing_a_phone_merge_into_one_contact_with_warnings() {
    let dir = tempdir();
    let file = switchboard(dir.path(), 8000, None);
    let dry = import_ok(dir.path(), &file, &["--purpose", "upsert", "--dry-run"]);
    let j = import_ok(dir.path(), &file, &["--purpose", "upsert"]);
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(1), Some(7999)),
        "{j}"
    );
    assert_eq!(reason(&j, "identity_conflict"), 7999);
    // The contact keeps 100 emails; the other 7,900 rows are told theirs was left out.
    assert_eq!(reason(&j, "too_many_values"), 7900);
    let all = contacts(dir.path());
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["emails"].as_array().unwrap().len(), 100);
    assert_eq!(all[0]["first_name"], "Staff7999", "the last whole name");
    // The dry run said the same.
    for key in ["created", "updated", "warnings"] {
        assert_eq!(dry[key], j[key], "{key}: {dry}");
    }
    assert_eq!(dry["reasons"], j["reasons"]);
}

#[test]
fn separate_contacts_sharing_a_phone_resume_and_revert() {
    let dir = tempdir();
    // The 30th row fails and stops the job; resume goes on from there, in small batches so
    // that later rows find the shared number both in the index and in the batch.
    let file = switchboard(dir.path(), 60, Some(29));
    let args = [
        "import",
        file.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--json",
        "--purpose",
        "upsert",
        "--on-conflict",
        "separate",
        "--max-failures",
        "1",
        "--require",
        "dialer",
    ];
    let out = rolodex(dir.path())
        .env("ROLODEX_BATCH_ROWS", "7")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(contacts(dir.path()).len(), 29);
    let resumed = rolodex(dir.path())
        .env("ROLODEX_BATCH_ROWS", "7")
        .args(["resume", "1", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let j: Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(
        (j["created"].as_u64(), j["failed"].as_u64()),
        (Some(59), Some(1)),
        "{j}"
    );
    assert_eq!(contacts(dir.path()).len(), 59);

    // A later file: a known member updates their own contact, a new one is added.
    let later = write(
        dir.path(),
        "later.csv",
        "First Name,Last Name,Phone,Email,Title\n\
         Staff40,Member40,+1 212 334 5678,staff40@example.com,Operator\n\
         New,Hire,+1 212 334 5678,new.hire@example.com,\n",
    );
    let j = import_ok(
        dir.path(),
        &later,
        &["--purpose", "upsert", "--on-conflict", "separate"],
    );
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(1), Some(1)),
        "{j}"
    );
    let operators: Vec<Value> = contacts(dir.path())
        .into_iter()
        .filter(|c| c["title"] == "Operator")
        .collect();
    assert_eq!(operators.len(), 1);
    assert_eq!(operators[0]["first_name"], "Staff40");

    // Reverting both jobs leaves nothing, and the store checks clean.
    for job in ["2", "1"] {
        let out = run(dir.path(), &["revert", job, "--yes", "--json"]);
        assert_eq!(out.code, 0, "revert {job}: {}", out.stderr);
    }
    assert!(contacts(dir.path()).is_empty());
    let check = run(dir.path(), &["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    // And the number is free again: importing the file anew makes its contacts afresh.
    let j = import_ok(
        dir.path(),
        &file,
        &[
            "--purpose",
            "upsert",
            "--on-conflict",
            "separate",
            "--require",
            "dialer",
        ],
    );
    assert_eq!(
        (j["created"].as_u64(), j["failed"].as_u64()),
        (Some(59), Some(1)),
        "{j}"
    );
}

#[test]
fn the_dry_run_predicts_separate_contacts_found_again_by_email() {
    let dir = tempdir();
    // Priya comes back after Tom made the number shared by three: her email finds her.
    let file = write(
        dir.path(),
        "again.csv",
        &format!(
            "{SWITCHBOARD}Tom Becker,+1 212 334 5678,tom.becker@example.com\n\
             Priya Raman,+1 212 334 5678,priya.raman@example.com\n"
        ),
    );
    let flags = ["--purpose", "upsert", "--on-conflict", "separate"];
    let mut dry_flags = flags.to_vec();
    dry_flags.push("--dry-run");
    let dry = import_ok(dir.path(), &file, &dry_flags);
    let j = import_ok(dir.path(), &file, &flags);
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(3), Some(1)),
        "{j}"
    );
    for key in ["created", "updated", "skipped", "failed", "warnings"] {
        assert_eq!(dry[key], j[key], "{key}: {dry}");
    }
    // Imported again onto the three, every row finds its own contact.
    let dry = import_ok(dir.path(), &file, &dry_flags);
    let j = import_ok(dir.path(), &file, &flags);
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(0), Some(4)),
        "{j}"
    );
    assert_eq!(
        (dry["created"].as_u64(), dry["updated"].as_u64()),
        (Some(0), Some(4)),
        "{dry}"
    );
}
