//! `--report` and `--errors` never destroy data: a file of the store's, the input file or
//! the other flag's file is refused before anything is written, a path that cannot be
//! written is found before any contact is imported, the file is renamed into place (never
//! written through a symlink, never with wider permissions), and a report that fails after
//! the import committed does not claim that nothing was written.

use std::path::{Path, PathBuf};

use crate::common::{fixture, import, run, tempdir, write, Run};

const PEOPLE: &str = "Name,Phone,Email\n\
Ada Lovelace,+1 212 334 5678,ada@example.com\n\
Grace Hopper,+1 212 334 5679,grace@example.com\n\
,,\n";

fn dry_run(dir: &Path, file: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["import", file.to_str().unwrap(), "--dry-run"];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// A store holding one job of two contacts, as `common::rolodex` points at it.
fn store_with_a_job(dir: &Path) -> PathBuf {
    let file = write(dir, "first.csv", PEOPLE);
    let out = import(dir, &file, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    dir.join("test.redb")
}

/// The store still answers and holds exactly what it held.
fn assert_store_intact(dir: &Path, jobs: usize, contacts: usize) {
    let history = run(dir, &["history", "--json"]);
    assert_eq!(history.code, 0, "history after: {}", history.stderr);
    assert_eq!(history.json().as_array().unwrap().len(), jobs);
    let all = run(dir, &["contacts", "--json"]);
    assert_eq!(all.code, 0, "contacts after: {}", all.stderr);
    assert_eq!(all.json().as_array().unwrap().len(), contacts);
}

/// Exit 2 (bad usage), one line naming the flag, and no temporary file left beside `dir`.
fn assert_refused(out: &Run, flag: &str, dir: &Path) {
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    assert!(out.stderr.contains(flag), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert_no_temporary_files(dir);
}

fn assert_no_temporary_files(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rolodex-tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn dry_run_report_at_the_store_is_refused_and_the_store_survives() {
    let dir = tempdir();
    let store = store_with_a_job(dir.path());
    let before = std::fs::read(&store).unwrap();
    let file = write(dir.path(), "in.csv", PEOPLE);
    let out = dry_run(dir.path(), &file, &["--report", store.to_str().unwrap()]);
    assert_refused(&out, "--report", dir.path());
    assert!(out.stderr.contains("contact store"), "{}", out.stderr);
    assert_eq!(std::fs::read(&store).unwrap(), before);
    assert_store_intact(dir.path(), 1, 2);
}

#[test]
fn errors_at_the_store_is_refused_for_dry_run_and_import() {
    let dir = tempdir();
    let store = store_with_a_job(dir.path());
    let file = write(dir.path(), "in.csv", PEOPLE);
    // Named another way: through `..`, relative to the working directory.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let other_name = sub.join("..").join("test.redb");
    let out = dry_run(
        dir.path(),
        &file,
        &["--errors", other_name.to_str().unwrap()],
    );
    assert_refused(&out, "--errors", dir.path());
    let out = import(dir.path(), &file, &["--errors", store.to_str().unwrap()]);
    assert_refused(&out, "--errors", dir.path());
    assert_store_intact(dir.path(), 1, 2);
}

#[test]
fn a_hard_link_symlink_or_sidecar_of_the_store_is_the_store() {
    let dir = tempdir();
    let store = store_with_a_job(dir.path());
    let file = write(dir.path(), "in.csv", PEOPLE);
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&store, &hard).unwrap();
    let soft = dir.path().join("soft.csv");
    std::os::unix::fs::symlink(&store, &soft).unwrap();
    let lock = dir.path().join("test.redb.lock");
    for target in [&hard, &soft, &lock] {
        let out = dry_run(dir.path(), &file, &["--report", target.to_str().unwrap()]);
        assert_refused(&out, "--report", dir.path());
    }
    assert!(!lock.exists());
    assert!(std::fs::symlink_metadata(&soft)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_store_intact(dir.path(), 1, 2);
}

#[test]
fn report_at_the_input_file_is_refused_and_the_input_unchanged() {
    let dir = tempdir();
    let file = write(dir.path(), "in.csv", PEOPLE);
    for flag in ["--report", "--errors"] {
        let out = dry_run(dir.path(), &file, &[flag, file.to_str().unwrap()]);
        assert_refused(&out, flag, dir.path());
        assert!(out.stderr.contains("file being imported"), "{}", out.stderr);
        let out = import(dir.path(), &file, &[flag, file.to_str().unwrap()]);
        assert_refused(&out, flag, dir.path());
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), PEOPLE);
}

#[test]
fn report_and_errors_naming_one_file_are_refused() {
    let dir = tempdir();
    let file = write(dir.path(), "in.csv", PEOPLE);
    let both = dir.path().join("out.csv");
    let same = dir.path().join(".").join("out.csv");
    let flags = [
        "--report",
        both.to_str().unwrap(),
        "--errors",
        same.to_str().unwrap(),
    ];
    let out = dry_run(dir.path(), &file, &flags);
    assert_refused(&out, "--errors", dir.path());
    assert!(out.stderr.contains("--report"), "{}", out.stderr);
    let out = import(dir.path(), &file, &flags);
    assert_refused(&out, "--errors", dir.path());
    assert!(!both.exists());
    assert!(
        !dir.path().join("test.redb").exists(),
        "refused before the store was opened"
    );
}

#[test]
fn report_in_a_missing_folder_is_found_before_anything_is_imported() {
    let dir = tempdir();
    store_with_a_job(dir.path());
    let file = write(
        dir.path(),
        "more.csv",
        "Name,Phone,Email\nAlan Turing,+1 212 334 5680,alan@example.com\n",
    );
    let missing = dir.path().join("no-such-folder").join("r.csv");
    for flag in ["--report", "--errors"] {
        let out = import(dir.path(), &file, &[flag, missing.to_str().unwrap()]);
        assert_ne!(
            out.code, 1,
            "1 means nothing written, and so it is, but this is usage"
        );
        assert_refused(&out, flag, dir.path());
        assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
    }
    assert_store_intact(dir.path(), 1, 2);
    // And with no store yet: none is created.
    let fresh = tempdir();
    let file = write(fresh.path(), "in.csv", PEOPLE);
    let out = import(
        fresh.path(),
        &file,
        &["--report", missing.to_str().unwrap()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!fresh.path().join("test.redb").exists());
}

#[test]
fn a_device_or_folder_is_not_a_report_file() {
    let dir = tempdir();
    let file = write(dir.path(), "in.csv", PEOPLE);
    for target in [dir.path().to_str().unwrap(), "/dev/null"] {
        let out = dry_run(dir.path(), &file, &["--report", target]);
        assert_refused(&out, "--report", dir.path());
    }
}

#[test]
fn a_symlink_at_the_target_is_replaced_not_followed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let file = write(dir.path(), "in.csv", PEOPLE);
    for (n, yes) in [(1, false), (2, true)] {
        let victim = write(dir.path(), &format!("victim{n}.txt"), "precious\n");
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join(format!("report{n}.csv"));
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let out = if yes {
            import(dir.path(), &file, &["--report", link.to_str().unwrap()])
        } else {
            dry_run(dir.path(), &file, &["--report", link.to_str().unwrap()])
        };
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        let victim_mode = std::fs::metadata(&victim).unwrap().permissions().mode();
        assert_eq!(
            victim_mode & 0o777,
            0o644,
            "the link's target keeps its mode"
        );
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_file(), "the link became a regular file");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let report = std::fs::read_to_string(&link).unwrap();
        assert!(report.starts_with("Name,Phone,Email,Import Status,Errors"));
    }
    assert_no_temporary_files(dir.path());
}

#[test]
fn permissions_never_widen() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let file = write(dir.path(), "in.csv", PEOPLE);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let shared = write(dir.path(), "shared.csv", "old\n");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
    let locked = write(dir.path(), "locked.csv", "old\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o400)).unwrap();
    let new = dir.path().join("new.csv");
    let out = dry_run(
        dir.path(),
        &file,
        &[
            "--report",
            shared.to_str().unwrap(),
            "--errors",
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mode(&shared), 0o600, "0644 narrowed to the owner's bits");
    assert_eq!(mode(&new), 0o600, "a new file is private");
    assert_ne!(std::fs::read_to_string(&shared).unwrap(), "old\n");
    let out = dry_run(dir.path(), &file, &["--report", locked.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mode(&locked), 0o400, "read-only stays read-only");
}

#[test]
fn an_import_whose_report_fails_after_commit_says_so_and_exits_3() {
    let dir = tempdir();
    // A report far larger than the store: the ignored column is kept compressed in the
    // job's rows, but written out in full in the report.
    let mut text = String::from("Name,Phone,Email,Junk\n");
    let junk = "x".repeat(16_000);
    for i in 0..500 {
        text.push_str(&format!(
            "Person {i},+1 212 300 {i:04},p{i}@example.com,{junk}\n"
        ));
    }
    let file = write(dir.path(), "wide.csv", &text);
    let report = dir.path().join("report.csv");
    let old = write(dir.path(), "report.csv", "the previous report\n");
    // Files may grow to 3 MB (6000 blocks of 512 bytes; 6 MB where a block is 1 KB):
    // enough for the store, not for the 8 MB report. SIGXFSZ ignored, so the write fails
    // with EFBIG instead of killing the process.
    let bin = assert_cmd::cargo::cargo_bin("rolodex");
    let script = format!(
        "trap '' XFSZ; ulimit -f 6000; exec '{}' import '{}' --yes --consent-confirmed --json --map Junk=ignore --report '{}'",
        bin.display(),
        file.display(),
        report.display()
    );
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("ROLODEX_DB", dir.path().join("test.redb"))
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let job: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(job["created"], 500, "the job's result is still printed");
    assert!(stderr.contains("job 1 finished"), "{stderr}");
    assert!(stderr.contains("rolodex show 1 --csv"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&old).unwrap(),
        "the previous report\n",
        "a report not written in full leaves the old one as it was"
    );
    assert_no_temporary_files(dir.path());
    assert_store_intact(dir.path(), 1, 500);
    // What the message says to run gets the report.
    let shown = run(dir.path(), &["show", "1", "--csv"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_eq!(shown.stdout.lines().count(), 501);
}

#[test]
fn reports_still_match_the_store_after_an_import() {
    let dir = tempdir();
    let results = dir.path().join("results.csv");
    let errors = dir.path().join("errors.csv");
    let file = fixture("contacts.csv");
    let out = import(
        dir.path(),
        &file,
        &[
            "--report",
            results.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = run(dir.path(), &["show", "1", "--csv"]);
    assert_eq!(shown.stdout, std::fs::read_to_string(&results).unwrap());
    let shown = run(dir.path(), &["show", "1", "--failed", "--csv"]);
    assert_eq!(shown.stdout, std::fs::read_to_string(&errors).unwrap());
    assert_no_temporary_files(dir.path());
}

/// An admin with two stores: `--report` naming the other one is refused, not written over.
#[test]
fn another_store_is_never_a_report_file() {
    let dir = tempdir();
    store_with_a_job(dir.path());
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let other_store = store_with_a_job(&other);
    let before = std::fs::read(&other_store).unwrap();
    let input = write(dir.path(), "more.csv", PEOPLE);
    let out = dry_run(
        dir.path(),
        &input,
        &["--report", other_store.to_str().unwrap()],
    );
    assert_refused(&out, "--report", dir.path());
    assert!(out.stderr.contains("a contact store"), "{}", out.stderr);
    assert_eq!(std::fs::read(&other_store).unwrap(), before);
    assert_store_intact(&other, 1, 2);
}

/// The wizard without a terminal (cron, CI, `ssh` without `-t`) is bad usage with advice,
/// said before any store is opened or created — not a panic.
#[test]
fn the_wizard_without_a_terminal_says_what_to_run_instead() {
    let dir = tempdir();
    for args in [
        &["import", fixture("contacts.csv").to_str().unwrap()][..],
        &[][..],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("needs a terminal"), "{}", out.stderr);
        assert!(
            out.stderr.contains("--yes --consent-confirmed"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "nothing drawn: {:?}", out.stdout);
    }
    assert!(
        !dir.path().join("test.redb").exists(),
        "no store was created"
    );
}

/// `--json` asks for a headless result: without `--yes` or `--dry-run` (the wizard) it is
/// bad usage that says what to add, never silently ignored.
#[test]
fn json_without_a_headless_mode_says_what_to_add() {
    let dir = tempdir();
    let file = fixture("contacts.csv");
    let out = run(dir.path(), &["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--json prints what a headless import or a dry run did"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert!(!dir.path().join("test.redb").exists());
}
