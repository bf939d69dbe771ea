//! Retrying a job's failed rows (issue 16): `rolodex retry JOB` once the cause was fixed
//! outside the file, the rows marked with their follow-up job (`show --failed` in text,
//! CSV and JSON), a retry cut short before its first batch marking them when it is resumed,
//! and `rolodex check` naming a retry mark that points nowhere.

use std::path::Path;
use std::sync::{mpsc, Arc};

use serde_json::{json, Value};

use crate::common::{fixture, run, tempdir, write};

/// The team `fixtures/team/contacts.csv` names, without Ann Lee (row 4's owner): row 4
/// fails `unknown_member`, row 5 `ambiguous_member` (two Adam Smiths).
fn add_team_but_ann(dir: &Path) {
    for (email, name, role) in [
        ("logan@team.example", "Logan Paul", "owner"),
        ("david@team.example", "David Lee", "agent"),
        ("jurgen@team.example", "Jürgen Weiß", "agent"),
        ("adam.smith@team.example", "Adam Smith", "agent"),
        ("adam.s@team.example", "adam  smith", "agent"),
    ] {
        let out = run(dir, &["team", "add", email, "--name", name, "--role", role]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
}

fn add_ann(dir: &Path) {
    let out = run(
        dir,
        &["team", "add", "ann@team.example", "--name", "Ann Lee"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

fn import_team_fixture(dir: &Path) -> Value {
    let path = fixture("team/contacts.csv");
    let out = run(
        dir,
        &[
            "import",
            path.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

/// `retried_in` of each failed row of `job`, by row.
fn retried_in(dir: &Path, job: u64) -> Vec<(u64, Value)> {
    let shown = run(dir, &["show", &job.to_string(), "--failed", "--json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    shown.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r.get("retried_in").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn check_problems(dir: &Path) -> Vec<String> {
    let out = run(dir, &["check", "--json"]);
    out.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let who = p["job"]
                .as_u64()
                .map(|j| format!("job {j}: "))
                .unwrap_or_default();
            format!("{who}{}", p["problem"].as_str().unwrap())
        })
        .collect()
}

/// The admin adds the missing team member, then `rolodex retry 1` imports the failed rows
/// again as job 2: the one whose owner is now known is created, the ambiguous one fails
/// again; job 1's rows name job 2 in `show`; a second retry leaves out the row job 2
/// created; `check` finds every mark in place.
#[test]
fn retry_imports_the_failed_rows_again_once_the_cause_is_fixed() {
    let dir = tempdir();
    let d = dir.path();
    add_team_but_ann(d);
    let first = import_team_fixture(d);
    assert_eq!(
        (first["created"].clone(), first["failed"].clone()),
        (json!(3), json!(2))
    );
    add_ann(d);

    let retried = run(d, &["retry", "1", "--json"]);
    assert_eq!(retried.code, 0, "{}", retried.stderr);
    let job = retried.json();
    assert_eq!(job["job"], 2);
    assert_eq!(job["retry_of"], 1);
    assert_eq!(job["total_rows"], 2);
    assert_eq!(
        (job["created"].clone(), job["failed"].clone()),
        (json!(1), json!(1))
    );
    // The follow-up joins its original: the same import tag.
    assert_eq!(job["import_tag"], first["import_tag"]);
    let alan = run(d, &["contacts", "--search", "alan", "--json"]).json();
    assert_eq!(alan[0]["owner"], "ann@team.example");

    assert_eq!(
        retried_in(d, 1),
        vec![
            (
                4,
                json!({"job": 2, "row": 2, "status": "imported", "reverted": false})
            ),
            (
                5,
                json!({"job": 2, "row": 3, "status": "error", "reverted": false})
            ),
        ]
    );
    let text = run(d, &["show", "1", "--failed"]).stdout;
    assert!(text.contains("retried in job 2: created"), "{text}");
    assert!(text.contains("retried in job 2: failed"), "{text}");
    assert!(check_problems(d).is_empty(), "{:?}", check_problems(d));

    // Again: only the row still failing goes (job 3), and it names the later job.
    let again = run(d, &["retry", "1"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("retrying 1 failed row of job 1"),
        "{}",
        again.stderr
    );
    assert_eq!(retried_in(d, 1)[1].1["job"], 3);
    assert_eq!(retried_in(d, 1)[0].1["job"], 2);
    assert!(check_problems(d).is_empty(), "{:?}", check_problems(d));

    // A reverted job is imported again from its file, not retried.
    let reverted = run(d, &["revert", "3", "--yes"]);
    assert_eq!(reverted.code, 0, "{}", reverted.stderr);
    assert!(check_problems(d).is_empty(), "{:?}", check_problems(d));
    let refused = run(d, &["retry", "3"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("job 3 was reverted"),
        "{}",
        refused.stderr
    );
}

/// A job with nothing failed has nothing to retry, and says so.
#[test]
fn retry_of_a_job_without_failed_rows_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    let file = write(d, "ok.csv", "Name,Phone\nAda Lovelace,+1 613 969 0710\n");
    let out = crate::common::import(d, &file, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let refused = run(d, &["retry", "1"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("job 1 has no failed rows left to retry"),
        "{}",
        refused.stderr
    );
}

/// The retry file is UTF-8 with commas, its header on row 1, whatever the original was: a
/// job read with `--delimiter ';' --encoding windows-1252 --header-row 2` is retried with
/// its accents whole.
#[test]
fn a_retry_reads_its_own_file_not_as_the_original_was_read() {
    let dir = tempdir();
    let d = dir.path();
    add_team_but_ann(d);
    let mut bytes = b"Exported from the CRM;;\nFirst Name;Last Name;Phone;Contact Owner\n".to_vec();
    // "Zo\xeb" is "Zoë" in windows-1252.
    bytes.extend_from_slice(b"Zo\xeb;Kim;+1 416 391 7710;Ann Lee\n");
    bytes.extend_from_slice(b"Ada;Lovelace;+1 613 969 0710;Logan Paul\n");
    let file = d.join("semicolons.csv");
    std::fs::write(&file, bytes).unwrap();
    let out = run(
        d,
        &[
            "import",
            file.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--json",
            "--delimiter",
            ";",
            "--encoding",
            "windows-1252",
            "--header-row",
            "2",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["failed"], 1);
    add_ann(d);
    let retried = run(d, &["retry", "1", "--json"]);
    assert_eq!(retried.code, 0, "{}", retried.stderr);
    assert_eq!(retried.json()["created"], 1, "{}", retried.stdout);
    let zoe = run(d, &["contacts", "--search", "kim", "--json"]).json();
    assert_eq!(zoe[0]["first_name"], "Zoë", "{zoe}");
    assert_eq!(zoe[0]["owner"], "ann@team.example");
}

/// A retry cancelled before its first batch writes nothing and marks nothing; resumed, it
/// marks the rows it retries once its first batch is committed.
#[test]
fn a_retry_cut_short_before_its_first_batch_marks_its_rows_when_resumed() {
    use rolodex::store::backend::ContactStore;
    use rolodex::store::jobs::JobStatus;
    use rolodex::worker::{spawn_new_import, Cancel, NewImport, WorkerEvent};

    let dir = tempdir();
    let d = dir.path();
    add_team_but_ann(d);
    import_team_fixture(d);
    add_ann(d);
    let db = d.join("test.redb");
    {
        let store = rolodex::store::Store::open(&db).unwrap();
        let job = store.job(1).unwrap();
        let mut cells = Vec::new();
        store
            .job_rows(1, &mut |row| {
                if row.row == 4 {
                    cells.push(
                        (0..job.header.len())
                            .map(|i| row.cells.get(i).unwrap_or_default().to_string())
                            .collect::<Vec<String>>(),
                    );
                }
                Ok(())
            })
            .unwrap();
        let path = rolodex::engine::retry::write_retry_file(
            &d.join("retries"),
            1,
            chrono::Local::now(),
            &job.header,
            &cells,
            &rolodex::engine::outfile::Protected::new().store(&db),
        )
        .unwrap();
        let plan = rolodex::engine::retry::retry_plan(&job.plan, &path);
        let source = rolodex::engine::source::Source::open(&path, &plan.read).unwrap();
        let new = NewImport {
            source,
            plan,
            import_tag: job.import_tag.clone(),
            retry_of: Some(1),
            retried_rows: vec![4],
        };
        // Cancelled before it starts: the first batch is never committed.
        let cancel = Cancel::default();
        cancel.cancel();
        let (tx, rx) = mpsc::channel();
        let store: Arc<dyn ContactStore> = Arc::new(store);
        spawn_new_import(Arc::clone(&store), new, tx, cancel)
            .unwrap()
            .join()
            .unwrap();
        assert!(rx.iter().any(|e| matches!(e, WorkerEvent::NotStarted(_))));
        let retry = store.job(2).unwrap();
        assert_eq!(retry.status, JobStatus::Cancelled);
        assert_eq!(retry.retry_of, Some(1));
        assert!(store.retried_fates(1).unwrap().is_empty());
    }
    assert_eq!(retried_in(d, 1)[0], (4, Value::Null));
    // Waiting rows are no problem for check.
    assert!(check_problems(d).is_empty(), "{:?}", check_problems(d));

    let resumed = run(d, &["resume", "2", "--json"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(resumed.json()["created"], 1);
    assert_eq!(
        retried_in(d, 1)[0],
        (
            4,
            json!({"job": 2, "row": 2, "status": "imported", "reverted": false})
        )
    );
    assert!(check_problems(d).is_empty(), "{:?}", check_problems(d));
}

/// `check` names a retry mark whose follow-up job or row is missing, one whose follow-up
/// is no retry of the job, a mark on a row the job never had, and rows kept for a retry
/// that does not exist.
#[test]
fn check_names_retry_marks_that_point_nowhere() {
    let dir = tempdir();
    let d = dir.path();
    add_team_but_ann(d);
    import_team_fixture(d);
    add_ann(d);
    assert_eq!(run(d, &["retry", "1"]).code, 0);
    // Job 3: an ordinary import, no retry of job 1.
    let other = write(d, "other.csv", "Name,Phone\nAda Byron,+1 613 969 0799\n");
    assert_eq!(crate::common::import(d, &other, &[]).code, 0);
    assert!(check_problems(d).is_empty(), "{:?}", check_problems(d));

    let retried: redb::TableDefinition<(u64, u64), (u64, u64)> =
        redb::TableDefinition::new("retried_rows");
    let pending: redb::TableDefinition<(u64, u64), u64> =
        redb::TableDefinition::new("retry_pending");
    {
        let raw = redb::Database::create(d.join("test.redb")).unwrap();
        let txn = raw.begin_write().unwrap();
        {
            let mut t = txn.open_table(retried).unwrap();
            t.insert((1, 2), (7, 2)).unwrap(); // no job 7
            t.insert((1, 3), (2, 9)).unwrap(); // job 2 has no row 9
            t.insert((1, 6), (3, 2)).unwrap(); // job 3 retries nothing
            t.insert((1, 40), (2, 2)).unwrap(); // job 1 has no row 40
            let mut p = txn.open_table(pending).unwrap();
            p.insert((8, 0), 4).unwrap(); // no job 8
        }
        txn.commit().unwrap();
    }
    let mut found = check_problems(d);
    found.sort();
    assert_eq!(
        found,
        [
            "job 1: its row 2 is marked retried in job 7 (row 2), but job 7 is missing",
            "job 1: its row 3 is marked retried in job 2 (row 9), but job 2 has no row 9",
            "job 1: its row 40 is marked retried in job 2 (row 2), but the job has no row 40",
            "job 1: its row 6 is marked retried in job 3 (row 2), but job 3 is not a retry of it",
            "job 8: 1 row is kept for it to mark retried, but the job is missing",
        ]
    );
    let text = run(d, &["check"]);
    assert_eq!(text.code, 1, "{}", text.stdout);
}
