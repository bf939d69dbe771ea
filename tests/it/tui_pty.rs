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
                "waited for {first:?} or {second:?}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

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
    // Seed 004: leaving Map, the wizard asks once about the columns no field takes.
    screen.wait_for("These 2 columns will not be imported");
    screen.wait_for("c keep them as custom fields");
    press("y");
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

/// The wizard in a pseudo-terminal, its raw output kept beside the screen.
struct Wizard {
    screen: Screen,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Texts watched for, and whether the screen has shown each (see `watch`).
    watched: Arc<Mutex<Vec<(String, bool)>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Wizard {
    fn start(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Wizard {
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
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(dir);
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("rolodex starts in the pty");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let watched: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
        let mut reader = pair.master.try_clone_reader().unwrap();
        let (feed, keep, watch) = (Arc::clone(&parser), Arc::clone(&raw), Arc::clone(&watched));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // Looked at before the alternate screen is left, too: a text shown just
                // before the wizard ends may arrive in one read with its end.
                let mut rest = &buf[..n];
                while !rest.is_empty() {
                    let leave = rest
                        .windows(LEAVE_ALTERNATE.len())
                        .position(|w| w == LEAVE_ALTERNATE)
                        .unwrap_or(rest.len());
                    let (part, after) = rest.split_at(leave);
                    let mut parser = feed.lock().unwrap();
                    parser.process(part);
                    let text = parser.screen().contents();
                    for (what, seen) in watch.lock().unwrap().iter_mut() {
                        *seen |= text.contains(what.as_str());
                    }
                    let step = after.len().min(LEAVE_ALTERNATE.len());
                    parser.process(&after[..step]);
                    rest = &after[step..];
                }
                keep.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let keys = pair.master.take_writer().unwrap();
        Wizard {
            screen: Screen { parser },
            raw,
            watched,
            child,
            keys,
            _master: pair.master,
        }
    }

    /// Watches for `what` on the screen from now on, however briefly it shows.
    fn watch(&self, what: &str) {
        self.watched.lock().unwrap().push((what.to_string(), false));
    }

    /// The screen has shown `what` since `watch(what)`.
    fn was_shown(&self, what: &str) -> bool {
        self.watched
            .lock()
            .unwrap()
            .iter()
            .any(|(w, seen)| w == what && *seen)
    }

    fn press(&mut self, s: &str) {
        self.keys.write_all(s.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    fn signal(&self, name: &str) {
        let pid = self.child.process_id().expect("the wizard's pid");
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Enter on every step, consent ticked, to the import under way on Progress.
    fn walk_to_progress(&mut self) {
        self.screen.wait_for("Step 1/9 · File");
        self.press("\r");
        self.screen.wait_for("Step 2/9 · Map");
        self.press("\r");
        // A file with columns no field takes is asked about once: leave them out.
        if self
            .screen
            .wait_for_either("will not be imported", "Step 3/9 · Options")
        {
            self.press("y");
        }
        self.screen.wait_for("Step 3/9 · Options");
        self.press("\r");
        self.screen.wait_for("Will create");
        self.press("\r");
        self.screen.wait_for("Step 5/9 · Consent");
        self.press(" ");
        self.screen.wait_for("[x] Every contact");
        self.press("\r");
        self.screen.wait_for("Step 6/9 · Tags");
        self.press("\r");
        self.screen.wait_for("Step 7/9 · Destination");
        self.press("\r");
        self.screen.wait_for("Created");
    }

    /// Waits for the wizard to end; its exit status, and what it wrote from the last
    /// time it showed the screen on.
    fn wait(&mut self) -> (u32, Vec<u8>) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the wizard did not end; the screen shows:\n{}",
                self.screen.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread drains what the wizard wrote last.
        std::thread::sleep(Duration::from_millis(200));
        (status.exit_code(), self.raw.lock().unwrap().clone())
    }
}

/// Leaves the alternate screen (the wizard's last words to the terminal).
const LEAVE_ALTERNATE: &[u8] = b"\x1b[?1049l";

/// A file of `n` people, each with a phone and an email of their own.
fn many_rows(n: u64) -> String {
    let mut text = String::from("First Name,Last Name,Phone,Email\n");
    for i in 0..n {
        text.push_str(&format!(
            "Person,{i},+1 212 {} {:04},p{i}@example.com\n",
            200 + i / 10_000,
            i % 10_000
        ));
    }
    text
}

/// What a terminal needs to be given back: the main screen, and the cursor shown.
fn assert_restored(raw: &[u8]) {
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(400)..]).into_owned();
    let left = tail.rfind("\x1b[?1049l");
    let shown = tail.rfind("\x1b[?25h");
    assert!(
        left.is_some() && shown.is_some(),
        "the output does not end by leaving the alternate screen and showing the cursor: {tail:?}"
    );
    // Nothing draws on the alternate screen again after it is left.
    assert!(
        tail.rfind("\x1b[?1049h") < left,
        "the alternate screen is entered again: {tail:?}"
    );
}

/// SIGTERM to the wizard gives the terminal back (main screen, cursor shown) before the
/// process ends with 128 + 15.
#[test]
fn sigterm_gives_the_terminal_back() {
    let dir = crate::common::tempdir();
    let mut wizard = Wizard::start(dir.path(), &[], &[]);
    wizard.screen.wait_for("Step 1/9 · File");
    wizard.signal("TERM");
    let (code, raw) = wizard.wait();
    assert_eq!(code, 143);
    assert_restored(&raw);
}

/// SIGTERM during an import: the wizard stops it at a commit (the job ends cancelled,
/// resumable), gives the terminal back and says how to resume.
#[test]
fn sigterm_during_an_import_cancels_it_at_a_commit_and_gives_the_terminal_back() {
    let dir = crate::common::tempdir();
    let path = dir.path().join("many.csv");
    std::fs::write(&path, many_rows(120_000)).unwrap();
    let file = path.to_str().unwrap();
    let mut wizard = Wizard::start(
        dir.path(),
        &["import", file],
        &[("ROLODEX_BATCH_ROWS", "2000")],
    );
    wizard.walk_to_progress();
    wizard.signal("TERM");
    let (code, raw) = wizard.wait();
    assert_eq!(
        code,
        143,
        "{}",
        String::from_utf8_lossy(&raw[raw.len().saturating_sub(400)..])
    );
    assert_restored(&raw);
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(400)..]).into_owned();
    assert!(tail.contains("`rolodex resume 1`"), "{tail:?}");

    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history[0]["status"], "cancelled", "{history}");
    let created = history[0]["created"].as_u64().unwrap();
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(contacts.as_array().unwrap().len() as u64, created);
    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["created"], 120_000);
}

