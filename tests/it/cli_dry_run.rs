//! `rolodex import FILE --dry-run`: the whole review over the file, writing nothing. Every
//! reason code of SPEC §4 comes out of a fixture row here, through the real binary.

use serde_json::Value;

use crate::common::{fixture, run, tempdir};

fn dry_run(file: &str, extra: &[&str]) -> Value {
    let dir = tempdir();
    let path = fixture(file);
    let mut args = vec!["import", path.to_str().unwrap(), "--dry-run", "--json"];
    args.extend_from_slice(extra);
    let out = run(dir.path(), &args);
    assert_eq!(out.code, 0, "{file} {extra:?}: {}", out.stderr);
    assert!(
        !dir.path().join("test.redb").exists(),
        "a dry run writes no store"
    );
    out.json()
}

fn reason(j: &Value, code: &str) -> u64 {
    j["reasons"][code].as_u64().unwrap_or(0)
}

fn problems_of(j: &Value, row: u64) -> Vec<(String, String)> {
    j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["row"] == row)
        .flat_map(|p| p["issues"].as_array().unwrap().clone())
        .map(|i| {
            (
                i["reason"].as_str().unwrap().to_string(),
                i["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn json_has_the_fields_of_spec_9() {
    let j = dry_run("contacts.csv", &[]);
    for key in [
        "job",
        "status",
        "file",
        "total_rows",
        "blank_rows",
        "created",
        "updated",
        "skipped",
        "failed",
        "warnings",
        "reasons",
    ] {
        assert!(j.get(key).is_some(), "missing {key}");
    }
    assert_eq!(j["status"], "dry_run");
    let total = j["total_rows"].as_u64().unwrap();
    let sum = ["created", "updated", "skipped", "failed"]
        .iter()
        .map(|k| j[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(total, sum, "every row is counted once");
    assert!(total > 250, "contacts.csv has a few hundred contacts");
    assert!(j["blank_rows"].as_u64().unwrap() >= 1);
    // Most repeated people also lack consent, which is decided first.
    assert!(reason(&j, "duplicate_in_file") >= 2);
    assert!(reason(&j, "invalid_phone") >= 3);
    // The Consent column filters rows by default, as in the wizard (issue 14).
    assert_eq!(j["consent_column"], "Consent");
    assert!(j["consent_column_suggestion"].is_null());
    assert!(
        reason(&j, "no_consent") > 50,
        "the rows whose Consent says no"
    );
}

#[test]
fn missing_phone() {
    let j = dry_run("rules/missing_phone.csv", &["--require", "dialer"]);
    assert_eq!(
        (j["failed"].as_u64(), reason(&j, "missing_phone")),
        (Some(1), 1)
    );
    let p = problems_of(&j, 2);
    assert_eq!(p[0].0, "missing_phone");
    // Without a phone requirement it is a warning and the row goes on.
    let j = dry_run("rules/missing_phone.csv", &[]);
    assert_eq!(
        (j["failed"].as_u64(), reason(&j, "missing_phone")),
        (Some(0), 1)
    );
}

#[test]
fn invalid_phone_says_what_is_wrong() {
    let j = dry_run("rules/invalid_phone.csv", &["--require", "dialer"]);
    assert_eq!(j["failed"], 2);
    assert_eq!(reason(&j, "invalid_phone"), 2);
    assert_eq!(
        problems_of(&j, 2)[0].1,
        "613-555-12: too short for a US number (8 digits, needs 10)"
    );
    assert_eq!(
        problems_of(&j, 3)[0].1,
        "+999 123: no country uses code 999"
    );
}

#[test]
fn fake_phone() {
    let j = dry_run("rules/fake_phone.csv", &["--require", "dialer"]);
    assert_eq!(reason(&j, "fake_phone"), 2);
    assert_eq!(j["failed"], 2);
    assert!(problems_of(&j, 2)[0].1.contains("fictional"));
    assert!(problems_of(&j, 3)[0].1.contains("same digit repeated"));
}

/// Numbers reserved for fiction by each regulator, and patterns hidden behind a trunk
/// prefix, are `fake_phone` with the reason named; the real numbers beside them pass.
#[test]
fn fake_phone_names_the_regulator_or_the_pattern() {
    let j = dry_run("rules/fake_phone_fiction.csv", &["--require", "dialer"]);
    assert_eq!(reason(&j, "fake_phone"), 7);
    assert_eq!(j["failed"], 7);
    assert_eq!(j["created"], 4, "the real numbers are kept");
    let fake = |row: u64, why: &str| {
        let problems = problems_of(&j, row);
        assert_eq!(problems.len(), 1, "row {row}: {problems:?}");
        assert_eq!(problems[0].0, "fake_phone", "row {row}");
        assert!(problems[0].1.contains(why), "row {row}: {}", problems[0].1);
    };
    fake(
        2,
        "020 7946 0958: a fictional number (reserved for fiction by Ofcom",
    );
    fake(
        4,
        "07700 900461: a fictional number (reserved for fiction by Ofcom",
    );
    fake(
        5,
        "06 66 66 66 66: a placeholder number (the same digit repeated)",
    );
    fake(
        6,
        "+33 1 23 45 67 89: a placeholder number (a run of consecutive digits)",
    );
    fake(
        8,
        "0491 570 156: a fictional number (reserved for fiction by ACMA",
    );
    fake(
        9,
        "02 5550 1234: a fictional number (reserved for fiction by ACMA",
    );
    fake(11, "(212) 555-0142: a fictional number (555-0100 to 555-0199 are reserved for fiction by NANPA)");
    for row in [3, 7, 10, 12] {
        assert_eq!(
            problems_of(&j, row),
            Vec::new(),
            "row {row} is a real number"
        );
    }
}

#[test]
fn missing_email_when_matching_by_email() {
    let j = dry_run("rules/missing_email.csv", &["--identifier", "email"]);
    assert_eq!(reason(&j, "missing_email"), 1);
    assert_eq!(problems_of(&j, 2)[0].0, "missing_email");
    assert_eq!(j["failed"], 1);
    // Without an email requirement it is a warning, as missing_phone is, and the row goes on.
    let j = dry_run("rules/missing_email.csv", &[]);
    assert_eq!(
        (j["failed"].as_u64(), reason(&j, "missing_email")),
        (Some(0), 1)
    );
    assert_eq!(problems_of(&j, 2)[0].0, "missing_email");
}

#[test]
fn invalid_email_error_or_warning() {
    let j = dry_run("rules/invalid_email.csv", &["--identifier", "email"]);
    assert_eq!(reason(&j, "invalid_email"), 2);
    assert_eq!(j["failed"], 2);
    assert_eq!(
        problems_of(&j, 2)[0].1,
        "ada.example.com: no @ in the address"
    );
    let j = dry_run("rules/invalid_email.csv", &["--require", "any"]);
    assert_eq!(j["failed"], 0);
    assert_eq!(reason(&j, "invalid_email"), 2);
}

#[test]
fn missing_identifier_names_the_dropped_values() {
    let j = dry_run("rules/missing_identifier.csv", &[]);
    assert_eq!(reason(&j, "missing_identifier"), 1);
    let j = dry_run("rules/invalid_phone.csv", &[]);
    assert_eq!(reason(&j, "missing_identifier"), 2);
    assert!(
        problems_of(&j, 2)[0].1.contains("613-555-12: too short"),
        "{:?}",
        problems_of(&j, 2)
    );
}

#[test]
fn missing_name() {
    let j = dry_run("rules/missing_name.csv", &[]);
    assert_eq!(reason(&j, "missing_name"), 1);
    assert_eq!(
        (j["created"].as_u64(), j["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let j = dry_run("rules/missing_name.csv", &["--require", "dialer"]);
    assert_eq!(j["created"], 2, "the dialer preset needs no name");
}

#[test]
fn no_consent() {
    let j = dry_run("rules/no_consent.csv", &["--consent-column", "Consent"]);
    assert_eq!(
        reason(&j, "no_consent"),
        2,
        "no, and blank, are not consent"
    );
    assert_eq!(
        (j["created"].as_u64(), j["skipped"].as_u64()),
        (Some(2), Some(2))
    );
}

#[test]
fn duplicate_in_file_names_the_earlier_row() {
    let j = dry_run("rules/duplicate_in_file.csv", &[]);
    assert_eq!(reason(&j, "duplicate_in_file"), 2);
    assert_eq!(problems_of(&j, 3)[0].1, "same phone +12123345678 as row 2");
    assert_eq!(
        problems_of(&j, 4)[0].1,
        "same email ada@example.com as row 2"
    );
    let j = dry_run("rules/duplicate_in_file.csv", &["--purpose", "upsert"]);
    assert_eq!(
        (j["created"].as_u64(), j["updated"].as_u64()),
        (Some(2), Some(2))
    );
    let j = dry_run("rules/duplicate_in_file.csv", &["--purpose", "always"]);
    assert_eq!(j["created"], 4);
}

#[test]
fn not_found_on_update_only() {
    let j = dry_run("rules/not_found.csv", &["--purpose", "update"]);
    assert_eq!(reason(&j, "not_found"), 1);
    assert_eq!(j["skipped"], 1);
}

#[test]
fn ambiguous_match() {
    let j = dry_run("rules/ambiguous_match.csv", &["--purpose", "upsert"]);
    assert_eq!(reason(&j, "ambiguous_match"), 1);
    assert!(problems_of(&j, 4)[0]
        .1
        .contains("matches 2 contacts (row 2, row 3)"));
}

#[test]
fn too_long() {
    let j = dry_run("rules/too_long.csv", &[]);
    assert_eq!(reason(&j, "too_long"), 1);
    assert_eq!(j["created"], 2, "a warning drops the value, not the row");
    assert_eq!(
        problems_of(&j, 2)[0].1,
        "101 characters, company keeps at most 100; value dropped"
    );
}

#[test]
fn invalid_country_and_phones_read_in_the_rows_country() {
    let j = dry_run("rules/invalid_country.csv", &[]);
    assert_eq!(reason(&j, "invalid_country"), 1);
    assert_eq!(j["failed"], 0);
    let samples = j["samples"].as_array().unwrap();
    assert_eq!(
        samples[0]["phones"][0], "+442079461958",
        "020 … read as a British number"
    );
    assert_eq!(samples[0]["country"], "GB");
    assert_eq!(samples[2]["country"], "US");
}

#[test]
fn invalid_date_and_the_order_assumed() {
    let j = dry_run(
        "rules/invalid_date.csv",
        &["--map", "Birthday=custom:birthday:date"],
    );
    assert_eq!(reason(&j, "invalid_date"), 1);
    let samples = j["samples"].as_array().unwrap();
    assert_eq!(samples[0]["custom"]["birthday"], "1815-12-10");
    assert_eq!(samples[2]["custom"]["birthday"], "1906-12-09");
    assert_eq!(j["date_columns"][0]["order"], "month_first");
    assert_eq!(j["date_columns"][0]["ambiguous"], 1);
}

#[test]
fn invalid_number() {
    let j = dry_run(
        "rules/invalid_number.csv",
        &["--map", "Deal Size=custom:deal_size:money"],
    );
    assert_eq!(reason(&j, "invalid_number"), 1);
    assert_eq!(j["samples"][0]["custom"]["deal_size"], "1234234.33");
}

#[test]
fn invalid_option() {
    let j = dry_run(
        "rules/invalid_option.csv",
        &["--map", "Stage=custom:stage:option=Lead|Customer"],
    );
    assert_eq!(reason(&j, "invalid_option"), 1);
    assert_eq!(j["samples"][0]["custom"]["stage"], "Customer");
}

#[test]
fn invalid_website() {
    let j = dry_run("rules/invalid_website.csv", &[]);
    assert_eq!(reason(&j, "invalid_website"), 1);
}

#[test]
fn control_characters_name_the_column() {
    let j = dry_run("rules/control_characters.csv", &[]);
    assert_eq!(
        reason(&j, "control_characters"),
        1,
        "the note's line break is kept"
    );
    assert_eq!(
        problems_of(&j, 2),
        [(
            "control_characters".to_string(),
            "escape sequences removed; the rest of the value was kept".to_string()
        )]
    );
    assert_eq!(j["problems"][0]["issues"][0]["column"], "Company");
    assert_eq!(j["samples"][0]["company"], "Analytical Engines");
    assert_eq!(j["samples"][0]["note"], "line one\nline two");
}

#[test]
fn extra_fields_names_the_values() {
    let j = dry_run("rules/extra_fields.csv", &[]);
    assert_eq!(
        reason(&j, "extra_fields"),
        1,
        "extra empty fields are ignored"
    );
    assert!(problems_of(&j, 2)[0].1.contains("\"shifted value\""));
}

#[test]
fn human_summary_counts_by_reason() {
    let dir = tempdir();
    let path = fixture("contacts.csv");
    let out = run(dir.path(), &["import", path.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Dry run: nothing was written."));
    assert!(out.stdout.contains("would create"));
    assert!(out.stdout.contains("duplicate_in_file"));
    assert!(
        out.stdout
            .contains("rows whose \"Consent\" column does not say yes are skipped"),
        "{}",
        out.stdout
    );
}

#[test]
fn error_file_from_the_review_is_importable_as_is() {
    let dir = tempdir();
    let errors = dir.path().join("errors.csv");
    let report = dir.path().join("results.csv");
    let path = fixture("contacts.csv");
    let out = run(
        dir.path(),
        &[
            "import",
            path.to_str().unwrap(),
            "--dry-run",
            "--json",
            "--errors",
            errors.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    let bad = j["skipped"].as_u64().unwrap() + j["failed"].as_u64().unwrap();
    let mut rdr = csv::Reader::from_path(&errors).unwrap();
    let header = rdr.headers().unwrap().clone();
    assert_eq!(header.iter().next_back(), Some("Error"));
    assert_eq!(rdr.records().count() as u64, bad);
    let mut rdr = csv::Reader::from_path(&report).unwrap();
    let header = rdr.headers().unwrap().clone();
    assert_eq!(
        header.iter().rev().take(2).collect::<Vec<_>>(),
        ["Errors", "Import Status"]
    );
    assert_eq!(
        rdr.records().count() as u64,
        j["total_rows"].as_u64().unwrap()
    );
    // No cell may start a formula.
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        !text.contains(",=HYPERLINK"),
        "formula left live in the results file"
    );
    // The error file reads back as an import file: the Error column is simply not mapped.
    let again = run(
        dir.path(),
        &["import", errors.to_str().unwrap(), "--dry-run", "--json"],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["total_rows"].as_u64().unwrap(), bad);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&errors).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "written files are private to their owner");
    }
}

/// A mapping remembered by one import is applied by the next import of the same header
/// shape on the command line too (it was the wizard's alone), named in the review, and
/// `--no-remembered` maps from the header instead.
#[test]
fn a_remembered_mapping_is_applied_headless_and_said() {
    let dir = tempdir();
    // "Reach At" is no header rolodex knows: the first import maps it by hand.
    let first = crate::common::write(
        dir.path(),
        "first.csv",
        "Name,Reach At\nAda Lovelace,+44 20 7946 1018\n",
    );
    let out = crate::common::import(dir.path(), &first, &["--map", "Reach At=phone"]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let second = crate::common::write(
        dir.path(),
        "second.csv",
        "Name,Reach At\nGrace Hopper,+1 613 969 0710\n",
    );
    let path = second.to_str().unwrap();
    let remembered = run(dir.path(), &["import", path, "--dry-run", "--json"]);
    assert_eq!(remembered.code, 0, "{}", remembered.stderr);
    let j = remembered.json();
    assert_eq!(j["mapping_remembered"], true, "{j}");
    assert_eq!(j["mapping"][1]["field"], "phone", "{j}");
    assert_eq!(j["created"], 1, "{j}");

    let human = run(dir.path(), &["import", path, "--dry-run"]);
    assert!(
        human
            .stdout
            .contains("as remembered from an earlier import"),
        "{}",
        human.stdout
    );

    let fresh = run(
        dir.path(),
        &["import", path, "--dry-run", "--json", "--no-remembered"],
    );
    // Mapped from its header, the file has no phone column: refused, nothing written.
    assert_eq!(fresh.code, 1, "{}", fresh.stderr);
    assert!(
        fresh.stderr.contains("no column is mapped"),
        "{}",
        fresh.stderr
    );

    // And the import itself uses it: the contact gets its phone.
    let out = crate::common::import(dir.path(), &second, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    let grace = contacts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["first_name"] == "Grace")
        .expect("Grace imported");
    assert_eq!(grace["phones"][0], "+16139690710", "{grace}");
}
