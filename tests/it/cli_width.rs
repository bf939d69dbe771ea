//! The command line for people, through the real binary: output that fits 80 columns
//! (tables shrink with `…`, counts grouped and never cut, help wrapped), `show --json`, the
//! plain status words, the store's path after every write, a second import of the same
//! file named as such, `resume --max-failures`, `--dial` without `--list`, and the
//! headless progress line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

use crate::common::{import, rolodex, run, tempdir, write, Run};

/// The binary with `COLUMNS` set, as a shell in a terminal of that width sets it.
fn run_at(dir: &Path, columns: usize, args: &[&str]) -> Run {
    let out = rolodex(dir)
        .env("COLUMNS", columns.to_string())
        .args(args)
        .output()
        .expect("rolodex runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A CRM export of 16 columns and long values, 1,200 rows, some of them failing, in a
/// folder with a long name (history shows its path).
fn wide_export(dir: &Path) -> PathBuf {
    let folder = dir.join("exports-from-the-crm-of-the-sales-team-for-the-spring-campaign");
    std::fs::create_dir_all(&folder).unwrap();
    let header = [
        "First Name",
        "Last Name",
        "Phone",
        "Email",
        "Company",
        "Job Title",
        "Street Address",
        "City",
        "State",
        "Zip",
        "Country",
        "Website",
        "Industry",
        "Notes",
        "Lead Source",
        "Account Owner",
    ];
    let mut text = header.join(",") + "\n";
    for i in 0..1200 {
        let phone = if i % 100 == 7 {
            "123".to_string()
        } else {
            format!("+1 212 555 {:04}", i)
        };
        text.push_str(&format!(
            "Bartholomew-Maximilian {i},Featherstonehaugh-Cholmondeley,{phone},bartholomew.maximilian.{i}@an-extremely-long-company-domain.example.com,The Very Long Company Name Incorporated International,Senior Vice President of Strategic Partnerships,1234 Some Extraordinarily Long Street Name Boulevard,San Francisco,CA,94107,United States,https://www.an-extremely-long-company-domain.example.com,Software,\"Met at the conference, wants a demo of everything we have and more\",Trade show,Someone With A Long Name\n"
        ));
    }
    write(&folder, "spring-campaign-leads-final-v2.csv", &text)
}

/// Every line of `text`, in characters, at most `width`.
fn assert_fits(what: &str, text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "{what}: a line of {} characters is over {width}:\n{line}\n\nthe whole output:\n{text}",
            line.chars().count()
        );
    }
}

