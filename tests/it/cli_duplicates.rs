//! Rows of one file that share a phone, email or id (issue 18, seed 003), through the real
//! binary: `--in-file-duplicates first|last|error|merge` on the same file, each giving the
//! contacts a user of that policy expects, the dry run counting what the import does, and
//! the default keeping what each purpose always did.
//!
//! `duplicates/shared_ids.csv` has two groups: rows 2, 4 and 6 (Ada Lovelace: row 4 shares
//! row 2's phone, row 6 row 4's email) and rows 3 and 7 (Grace Hopper, one phone); row 5
//! (Alan Turing) shares nothing.

use std::path::Path;

use serde_json::Value;

use crate::common::{fixture, import, run, tempdir};

const FILE: &str = "duplicates/shared_ids.csv";

/// (created, updated, skipped, failed) of a run's JSON.
fn counts(j: &Value) -> [u64; 4] {
    ["created", "updated", "skipped", "failed"].map(|k| j[k].as_u64().unwrap_or(u64::MAX))
}

/// Each stored contact as "First Last phones emails", sorted.
fn stored(dir: &Path) -> Vec<String> {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list = |c: &Value, k: &str| -> String {
        c[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut all: Vec<String> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} [{}] [{}]",
                c["first_name"].as_str().unwrap_or(""),
                c["last_name"].as_str().unwrap_or(""),
                list(c, "phones"),
                list(c, "emails")
            )
        })
        .collect();
    all.sort();
    all
}

/// The dry run and then the import of the fixture with `extra`; the dry run must count
/// what the import does. Returns the import's JSON and the contacts stored.
fn dry_run_then_import(extra: &[&str]) -> (Value, Vec<String>) {
    let dir = tempdir();
    let file = fixture(FILE);
    let mut dry = extra.to_vec();
    dry.push("--dry-run");
    let review = import(dir.path(), &file, &dry);
    assert_eq!(review.code, 0, "{extra:?}: {}", review.stderr);
    let done = import(dir.path(), &file, extra);
    assert!(
        done.code == 0 || done.code == 3,
        "{extra:?}: {}",
        done.stderr
    );
    let (review, done) = (review.json(), done.json());
    assert_eq!(
        counts(&review),
        counts(&done),
        "{extra:?}: the dry run counts what the import does"
    );
    (done, stored(dir.path()))
}

fn reasons(j: &Value, code: &str) -> u64 {
    j["reasons"][code].as_u64().unwrap_or(0)
}

const ADA: &str = "Ada Lovelace [+16139690101] [ada@example.com]";
const ADA_LAST: &str = "Ada Lovelace [+16139690199] [ada.lovelace@example.org]";
const ADA_MERGED: &str =
    "Ada Lovelace [+16139690101 +16139690199] [ada@example.com ada.lovelace@example.org]";
const GRACE: &str = "Grace Hopper [+16139690102] [grace@example.com]";
const GRACE_LAST: &str = "Grace Hopper [+16139690102] []";
const ALAN: &str = "Alan Turing [+16139690103] [alan@example.com]";

fn sorted(mut v: Vec<&str>) -> Vec<String> {
    v.sort();
    v.into_iter().map(String::from).collect()
}

#[test]
fn first_imports_the_first_row_of_each_group_and_skips_the_rest() {
    let (j, contacts) = dry_run_then_import(&["--in-file-duplicates", "first"]);
    assert_eq!(counts(&j), [3, 0, 3, 0]);
    assert_eq!(reasons(&j, "duplicate_in_file"), 3);
    // Row 6 shares nothing with row 2 but row 4's email: it is in Ada's group all the same.
    assert_eq!(contacts, sorted(vec![ADA, GRACE, ALAN]));
}

#[test]
fn last_imports_the_last_row_of_each_group_and_skips_the_earlier_ones() {
    let (j, contacts) = dry_run_then_import(&["--in-file-duplicates", "last"]);
    assert_eq!(counts(&j), [3, 0, 3, 0]);
    assert_eq!(contacts, sorted(vec![ADA_LAST, GRACE_LAST, ALAN]));
}

#[test]
fn error_fails_every_row_of_a_group_naming_the_others() {
    let dir = tempdir();
    let out = import(
        dir.path(),
        &fixture(FILE),
        &["--in-file-duplicates", "error"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(counts(&j), [1, 0, 0, 5]);
    assert_eq!(reasons(&j, "duplicate_in_file"), 5);
    assert_eq!(stored(dir.path()), sorted(vec![ALAN]));
    // Each failed row names the rest of its group, in `show --failed`.
    let show = run(dir.path(), &["show", "1", "--failed", "--csv"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(
        show.stdout.contains("rows 4, 6 of this file"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("rows 2, 6 of this file"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("row 7 of this file"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("row 3 of this file"),
        "{}",
        show.stdout
    );
    let (j, _) = dry_run_then_import(&["--in-file-duplicates", "error"]);
    assert_eq!(counts(&j), [1, 0, 0, 5]);
}

#[test]
fn merge_makes_one_contact_of_each_group_even_under_create() {
    let (j, contacts) = dry_run_then_import(&["--in-file-duplicates", "merge"]);
    assert_eq!(counts(&j), [3, 3, 0, 0]);
    assert_eq!(contacts, sorted(vec![ADA_MERGED, GRACE, ALAN]));
}

#[test]
fn unset_the_purpose_decides_as_it_always_did() {
    // Under create, a row is skipped when an earlier row made a contact with its phone or
    // email; row 6 shares only the email of row 4, which was skipped, so it is created.
    let (j, contacts) = dry_run_then_import(&[]);
    assert_eq!(counts(&j), [4, 0, 2, 0]);
    assert_eq!(contacts, sorted(vec![ADA, ADA_LAST, GRACE, ALAN]));
    // Under upsert the later rows are merged.
    let (j, contacts) = dry_run_then_import(&["--purpose", "upsert"]);
    assert_eq!(counts(&j), [3, 3, 0, 0]);
    assert_eq!(contacts, sorted(vec![ADA_MERGED, GRACE, ALAN]));
}

#[test]
fn a_policy_holds_under_every_purpose_and_against_stored_contacts() {
    // Ada is stored first; under upsert with `last`, only row 6 of her group updates her.
    let dir = tempdir();
    let first = crate::common::write(
        dir.path(),
        "ada.csv",
        "First Name,Last Name,Phone\nAda,Lovelace,+1 613 969 0101\n",
    );
    assert_eq!(import(dir.path(), &first, &[]).code, 0);
    let out = import(
        dir.path(),
        &fixture(FILE),
        &["--purpose", "upsert", "--in-file-duplicates", "last"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Row 6 (phone 0199, email ada.lovelace@) matches no stored contact: created.
    assert_eq!(counts(&out.json()), [3, 0, 3, 0]);
}

#[test]
fn the_policy_comes_from_config_toml_and_a_bad_one_is_refused() {
    let dir = tempdir();
    let config = dir.path().join("config").join("rolodex");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "in_file_duplicates = \"error\"\n",
    )
    .unwrap();
    let out = import(dir.path(), &fixture(FILE), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(counts(&out.json()), [1, 0, 0, 5]);
    let out = import(
        dir.path(),
        &fixture(FILE),
        &["--in-file-duplicates", "sometimes"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("first, last, error, merge"),
        "{}",
        out.stderr
    );
}
