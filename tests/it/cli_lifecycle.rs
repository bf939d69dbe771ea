//! A job's life from start to end, whatever ends it, with the real binary: recorded the
//! moment it starts, shown `interrupted` once its process is gone, stopped at a commit by
//! SIGINT, SIGTERM and SIGHUP with a line on how to resume, stopped when its file changes
//! under it, and revertable in every state.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{rolodex_process, run, tempdir};

/// An export of `rows` contacts; `note` characters of notes per row make the file long to
/// read without adding rows.
fn export(dir: &Path, name: &str, rows: u64, note: usize) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::from("First Name,Last Name,Phone,Email,Notes\n");
    let filler = "x".repeat(note);
    for i in 0..rows {
        text.push_str(&format!(
            "Person,{i},+1 212 {} {:04},p{i}@example.com,{filler}\n",
            200 + i / 10_000,
            i % 10_000
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn import_args(file: &Path) -> Vec<String> {
    [
        "import",
        file.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
        "--json",
    ]
    .map(String::from)
    .to_vec()
}

/// The binary with `args`, in batches of `batch` rows (0: the default), its stdout and
/// stderr captured.
fn start(dir: &Path, args: &[String], batch: usize) -> Child {
    let mut cmd = rolodex_process(dir);
    if batch > 0 {
        cmd.env("ROLODEX_BATCH_ROWS", batch.to_string());
    }
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The names of a running process's threads (Linux).
fn threads(pid: u32) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_string())
        .collect()
}

/// Waits until `child` runs a thread named `name`; false if it ended first.
fn wait_for_thread(child: &mut Child, name: &str) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if threads(child.id()).iter().any(|t| t == name) {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        // Looked for often, without taking a core from the process watched.
        std::thread::sleep(Duration::from_micros(200));
    }
    panic!("no thread {name} after 30 s");
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name}");
}

/// Runs `args` to its end; how long it took, and its contacts.
fn uninterrupted(args: &[String], batch: usize) -> (Duration, String) {
    let dir = tempdir();
    let started = Instant::now();
    let out = start(dir.path(), args, batch).wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let took = started.elapsed();
    (took, run(dir.path(), &["contacts", "--json"]).stdout)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn history(dir: &Path) -> Value {
    run(dir, &["history", "--json"]).json()
}

/// Starts `args`, signals it with `name` after a delay (shorter each time it ended before
/// the signal), and returns its output once it ends by that signal.
fn signalled(dir: &Path, args: &[String], batch: usize, name: &str, run_time: Duration) -> Output {
    for attempt in 0..8 {
        let db = dir.join("test.redb");
        let _ = std::fs::remove_file(&db);
        let child = start(dir, args, batch);
        std::thread::sleep(run_time / 2 / (attempt + 1));
        signal(&child, name);
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            return out;
        }
    }
    panic!("the run always ended before SIGNAL {name}");
}

/// `kill -9` while the whole file is checked: the job is already recorded, shows as
/// interrupted with the command that finishes it, and `resume` reaches exactly the
/// contacts of an uninterrupted import.
#[test]
fn killed_during_the_whole_file_check_the_job_shows_interrupted_and_resumes() {
    let dir = tempdir();
    // One batch for the whole file, long to read: nothing can be committed before the
    // check ends, and the check lasts long enough to be seen.
    let file = export(dir.path(), "wide.csv", 30_000, 300);
    let args = import_args(&file);
    let mut child = start(dir.path(), &args, 0);
    assert!(
        wait_for_thread(&mut child, "rolodex-verify"),
        "the import ended before its check was seen"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let jobs = history(dir.path());
    assert_eq!(
        jobs.as_array().unwrap().len(),
        1,
        "the job is visible: {jobs}"
    );
    assert_eq!(jobs[0]["status"], "interrupted", "{jobs}");
    assert_eq!(jobs[0]["total_rows"], 0);
    let shown = run(dir.path(), &["history"]).stdout;
    assert!(shown.contains("interrupted"), "{shown}");
    assert!(shown.contains("`rolodex resume 1`"), "{shown}");
    let job = run(dir.path(), &["show", "1"]).stdout;
    assert!(job.contains("— interrupted"), "{job}");
    assert!(job.contains("`rolodex resume 1`"), "{job}");

    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["status"], "completed");
    let (_, want) = uninterrupted(&args, 0);
    assert!(
        run(dir.path(), &["contacts", "--json"]).stdout == want,
        "resumed contacts differ from an uninterrupted import"
    );
    assert_eq!(history(dir.path())[0]["total_rows"], 30_000);
}