#[test]
fn every_command_fits_80_columns() {
    let dir = tempdir();
    let file = wide_export(dir.path());
    let path = file.to_str().unwrap();
    let first = import(
        dir.path(),
        &file,
        &["--tag", "spring", "--require", "dialer"],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = run_at(
        dir.path(),
        80,
        &["import", path, "--yes", "--consent-confirmed"],
    );
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_fits("import", &second.stdout, 80);

    // A team, and job 3 retrying job 1's failed rows: `show 1 --failed` names it.
    let added = run_at(
        dir.path(),
        80,
        &[
            "team",
            "add",
            "someone.with.a.long.name@the-sales-team-of-the-company.example",
            "--name",
            "Someone With A Long Name",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let retried = run_at(dir.path(), 80, &["retry", "1"]);
    assert_eq!(retried.code, 0, "{}", retried.stderr);
    assert_fits("retry", &retried.stdout, 80);

    let commands: [&[&str]; 14] = [
        &["history"],
        &["show", "1"],
        &["show", "1", "--failed"],
        &["show", "2", "--failed"],
        &["show", "3"],
        &["contacts"],
        &["contacts", "--search", "bartholomew"],
        &["opportunities"],
        &["team", "list"],
        &["check"],
        &["preview", path],
        &["trace", "Bartholomew-Maximilian 7"],
        &["trace", "Bartholomew-Maximilian 107"],
        &["import", path, "--dry-run"],
    ];
    for args in commands {
        let out = run_at(dir.path(), 80, args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(!out.stdout.is_empty(), "{args:?} printed nothing");
        assert_fits(&args.join(" "), &out.stdout, 80);
    }

    // History: counts grouped and whole (1,089 created), the file cut at its start with
    // an ellipsis so its name shows.
    let history = run_at(dir.path(), 80, &["history"]);
    assert!(history.stdout.contains("1,089"), "{}", history.stdout);
    assert!(
        history.stdout.contains("…") && history.stdout.contains("final-v2.csv"),
        "{}",
        history.stdout
    );
    // Without COLUMNS (a pipe, as here), 80 too.
    let piped = rolodex(dir.path())
        .env_remove("COLUMNS")
        .arg("history")
        .output()
        .unwrap();
    let piped = Run {
        code: piped.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&piped.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&piped.stderr).into_owned(),
    };
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(piped.stdout.contains('…'), "{}", piped.stdout);
    assert_fits("history in a pipe", &piped.stdout, 80);

    // Every --help, wrapped: every command clap knows, nested ones too (`team add`), read
    // from the command line's own definition so a new command cannot be left out.
    fn command_paths(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        for sub in cmd.get_subcommands() {
            let mut deeper = path.clone();
            deeper.push(sub.get_name().to_string());
            command_paths(sub, deeper, out);
        }
    }
    let mut every = Vec::new();
    command_paths(
        &<rolodex::cli::Cli as clap::CommandFactory>::command(),
        Vec::new(),
        &mut every,
    );
    assert!(every.len() > 15, "{every:?}");
    assert!(every.contains(&vec!["team".to_string(), "add".to_string()]));
    for path in every {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = run_at(dir.path(), 80, &args);
        let name = args.join(" ");
        assert_eq!(help.code, 0, "{name}: {}", help.stderr);
        assert!(help.stdout.contains("Usage:"), "{name}: {}", help.stdout);
        assert_fits(&name, &help.stdout, 80);
    }
    // The words clap used to cut in the middle are whole.
    let import_help = run_at(dir.path(), 80, &["import", "--help"]);
    assert!(
        import_help.stdout.contains("--consent-confirmed"),
        "{}",
        import_help.stdout
    );
}

#[test]
fn preview_of_a_wide_file_fits_and_columns_are_chosen_by_number_or_name() {
    let dir = tempdir();
    let file = wide_export(dir.path());
    let path = file.to_str().unwrap();
    let out = run_at(dir.path(), 80, &["preview", path]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_fits("preview", &out.stdout, 80);
    assert!(
        out.stdout.contains("more columns not shown"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("Account Owner │"), "{}", out.stdout);
    assert!(
        out.stdout.contains('…'),
        "cut text is marked: {}",
        out.stdout
    );

    let chosen = run_at(
        dir.path(),
        80,
        &["preview", path, "--columns", "1,account owner,3-4"],
    );
    assert_eq!(chosen.code, 0, "{}", chosen.stderr);
    assert_fits("preview --columns", &chosen.stdout, 80);
    let header = chosen
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("row"))
        .unwrap();
    assert!(
        header.contains("First Name")
            && header.contains("Account Owner")
            && header.contains("Email"),
        "{header}"
    );
    assert!(!header.contains("Company"), "{header}");

    let wrong = run_at(dir.path(), 80, &["preview", path, "--columns", "Nope"]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("\"Nope\""), "{}", wrong.stderr);
}

#[test]
fn show_json_gives_the_job_and_with_failed_its_rows() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "leads.csv",
        "Name,Phone,Email\nAda Lovelace,+1 212 334 5678,ada@example.com\nBad Phone,123,\nGrace Hopper,+1 212 334 5679,\n",
    );
    let out = import(dir.path(), &file, &["--require", "dialer"]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let job = run(dir.path(), &["show", "1", "--json"]).json();
    assert_eq!(job["job"], 1);
    // The machine value stays as it was; people read the words.
    assert_eq!(job["status"], "completed_with_errors");
    assert_eq!(job["created"], 2);
    assert_eq!(job["failed"], 1);
    assert!(job.get("rows").is_none(), "{job}");

    let failed = run(dir.path(), &["show", "1", "--failed", "--json"]).json();
    assert_eq!(failed["job"], 1);
    let rows = failed["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{failed}");
    assert_eq!(rows[0]["row"], 3);
    assert_eq!(rows[0]["status"], "error");
    assert_eq!(rows[0]["reasons"][0]["code"], "invalid_phone");
    assert_eq!(rows[0]["reasons"][0]["column"], "Phone");
    assert_eq!(rows[0]["cells"][0], "Bad Phone");

    // In text: the status in plain words, and --failed names the job in one line, then
    // the rows with who they are.
    let text = run(dir.path(), &["show", "1"]);
    assert!(
        text.stdout.contains("done, 1 row failed"),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains("completed_with_errors"),
        "{}",
        text.stdout
    );
    let failed = run(dir.path(), &["show", "1", "--failed"]);
    assert!(
        !failed.stdout.contains("  created "),
        "no summary again: {}",
        failed.stdout
    );
    assert!(
        failed.stdout.contains("failed") && failed.stdout.contains("Bad Phone"),
        "{}",
        failed.stdout
    );
    let history = run(dir.path(), &["history"]);
    assert!(
        history.stdout.contains("done, errors"),
        "{}",
        history.stdout
    );
}

#[test]
fn every_write_names_the_store_and_a_second_import_names_the_first() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "leads.csv",
        "Name,Phone\nAda Lovelace,+1 212 334 5678\nGrace Hopper,+1 212 334 5679\n",
    );
    let store = std::fs::canonicalize(dir.path()).unwrap().join("test.redb");
    let said = format!("Store: {}", store.display());
    let args = [
        "import",
        file.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
    ];
    let first = run(dir.path(), &args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains(&said), "{}", first.stdout);
    assert!(
        !first.stdout.contains("already imported"),
        "{}",
        first.stdout
    );

    let second = run(dir.path(), &args);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains(&said), "{}", second.stdout);
    let flat = second
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("already imported as job 1") && flat.contains("--purpose upsert"),
        "{}",
        second.stdout
    );
    let json = import(dir.path(), &file, &[]).json();
    assert_eq!(
        json["imported_before_as"], 2,
        "the latest job of the same file"
    );
    assert_eq!(json["store"], store.display().to_string());

    let reverted = run(dir.path(), &["revert", "3", "--yes"]);
    assert_eq!(reverted.code, 0, "{}", reverted.stderr);
    assert!(reverted.stdout.contains(&said), "{}", reverted.stdout);
}

