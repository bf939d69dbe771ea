//! Readers while an import runs (issue 13): `contacts`, `history` and `show` in a second
//! process answer within a second while a 1M-row import writes the same store, and see its
//! commits as they land.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{rolodex_process, run, tempdir};

/// A 1M-row export of distinct people, about 45 MB.
fn million_rows(dir: &Path) -> std::path::PathBuf {
    let rows: u64 = std::env::var("ROLODEX_CONCURRENT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let path = dir.join("million.csv");
    let mut text = String::with_capacity(rows as usize * 48);
    text.push_str("Name,Phone,Email\n");
    for i in 0..rows {
        text.push_str(&format!(
            "P{i} Q,+1 212 {} {:04},p{i}@example.com\n",
            200 + i / 10_000,
            i % 10_000
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// How long `rolodex ARGS` takes to print its first line (or to end, if it prints nothing),
/// its first 64 KiB of output, and its exit status.
fn first_answer(dir: &Path, args: &[&str]) -> (Duration, String, i32) {
    let started = Instant::now();
    let mut child = rolodex_process(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    let answered = started.elapsed();
    // Keep a little more, drain the rest so the reader is not blocked on a full pipe.
    let mut more = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut out, 64 * 1024), &mut more).unwrap();
    first.push_str(&String::from_utf8_lossy(&more));
    std::io::copy(&mut out, &mut std::io::sink()).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    if !status.success() {
        first = err;
    }
    (answered, first, status.code().unwrap_or(-1))
}

#[test]
fn readers_answer_within_a_second_while_a_million_row_import_runs() {
    let dir = tempdir();
    let file = million_rows(dir.path());
    // Commits every 200k rows (the default, 1M, would commit this file once, at its end),
    // so readers have commits to follow.
    let mut import = rolodex_process(dir.path())
        .env("ROLODEX_BATCH_ROWS", "200000")
        .args([
            "import",
            file.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut answers = Vec::new();
    let mut saw_contacts = false;
    let mut saw_running_job = false;
    while import.try_wait().unwrap().is_none() {
        for args in [
            &["contacts"][..],
            &["contacts", "--json"][..],
            &["history"][..],
        ] {
            let (mut took, mut out, mut code) = first_answer(dir.path(), args);
            // One slow answer may be the 2-core machine scheduling other tests; a reader
            // the import blocks is slow twice running.
            if took > Duration::from_secs(1) && import.try_wait().unwrap().is_none() {
                (took, out, code) = first_answer(dir.path(), args);
            }
            // A store not created yet is the only acceptable refusal.
            if code != 0 {
                assert!(
                    answers.is_empty() && out.contains("no store at"),
                    "{args:?} failed mid-import: {out}"
                );
                continue;
            }
            answers.push((args.join(" "), took));
            if args == ["contacts"] && out.lines().any(|l| l.starts_with('#')) {
                saw_contacts = true;
            }
            if args == ["history"] && (out.contains(" importing ") || out.contains(" checking ")) {
                saw_running_job = true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(import.wait().unwrap().success());
    let slow: Vec<_> = answers
        .iter()
        .filter(|(_, took)| *took > Duration::from_secs(1))
        .collect();
    assert!(
        answers.len() >= 6,
        "the import ended before readers could be tried: {answers:?}"
    );
    assert!(slow.is_empty(), "readers waited on the import: {slow:?}");
    assert!(saw_running_job, "history showed the job while it ran");
    assert!(
        saw_contacts,
        "contacts followed the import's commits: {answers:?}"
    );
    let done = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(done[0]["status"], "completed");
}
