//! The real binary in a pseudo-terminal at 80×24, driven through the whole wizard with keys
//! only; the screen is read through a terminal emulator (vt100) and waited on, never slept
//! on. Then `rolodex contacts --json` shows what was imported.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

use crate::common::{fixture, run, tempdir};

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `what`.
    fn wait_for(&self, what: &str) {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.contains(what) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited for {what:?}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn whole_wizard_with_keys_only() {
    let dir = tempdir();
    let db = dir.path().join("test.redb");
    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("rolodex"));
    cmd.args(["import", fixture("contacts.csv").to_str().unwrap()]);
    cmd.env("ROLODEX_DB", &db);
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", dir.path());
    cmd.cwd(dir.path());
    let mut child = pair
        .slave
        .spawn_command(cmd)
        .expect("rolodex starts in the pty");
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
    let mut keys = pair.master.take_writer().unwrap();
    let mut press = |s: &str| {
        keys.write_all(s.as_bytes()).unwrap();
        keys.flush().unwrap();
    };
    let screen = Screen { parser };

    screen.wait_for("Step 1/9 · File");
    screen.wait_for("Encoding   UTF-8");
    // The wizard holds no write lock while it waits on the user: a headless import of
    // another file runs meanwhile (it is job 1, the wizard's own import job 2).
    let one = dir.path().join("one.csv");
    std::fs::write(
        &one,
        "First Name,Last Name,Phone\nHeadless,Person,+1 212 334 0199\n",
    )
    .unwrap();
    let other = run(
        dir.path(),
        &[
            "import",
            one.to_str().unwrap(),
            "--yes",
            "--consent-confirmed",
        ],
    );
    assert_eq!(other.code, 0, "{}", other.stderr);
    press("\r");
    screen.wait_for("Step 2/9 · Map");
    screen.wait_for("first_name");
    press("\r");
    screen.wait_for("Step 3/9 · Options");
    press("\r");
    screen.wait_for("Step 4/9 · Review");
    screen.wait_for("Will create");
    press("\r");
    screen.wait_for("Step 5/9 · Consent");
    press("\r");
    screen.wait_for("Tick the box first");
    press(" ");
    screen.wait_for("[x] Every contact");
    press("\r");
    screen.wait_for("Step 6/9 · Tags");
    press("pty-test");
    press("\r");
    screen.wait_for("Step 7/9 · Destination");
    press("\r");
    screen.wait_for("Step 9/9 · Done");
    screen.wait_for("Import finished");
    press("q");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "rolodex exited with {status:?}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "rolodex did not quit on q"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let out = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut contacts = out.json().as_array().unwrap().clone();
    contacts.retain(|c| c["created_by"] == 2);
    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history[0]["created"], 1, "the headless import");
    assert_eq!(
        contacts.len() as u64,
        history[1]["created"].as_u64().unwrap()
    );
    assert!(contacts.len() > 200);
    assert!(contacts.iter().all(|c| c["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "pty-test")));
}
