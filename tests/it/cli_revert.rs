//! Revert and later jobs: a contact that a later job skipped a row against as a duplicate,
//! or updated, is left in place and named — with the later job, its row and what it did —
//! unless `--force`; the rows that matched a stored contact say which one.

use std::path::Path;

use serde_json::{json, Value};

use crate::common::{run, tempdir, write};

/// Job 1 creates Ada (#1), Grace (#2) and Alan (#3).
const FIRST: &str = "Name,Phone,Email,Company\n\
Ada Lovelace,+1 212 334 5678,ada@example.com,Babbage & Co\n\
Grace Hopper,+1 212 334 5679,grace@example.com,\n\
Alan Turing,+1 212 334 5680,alan@example.com,\n";

/// The same Ada and Grace again (rows 2 and 3), and someone new (row 4).
const SAME_PEOPLE: &str = "Name,Phone,Email,Company\n\
Ada Lovelace,(212) 334-5678,,Analytical Engines\n\
Grace Hopper,,GRACE@example.com,Navy\n\
Katherine Johnson,+1 212 334 7777,katherine@example.com,NASA\n";

fn import(dir: &Path, name: &str, text: &str, purpose: &str) -> Value {
    let file = write(dir, name, text);
    let out = run(
        dir,
        &[
            "import",
            file.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--no-import-tag",
            "--json",
            "--purpose",
            purpose,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

fn contacts(dir: &Path) -> Value {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

fn ids(dir: &Path) -> Vec<u64> {
    contacts(dir)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect()
}

fn revert(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["revert"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--yes", "--json"]);
    let out = run(dir, &all);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out.json()
}

/// Every index entry leads to a contact and every contact is indexed.
fn assert_consistent(dir: &Path) {
    let store = rolodex::store::Store::open(&dir.join("test.redb")).unwrap();
    assert_eq!(store.check_invariants().unwrap(), Vec::<String>::new());
}

#[test]
fn a_contact_a_later_job_skipped_as_a_duplicate_is_left_in_place_and_named() {
    let dir = tempdir();
    import(dir.path(), "first.csv", FIRST, "create");
    let second = import(dir.path(), "again.csv", SAME_PEOPLE, "create");
    assert_eq!(second["reasons"]["duplicate_existing"], 2, "{second}");

    let report = revert(dir.path(), &["1"]);
    assert_eq!(
        report["deleted"], 1,
        "Alan, matched by nobody since: {report}"
    );
    assert_eq!(report["conflicts"], json!([1, 2]), "{report}");
    assert_eq!(report["forced"], json!([]), "{report}");
    assert_eq!(
        report["matched_later"],
        json!([
            {"contact": 1, "job": 2, "row": 2, "did": "skipped"},
            {"contact": 2, "job": 2, "row": 3, "did": "skipped"},
        ]),
        "{report}"
    );
    assert_eq!(
        ids(dir.path()),
        [1, 2, 4],
        "Ada and Grace stay; Katherine is job 2's"
    );
    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history[0]["status"], "reverted");
    assert_eq!(history[0]["revert_conflicts"], json!([1, 2]));

    // `trace` follows job 2's skipped row to a contact that still exists.
    let traced = run(dir.path(), &["trace", "Ada Lovelace", "--json"]).json();
    let rows = traced.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{traced}");
    assert_eq!(
        (&rows[1]["job"], &rows[1]["status"], &rows[1]["contact"]),
        (&json!(2), &json!("skipped"), &json!(1)),
        "{traced}"
    );
    assert!(ids(dir.path()).contains(&1));

    // Reverting it again says what is left and how to revert that too.
    let again = run(dir.path(), &["revert", "1", "--yes"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(
        again.stderr.contains("2 contacts left as they are")
            && again.stderr.contains("`rolodex revert 1 --force`"),
        "{}",
        again.stderr
    );
    assert_eq!(ids(dir.path()), [1, 2, 4]);

    // Forcing it afterwards reverts what was left, and says so.
    let forced = revert(dir.path(), &["1", "--force"]);
    assert_eq!(forced["deleted"], 2, "{forced}");
    assert_eq!(forced["forced"], json!([1, 2]), "{forced}");
    assert_eq!(forced["conflicts"], json!([]), "{forced}");
    assert_eq!(ids(dir.path()), [4]);
    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history[0]["revert_conflicts"], json!([]));
    assert_consistent(dir.path());
}

#[test]
fn the_text_report_names_each_conflict_with_the_later_job_and_what_it_did() {
    let dir = tempdir();
    import(dir.path(), "first.csv", FIRST, "create");
    import(dir.path(), "again.csv", SAME_PEOPLE, "create");
    let out = run(dir.path(), &["revert", "1", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for want in [
        "1 contacts deleted",
        "2 left as they are",
        "rolodex revert 1 --force",
        "#1 (job 2 skipped row 2 as a duplicate of it)",
        "#2 (job 2 skipped row 3 as a duplicate of it)",
    ] {
        assert!(out.stdout.contains(want), "{want:?} in: {}", out.stdout);
    }
    let out = run(dir.path(), &["revert", "1", "--yes", "--force"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("2 reverted although a later job matched them"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("#1 (job 2 skipped row 2 as a duplicate of it)"),
        "{}",
        out.stdout
    );
}

#[test]
fn force_on_the_first_revert_deletes_them_at_once() {
    let dir = tempdir();
    import(dir.path(), "first.csv", FIRST, "create");
    import(dir.path(), "again.csv", SAME_PEOPLE, "create");
    let report = revert(dir.path(), &["1", "--force"]);
    assert_eq!(report["deleted"], 3, "{report}");
    assert_eq!(report["forced"], json!([1, 2]), "{report}");
    assert_eq!(report["conflicts"], json!([]), "{report}");
    assert_eq!(report["matched_later"].as_array().unwrap().len(), 2);
    assert_eq!(ids(dir.path()), [4]);
}

#[test]
fn show_and_trace_name_the_contact_a_skipped_row_duplicates() {
    let dir = tempdir();
    import(dir.path(), "first.csv", FIRST, "create");
    import(dir.path(), "again.csv", SAME_PEOPLE, "create");
    let out = run(dir.path(), &["show", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ada = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("2 "))
        .unwrap_or_else(|| panic!("row 2 in: {}", out.stdout));
    let columns: Vec<&str> = ada.split_whitespace().collect();
    assert_eq!(
        columns[..3],
        ["2", "skipped", "#1"],
        "row 2 names contact #1 in its contact column: {ada}"
    );
    let traced = run(dir.path(), &["trace", "grace@example.com", "--json"]).json();
    assert_eq!(traced[1]["status"], "skipped", "{traced}");
    assert_eq!(traced[1]["contact"], 2, "{traced}");
}

#[test]
fn a_contact_a_later_job_updated_is_restored_only_with_force() {
    let dir = tempdir();
    // Job 1 creates Ada; job 2 updates her (the job to revert); job 3 updates her again.
    import(dir.path(), "first.csv", FIRST, "create");
    let before = contacts(dir.path());
    import(
        dir.path(),
        "second.csv",
        "Name,Phone,Company\nAda Lovelace,+1 212 334 5678,Second Co\n",
        "upsert",
    );
    import(
        dir.path(),
        "third.csv",
        "Name,Phone,Company\nAda Lovelace,+1 212 334 5678,Third Co\n",
        "upsert",
    );

    let report = revert(dir.path(), &["2"]);
    assert_eq!(
        (&report["restored"], &report["deleted"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(report["conflicts"], json!([1]), "{report}");
    assert_eq!(
        report["matched_later"],
        json!([{"contact": 1, "job": 3, "row": 2, "did": "updated"}]),
        "{report}"
    );
    let ada = &contacts(dir.path())[0];
    assert_eq!(ada["company"], "Third Co", "left as job 3 made it");

    let out = run(dir.path(), &["revert", "2", "--yes", "--force"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("#1 (job 3 updated it at row 2)"),
        "{}",
        out.stdout
    );
    assert_eq!(
        contacts(dir.path()),
        before,
        "restored to its values before job 2"
    );
    assert_consistent(dir.path());
}

#[test]
fn a_contact_a_later_job_updated_is_not_deleted_by_reverting_its_creator() {
    let dir = tempdir();
    import(dir.path(), "first.csv", FIRST, "create");
    import(dir.path(), "again.csv", SAME_PEOPLE, "upsert");
    let report = revert(dir.path(), &["1"]);
    assert_eq!(report["deleted"], 1, "{report}");
    assert_eq!(report["conflicts"], json!([1, 2]), "{report}");
    assert_eq!(
        report["matched_later"],
        json!([
            {"contact": 1, "job": 2, "row": 2, "did": "updated"},
            {"contact": 2, "job": 2, "row": 3, "did": "updated"},
        ]),
        "{report}"
    );
    assert_eq!(ids(dir.path()), [1, 2, 4]);
    let report = revert(dir.path(), &["1", "--force"]);
    assert_eq!(report["deleted"], 2, "{report}");
    assert_eq!(ids(dir.path()), [4]);
}

#[test]
fn a_later_job_that_was_reverted_itself_is_no_conflict() {
    let dir = tempdir();
    import(dir.path(), "first.csv", FIRST, "create");
    import(dir.path(), "again.csv", SAME_PEOPLE, "create");
    revert(dir.path(), &["2"]);
    let report = revert(dir.path(), &["1"]);
    assert_eq!(report["deleted"], 3, "{report}");
    assert_eq!(report["conflicts"], json!([]), "{report}");
    assert_eq!(report["matched_later"], json!([]), "{report}");
    assert_eq!(contacts(dir.path()), json!([]));
}

/// `n` people with distinct phones, all at `company`.
fn crowd(n: u64, company: &str, only: impl Fn(u64) -> bool) -> String {
    let mut csv = String::from("Name,Phone,Company\n");
    for i in (0..n).filter(|&i| only(i)) {
        csv.push_str(&format!(
            "Person {i},+1 212 {} {:04},{company}\n",
            300 + i / 10_000,
            i % 10_000
        ));
    }
    csv
}

#[test]
fn conflicts_kept_among_more_undo_records_than_one_batch_holds() {
    // A revert works through 20,000 contacts a transaction: conflicts left in the first
    // batch must neither stop the next one nor be lost for a forced revert.
    let dir = tempdir();
    let n = 25_000;
    import(dir.path(), "a.csv", &crowd(n, "First", |_| true), "create");
    let before = contacts(dir.path());
    import(dir.path(), "b.csv", &crowd(n, "Second", |_| true), "upsert");
    let edges = |i: u64| i < 3 || i >= n - 3;
    import(dir.path(), "c.csv", &crowd(n, "Third", edges), "upsert");

    let report = revert(dir.path(), &["2"]);
    assert_eq!(report["restored"], n - 6, "{}", report["restored"]);
    assert_eq!(
        report["conflicts"],
        json!([1, 2, 3, n - 2, n - 1, n]),
        "{}",
        report["conflicts"]
    );
    assert_eq!(
        report["matched_later"][3],
        json!({"contact": n - 2, "job": 3, "row": 5, "did": "updated"})
    );
    let forced = revert(dir.path(), &["2", "--force"]);
    assert_eq!(forced["restored"], 6, "{forced}");
    assert_eq!(forced["forced"], json!([1, 2, 3, n - 2, n - 1, n]));
    assert_eq!(contacts(dir.path()), before);
    assert_consistent(dir.path());
}
