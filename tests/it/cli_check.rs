//! Integrity: every record carries a checksum; `rolodex check` finds damage and names it by
//! contact or job; listings skip a damaged record with a warning (never serve it, never
//! fail whole); revert refuses one; single flipped bits anywhere in a store never make a
//! command print changed data or crash; `rolodex backup` copies a store while an import
//! runs.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use redb::{ReadableDatabase, ReadableTable};
use serde_json::Value;

use super::cli_store_open::{many_contacts, slow_import, wait_for_contacts};
use crate::common::{fixture, rolodex, run, tempdir, Run};

fn import_fixture(dir: &Path, extra: &[&str]) {
    let file = fixture("contacts.csv");
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--require",
        "any",
    ];
    args.extend_from_slice(extra);
    let out = run(dir, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Flips one bit in the middle of a stored record's payload, through redb (the file stays
/// a valid database: only the record is wrong, as after a bit flipped on disk).
fn damage<K: redb::Key + 'static>(
    db: &Path,
    table: redb::TableDefinition<K, &[u8]>,
    key: K::SelfType<'_>,
) where
    for<'a> K::SelfType<'a>: Clone,
{
    let raw = redb::Database::create(db).unwrap();
    let txn = raw.begin_write().unwrap();
    {
        let mut t = txn.open_table(table).unwrap();
        let mut bytes = t.get(key.clone()).unwrap().unwrap().value().to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x04;
        t.insert(key, bytes.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

fn ids(contacts: &Value) -> Vec<u64> {
    contacts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect()
}

#[test]
fn an_intact_store_checks_clean() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout.trim(),
        "store is intact: 207 contacts, 1 jobs checked"
    );
    let json = run(dir.path(), &["check", "--json"]).json();
    assert_eq!(json["intact"], true);
    assert_eq!(json["contacts"], 207);
    assert_eq!(json["pages"]["result"], "intact");
    assert_eq!(json["problems"], serde_json::json!([]));
}

/// The name index is checked both ways: a contact missing from it under one of its words,
/// and an entry naming a contact under a word it does not have.
#[test]
fn check_finds_a_name_missing_from_the_name_index_and_a_stray_entry() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    let db = dir.path().join("test.redb");
    let names = rolodex::store::schema::WORDS;
    {
        let raw = redb::Database::create(&db).unwrap();
        let txn = raw.begin_write().unwrap();
        {
            let mut t = txn.open_table(names).unwrap();
            // A chunk that starts with contact 3 (one of a word contacts 1 and 2 do not
            // have) goes; contact 4 gains a word it does not have, in a chunk of its own.
            let first = t
                .iter()
                .unwrap()
                .map(|e| e.unwrap().0.value())
                .find(|(_, id)| *id == 3)
                .unwrap();
            t.remove(first).unwrap();
            let stray = u64::from_be_bytes(*b"\x01zzzzzzz");
            t.insert((stray, 4), [].as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("contact 3: not in the name index under every word of its name"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("contact 4: the name index holds it under a word its name does not have"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_damaged_contact_is_skipped_with_a_warning_named_by_check_and_refused_by_revert() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    let db = dir.path().join("test.redb");
    let before = run(dir.path(), &["contacts", "--json"]).json();
    damage(&db, rolodex::store::schema::CONTACTS, 5);

    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed = out.json();
    let mut expected: Vec<u64> = ids(&before);
    expected.retain(|&id| id != 5);
    assert_eq!(ids(&listed), expected);
    for c in listed.as_array().unwrap() {
        assert!(before.as_array().unwrap().contains(c));
    }
    assert!(
        out.stderr
            .contains("warning: contact 5 in the store is damaged and was not used"),
        "{}",
        out.stderr
    );
    let out = run(dir.path(), &["contacts"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("206 of 206 contacts"), "{}", out.stdout);

    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("contact 5: damaged: its checksum does not match"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("store is damaged"), "{}", out.stdout);
    let json = run(dir.path(), &["check", "--json"]).json();
    assert_eq!(json["intact"], false);
    assert_eq!(json["problems"][0]["contact"], 5);

    let out = run(dir.path(), &["revert", "1", "--yes"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("contact 5 in the store is damaged"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("job 1 was not reverted"),
        "{}",
        out.stderr
    );
    // Nothing was changed by the refused revert.
    assert_eq!(run(dir.path(), &["contacts", "--json"]).json(), listed);
    assert_eq!(
        run(dir.path(), &["history", "--json"]).json()[0]["status"],
        "completed"
    );
}

#[test]
fn damaged_rows_and_jobs_are_skipped_by_show_trace_and_history() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    import_fixture(dir.path(), &["--purpose", "upsert"]);
    let db = dir.path().join("test.redb");
    let trace_before = run(dir.path(), &["trace", "Patel", "--json"]).json();
    assert!(trace_before.as_array().unwrap().len() >= 2);
    // The first piece of job 1's first chunk of rows.
    damage(&db, rolodex::store::schema::JOB_ROWS, (1, 2, 0));
    let out = run(dir.path(), &["show", "1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "warning: a chunk of the stored rows of job 1 (from row 2) in the store is damaged"
        ),
        "{}",
        out.stderr
    );
    let out = run(dir.path(), &["trace", "Patel", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("job 1 (from row 2)"), "{}", out.stderr);
    // Job 2's rows are still found; job 1's are not served.
    let found = out.json();
    assert!(!found.as_array().unwrap().is_empty());
    for row in found.as_array().unwrap() {
        assert_eq!(row["job"], 2);
        assert!(trace_before.as_array().unwrap().contains(row));
    }
    // A results file written from the stored rows (the wizard's `w`) would miss them:
    // refused rather than passed off as the job's whole result.
    let store = rolodex::store::Store::open_read_only(&db).unwrap();
    let job = store.job(1).unwrap();
    let results = dir.path().join("results.csv");
    let file = rolodex::engine::outfile::open(
        rolodex::engine::outfile::Request {
            label: "the results file",
            path: &results,
        },
        &rolodex::engine::outfile::Protected::new(),
    )
    .unwrap();
    let refused = store.write_reports(&job, Some(file), None).unwrap_err();
    assert!(
        refused.to_string().contains("would miss its rows"),
        "{refused}"
    );
    assert!(!results.exists(), "no results file passed off as whole");
    drop(store);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("job 1: its stored rows from row 2 are damaged"),
        "{}",
        out.stdout
    );

    damage(&db, rolodex::store::schema::JOBS, 2);
    let out = run(dir.path(), &["history", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let jobs = out.json();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    assert_eq!(jobs[0]["job"], 1);
    assert!(
        out.stderr
            .contains("warning: job 2 in the store is damaged"),
        "{}",
        out.stderr
    );
    let out = run(dir.path(), &["show", "2"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("job 2 in the store is damaged"),
        "{}",
        out.stderr
    );
    let out = run(dir.path(), &["check"]);
    assert!(out.stdout.contains("job 2: damaged"), "{}", out.stdout);
}

/// xorshift64*: the same flips on every run for a seed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// The runs of bytes in `file` that hold a contact's or a job's stored record, where the
/// record's bytes occur exactly once (a copy on a freed page would make a flip in it
/// harmless, and which copy is live cannot be told from outside).
fn record_spans(db: &Path, file: &[u8]) -> Vec<(usize, usize)> {
    let raw = redb::ReadOnlyDatabase::open(db).unwrap();
    let txn = raw.begin_read().unwrap();
    let mut values: Vec<Vec<u8>> = Vec::new();
    for e in txn
        .open_table(rolodex::store::schema::CONTACTS)
        .unwrap()
        .iter()
        .unwrap()
    {
        values.push(e.unwrap().1.value().to_vec());
    }
    for e in txn
        .open_table(rolodex::store::schema::JOBS)
        .unwrap()
        .iter()
        .unwrap()
    {
        values.push(e.unwrap().1.value().to_vec());
    }
    let mut spans = Vec::new();
    for v in values {
        let at: Vec<usize> = file
            .windows(v.len())
            .enumerate()
            .filter(|(_, w)| *w == v.as_slice())
            .map(|(i, _)| i)
            .take(2)
            .collect();
        if at.len() == 1 {
            spans.push((at[0], at[0] + v.len()));
        }
    }
    spans
}

fn rolodex_run(dir: &Path, args: &[&str]) -> Run {
    // A damaged page must never make a command hang either.
    let out = rolodex(dir)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// 100 single-bit flips (ROLODEX_FLIP_SEED picks others; ROLODEX_FLIPS how many), each on
/// a fresh copy of the same store: half anywhere in the file, half inside the bytes of a
/// stored contact or job (most of a small store's file is free space). For each: no
/// command panics (exit 101) or hangs; `contacts --json`, `history --json` and
/// `show 1 --csv` print only what the intact store holds; `check` exits 1 whenever the
/// flip changed a record, and whenever a listing came out different.
#[test]
fn flipped_bits_are_found_by_check_and_never_served_as_data() {
    let seed: u64 = std::env::var("ROLODEX_FLIP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_130);
    let flips: u64 = std::env::var("ROLODEX_FLIPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    println!("ROLODEX_FLIP_SEED={seed}");
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    // A second job that updates contacts, so undo records and later rows exist too.
    import_fixture(dir.path(), &["--purpose", "upsert"]);
    let db = dir.path().join("test.redb");
    let original = std::fs::read(&db).unwrap();
    let contacts: HashSet<String> = run(dir.path(), &["contacts", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    let jobs: HashSet<String> = run(dir.path(), &["history", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    let show_lines: HashSet<String> = run(dir.path(), &["show", "1", "--csv"])
        .stdout
        .lines()
        .map(str::to_string)
        .collect();
    let spans = record_spans(&db, &original);
    assert!(
        spans.len() > 200,
        "records found in the file: {}",
        spans.len()
    );
    let span_bytes: usize = spans.iter().map(|(a, b)| b - a).sum();

    let mut rng = Rng(seed.wrapping_mul(2).wrapping_add(1));
    let mut in_records = 0;
    let mut detected = 0;
    for i in 0..flips {
        let bit = if i % 2 == 0 {
            rng.below(original.len() as u64 * 8) as usize
        } else {
            // A bit inside the record bytes, uniformly.
            let mut at = rng.below(span_bytes as u64 * 8) as usize;
            let mut chosen = 0;
            for (a, b) in &spans {
                let len = (b - a) * 8;
                if at < len {
                    chosen = a * 8 + at;
                    break;
                }
                at -= len;
            }
            chosen
        };
        let byte = bit / 8;
        let in_record = spans.iter().any(|(a, b)| (*a..*b).contains(&byte));
        let mut copy = original.clone();
        copy[byte] ^= 1 << (bit % 8);
        std::fs::write(&db, &copy).unwrap();
        let what = format!(
            "flip {i}: byte {byte} bit {} (in a record: {in_record})",
            bit % 8
        );

        let listing = rolodex_run(dir.path(), &["contacts", "--json"]);
        assert_ne!(
            listing.code, 101,
            "{what}: contacts panicked: {}",
            listing.stderr
        );
        assert_ne!(listing.code, -1, "{what}: contacts hung");
        let mut differs = listing.code != 0;
        if listing.code == 0 {
            let listed = listing.json();
            for c in listed.as_array().unwrap() {
                assert!(
                    contacts.contains(&c.to_string()),
                    "{what}: contacts served changed data: {c}"
                );
            }
            differs |= listed.as_array().unwrap().len() != contacts.len();
        }
        let history = rolodex_run(dir.path(), &["history", "--json"]);
        assert_ne!(
            history.code, 101,
            "{what}: history panicked: {}",
            history.stderr
        );
        if history.code == 0 {
            for j in history.json().as_array().unwrap() {
                assert!(jobs.contains(&j.to_string()), "{what}: history served {j}");
            }
        }
        let show = rolodex_run(dir.path(), &["show", "1", "--csv"]);
        assert_ne!(show.code, 101, "{what}: show panicked: {}", show.stderr);
        for line in show.stdout.lines() {
            assert!(
                show_lines.contains(line),
                "{what}: show served a changed row: {line}"
            );
        }
        let trace = rolodex_run(dir.path(), &["trace", "Patel"]);
        assert_ne!(trace.code, 101, "{what}: trace panicked: {}", trace.stderr);
        // Last: check may repair what redb can.
        let check = rolodex_run(dir.path(), &["check"]);
        assert_ne!(check.code, 101, "{what}: check panicked: {}", check.stderr);
        assert_ne!(check.code, -1, "{what}: check hung");
        if in_record {
            in_records += 1;
            assert_eq!(
                check.code, 1,
                "{what}: check missed a changed record:\n{}{}",
                check.stdout, check.stderr
            );
        }
        if differs {
            assert_eq!(
                check.code, 1,
                "{what}: the listing changed but check found nothing:\n{}",
                check.stdout
            );
        }
        detected += usize::from(check.code == 1);
    }
    assert!(
        in_records >= flips / 2,
        "only {in_records} flips landed in records"
    );
    println!("{flips} flips, {in_records} in records, {detected} found by check");
}

#[test]
fn backup_copies_a_store_while_an_import_runs() {
    let dir = tempdir();
    let file = many_contacts(dir.path(), 60_000);
    let mut child = slow_import(dir.path(), &file, "200");
    wait_for_contacts(dir.path(), &mut child);
    let copy = dir.path().join("copy.redb");
    let out = run(dir.path(), &["backup", copy.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("Backed up "), "{}", out.stdout);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import must still run while the backup is taken"
    );
    let copy_db = copy.to_str().unwrap();
    let out = run(dir.path(), &["--db", copy_db, "check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with("store is intact: "),
        "{}",
        out.stdout
    );
    let copied = run(dir.path(), &["--db", copy_db, "contacts", "--json"]).json();
    let n = copied.as_array().unwrap().len();
    assert!(n > 0 && n < 60_000, "{n}");
    // The copy is a store of its own: the job it holds is the one under way then, and it
    // resumes there to the full file.
    assert!(child.wait().unwrap().success());
    let out = run(dir.path(), &["--db", copy_db, "resume", "1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let resumed = run(dir.path(), &["--db", copy_db, "contacts", "--json"]).json();
    assert_eq!(
        resumed,
        run(dir.path(), &["contacts", "--json"]).json(),
        "the copy resumed to the same contacts"
    );
}

#[test]
fn backup_refuses_an_existing_file_and_the_store_itself() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    let db = dir.path().join("test.redb");
    let taken = dir.path().join("taken.redb");
    std::fs::write(&taken, "mine").unwrap();
    let out = run(dir.path(), &["backup", taken.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("a file is already there"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&taken).unwrap(), b"mine");
    let before = std::fs::read(&db).unwrap();
    let out = run(dir.path(), &["backup", db.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("it is the store itself"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // A plain backup holds the same contacts, privately, and nothing else is left behind.
    let copy = dir.path().join("copy.redb");
    let out = run(dir.path(), &["backup", copy.to_str().unwrap(), "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["contacts"], 207);
    assert_eq!(
        run(
            dir.path(),
            &["--db", copy.to_str().unwrap(), "contacts", "--json"]
        )
        .json(),
        run(dir.path(), &["contacts", "--json"]).json()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// redb's page checksums are verified through a writing open: while another process
/// writes the store, check says so and checks the records alone.
#[test]
fn check_beside_a_running_writer_checks_the_records_and_says_so() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    let db = dir.path().join("test.redb");
    let writer = rolodex::store::Store::open(&db).unwrap();
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("another rolodex is writing the store (an import, resume or revert is running), so redb's page checksums were not checked"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("store is intact: 207 contacts, 1 jobs checked"));
    let json = run(dir.path(), &["check", "--json"]).json();
    assert_eq!(json["pages"]["result"], "not_checked");
    drop(writer);
    damage(&db, rolodex::store::schema::CONTACTS, 7);
    let writer = rolodex::store::Store::open(&db).unwrap();
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("contact 7: damaged"), "{}", out.stdout);
    drop(writer);
}

/// The values a contact had before a job updated it are what a revert puts back: a damaged
/// one refuses the revert, naming it, and changes nothing.
#[test]
fn a_damaged_record_from_before_a_job_refuses_its_revert() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    let change = dir.path().join("change.csv");
    std::fs::write(
        &change,
        "First Name,Last Name,Phone,Company\nJürgen,Patel,(613) 969-0710,New Company\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            change.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--purpose",
            "update",
            "--region",
            "CA",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let db = dir.path().join("test.redb");
    let before = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(before[0]["company"], "New Company", "{}", before[0]);
    damage(&db, rolodex::store::schema::UNDO, (2, 1));
    let out = run(dir.path(), &["revert", "2", "--yes"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("the record of contact 1 from before job 2 in the store is damaged"),
        "{}",
        out.stderr
    );
    assert_eq!(run(dir.path(), &["contacts", "--json"]).json(), before);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("job 2: its record of contact 1 from before it is damaged"),
        "{}",
        out.stdout
    );
}

/// A backup holds every table of the store with every record: a restored store must revert
/// as the original would (the table of later jobs' matches included).
#[test]
fn a_backup_holds_every_table_the_store_has() {
    use redb::{ReadableDatabase, ReadableTableMetadata, TableHandle};
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    // A second job that skips against the first's contacts fills the table of matches.
    import_fixture(dir.path(), &[]);
    let copy = dir.path().join("copy.redb");
    let out = run(dir.path(), &["backup", copy.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tables = |path: &Path| {
        let db = redb::Builder::new()
            .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
            .open_read_only(path)
            .unwrap();
        let txn = db.begin_read().unwrap();
        let mut found: Vec<(String, u64)> = txn
            .list_tables()
            .unwrap()
            .map(|t| {
                let name = t.name().to_string();
                (name, txn.open_untyped_table(t).unwrap().len().unwrap())
            })
            .collect();
        found.sort();
        found
    };
    let (original, copied) = (tables(&dir.path().join("test.redb")), tables(&copy));
    assert!(
        original
            .iter()
            .any(|(name, n)| name == "matched_by" && *n > 0),
        "{original:?}"
    );
    assert_eq!(copied, original);
}

/// An import whose row matches a damaged contact stops, naming that contact, instead of
/// merging into data that is not what was stored.
#[test]
fn an_import_that_meets_a_damaged_contact_names_it() {
    let dir = tempdir();
    import_fixture(dir.path(), &[]);
    let db = dir.path().join("test.redb");
    damage(&db, rolodex::store::schema::CONTACTS, 5);
    let file = fixture("contacts.csv");
    let out = run(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--require",
            "any",
            "--purpose",
            "upsert",
        ],
    );
    assert!(out.code != 0 && out.code != 101, "{}", out.stderr);
    assert!(out.stderr.contains("contact 5"), "{}", out.stderr);
}