/// `q` during an import, then `y`: the wizard stays up saying it is stopping the import at
/// the next commit, ends once the worker has stopped (exit 0, the terminal given back) and
/// says on stderr how to resume the cancelled job.
#[test]
fn quitting_during_an_import_stops_it_at_a_commit_and_says_how_to_resume() {
    let dir = crate::common::tempdir();
    let path = dir.path().join("many.csv");
    std::fs::write(&path, many_rows(120_000)).unwrap();
    let file = path.to_str().unwrap();
    let mut wizard = Wizard::start(
        dir.path(),
        &["import", file],
        &[("ROLODEX_BATCH_ROWS", "2000")],
    );
    wizard.walk_to_progress();
    wizard.press("q");
    wizard.screen.wait_for("Cancel it and quit?");
    wizard.watch("Stopping the import at the next commit");
    wizard.press("y");
    let (code, raw) = wizard.wait();
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(400)..]).into_owned();
    assert_eq!(code, 0, "{tail:?}");
    assert!(
        wizard.was_shown("Stopping the import at the next commit"),
        "{tail:?}"
    );
    assert_restored(&raw);
    assert!(tail.contains("import job 1 was cancelled"), "{tail:?}");
    assert!(tail.contains("`rolodex resume 1`"), "{tail:?}");

    let history = run(dir.path(), &["history", "--json"]).json();
    assert_eq!(history[0]["status"], "cancelled", "{history}");
    let created = history[0]["created"].as_u64().unwrap();
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(contacts.as_array().unwrap().len() as u64, created);
    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["created"], 120_000);
}

