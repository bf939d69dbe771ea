//! The wizard on a PostgreSQL store, the real binary in a pseudo-terminal: the same walk
//! through every step to Done as on a store file gives the same job counts; and History,
//! opened while another process imports into the same store, shows the running job's rows
//! moving.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

use crate::common::{fixture, rolodex, tempdir};
use crate::store_backends::{fresh_schema, pg_exec, test_pg_url};

/// The wizard in a pseudo-terminal at 80×24, read through a terminal emulator.
struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    fn start(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("rolodex"));
        cmd.args(args);
        cmd.env("ROLODEX_DB", dir.join("test.redb"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", dir);
        cmd.env("XDG_CONFIG_HOME", dir.join("config"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(dir);
        let child = pair.slave.spawn_command(cmd).expect("rolodex starts");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let feed = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let keys = pair.master.take_writer().unwrap();
        Pty {
            parser,
            child,
            keys,
            _master: pair.master,
        }
    }

    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) {
        self.wait_for_either(what, what);
    }

    /// Waits until the screen shows `first` or `second`; true for `first`.
    fn wait_for_either(&self, first: &str, second: &str) -> bool {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.contains(first) {
                return true;
            }
            if text.contains(second) {
                return false;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited for {first:?}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn press(&mut self, s: &str) {
        self.keys.write_all(s.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Ctrl-C (`q` would be typed into the File step's path), and the wizard ends with 0.
    fn quit(&mut self) {
        self.press("\x03");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "rolodex exited with {status:?}");
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "rolodex did not quit on Ctrl-C; the screen shows:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Every step with Enter (the unmapped columns left out, consent ticked) to Done.
fn walk_to_done(w: &mut Pty) {
    w.wait_for("Step 1/9 · File");
    w.press("\r");
    w.wait_for("Step 2/9 · Map");
    w.press("\r");
    if w.wait_for_either("will not be imported", "Step 3/9 · Options") {
        w.press("y");
    }
    w.wait_for("Step 3/9 · Options");
    w.press("\r");
    w.wait_for("Will create");
    w.press("\r");
    w.wait_for("Step 5/9 · Consent");
    w.press(" ");
    w.wait_for("[x] Every contact");
    w.press("\r");
    w.wait_for("Step 6/9 · Tags");
    w.press("\r");
    w.wait_for("Step 7/9 · Destination");
    w.press("\r");
    w.wait_for("Step 9/9 · Done");
    w.wait_for("Import finished");
}

/// A job's counts from `history --json`, without what differs by nature (when, where).
fn counts(history: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(history).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|j| {
            let mut j = j.clone();
            if let Some(o) = j.as_object_mut() {
                for key in ["started", "finished", "owner", "store", "import_tag"] {
                    o.remove(key);
                }
            }
            j
        })
        .collect()
}

#[test]
fn the_wizard_imports_into_postgres_as_into_a_store_file() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let file = fixture("contacts.csv");
    let file = file.to_str().unwrap();
    // A store file first, then PostgreSQL: the same keys.
    let mut on_redb = Pty::start(dir.path(), &["import", file], &[]);
    walk_to_done(&mut on_redb);
    on_redb.quit();
    let pg_env = [
        ("ROLODEX_DB", url.as_str()),
        ("ROLODEX_PG_SCHEMA", schema.as_str()),
    ];
    let mut on_pg = Pty::start(dir.path(), &["import", file], &pg_env);
    walk_to_done(&mut on_pg);
    // The Contacts screen reads the PostgreSQL store too.
    on_pg.press("\x0f"); // Ctrl-O
    on_pg.wait_for("206 contacts");
    on_pg.wait_for("Jürgen Patel");
    on_pg.press("\x1b");
    on_pg.wait_for("Import finished");
    on_pg.quit();

    let redb = rolodex(dir.path())
        .args(["history", "--json"])
        .output()
        .unwrap();
    let pg = rolodex(dir.path())
        .env("ROLODEX_DB", &url)
        .env("ROLODEX_PG_SCHEMA", &schema)
        .args(["history", "--json"])
        .output()
        .unwrap();
    let (redb, pg) = (
        counts(&String::from_utf8_lossy(&redb.stdout)),
        counts(&String::from_utf8_lossy(&pg.stdout)),
    );
    assert_eq!(pg.len(), 1, "{pg:?}");
    assert!(pg[0]["created"].as_u64().unwrap() > 200, "{pg:?}");
    assert_eq!(redb, pg, "the same walk, the same job");
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

/// History in the wizard while another process imports into the PostgreSQL store: each
/// time it is opened it shows the running job's counts as last committed, and they move.
#[test]
fn the_wizards_history_follows_an_import_in_another_process_on_postgres() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let path = dir.path().join("big.csv");
    let mut text = String::from("First Name,Last Name,Phone,Email\n");
    for i in 0..60_000u64 {
        text.push_str(&format!(
            "Person,N{i},+1 212 {} {:04},p{i}@example.com\n",
            200 + i / 10_000,
            i % 10_000
        ));
    }
    std::fs::write(&path, text).unwrap();
    // The store exists before the wizard opens (a small import), as a team's does.
    let one = dir.path().join("one.csv");
    std::fs::write(&one, "Name,Phone\nAda,+1 646 555 0100\n").unwrap();
    let ok = rolodex(dir.path())
        .env("ROLODEX_DB", &url)
        .env("ROLODEX_PG_SCHEMA", &schema)
        .args([
            "import",
            one.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let pg_env = [
        ("ROLODEX_DB", url.as_str()),
        ("ROLODEX_PG_SCHEMA", schema.as_str()),
    ];
    let mut w = Pty::start(dir.path(), &[], &pg_env);
    w.wait_for("Step 1/9 · File");
    let mut import = crate::common::rolodex_process(dir.path())
        .env("ROLODEX_DB", &url)
        .env("ROLODEX_PG_SCHEMA", &schema)
        .env("ROLODEX_BATCH_ROWS", "2000")
        .args([
            "import",
            path.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // History opened again and again (Ctrl-R, then Esc back): the line of job 2.
    let mut lines: Vec<String> = Vec::new();
    let mut took = Vec::new();
    while import.try_wait().unwrap().is_none() {
        let started = Instant::now();
        w.press("\x12"); // Ctrl-R
        w.wait_for("History");
        took.push(started.elapsed());
        let text = w.text();
        if let Some(line) = text.lines().find(|l| l.contains("big.csv")) {
            if lines.last().map(String::as_str) != Some(line) {
                lines.push(line.to_string());
            }
        }
        w.press("\x1b");
        w.wait_for("Step 1/9 · File");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(import.wait().unwrap().success());
    took.sort();
    eprintln!(
        "History opened {} times during the import: median {:?}, max {:?}; job lines seen: {lines:#?}",
        took.len(),
        took.get(took.len() / 2),
        took.last()
    );
    assert!(
        lines.len() >= 2,
        "History showed the running job's counts moving: {lines:#?}"
    );
    w.quit();
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}
