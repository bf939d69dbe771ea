//! How the store is opened: read-only commands never create anything, a file that is not
//! a store is refused and left as it was, a store the user may only read can be read,
//! readers work beside a writer (in this process or another) and follow its commits, a
//! second writer is refused, a store a killed writer left is recovered by the next reader,
//! and a schema 3 store (no record checksums) is read as it is and upgraded by a writer.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};
use rolodex::store::{Access, Store};

use crate::common::{fixture, rolodex_process, run, tempdir};

fn import_fixture(dir: &Path) {
    let out = run(
        dir,
        &[
            "import",
            fixture("contacts.csv").to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
            "--require",
            "any",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn reading_a_missing_store_creates_nothing() {
    let dir = tempdir();
    let db = dir.path().join("typo").join("x.redb");
    for args in [
        &["history"][..],
        &["contacts", "--json"],
        &["show", "1"],
        &["trace", "Ada"],
        &["check"],
        &["backup", "copy.redb"],
    ] {
        let mut all = vec!["--db", db.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = run(dir.path(), &all);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "no store at {}; an import creates it",
                db.display()
            )),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            !dir.path().join("typo").exists(),
            "{args:?} created the directory"
        );
        assert!(!dir.path().join("copy.redb").exists());
    }
    // A dry run still works against no store at all, and creates none.
    let out = run(
        dir.path(),
        &[
            "--db",
            db.to_str().unwrap(),
            "import",
            fixture("contacts.csv").to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!dir.path().join("typo").exists());
}

#[test]
fn an_import_creates_a_private_store_and_directory() {
    let dir = tempdir();
    let db = dir.path().join("new").join("deeper").join("s.redb");
    let out = run(
        dir.path(),
        &[
            "--db",
            db.to_str().unwrap(),
            "import",
            fixture("contacts.csv").to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    #[cfg(unix)]
    {
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(db.parent().unwrap()), 0o700);
    }
    // Nothing but the store is left beside it (it was built under a temporary name).
    let names: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("s.redb")]);
}

#[test]
fn an_empty_or_foreign_file_at_db_is_refused_and_left_as_it_was() {
    let dir = tempdir();
    let csv = fixture("contacts.csv");
    for (name, content) in [
        ("empty.redb", &b""[..]),
        ("notes.txt", &b"remember the milk\n"[..]),
        ("short.redb", &b"redb"[..]),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        }
        let db = path.to_str().unwrap();
        for args in [
            vec!["--db", db, "history"],
            vec!["--db", db, "contacts"],
            vec!["--db", db, "check"],
            vec![
                "--db",
                db,
                "import",
                csv.to_str().unwrap(),
                "--yes",
                "--consent-confirmed",
            ],
            vec!["--db", db, "import", csv.to_str().unwrap(), "--dry-run"],
        ] {
            let out = run(dir.path(), &args);
            assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
            assert!(
                out.stderr
                    .contains(&format!("{db} is not a rolodex store (")),
                "{args:?}: {}",
                out.stderr
            );
            assert!(out.stderr.contains("move it away or give another --db"));
            assert_eq!(std::fs::read(&path).unwrap(), content, "{name} was changed");
            #[cfg(unix)]
            assert_eq!(mode(&path), 0o666, "{name}'s mode was changed");
        }
    }
    // Another program's redb database is not adopted either.
    let other = dir.path().join("other.redb");
    {
        let db = redb::Database::create(&other).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(redb::TableDefinition::<u64, u64>::new("orders"))
            .unwrap()
            .insert(1, 2)
            .unwrap();
        txn.commit().unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let out = run(
        dir.path(),
        &[
            "--db",
            other.to_str().unwrap(),
            "import",
            csv.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("is not a rolodex store (it is a database of another program)"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&other).unwrap(), before);
    // Nor does `check` open it for writing (which would mark its header).
    let out = run(dir.path(), &["--db", other.to_str().unwrap(), "check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("is not a rolodex store ("),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&other).unwrap(), before, "check changed it");
}

/// Runs rolodex as a user who may not write the store. The tests run as root, whom
/// permission bits do not stop: then the binary runs under uid 65534 (nobody) through
/// `setpriv`, which must exist (util-linux) — the test fails rather than skip without it.
#[cfg(unix)]
fn run_unprivileged(dir: &Path, args: &[&str]) -> crate::common::Run {
    // SAFETY-free check of the effective user: /proc/self/status names it.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"));
    let bin = assert_cmd::cargo::cargo_bin("rolodex");
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    cmd.env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("ROLODEX_DB")
        .args(args);
    let out = cmd
        .output()
        .expect("setpriv runs (util-linux); the test needs it when run as root");
    crate::common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[cfg(unix)]
#[test]
fn a_store_the_user_may_only_read_can_be_read_and_is_not_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    import_fixture(dir.path());
    let db = dir.path().join("test.redb");
    let expected = run(dir.path(), &["contacts", "--json"]).json();
    // Readable by everyone, writable by no one; the folder open to the other user.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let d = db.to_str().unwrap();
    let out = run_unprivileged(dir.path(), &["--db", d, "contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), expected);
    for args in [
        &["history"][..],
        &["show", "1"],
        &["trace", "Patel"],
        &["check"],
    ] {
        let mut all = vec!["--db", d];
        all.extend_from_slice(args);
        let out = run_unprivileged(dir.path(), &all);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
    let out = run_unprivileged(dir.path(), &["--db", d, "revert", "1", "--yes"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("is read-only for this user, so nothing can be written to it"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "the store was changed");
}

#[test]
fn readers_follow_a_writer_held_open_in_another_process_and_a_second_writer_is_refused() {
    let dir = tempdir();
    import_fixture(dir.path());
    let db = dir.path().join("test.redb");
    let expected = run(dir.path(), &["contacts", "--json"]).json();
    // This test process holds the store for writing, as a running import does.
    let writer = Store::open(&db).unwrap();
    assert!(writer.is_writable());
    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), expected);
    let out = run(dir.path(), &["history", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()[0]["created"], expected.as_array().unwrap().len());
    // A second writer is refused, with the one clear message.
    let out = run(dir.path(), &["revert", "1", "--yes"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("is in use by another rolodex"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // A reader in this process follows the writer's commits.
    let reader = Store::open_read_only(&db).unwrap();
    assert!(!reader.is_writable());
    let mapping = rolodex::engine::mapping::Mapping::auto(&["Phone".to_string()]);
    assert_eq!(reader.remembered_mapping("sig").unwrap(), None);
    writer.remember_mapping("sig", &mapping).unwrap();
    assert_eq!(reader.remembered_mapping("sig").unwrap(), Some(mapping));
    // A read-only handle refuses to write.
    assert!(reader
        .remember_mapping("other", &Default::default())
        .is_err());
    drop(writer);
    assert_eq!(run(dir.path(), &["revert", "1", "--yes"]).code, 0);
}

/// The wizard keeps only a reader: started while another process writes the store, it
/// shows the stored contacts, and opening for a write of its own is refused as in use.
#[test]
fn the_wizard_reads_beside_a_running_writer_and_holds_no_lock_itself() {
    let dir = tempdir();
    import_fixture(dir.path());
    let db = dir.path().join("test.redb");
    let writer = Store::open(&db).unwrap();
    let (tx, _rx) = std::sync::mpsc::channel();
    let mut ctx = rolodex::tui::context::Ctx::new(
        rolodex::tui::theme::Theme::plain(),
        Store::open_read_only(&db).map_err(Into::into),
        tx,
        chrono::Local::now,
        dir.path().to_path_buf(),
    );
    let store = ctx.store.clone().unwrap();
    assert!(!store.is_writable());
    assert_eq!(store.contacts().unwrap().len(), 207);
    let refused = ctx.open_writer(Access::Write).err().unwrap().to_string();
    assert!(
        refused.contains("is in use by another rolodex"),
        "{refused}"
    );
    drop(writer);
    // Given a store opened for writing (as the tests' harness does), the wizard keeps a
    // reader only: a writer in another process is not locked out.
    let (tx, _rx) = std::sync::mpsc::channel();
    let ctx = rolodex::tui::context::Ctx::new(
        rolodex::tui::theme::Theme::plain(),
        Store::open(&db).map_err(Into::into),
        tx,
        chrono::Local::now,
        dir.path().to_path_buf(),
    );
    assert!(!ctx.store.as_ref().unwrap().is_writable());
    let out = run(dir.path(), &["revert", "1", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ctx.store.as_ref().unwrap().contact_count().unwrap(), 0);
}

/// Without a data directory and `--db`, the wizard says so where the store would be shown,
/// and an import it starts is refused with the same words.
#[test]
fn the_wizard_without_a_data_directory_says_to_give_db() {
    use rolodex::tui::context::{Ctx, StoreUnavailable};
    let dir = tempdir();
    let (tx, _rx) = std::sync::mpsc::channel();
    let mut ctx = Ctx::new(
        rolodex::tui::theme::Theme::plain(),
        Err(StoreUnavailable::NoDataDirectory),
        tx,
        chrono::Local::now,
        dir.path().to_path_buf(),
    );
    let said = "no data directory for the store; start rolodex with --db PATH";
    assert_eq!(ctx.store_error.as_deref(), Some(said));
    let refused = ctx.open_writer(Access::Create).err().unwrap();
    assert!(
        matches!(refused, StoreUnavailable::NoDataDirectory),
        "{refused:?}"
    );
    assert_eq!(refused.to_string(), said);
}

/// A file of `rows` contacts with distinct phones and emails.
pub fn many_contacts(dir: &Path, rows: u64) -> PathBuf {
    let path = dir.join("many.csv");
    let mut text = String::from("First Name,Last Name,Phone,Email\n");
    for n in 0..rows {
        text.push_str(&format!(
            "Person,{n},+1 212 {} {:04},p{n}@example.com\n",
            200 + n / 10_000,
            n % 10_000
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// An import that commits every `batch` rows, so that it runs long enough to be watched
/// (and killed) while it writes.
pub fn slow_import(dir: &Path, file: &Path, batch: &str) -> Child {
    rolodex_process(dir)
        .env("ROLODEX_BATCH_ROWS", batch)
        .args([
            "import",
            file.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the running import has committed some contacts; their number.
pub fn wait_for_contacts(dir: &Path, child: &mut Child) -> u64 {
    let start = Instant::now();
    loop {
        let out = run(dir, &["history", "--json"]);
        if out.code == 0 {
            let created = out.json()[0]["created"].as_u64().unwrap_or(0);
            if created > 0 {
                return created;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it could be watched"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no commit in 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn commands_read_while_an_import_runs_in_another_process() {
    let dir = tempdir();
    let file = many_contacts(dir.path(), 30_000);
    let mut child = slow_import(dir.path(), &file, "300");
    let seen = wait_for_contacts(dir.path(), &mut child);
    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed = out.json().as_array().unwrap().len() as u64;
    assert!(listed >= seen, "{listed} < {seen}");
    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history[0]["status"], "running");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import must still run while it is read"
    );
    // A second import meanwhile is refused.
    let out = run(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("is in use by another rolodex"),
        "{}",
        out.stderr
    );
    let status = child.wait().unwrap();
    assert!(status.success());
    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.json().as_array().unwrap().len(), 30_000);
}

/// A writer killed mid-import leaves a store that needs recovery, which a read-only open
/// cannot do: with no writer running, the reader recovers it (one writing open) and reads.
#[test]
fn a_reader_recovers_a_store_a_killed_writer_left() {
    let dir = tempdir();
    let file = many_contacts(dir.path(), 30_000);
    let mut child = slow_import(dir.path(), &file, "300");
    wait_for_contacts(dir.path(), &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    let db = dir.path().join("test.redb");
    // The file is left unclean: redb refuses a plain read-only open of it.
    {
        let mut b = redb::Builder::new();
        b.set_concurrency_mode(redb::ConcurrencyMode::SingleWriter);
        assert!(
            matches!(
                b.open_read_only(&db),
                Err(redb::DatabaseError::RepairAborted)
            ),
            "the kill left a store that needs recovery"
        );
    }
    let out = run(dir.path(), &["history", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let job = &out.json()[0];
    assert!(job["created"].as_u64().unwrap() > 0, "{job}");
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// Removes the checksum from every record: a store as schema 3 wrote it.
fn unseal_to_schema_3(db: &Path) {
    use rolodex::store::schema::*;
    let raw = redb::Database::create(db).unwrap();
    let txn = raw.begin_write().unwrap();
    {
        fn strip(v: &[u8]) -> Vec<u8> {
            v[..v.len() - 8].to_vec()
        }
        let mut t = txn.open_table(CONTACTS).unwrap();
        let all: Vec<(u64, Vec<u8>)> = t
            .iter()
            .unwrap()
            .map(|e| {
                let (k, v) = e.unwrap();
                (k.value(), strip(v.value()))
            })
            .collect();
        for (k, v) in all {
            t.insert(k, v.as_slice()).unwrap();
        }
        let mut t = txn.open_table(JOBS).unwrap();
        let all: Vec<(u64, Vec<u8>)> = t
            .iter()
            .unwrap()
            .map(|e| {
                let (k, v) = e.unwrap();
                (k.value(), strip(v.value()))
            })
            .collect();
        for (k, v) in all {
            t.insert(k, v.as_slice()).unwrap();
        }
        for table in [LISTS, CUSTOM_FIELDS, MAPPINGS] {
            let mut t = txn.open_table(table).unwrap();
            let all: Vec<(String, Vec<u8>)> = t
                .iter()
                .unwrap()
                .map(|e| {
                    let (k, v) = e.unwrap();
                    (k.value().to_string(), strip(v.value()))
                })
                .collect();
            for (k, v) in all {
                t.insert(k.as_str(), v.as_slice()).unwrap();
            }
        }
        let mut pieces = txn.open_table(JOB_ROWS).unwrap();
        let mut chunks = Vec::new();
        rolodex::store::rows::chunks(&pieces, None, &mut |job, first, bytes| {
            chunks.push((job, first, strip(bytes)));
            Ok(())
        })
        .unwrap();
        for (job, first, bytes) in chunks {
            let old: Vec<u32> = pieces
                .range((job, first, 0)..=(job, first, u32::MAX))
                .unwrap()
                .map(|e| e.unwrap().0.value().2)
                .collect();
            for i in old {
                pieces.remove((job, first, i)).unwrap();
            }
            rolodex::store::rows::put(&mut pieces, job, first, &bytes).unwrap();
        }
        assert_eq!(txn.open_table(UNDO).unwrap().len().unwrap(), 0);
        txn.open_table(META)
            .unwrap()
            .insert("schema_version", 3)
            .unwrap();
    }
    txn.commit().unwrap();
}

fn schema_version(db: &Path) -> u64 {
    let raw = redb::ReadOnlyDatabase::open(db).unwrap();
    let txn = raw.begin_read().unwrap();
    let meta = txn.open_table(rolodex::store::schema::META).unwrap();
    let v = meta.get("schema_version").unwrap().unwrap().value();
    v
}

#[test]
fn a_schema_3_store_is_read_as_it_is_and_sealed_by_the_next_writer() {
    let dir = tempdir();
    import_fixture(dir.path());
    let db = dir.path().join("test.redb");
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    let show = run(dir.path(), &["show", "1", "--csv"]).stdout;
    unseal_to_schema_3(&db);
    assert_eq!(schema_version(&db), 3);
    // Read-only: read as schema 3 wrote it, and left at schema 3.
    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), contacts);
    assert_eq!(run(dir.path(), &["show", "1", "--csv"]).stdout, show);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(schema_version(&db), 3);
    // The first writer seals every record.
    import_fixture(dir.path());
    assert_eq!(schema_version(&db), rolodex::store::schema::SCHEMA_VERSION);
    // (A row with neither phone nor email is created again by the second import.)
    let mut after = run(dir.path(), &["contacts", "--json"]).json();
    after
        .as_array_mut()
        .unwrap()
        .retain(|c| c["created_by"] == 1);
    assert_eq!(after, contacts);
    assert_eq!(run(dir.path(), &["show", "1", "--csv"]).stdout, show);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(store.check_invariants().unwrap(), Vec::<String>::new());
}