/// A signal during the whole-file check, before the first batch: nothing was written, the
/// job ends cancelled, and stderr says so once with the command that goes on; the exit
/// status is 128 + the signal.
#[test]
fn a_signal_before_the_first_commit_says_nothing_was_written_and_how_to_go_on() {
    let dir = tempdir();
    // One batch for the whole file, long to read: nothing can be committed before the
    // check ends, and the check lasts long enough to be seen.
    let file = export(dir.path(), "wide.csv", 30_000, 300);
    let mut child = start(dir.path(), &import_args(&file), 0);
    assert!(
        wait_for_thread(&mut child, "rolodex-verify"),
        "the import ended before its check was seen"
    );
    signal(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "rolodex: SIGTERM: stopping job 1 at its next commit; a SIGINT (Ctrl-C) stops it at once\n\
         rolodex: job 1 was cancelled before its first batch; nothing was written\n\
         rolodex: `rolodex resume 1` goes on with it\n"
    );
    let jobs = history(dir.path());
    assert_eq!(jobs[0]["status"], "cancelled", "{jobs}");
    assert_eq!(jobs[0]["created"], 0, "{jobs}");
    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["status"], "completed");
}

/// SIGINT, SIGTERM and SIGHUP stop a headless import at its next commit: the job ends
/// cancelled, the exit status is 128 + the signal, stderr says how to resume, and the
/// resume reaches exactly the contacts of an uninterrupted import.
#[test]
fn signals_stop_a_headless_import_at_a_commit_with_a_resume_hint() {
    let files = tempdir();
    let file = export(files.path(), "in.csv", 60_000, 0);
    let args = import_args(&file);
    let batch = 2_000;
    let (took, want) = uninterrupted(&args, batch);
    for (name, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let dir = tempdir();
        let out = signalled(dir.path(), &args, batch, name, took);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(128 + number), "SIG{name}: {stderr}");
        assert!(
            stderr.contains(&format!("SIG{name}")) && stderr.contains("`rolodex resume 1`"),
            "SIG{name}: {stderr}"
        );
        let jobs = history(dir.path());
        assert_eq!(jobs[0]["status"], "cancelled", "SIG{name}: {jobs} {stderr}");
        let committed = jobs[0]["created"].as_u64().unwrap();
        let count = run(dir.path(), &["contacts", "--json"]).json();
        assert_eq!(count.as_array().unwrap().len() as u64, committed);
        let out = run(dir.path(), &["resume", "1", "--json"]);
        assert_eq!(out.code, 0, "SIG{name}: {}", out.stderr);
        assert!(
            run(dir.path(), &["contacts", "--json"]).stdout == want,
            "SIG{name}: resumed contacts differ from an uninterrupted import"
        );
        eprintln!("SIG{name}: {committed} contacts committed when it stopped");
    }
}

/// A second SIGINT ends the process at once; the store stays consistent (the job shows
/// cancelled or interrupted, as the first SIGINT had time to finish or not), and resume
/// reaches the uninterrupted result.
#[test]
fn a_second_sigint_stops_at_once_and_the_store_stays_consistent() {
    let files = tempdir();
    let file = export(files.path(), "in.csv", 60_000, 0);
    let args = import_args(&file);
    let batch = 20_000;
    let (took, want) = uninterrupted(&args, batch);
    let dir = tempdir();
    let out = (0..8)
        .find_map(|attempt| {
            let _ = std::fs::remove_file(dir.path().join("test.redb"));
            let child = start(dir.path(), &args, batch);
            std::thread::sleep(took / 2 / (attempt + 1));
            signal(&child, "INT");
            signal(&child, "INT");
            let out = child.wait_with_output().unwrap();
            (!out.status.success()).then_some(out)
        })
        .expect("the import always ended before the signals");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let status = history(dir.path())[0]["status"].clone();
    assert!(status == "interrupted" || status == "cancelled", "{status}");
    assert_eq!(run(dir.path(), &["resume", "1"]).code, 0);
    assert!(run(dir.path(), &["contacts", "--json"]).stdout == want);
}