/// `rolodex import FILE --delimiter --header-row --map` opens the wizard reading and mapping
/// the file as the flags say, as a headless import would (the flags reach the wizard
/// through `tui::Launch`).
#[test]
fn the_wizard_reads_and_maps_the_file_as_its_flags_say() {
    let dir = tempdir();
    let file = dir.path().join("export.csv");
    std::fs::write(
        &file,
        "Exported from the CRM\n\nName;Mobile Number;Note\nAda Lovelace;+44 20 7946 1018;x\n",
    )
    .unwrap();
    let config = dir.path().join("config");
    let mut wizard = Wizard::start(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--delimiter",
            ";",
            "--header-row",
            "3",
            "--map",
            "Note=ignore",
        ],
        &[("XDG_CONFIG_HOME", config.to_str().unwrap())],
    );
    wizard.screen.wait_for("Step 1/9");
    wizard.press("\r");
    wizard.screen.wait_for("Step 2/9");
    wizard.screen.wait_for("ignore (you)");
    let text = wizard.screen.text();
    let row = |column: &str| {
        text.lines()
            .find(|l| l.contains(column))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("Mobile Number").contains("phone"), "{text}");
    assert!(row("Note").contains("ignore"), "{text}");
    assert!(row("Name ").contains("Ada Lovelace"), "{text}");
    wizard.child.kill().unwrap();
    let _ = wizard.child.wait();
}

impl Wizard {
    /// The bottom line: the footer of key hints.
    fn footer(&self) -> String {
        self.screen
            .text()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    }