/// Ten failing rows and a good one: a limit of 3 stops the job after the third failure.
fn stopped_job(dir: &Path) {
    let mut text = String::from("Name,Phone\n");
    for i in 0..10 {
        text.push_str(&format!("Bad {i},123\n"));
    }
    text.push_str("Good One,+1 212 334 5678\n");
    let file = write(dir, "bad.csv", &text);
    let out = import(dir, &file, &["--max-failures", "3", "--require", "dialer"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.json()["status"], "stopped");
}

#[test]
fn resume_max_failures_raises_the_limit_of_a_stopped_job() {
    let dir = tempdir();
    stopped_job(dir.path());
    let shown = run(dir.path(), &["show", "1"]);
    assert!(
        shown.stdout.contains("stopped after 3 failed rows"),
        "{}",
        shown.stdout
    );
    let flat = shown
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("--max-failures"),
        "the way on is named: {}",
        shown.stdout
    );

    let resumed = run(dir.path(), &["resume", "1", "--max-failures", "none"]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(
        resumed.stdout.contains("done, 10 rows failed"),
        "{}",
        resumed.stdout
    );
    assert!(resumed.stdout.contains("Store: "), "{}", resumed.stdout);
    let job = run(dir.path(), &["show", "1", "--json"]).json();
    assert_eq!(job["status"], "completed_with_errors");
    assert_eq!(job["created"], 1);
    assert_eq!(job["failed"], 10);

    // The limit is checked as on import.
    let zero = run(dir.path(), &["resume", "1", "--max-failures", "0"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
}

#[test]
fn dial_without_a_list_is_refused_with_exit_2() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "leads.csv",
        "Name,Phone\nAda Lovelace,+1 212 334 5678\n",
    );
    let path = file.to_str().unwrap();
    for args in [
        vec!["import", path, "--dial", "manual", "--dry-run"],
        vec![
            "import",
            path,
            "--dial",
            "manual",
            "--yes",
            "--consent-confirmed",
        ],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("--dial manual") && out.stderr.contains("--list NAME"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
    assert!(
        !dir.path().join("test.redb").exists(),
        "nothing was written"
    );
    let listed = import(dir.path(), &file, &["--dial", "manual", "--list", "Calls"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
}

/// The progress line as a terminal shows it: the binary in a pseudo-terminal, its output
/// read raw.
#[test]
fn the_progress_line_shows_a_true_total_a_sane_rate_and_the_counts() {
    let dir = tempdir();
    let file = dir.path().join("big.csv");
    let mut text = String::from("Name,Phone,Notes\n");
    for i in 0..60_000u64 {
        let phone = if i % 50 == 0 {
            "123".to_string()
        } else {
            format!("+1 212 {} {:04}", 200 + i / 10_000, i % 10_000)
        };
        text.push_str(&format!(
            "Person {i},{phone},{}\n",
            "n".repeat((i % 7 * 20) as usize)
        ));
    }
    std::fs::write(&file, text).unwrap();

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("rolodex"));
    cmd.args([
        "import",
        file.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--require",
        "dialer",
        "--max-failures",
        "none",
    ]);
    cmd.env("ROLODEX_DB", dir.path().join("test.redb"));
    cmd.env("ROLODEX_BATCH_ROWS", "2000");
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", dir.path());
    cmd.cwd(dir.path());
    let mut child = pair.slave.spawn_command(cmd).expect("rolodex starts");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        let _ = tx.send(all);
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    drop(pair.master);
    let raw = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
    let shown = String::from_utf8_lossy(&raw);
    let lines: Vec<&str> = shown
        .split(['\r', '\n'])
        .filter(|l| l.contains("importing") && l.contains(" rows · "))
        .collect();
    assert!(!lines.is_empty(), "no progress line in:\n{shown}");
    // Once the whole-file check has read the file through (beside the first batch), the
    // total is its rows, counted: no longer an estimate.
    let counted: Vec<&&str> = lines.iter().filter(|l| !l.contains("/~")).collect();
    assert!(
        !counted.is_empty(),
        "no line with the counted total in {lines:#?}"
    );
    for line in counted {
        assert!(line.contains("/60,000 rows"), "{line}");
    }
    for line in lines {
        // "importing 12,000/~60,400 rows · 8,150/s · 11,760 created · 240 failed · …"
        let start = line.find("importing ").unwrap() + "importing ".len();
        let counts = line[start..].split(" rows").next().unwrap();
        let (done, total) = counts.split_once('/').unwrap();
        let number = |s: &str| {
            s.trim_start_matches('~')
                .replace(',', "")
                .parse::<u64>()
                .unwrap()
        };
        assert!(number(total) >= number(done), "{line}");
        // The estimate is near the truth, not the 40% off it used to be.
        let total = number(total) as f64;
        assert!((total - 60_000.0).abs() / 60_000.0 < 0.1, "{line}");
        assert!(
            line.contains(" created · ") && line.contains(" failed"),
            "{line}"
        );
        if let Some(rate) = line.split(" · ").find(|p| p.ends_with("/s")) {
            assert!(!rate.contains('.'), "a rate in whole rows: {line}");
        }
    }
    // And the summary in the same words.
    assert!(shown.contains("done, 1,200 rows failed"), "{shown}");
}