/// A job killed part way whose file then changed cannot be resumed (the rows would come
/// from two files), but it can be reverted: the store is then exactly as if the file had
/// never been imported.
#[test]
fn a_killed_job_whose_file_changed_can_still_be_reverted() {
    let dir = tempdir();
    let base = dir.path().join("base.csv");
    std::fs::write(
        &base,
        "Name,Phone,Company\nAda Lovelace,+1 212 200 0005,Babbage\nAlan Turing,+1 212 200 0007,Bletchley\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            base.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let never_imported = run(dir.path(), &["contacts", "--json"]).stdout;
    let file = export(dir.path(), "in.csv", 60_000, 0);
    let mut args = import_args(&file);
    args.extend(["--purpose".into(), "upsert".into()]);
    let batch = 2_000;
    let (took, _) = uninterrupted(&args, batch);
    let killed = (1..20).find(|attempt| {
        let store = dir.path().join("test.redb");
        let copy = dir.path().join("base.redb");
        if *attempt == 1 {
            std::fs::copy(&store, &copy).unwrap();
        } else {
            std::fs::copy(&copy, &store).unwrap();
        }
        let mut child = start(dir.path(), &args, batch);
        std::thread::sleep(took / 3 + took * *attempt / 60);
        child.kill().unwrap();
        child.wait().unwrap();
        let jobs = history(dir.path());
        jobs[1]["status"] == "interrupted" && jobs[1]["created"].as_u64().unwrap() > 0
    });
    assert!(killed.is_some(), "no kill landed after a commit");

    let mut changed = std::fs::read_to_string(&file).unwrap();
    changed.push_str("Late,Row,+1 212 999 0000,late@example.com,\n");
    std::fs::write(&file, changed).unwrap();
    let out = run(dir.path(), &["resume", "2"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("has changed since job 2 started"),
        "{}",
        out.stderr
    );
    assert_eq!(history(dir.path())[1]["status"], "interrupted");

    let out = run(dir.path(), &["revert", "2", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        run(dir.path(), &["contacts", "--json"]).stdout,
        never_imported,
        "the store is back to before job 2"
    );
    assert_eq!(history(dir.path())[1]["status"], "reverted");
}

/// A job in any state that did not complete — cancelled by a signal, failed on a broken
/// file — is reverted like a completed one.
#[test]
fn cancelled_and_failed_jobs_are_reverted_like_completed_ones() {
    let files = tempdir();
    let file = export(files.path(), "in.csv", 60_000, 0);
    let args = import_args(&file);
    let batch = 2_000;
    let (took, _) = uninterrupted(&args, batch);
    let dir = tempdir();
    signalled(dir.path(), &args, batch, "TERM", took);
    assert_eq!(history(dir.path())[0]["status"], "cancelled");
    let broken = files.path().join("broken.csv");
    std::fs::write(
        &broken,
        "Name,Phone\nAda,+1 212 200 0005\n\"Open,+1 212 200 0006\n",
    )
    .unwrap();
    let broken = broken.to_str().unwrap();
    let out = run(
        dir.path(),
        &["import", broken, "--yes", "--consent-confirmed"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let jobs = history(dir.path());
    assert_eq!(jobs[1]["status"], "failed", "{jobs}");
    for job in ["2", "1"] {
        let out = run(dir.path(), &["revert", job, "--yes"]);
        assert_eq!(out.code, 0, "job {job}: {}", out.stderr);
    }
    assert_eq!(
        run(dir.path(), &["contacts", "--json"]).json(),
        serde_json::json!([])
    );
    let jobs = history(dir.path());
    assert_eq!(jobs[0]["status"], "reverted");
    assert_eq!(jobs[1]["status"], "reverted");
}

/// SIGTERM stops a headless revert after the batch in hand: exit 143, the job shows
/// interrupted with the command that finishes the revert, and running it again leaves the
/// store as before the job.
#[test]
fn a_signal_stops_a_revert_at_a_commit_and_running_it_again_finishes_it() {
    let dir = tempdir();
    let file = export(dir.path(), "in.csv", 90_000, 0);
    let file = file.to_str().unwrap();
    let out = run(
        dir.path(),
        &["import", file, "--yes", "--consent-confirmed"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let store = dir.path().join("test.redb");
    let copy = dir.path().join("imported.redb");
    std::fs::copy(&store, &copy).unwrap();
    let revert: Vec<String> = ["revert", "1", "--yes"].map(String::from).to_vec();
    // Several commits to stop between: a revert's batch is larger than this store.
    let start = |dir: &Path, args: &[String], _: usize| {
        rolodex_process(dir)
            .env("ROLODEX_REVERT_BATCH", "20000")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let started = Instant::now();
    let out = start(dir.path(), &revert, 0).wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let took = started.elapsed();
    let stopped = (0..8).find_map(|attempt| {
        std::fs::copy(&copy, &store).unwrap();
        let child = start(dir.path(), &revert, 0);
        std::thread::sleep(took / 2 / (attempt + 1));
        signal(&child, "TERM");
        let out = child.wait_with_output().unwrap();
        (!out.status.success()).then_some(out)
    });
    let out = stopped.expect("the revert always ended before SIGTERM");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains("`rolodex revert 1 --yes` finishes it"),
        "{stderr}"
    );
    assert_eq!(history(dir.path())[0]["status"], "interrupted");
    let shown = run(dir.path(), &["history"]).stdout;
    assert!(
        shown.contains("`rolodex revert 1 --yes` finishes the revert"),
        "{shown}"
    );
    let out = run(dir.path(), &["resume", "1"]);
    assert_eq!(
        out.code, 1,
        "a revert half done is not resumed as an import"
    );
    let out = run(dir.path(), &["revert", "1", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        run(dir.path(), &["contacts", "--json"]).json(),
        serde_json::json!([])
    );
    assert_eq!(history(dir.path())[0]["status"], "reverted");
}

/// A change made to a file under an import (its path, its original content).
type Change = fn(&Path, &[u8]);

/// The file truncated or appended to while it is imported: the job stops with the reason
/// (exit 3), keeping the batches committed before; with the original content back,
/// `resume` reaches the uninterrupted result.
#[test]
fn a_file_changed_during_the_import_stops_the_job_with_the_reason() {
    let files = tempdir();
    let file = export(files.path(), "in.csv", 60_000, 0);
    let original = std::fs::read(&file).unwrap();
    let args = import_args(&file);
    let batch = 2_000;
    let (took, want) = uninterrupted(&args, batch);
    let changes: [(&str, Change); 2] = [
        ("truncated", |path, original| {
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .unwrap()
                .set_len(original.len() as u64 / 2)
                .unwrap()
        }),
        ("appended", |path, _| {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
            f.write_all(b"Late,Row,+1 212 999 0000,late@example.com,\n")
                .unwrap();
        }),
    ];
    for (what, change) in changes {
        let dir = tempdir();
        let out = (0..8)
            .find_map(|attempt| {
                std::fs::write(&file, &original).unwrap();
                let _ = std::fs::remove_file(dir.path().join("test.redb"));
                let mut child = start(dir.path(), &args, batch);
                wait_for_thread(&mut child, "rolodex-read");
                std::thread::sleep(took / 3 / (attempt + 1));
                change(&file, &original);
                let out = child.wait_with_output().unwrap();
                (!out.status.success()).then_some(out)
            })
            .unwrap_or_else(|| panic!("{what}: the import always ended before the change"));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{what}: {stderr}");
        assert!(
            stderr.contains("changed while it was being imported")
                && stderr.contains("`rolodex resume 1`"),
            "{what}: {stderr}"
        );
        let job: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(job["status"], "stopped", "{what}");
        assert_eq!(
            job["reason"],
            "the file changed while it was being imported"
        );
        let jobs = history(dir.path());
        assert_eq!(jobs[0]["status"], "stopped");
        assert_eq!(jobs[0]["reason"], job["reason"]);
        let kept = run(dir.path(), &["contacts", "--json"]).json();
        assert_eq!(
            kept.as_array().unwrap().len() as u64,
            job["created"].as_u64().unwrap()
        );
        assert!(
            job["total_rows"].as_u64().unwrap() < 60_000,
            "{what}: {job}"
        );
        let shown = run(dir.path(), &["history"]).stdout;
        assert!(
            shown.contains("stopped: the file changed while it was being imported"),
            "{shown}"
        );

        // Resumable on the original content only.
        std::fs::write(&file, &original).unwrap();
        let out = run(dir.path(), &["resume", "1", "--json"]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        assert!(
            run(dir.path(), &["contacts", "--json"]).stdout == want,
            "{what}: resumed contacts differ from an uninterrupted import"
        );
        eprintln!("{what}: stopped after {} rows", job["total_rows"]);
    }
}

/// A store that cannot grow (a full disk; here a file size limit) stops the import after
/// some batches were committed: not exit 1, which promises nothing was written, but 3, with
/// the job failed, its committed contacts kept and the command that goes on named.
#[test]
fn a_failure_after_committed_batches_is_not_called_nothing_written() {
    let dir = tempdir();
    // Notes are kept in the job's rows, so the store outgrows the limit part way.
    let file = export(dir.path(), "big.csv", 6_000, 400);
    let bin = assert_cmd::cargo::cargo_bin("rolodex");
    // Files may grow to 3 MB (6 MB where a block is 1 KB); SIGXFSZ ignored, so a write
    // past it fails with EFBIG instead of killing the process.
    let script = format!(
        "trap '' XFSZ; ulimit -f 6000; exec '{}' {}",
        bin.display(),
        import_args(&file)
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("ROLODEX_DB", dir.path().join("test.redb"))
        .env("ROLODEX_BATCH_ROWS", "500")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("every batch written before is kept"),
        "{stderr}"
    );
    assert!(stderr.contains("`rolodex resume 1`"), "{stderr}");
    // Failed, or interrupted when the full store could not even take that mark: either
    // way it says where its committed batches end.
    let jobs = history(dir.path());
    let status = jobs[0]["status"].as_str().unwrap();
    assert!(matches!(status, "failed" | "interrupted"), "{jobs}");
    let created = jobs[0]["created"].as_u64().unwrap();
    assert!((500..6_000).contains(&created), "{jobs}");
    let kept = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(kept.as_array().unwrap().len() as u64, created);
    // With room again, resume finishes it to every row.
    let resumed = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    let kept = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(kept.as_array().unwrap().len(), 6_000);
}