    /// The wizard is still running.
    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

/// Trap: `q` ended the whole wizard from any screen, losing every choice. Now it goes back
/// one step at a time; Ctrl-C with choices made asks first, and `n` keeps the wizard.
#[test]
fn q_goes_back_a_step_and_quitting_with_choices_made_asks_first() {
    let dir = tempdir();
    let file = fixture("contacts.csv");
    let mut wizard = Wizard::start(dir.path(), &["import", file.to_str().unwrap()], &[]);
    wizard.screen.wait_for("Step 1/9 · File");
    wizard.screen.wait_for("Encoding   UTF-8");
    wizard.press("\r");
    wizard.screen.wait_for("Step 2/9 · Map");
    wizard.press("\r");
    wizard.screen.wait_for("will not be imported");
    wizard.press("y");
    wizard.screen.wait_for("Step 3/9 · Options");
    wizard.press("q");
    wizard.screen.wait_for("Step 2/9 · Map");
    assert!(wizard.alive(), "q quit the wizard on Options");
    wizard.press("q");
    wizard.screen.wait_for("Step 1/9 · File");
    assert!(wizard.alive(), "q quit the wizard on Map");
    // On File the path field has the focus: the footer offers Ctrl-C, not `q`.
    wizard.screen.wait_for("F1 help · C-c quit");
    assert!(!wizard.footer().contains("q quit"), "{}", wizard.footer());
    wizard.press("\x03");
    wizard.screen.wait_for("Quit and lose the mapping");
    wizard.press("n");
    std::thread::sleep(Duration::from_millis(300));
    assert!(wizard.alive(), "n ended the wizard");
    assert!(!wizard.screen.text().contains("Quit and lose the mapping"));
    wizard.press("\x03");
    wizard.screen.wait_for("Quit and lose the mapping");
    wizard.press("y");
    let (code, raw) = wizard.wait();
    assert_eq!(code, 0);
    assert_restored(&raw);
}

/// Trap: on Tags the new-tags field had the focus while its title said "Tab to move
/// here", so Tab moved the focus out and the next `q` typed ended the program. Now the
/// title says the field is being typed in, `q` types there, the footer offers neither
/// `? help` nor `q quit`, and after Tab a `q` goes back a step instead of quitting.
#[test]
fn tags_field_says_it_has_the_focus_and_q_never_quits_from_it() {
    let dir = tempdir();
    let file = fixture("contacts.csv");
    let mut wizard = Wizard::start(dir.path(), &["import", file.to_str().unwrap()], &[]);
    wizard.screen.wait_for("Step 1/9 · File");
    wizard.press("\r");
    wizard.screen.wait_for("Step 2/9 · Map");
    wizard.press("\r");
    wizard.screen.wait_for("will not be imported");
    wizard.press("y");
    wizard.screen.wait_for("Step 3/9 · Options");
    wizard.press("\r");
    wizard.screen.wait_for("Will create");
    wizard.press("\r");
    wizard.screen.wait_for("Step 5/9 · Consent");
    wizard.press(" ");
    wizard.screen.wait_for("[x] Every contact");
    wizard.press("\r");
    wizard.screen.wait_for("Step 6/9 · Tags");
    wizard.screen.wait_for("typing here");
    assert!(!wizard.screen.text().contains("Tab to move here"));
    let footer = wizard.footer();
    assert!(
        !footer.contains("q quit") && !footer.contains("? help"),
        "{footer}"
    );
    wizard.press("q?");
    wizard.screen.wait_for("┃q?");
    assert!(wizard.alive());
    wizard.press("\x7f\x7f\t");
    wizard.screen.wait_for("(Tab moves here)");
    wizard.press("q");
    wizard.screen.wait_for("Step 5/9 · Consent");
    assert!(wizard.alive(), "q quit the wizard on Tags");
    wizard.child.kill().unwrap();
    let _ = wizard.child.wait();
}

/// Focus is visible without colour: with NO_COLOR the focused field has a thick border
/// and its caret is drawn in reverse video.
#[test]
fn the_focused_field_shows_its_caret_with_no_color() {
    let dir = tempdir();
    let mut wizard = Wizard::start(dir.path(), &[], &[("NO_COLOR", "1")]);
    wizard.screen.wait_for("Step 1/9 · File");
    wizard.press("fix");
    wizard.screen.wait_for("┃fix");
    let parser = wizard.screen.parser.lock().unwrap();
    let screen = parser.screen();
    let row = (0..24u16)
        .find(|&r| screen.contents_between(r, 0, r, 80).starts_with("┃fix"))
        .expect("the path field's row");
    let caret = screen.cell(row, 4).expect("the cell after the text");
    assert!(caret.inverse(), "no caret after the typed text");
    assert!(
        (0..80u16).all(|c| screen
            .cell(row, c)
            .is_none_or(|cell| cell.fgcolor() == vt100::Color::Default)),
        "colour with NO_COLOR"
    );
    drop(parser);
    wizard.child.kill().unwrap();
    let _ = wizard.child.wait();
}

/// The File step reaches a file in the home folder by `~` and Tab completion alone, and
/// lists its folders.
#[test]
fn the_file_step_expands_home_and_completes_with_tab() {
    let dir = tempdir();
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    std::fs::create_dir(exports.join("older")).unwrap();
    std::fs::write(
        exports.join("people.csv"),
        "First Name,Phone\nAda,+44 20 7946 1018\n",
    )
    .unwrap();
    // The wizard starts elsewhere than the home folder (HOME is `dir`).
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let mut wizard = Wizard::start(&elsewhere, &[], &[("HOME", dir.path().to_str().unwrap())]);
    wizard.screen.wait_for("Step 1/9 · File");
    wizard.press("~/ex\t");
    wizard.screen.wait_for("┃~/exports/");
    wizard.screen.wait_for("older/");
    wizard.screen.wait_for("people.csv");
    wizard.press("p\t");
    wizard.screen.wait_for("┃~/exports/people.csv");
    wizard.press("\r");
    wizard.screen.wait_for("Encoding   UTF-8");
    wizard.child.kill().unwrap();
    let _ = wizard.child.wait();
}

/// A job stopped by its failure limit is resumed from History (`u`, asked first), then
/// reverted from History (`r`, the question saying how many contacts it created): the
/// real binary, keys only.
#[test]
fn history_resumes_then_reverts_a_stopped_job_asking_first() {
    let dir = tempdir();
    let file = fixture("contacts.csv");
    let out = crate::common::import(dir.path(), &file, &["--max-failures", "1"]);
    assert_eq!(out.code, 3, "stopped short: {}", out.stderr);
    let mut wizard = Wizard::start(dir.path(), &["import", file.to_str().unwrap()], &[]);
    wizard.screen.wait_for("Step 1/9 · File");
    wizard.press("\x12"); // Ctrl-R: History
    wizard
        .screen
        .wait_for("Job 1 stopped before the end of its file");
    wizard.press("u");
    wizard.screen.wait_for("Resume job 1 where it stopped?");
    wizard.press("y");
    wizard.screen.wait_for("Step 9/9 · Done");
    wizard.press("H");
    wizard.screen.wait_for("job 1/1 · Enter opens one");
    wizard.press("r");
    wizard.screen.wait_for("contacts it created are deleted");
    wizard.press("y");
    wizard.screen.wait_for("Job 1 reverted:");
    wizard.press("\x03");
    let (code, raw) = wizard.wait();
    assert_eq!(code, 0);
    assert_restored(&raw);
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(contacts.as_array().unwrap().len(), 0, "{contacts}");
}

/// Issue 18 in the real wizard: a file with a Contact Owner column and a deal in each row.
/// Map counts the owners that match a team member, Options offers contacts only or
/// contacts and opportunities, and the import stores the owner and the opportunities as
/// the headless import of the same file does.
#[test]
fn the_wizard_imports_owners_and_opportunities() {
    let dir = tempdir();
    let file = crate::common::write(
        dir.path(),
        "deals.csv",
        "First Name,Last Name,Phone,Email,Contact Owner,Deal Name,Amount,Deal Stage\n\
         Ada,Lovelace,(613) 969-0710,ada@example.com,Logan Paul,Analytical Engine,\"1,200.50\",Proposal\n\
         Grace,Hopper,416-391-7710,grace@example.com,logan@team.example,Compiler,$900,Won\n",
    );
    let added = run(
        dir.path(),
        &["team", "add", "logan@team.example", "--name", "Logan Paul"],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let mut wizard = Wizard::start(dir.path(), &["import", file.to_str().unwrap()], &[]);
    wizard.screen.wait_for("Step 1/9 · File");
    wizard.press("\r");
    wizard.screen.wait_for("Step 2/9 · Map");
    wizard.screen.wait_for("opportunity.value");
    wizard.screen.wait_for("2 of 2 match a team member");
    wizard.press("\r");
    if wizard
        .screen
        .wait_for_either("will not be imported", "Step 3/9 · Options")
    {
        wizard.press("y");
    }
    wizard.screen.wait_for("Step 3/9 · Options");
    wizard.screen.wait_for("contacts and opportunities");
    wizard.press("\r");
    wizard.screen.wait_for("Will create");
    wizard.press("\r");
    wizard.screen.wait_for("Step 5/9 · Consent");
    wizard.press(" ");
    wizard.screen.wait_for("[x] Every contact");
    wizard.press("\r");
    wizard.screen.wait_for("Step 6/9 · Tags");
    wizard.press("\r");
    wizard.screen.wait_for("Step 7/9 · Destination");
    wizard.press("\r");
    wizard.screen.wait_for("Step 9/9 · Done");
    wizard.screen.wait_for("Import finished");
    wizard.press("q");
    let (status, _) = wizard.wait();
    assert_eq!(status, 0);

    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    let owners: Vec<&str> = contacts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["owner"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(owners, ["logan@team.example", "logan@team.example"]);
    let deals = run(dir.path(), &["opportunities", "--json"]);
    assert_eq!(deals.code, 0, "{}", deals.stderr);
    let deals = deals.json();
    let names: Vec<&str> = deals
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["Analytical Engine", "Compiler"]);

    // The same file headless, into a store of its own: the same contacts and deals.
    let other = tempdir();
    assert_eq!(
        run(
            other.path(),
            &["team", "add", "logan@team.example", "--name", "Logan Paul"]
        )
        .code,
        0
    );
    let headless = crate::common::import(other.path(), &file, &["--consent-column", "none"]);
    assert_eq!(headless.code, 0, "{}", headless.stderr);
    let strip = |v: serde_json::Value| -> String {
        let text = v.to_string();
        // The import tags differ by the minute they were made.
        regex_lite_strip(&text)
    };
    assert_eq!(
        strip(run(other.path(), &["opportunities", "--json"]).json()),
        strip(deals)
    );
}

/// `text` without its `import-…` tags and its times, which differ between two imports.
fn regex_lite_strip(text: &str) -> String {
    text.split('"')
        .map(|part| {
            if part.starts_with("import-") || part.starts_with("20") && part.contains('T') {
                "<varies>"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("\"")
}
