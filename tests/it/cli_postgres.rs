//! `--db postgres://…` through the real binary: the server is reached and the schema set
//! up, commands not built on PostgreSQL yet say so, and a password given in the URL is
//! never printed (nor written to a file: no store file appears).

use crate::common::{rolodex, run, tempdir, write};
use crate::store_backends::{fresh_schema, test_pg_url};

fn output(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().expect("rolodex runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_postgres_store_is_set_up_and_names_what_is_not_built_yet() {
    let Some(url) = test_pg_url() else { return };
    let url = url.replacen("://postgres@", "://postgres:s3cret@", 1);
    assert!(url.contains("s3cret"), "{url}");
    let dir = tempdir();
    let schema = fresh_schema();
    let csv = write(dir.path(), "in.csv", "Name,Phone\nAda,+1 212 736 0100\n");
    let pg = |args: &[&str]| {
        let mut cmd = rolodex(dir.path());
        cmd.env("ROLODEX_DB", &url)
            .env("ROLODEX_PG_SCHEMA", &schema)
            .args(args);
        output(&mut cmd)
    };

    // Nothing there yet: a reading command creates nothing.
    let (code, _, stderr) = pg(&["history"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("no store at postgres://postgres@"),
        "{stderr}"
    );
    assert!(stderr.contains("an import creates it"), "{stderr}");

    // Without a terminal the wizard (which runs on PostgreSQL too) says to import with --yes.
    let csv = csv.display().to_string();
    let (code, _, stderr) = pg(&["import", &csv]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");

    // A headless import sets the schema up and writes.
    let (code, stdout, stderr) = pg(&["import", &csv, "--yes", "--consent-confirmed"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Store: postgres://postgres@"), "{stdout}");

    let (code, stdout, stderr) = pg(&["trace", "Ada", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"row\": 2"), "{stdout}");

    let (code, _, stderr) = pg(&["backup", "x.redb"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("not yet supported on PostgreSQL: `rolodex this command`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("its schema {schema} is ready")),
        "{stderr}"
    );

    for args in [
        &["history"][..],
        &["contacts"],
        &["trace", "Ada"],
        &["show", "1"],
    ] {
        let (_, stdout, stderr) = pg(args);
        assert!(
            !stdout.contains("s3cret") && !stderr.contains("s3cret"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!dir.path().join("test.redb").exists());
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("postgres")));

    // Another schema name is another store.
    let (_, _, stderr) = pg(&["--pg-schema", &format!("{schema}_other"), "history"]);
    assert!(stderr.contains("no store at"), "{stderr}");
    crate::store_backends::pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

/// The same commands on a store file and on PostgreSQL: the same contacts, history and
/// rows, through import, an upsert of the same file, revert (with conflicts, then forced)
/// and resume's refusal of a finished job.
#[test]
fn the_fixture_imported_into_postgres_and_redb_gives_the_same_contacts() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/contacts.csv")
        .display()
        .to_string();
    let on = |pg: bool, args: &[&str]| {
        let mut cmd = rolodex(dir.path());
        if pg {
            cmd.env("ROLODEX_DB", &url)
                .env("ROLODEX_PG_SCHEMA", &schema);
        }
        cmd.args(args);
        let (code, stdout, stderr) = output(&mut cmd);
        assert!(
            code == 0 || args[0] == "resume",
            "{args:?} on {}: {stderr}",
            if pg { "PostgreSQL" } else { "redb" }
        );
        (code, stdout)
    };
    let steps: &[&[&str]] = &[
        &[
            "import",
            &fixture,
            "--yes",
            "--consent-confirmed",
            "--no-import-tag",
        ],
        &["contacts", "--json"],
        &["show", "1", "--json"],
        &[
            "import",
            &fixture,
            "--yes",
            "--consent-confirmed",
            "--no-import-tag",
            "--purpose",
            "upsert",
        ],
        &["contacts", "--json"],
        &["trace", "Emma", "--json"],
        &["revert", "1", "--yes", "--json"],
        &["contacts", "--json"],
        &["revert", "2", "--yes", "--json"],
        &["contacts", "--json"],
        &["revert", "1", "--yes", "--force", "--json"],
        &["contacts", "--json"],
        &["resume", "1"],
    ];
    // What differs by nature: when, and where the store is.
    let plain = |text: &str| -> serde_json::Value {
        let mut v: serde_json::Value =
            serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        if let Some(o) = v.as_object_mut() {
            for key in ["store", "started", "finished", "owner"] {
                o.remove(key);
            }
        }
        v
    };
    for args in steps {
        let (rc, r) = on(false, args);
        let (pc, p) = on(true, args);
        assert_eq!(rc, pc, "{args:?}");
        if args.contains(&"--json") {
            let (r, p) = (plain(&r), plain(&p));
            assert!(!r.is_null(), "{args:?} prints JSON");
            assert_eq!(r, p, "{args:?}");
        }
    }
    let (_, contacts) = on(true, &["contacts", "--json"]);
    assert_eq!(contacts.trim(), "[]");
    crate::store_backends::pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

#[test]
fn an_unreachable_server_is_named_without_the_password() {
    let dir = tempdir();
    let mut cmd = rolodex(dir.path());
    cmd.args([
        "--db",
        "postgresql://alice:s3cret@%2Fnonexistent%2Fpg/crm",
        "history",
    ]);
    let (code, _, stderr) = output(&mut cmd);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("postgres://alice@%2Fnonexistent%2Fpg/crm"),
        "{stderr}"
    );
    assert!(
        stderr.contains("check that the server is running"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn a_malformed_url_is_refused_without_the_password() {
    let dir = tempdir();
    let r = run(
        dir.path(),
        &["--db", "postgres://alice:s3cret@host/db?bogus=1", "history"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot be used as a PostgreSQL store"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("s3cret"), "{}", r.stderr);
}

#[test]
fn help_never_shows_the_password_of_rolodex_db() {
    let dir = tempdir();
    let mut cmd = rolodex(dir.path());
    cmd.env("ROLODEX_DB", "postgres://alice:s3cret@host/db")
        .arg("--help");
    let (code, stdout, stderr) = output(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("--pg-schema"), "{stdout}");
    assert!(
        !stdout.contains("s3cret") && !stderr.contains("s3cret"),
        "{stdout}"
    );
}

/// `kill -9` of the importing client at several moments, then `resume`: the PostgreSQL
/// store ends with the contacts an uninterrupted import gives a store file.
#[test]
fn a_killed_import_into_postgres_resumes_to_the_same_contacts() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let csv = dir.path().join("big.csv");
    let mut text = String::from("First Name,Last Name,Phone,Email\n");
    for i in 0..20_000u64 {
        let n = if i % 40 == 39 { i - 20 } else { i };
        text.push_str(&format!(
            "Person,{n},+1 212 {} {:04},p{n}@example.com\n",
            200 + n / 10_000,
            n % 10_000
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let csv = csv.display().to_string();
    let pg_process = |args: &[&str]| {
        crate::common::rolodex_process(dir.path())
            .env("ROLODEX_DB", &url)
            .env("ROLODEX_PG_SCHEMA", &schema)
            .env("ROLODEX_BATCH_ROWS", "1000")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut child = pg_process(&[
        "import",
        &csv,
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
    ]);
    for delay_ms in [400u64, 300, 500] {
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        child = pg_process(&["resume", "1"]);
    }
    child.wait().unwrap();
    // Whatever the kills left, one more resume (or none needed) finishes the job.
    let pg = |args: &[&str]| {
        let mut cmd = rolodex(dir.path());
        cmd.env("ROLODEX_DB", &url)
            .env("ROLODEX_PG_SCHEMA", &schema)
            .args(args);
        output(&mut cmd)
    };
    let (_, history, _) = pg(&["history", "--json"]);
    if !history.contains("\"completed\"") {
        let (code, _, stderr) = pg(&["resume", "1"]);
        assert_eq!(code, 0, "{stderr}");
    }
    let (code, pg_contacts, stderr) = pg(&["contacts", "--json"]);
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
    assert_eq!(p.as_array().map(Vec::len), Some(19_500));
    assert!(
        p == r,
        "the resumed PostgreSQL store differs from an uninterrupted import"
    );
    crate::store_backends::pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}
