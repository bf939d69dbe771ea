//! The readers of a PostgreSQL store (issue 19): the dry run and the remembered mapping give
//! what they give on a store file; a second process's `history`, `contacts --search` and
//! `trace` answer while an import writes, and a second import is refused; an import killed
//! with SIGKILL at ten random moments and resumed gives the contacts of one run through.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{rolodex, rolodex_process, run, tempdir, write};
use crate::store_backends::{fresh_schema, pg_exec, test_pg_url};

/// `rolodex ARGS` on the PostgreSQL store `schema` (or the test's store file): exit
/// status, stdout, stderr.
fn on(dir: &Path, pg: Option<(&str, &str)>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = rolodex(dir);
    if let Some((url, schema)) = pg {
        cmd.env("ROLODEX_DB", url).env("ROLODEX_PG_SCHEMA", schema);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What differs by nature between two stores' JSON: where the store is, and when.
fn plain(text: &str) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    if let Some(o) = v.as_object_mut() {
        for key in [
            "store",
            "started",
            "finished",
            "owner",
            "elapsed_ms",
            "took_ms",
        ] {
            o.remove(key);
        }
    }
    v
}

/// A dry run against a PostgreSQL store decides create, update and duplicate from the
/// stored contacts as one against a store file does; the mapping an import remembered is
/// the next import's on both.
#[test]
fn a_dry_run_and_a_remembered_mapping_on_postgres_match_redb() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let pg = Some((url.as_str(), schema.as_str()));
    let fixture = crate::common::fixture("contacts.csv").display().to_string();
    // Before any store: the dry run creates none.
    let dry = ["import", fixture.as_str(), "--dry-run", "--json"];
    let (rc, r, re) = on(dir.path(), None, &dry);
    let (pc, p, pe) = on(dir.path(), pg, &dry);
    assert_eq!((rc, pc), (0, 0), "{re}\n{pe}");
    assert_eq!(plain(&r), plain(&p), "dry run before any store");
    let (code, _, stderr) = on(dir.path(), pg, &["history"]);
    assert_eq!(code, 1, "a dry run created no store: {stderr}");

    // Half the file imported: the dry run of the whole finds updates and duplicates.
    let text = std::fs::read_to_string(&fixture).unwrap();
    let half: Vec<&str> = text.lines().collect();
    let half = half[..half.len() / 2].join("\n") + "\n";
    let half = write(dir.path(), "half.csv", &half);
    let first = [
        "import",
        half.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
    ];
    for store in [None, pg] {
        let (code, _, stderr) = on(dir.path(), store, &first);
        assert_eq!(code, 0, "{stderr}");
    }
    for purpose in ["create", "upsert", "update"] {
        let dry = [
            "import",
            fixture.as_str(),
            "--dry-run",
            "--json",
            "--purpose",
            purpose,
        ];
        let (rc, r, re) = on(dir.path(), None, &dry);
        let (pc, p, pe) = on(dir.path(), pg, &dry);
        assert_eq!((rc, pc), (0, 0), "{re}\n{pe}");
        let (r, p) = (plain(&r), plain(&p));
        assert_eq!(r, p, "dry run --purpose {purpose} against the stored half");
    }

    // A mapping given once is remembered for the header: the next import of a file with
    // that header (and no --map) maps it the same way, on both stores.
    let odd = write(
        dir.path(),
        "odd.csv",
        "Who,Reach,Note\nAda Lovelace,+1 212 736 0100,first\n",
    );
    let mapped = [
        "import",
        odd.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
        "--map",
        "Reach=phone",
        "--map",
        "Who=full_name",
    ];
    let again = write(
        dir.path(),
        "again.csv",
        "Who,Reach,Note\nGrace Hopper,+1 212 736 0101,second\n",
    );
    let dry_again = ["import", again.to_str().unwrap(), "--dry-run", "--json"];
    for store in [None, pg] {
        let (code, _, stderr) = on(dir.path(), store, &mapped);
        assert_eq!(code, 0, "{stderr}");
    }
    let (_, r, _) = on(dir.path(), None, &dry_again);
    let (_, p, _) = on(dir.path(), pg, &dry_again);
    let (r, p) = (plain(&r), plain(&p));
    assert_eq!(r, p, "the remembered mapping");
    assert!(
        r.to_string().contains("remembered"),
        "the mapping was remembered: {r}"
    );
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

/// A CSV of `rows` people, every 40th row repeating one 20 rows before it (an update).
fn people(dir: &Path, name: &str, rows: u64) -> std::path::PathBuf {
    let mut text = String::with_capacity(rows as usize * 48);
    text.push_str("First Name,Last Name,Phone,Email\n");
    for i in 0..rows {
        let n = if i % 40 == 39 { i - 20 } else { i };
        let first = if i == 0 { "Zebedee" } else { "Person" };
        text.push_str(&format!(
            "{first},N{n},+1 212 {} {:04},p{n}@example.com\n",
            200 + n / 10_000,
            n % 10_000
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The job's rows done so far, from `history --json`.
fn rows_done(history: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(history).ok()?;
    v.as_array()?
        .iter()
        .find(|j| j["job"] == 1)
        .and_then(|j| j["total_rows"].as_u64())
}

/// Two processes on one PostgreSQL store: while one imports, the other's `history`,
/// `contacts --search` and `trace` answer (each timed: printed, and held to a generous
/// bound here, the 200 ms of the issue being measured with 1M rows by hand), history sees
/// the job's rows move, and a second import is refused as a store file's would be.
#[test]
fn readers_answer_and_a_second_import_is_refused_while_postgres_imports() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let rows: u64 = std::env::var("ROLODEX_PG_CONCURRENT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let file = people(dir.path(), "big.csv", rows);
    let pg = |args: &[&str]| {
        let mut cmd = rolodex_process(dir.path());
        cmd.env("ROLODEX_DB", &url)
            .env("ROLODEX_PG_SCHEMA", &schema)
            .args(args);
        cmd
    };
    let mut import = pg(&[
        "import",
        file.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
    ])
    .env("ROLODEX_BATCH_ROWS", "5000")
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let timed = |args: &[&str]| -> (Duration, i32, String, String) {
        let started = Instant::now();
        let out = pg(args).output().unwrap();
        (
            started.elapsed(),
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut seen_counts = Vec::new();
    let mut latencies: Vec<(&str, Duration)> = Vec::new();
    let mut refused = false;
    let second = dir.path().join("second.csv");
    std::fs::write(&second, "Name,Phone\nAda,+1 212 736 0100\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while import.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the import ran for 5 minutes");
        let (took, code, out, err) = timed(&["history", "--json"]);
        if code == 1 && err.contains("no store") {
            std::thread::sleep(Duration::from_millis(20));
            continue; // the import has not made the schema yet
        }
        assert_eq!(code, 0, "history: {err}");
        latencies.push(("history", took));
        if let Some(done) = rows_done(&out) {
            if seen_counts.last() != Some(&done) {
                seen_counts.push(done);
            }
        }
        let (took, code, out, err) = timed(&["contacts", "--search", "zebedee", "--json"]);
        assert_eq!(code, 0, "contacts --search: {err}");
        assert!(out.trim_start().starts_with('['), "{out}");
        latencies.push(("contacts --search", took));
        let (took, code, _, err) = timed(&["trace", "zebedee", "--json"]);
        // Before the job's first commit there is nothing to trace yet (exit 1 says so).
        assert!(code == 0 || code == 1, "trace: {err}");
        latencies.push(("trace", took));
        if !refused {
            let (_, code, _, err) = timed(&[
                "import",
                second.to_str().unwrap(),
                "--yes",
                "--consent-confirmed",
            ]);
            if code != 0 {
                assert!(err.contains("is in use by another rolodex"), "{err}");
                refused = true;
            } else {
                // Only possible before the first import took its lock: no store yet.
                assert!(
                    seen_counts.is_empty(),
                    "a second import ran beside the first"
                );
            }
        }
    }
    assert!(import.wait().unwrap().success(), "the import succeeded");
    let mut by_kind: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    for (kind, took) in &latencies {
        by_kind.entry(kind).or_default().push(*took);
    }
    for (kind, mut took) in by_kind {
        took.sort();
        eprintln!(
            "{kind}: {} answers during the import, median {:?}, max {:?}",
            took.len(),
            took[took.len() / 2],
            took[took.len() - 1]
        );
        // trace reads every row of every job (a store file's does too: 29 s for 1M
        // rows in the README), so it is held to a bound that grows with the rows.
        let bound = if kind == "trace" {
            Duration::from_secs(20)
        } else {
            Duration::from_secs(2)
        };
        assert!(took[took.len() / 2] < bound, "{kind} answered in {took:?}");
    }
    assert!(refused, "a second import was refused while the first ran");
    assert!(
        seen_counts.len() >= 2,
        "history saw the running job's rows move: {seen_counts:?}"
    );
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

/// A small seeded generator (splitmix64): the kill moments are reproducible from the
/// printed seed (`ROLODEX_KILL_SEED`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `kill -9` of the importing client at ten random moments (each a random time after the
/// import or resume started), then `resume`: the PostgreSQL store ends with the contacts
/// an uninterrupted import gives a store file.
#[test]
fn an_import_killed_ten_times_at_random_resumes_to_the_same_contacts() {
    let Some(url) = test_pg_url() else { return };
    let seed = std::env::var("ROLODEX_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        });
    eprintln!("kill moments from ROLODEX_KILL_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempdir();
    let schema = fresh_schema();
    // Enough rows that ten kills land before the end (each restart checks the file again):
    // at 30,000 the packed writer finished after three.
    let rows = 80_000;
    let csv = people(dir.path(), "big.csv", rows);
    let csv = csv.display().to_string();
    let spawn = |args: &[&str]| {
        rolodex_process(dir.path())
            .env("ROLODEX_DB", &url)
            .env("ROLODEX_PG_SCHEMA", &schema)
            .env("ROLODEX_BATCH_ROWS", "500")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let pg = Some((url.as_str(), schema.as_str()));
    let mut child = spawn(&[
        "import",
        &csv,
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
    ]);
    let mut kills = 0;
    let mut moments = Vec::new();
    while kills < 10 {
        let delay = 20 + rng.next() % 300;
        std::thread::sleep(Duration::from_millis(delay));
        let ended = child.try_wait().unwrap().is_some();
        if !ended {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            kills += 1;
        }
        // Ended by itself: finished, or refused while the killed one's lock was let go.
        let (_, history, _) = on(dir.path(), pg, &["history", "--json"]);
        if !ended {
            moments.push((delay, rows_done(&history).unwrap_or(0)));
        }
        if history.contains("\"completed\"") {
            break;
        }
        if !history.contains("\"job\": 1") {
            // Killed before the job was recorded: the import starts again.
            child = spawn(&[
                "import",
                &csv,
                "--yes",
                "--consent-confirmed",
                "--no-import-tag",
            ]);
            continue;
        }
        child = spawn(&["resume", "1"]);
    }
    let _ = child.wait();
    eprintln!("killed {kills} times (ms after start, rows done): {moments:?}");
    let (_, history, _) = on(dir.path(), pg, &["history", "--json"]);
    if !history.contains("\"completed\"") {
        let (code, _, stderr) = on(dir.path(), pg, &["resume", "1"]);
        assert_eq!(code, 0, "seed {seed}: {stderr}");
    }
    let (code, pg_contacts, stderr) = on(dir.path(), pg, &["contacts", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let r = run(
        dir.path(),
        &[
            "import",
            &csv,
            "--yes",
            "--consent-confirmed",
            "--no-import-tag",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let redb_contacts = run(dir.path(), &["contacts", "--json"]).stdout;
    let (p, r): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&pg_contacts).unwrap(),
        serde_json::from_str(&redb_contacts).unwrap(),
    );
    assert_eq!(
        p.as_array().map(|a| a.len() as u64),
        Some(rows - rows / 40),
        "seed {seed}"
    );
    assert_eq!(
        kills, 10,
        "seed {seed}: the import ended before its tenth kill"
    );
    assert!(
        p == r,
        "seed {seed}: the resumed PostgreSQL store differs from an uninterrupted import"
    );
    let (_, found, _) = on(
        dir.path(),
        pg,
        &["contacts", "--search", "zebedee", "--json"],
    );
    assert_eq!(plain(&found).as_array().map(Vec::len), Some(1), "{found}");
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}
