//! `rolodex migrate`: a store file copied into PostgreSQL and back answers every reading
//! command as the original does — before and after a revert made on both.

use std::path::Path;

use crate::common::{rolodex, tempdir};
use crate::store_backends::{fresh_schema, pg_exec, test_pg_url};

fn output(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().expect("rolodex runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A reading command's JSON without what names the store itself.
fn plain(text: &str) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.remove("store");
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    strip(&mut v);
    v
}

#[test]
fn a_store_file_migrated_to_postgres_and_back_answers_the_same() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let fixture = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name)
            .display()
            .to_string()
    };
    let original = dir.path().join("test.redb");
    let back = dir.path().join("back.redb");
    // Runs a command on a store: the file `db`, or the PostgreSQL schema.
    let on = |db: Option<&Path>, args: &[&str]| -> (i32, String, String) {
        let mut cmd = rolodex(dir.path());
        match db {
            Some(file) => cmd.env("ROLODEX_DB", file),
            None => cmd
                .env("ROLODEX_DB", &url)
                .env("ROLODEX_PG_SCHEMA", &schema),
        };
        output(cmd.args(args))
    };
    let ok = |db: Option<&Path>, args: &[&str]| -> String {
        let (code, stdout, stderr) = on(db, args);
        assert_eq!(code, 0, "{args:?} on {db:?}: {stderr}");
        stdout
    };
    let contacts = fixture("contacts.csv");
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import",
            contacts.as_str(),
            "--yes",
            "--consent-confirmed",
            "--no-import-tag",
            "--tag",
            "fair",
        ];
        args.extend_from_slice(extra);
        ok(Some(&original), &args);
    };
    import(&["--list", "Spring"]);
    import(&["--purpose", "upsert", "--tag", "again"]);
    import(&["--purpose", "upsert"]);
    ok(Some(&original), &["revert", "3", "--yes"]);

    // Every reading command, as JSON.
    let answers = |db: Option<&Path>| -> Vec<serde_json::Value> {
        let mut all = vec![
            plain(&ok(db, &["history", "--json"])),
            plain(&ok(db, &["contacts", "--json"])),
            plain(&ok(db, &["trace", "Patel", "--json"])),
        ];
        for job in ["1", "2", "3"] {
            all.push(plain(&ok(db, &["show", job, "--json"])));
            all.push(plain(&ok(db, &["show", job, "--failed", "--json"])));
        }
        all
    };
    let compare = |a: &[serde_json::Value], b: &[serde_json::Value], when: &str| {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(x == y, "{when}: answer {i} differs:\n{x}\n---\n{y}");
        }
    };

    let redb_before = answers(Some(&original));
    let source_file = std::fs::read(&original).unwrap();
    let target = url.clone();
    let migrate = |from: &str, to: &str, extra: &[&str]| {
        let mut cmd = rolodex(dir.path());
        cmd.env("ROLODEX_PG_SCHEMA", &schema)
            .args(["migrate", "--from", from, "--to", to])
            .args(extra);
        output(&mut cmd)
    };
    let (code, stdout, stderr) = migrate(original.to_str().unwrap(), &target, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Every table's count and checksum match."),
        "{stdout}"
    );
    for table in [
        "contacts",
        "phones",
        "job_row_chunks",
        "undo",
        "matched_by",
        "jobs",
    ] {
        assert!(stdout.contains(table), "{stdout}");
    }
    assert_eq!(
        std::fs::read(&original).unwrap(),
        source_file,
        "the source is untouched"
    );
    compare(&redb_before, &answers(None), "redb vs its PostgreSQL copy");

    // A second migrate into the same schema is refused; --replace replaces it.
    let (code, _, stderr) = migrate(original.to_str().unwrap(), &target, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("holds a store already") && stderr.contains("--replace"),
        "{stderr}"
    );
    let (code, _, stderr) = migrate(
        original.to_str().unwrap(),
        &target,
        &["--replace", "--json"],
    );
    assert_eq!(code, 0, "{stderr}");

    // The same revert on the copy and on the original: the same stores after.
    let r = plain(&ok(Some(&original), &["revert", "2", "--yes", "--json"]));
    let p = plain(&ok(None, &["revert", "2", "--yes", "--json"]));
    assert_eq!(r, p, "revert 2");
    let redb_after = answers(Some(&original));
    compare(&redb_after, &answers(None), "after revert 2");

    // Back to a new store file: the same answers again, and an import goes on from there.
    let (code, stdout, stderr) = migrate(&target, back.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Every table's count and checksum match."),
        "{stdout}"
    );
    compare(
        &redb_after,
        &answers(Some(&back)),
        "PostgreSQL vs its file copy",
    );
    let (code, _, stderr) = migrate(&target, back.to_str().unwrap(), &[]);
    assert_eq!(code, 1, "an existing file is refused: {stderr}");
    for db in [Some(original.as_path()), Some(back.as_path())] {
        ok(
            db,
            &[
                "import",
                &contacts,
                "--yes",
                "--consent-confirmed",
                "--purpose",
                "upsert",
                "--no-import-tag",
            ],
        );
    }
    // The two imports after ran a moment apart: their jobs' times may differ by a second.
    let untimed = |answers: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        fn strip(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(o) => {
                    o.remove("started");
                    o.remove("finished");
                    o.values_mut().for_each(strip);
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let mut answers = answers;
        answers.iter_mut().for_each(strip);
        answers
    };
    compare(
        &untimed(answers(Some(&original))),
        &untimed(answers(Some(&back))),
        "an import after",
    );
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}
