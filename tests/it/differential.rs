//! The differential suite of issue 14: one import, whatever the front end. Each case is one
//! argv, `rolodex --db STORE import FILE --yes --consent-confirmed FLAGS…`, run twice on
//! fresh stores seeded alike:
//!
//! - headless: the real binary with that argv;
//! - wizard: the same argv parsed by clap and turned into the wizard's request by the very
//!   function the command line launches the wizard with (`request_from_args`), the app built
//!   in-process as `tui::run` builds it, then driven with keys from File to Done.
//!
//! Both stores must then hold the same jobs (status, counts, reasons, consent column), the
//! same rows (`show JOB --csv`) and the same contacts (`contacts --json`). Only the automatic
//! `import-YYYYMMDD-HHMM-<file>` tag is normalized: it carries the clock, which the wizard's
//! test clock fixes. Any other difference is a disagreement between the front ends.
//!
//! A new case is one line in `differential!` below; an import both must refuse, one line in
//! `refused!`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use clap::Parser as _;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rolodex::cli::{Cli, Command};
use rolodex::config::Config;
use rolodex::tui::app::App;
use rolodex::tui::chrome::Level;
use rolodex::tui::event::AppEvent;
use rolodex::tui::screens::{Confirm, View};
use serde_json::Value;

use crate::common::{fixture, run, tempdir};

/// The cases, one a line: `name: FILE [FLAGS…] after [[SEED FILE, SEED FLAGS…], …] shows
/// [TEXT…];` with files relative to `fixtures/`. Seeds are headless imports run on both
/// stores before the case. What `shows` lists must appear in the history's or the
/// contacts' JSON (compact), so that a case cannot pass by both front ends doing nothing.
macro_rules! differential {
    ($($name:ident: $file:tt [$($flag:literal),*]
        $(after [$([$($seed:expr),+]),*])?
        shows [$($shown:literal),*];)*) => {$(
        #[test]
        fn $name() {
            Case {
                name: stringify!($name),
                file: $file,
                flags: &[$($flag),*],
                seeds: &[$($(&[$($seed),+]),*)?],
                shows: &[$($shown),*],
            }
            .check();
        }
    )*};
}

const PEOPLE: &str = "differential/people.csv";
const CHANGES: &str = "differential/people_changes.csv";
const SWITCHBOARD: &str = "differential/switchboard.csv";

differential! {
    // Consent: a column that looks like consent is the filter in both, unless turned off.
    contacts_defaults: "contacts.csv" [] shows [r#""consent_column":"Consent""#, r#""no_consent":89"#];
    contacts_consent_named: "contacts.csv" ["--consent-column", "Consent"] shows [r#""no_consent":89"#];
    contacts_consent_none: "contacts.csv" ["--consent-column", "none"] shows [r#""consent_column":null"#, r#""created":286"#];
    // Purposes and identifiers against stored contacts.
    create_against_stored: CHANGES [] after [[PEOPLE]] shows [r#""duplicate_existing":5"#];
    upsert_by_email: CHANGES ["--purpose", "upsert", "--identifier", "email"] after [[PEOPLE]] shows [r#""updated":4"#, r#""company":"US Navy""#];
    upsert_keep_existing: CHANGES ["--purpose", "upsert", "--keep-existing"] after [[PEOPLE]] shows [r#""updated":5"#, r#""company":"Analytical Engines""#];
    update_by_phone: CHANGES ["--purpose", "update", "--identifier", "phone"] after [[PEOPLE]] shows [r#""not_found":2"#, r#""company":"Manchester""#];
    update_by_id: "differential/people_ids.csv" ["--purpose", "update", "--identifier", "id"] after [[PEOPLE]] shows [r#""company":"University of Manchester""#];
    always_adds_every_row: CHANGES ["--purpose", "always"] after [[PEOPLE]] shows [r#""created":6"#];
    contacts_upsert_onto_itself: "contacts.csv" ["--purpose", "upsert", "--consent-column", "none"] after [["contacts.csv"]] shows [r#""updated":216"#];
    // Mapping: --map, a custom field with its type, a remembered mapping and --no-remembered.
    map_and_custom_field: "differential/deals.csv" ["--map", "Cell No=phone", "--map", "Deal=custom:deal_size:number", "--map", "Remark=note"] shows [r#""deal_size":"1234.50""#, r#""invalid_number":1"#];
    remembered_mapping: "differential/crm_april.csv" [] after [["differential/crm_march.csv", "--map", "Reach=phone", "--map", "Colour=custom:colour:text"]] shows [r#""colour":"red""#, r#""phones":["+16172531000"]"#];
    remembered_mapping_then_map: "differential/crm_april.csv" ["--map", "Colour=ignore"] after [["differential/crm_march.csv", "--map", "Reach=phone", "--map", "Colour=custom:colour:text"]] shows [r#""phones":["+16172531000"]"#];
    custom_date_read_day_first: "differential/dates_day_first.csv" ["--map", "Birthday=custom:birthday:date"] shows [r#""birthday":"1990-04-03""#, r#""invalid_date":1"#];
    unmapped_kept_as_custom: "differential/deals.csv" ["--unmapped", "custom", "--map", "Cell No=phone"] shows [r#""remark":"first customer""#, r#""deal":"1,234.50""#];
    custom_date_order_chosen: "differential/dates_day_first.csv" ["--map", "Birthday=custom:birthday:date", "--date-order", "month-first"] shows [r#""birthday":"1990-03-04""#, r#""invalid_date":2"#];
    remembered_mapping_ignored: "differential/crm_april.csv" ["--no-remembered"] after [["differential/crm_march.csv", "--map", "Reach=phone", "--map", "Colour=custom:colour:text"]] shows [r#""missing_identifier":1"#];
    // Reading: header row, encodings, delimiter. In the first of each, the file read as
    // detected gives another header or other text: the flag must reach both front ends.
    header_row_over_a_title_that_looks_like_one: "differential/title_row_looks_like_a_header.csv" ["--header-row", "3"] shows [r#""created":3"#];
    title_lines_header_row: "bad/title_lines.csv" ["--header-row", "4"] shows [r#""first_name":"Ada""#];
    windows_1251_detected_as_1252: "differential/cyrillic_1251.csv" ["--encoding", "windows-1251"] shows [r#""city":"Москва""#];
    windows_1252: "differential/cp1252.csv" ["--encoding", "windows-1252"] shows [r#""city":"Köln""#];
    utf16_without_bom: "bad/utf16_no_bom.csv" ["--encoding", "UTF-16LE", "--require", "any"] shows [r#""city":"Köln""#];
    tabs_sniffed_as_commas: "differential/tabs_with_commas.tsv" ["--delimiter", "tab", "--map", "Where (street, city, state, country)=address"] shows [r#""address":"12 Main St, Albany, NY, US""#];
    semicolons_and_region_de: "bad/semicolon_excel_de.csv" ["--delimiter", ";", "--region", "DE"] shows [r#""phones":["+49301234567"]"#];
    // Options: region, requirement, tags, list, visibility, the failure threshold.
    region_gb: "differential/uk_national.csv" ["--region", "GB"] shows [r#""phones":["+442079461018"]"#];
    require_dialer: CHANGES ["--require", "dialer"] shows [r#""created":5"#];
    tags_list_shared: CHANGES ["--tag", "x", "--list", "L", "--shared"] shows [r#""lists":["L"]"#, r#""shared":true"#, r#","x"]"#];
    tags_manual_list_no_import_tag: CHANGES ["--tag", "spring", "--tag", "vip", "--list", "Callbacks", "--dial", "manual", "--no-import-tag"] shows [r#""lists":["Callbacks"]"#, r#""import_tag":null"#, r#""tags":["spring","vip"]"#];
    tags_typed_as_a_list: CHANGES ["--tag", " spring, vip ", "--tag", "vip"] shows [r#""tags":["import-<time>-people_changes","spring","vip"]"#];
    list_name_padded: CHANGES ["--list", " Leads "] shows [r#""lists":["Leads"]"#];
    list_name_empty: CHANGES ["--list", ""] shows [r#""lists":["people_changes"]"#];
    list_name_with_an_escape_sequence: CHANGES ["--list", "Leads\x1b[31m"] shows [r#""lists":["Leads"]"#];
    tag_with_an_escape_sequence: CHANGES ["--tag", "x\x1b[31m"] shows [r#","x"]"#];
    region_lowercase: "differential/uk_national.csv" ["--region", "gb"] shows [r#""phones":["+442079461018"]"#];
    workbook_second_sheet: "sheets/contacts.xlsx" ["--sheet", "Suppliers"] shows [r#""company":"Vandelay Industries""#, r#""phones":["+16132345678"]"#];
    workbook_ods_dates: "sheets/contacts.ods" ["--map", "Birthday=custom:birthday:date"] shows [r#""birthday":"1985-12-10""#, r#""phones":["+16139690710"]"#];
    consent_column_lowercase: CHANGES ["--consent-column", "consent"] shows [r#""no_consent":1"#];
    list_name_with_a_bidi_override: CHANGES ["--list", "Leads\u{202e}"] shows [r#""lists":["Leads"]"#];
    tag_with_a_bidi_override: CHANGES ["--tag", "x\u{202e}"] shows [r#","x"]"#];
    max_failures_stops_at_the_same_row: "contacts.csv" ["--max-failures", "1"] shows [r#""status":"stopped""#, r#""total_rows":157"#];
    // Rows that share a phone with a contact of another name and email (issue 15).
    on_conflict_merge_by_default: SWITCHBOARD ["--purpose", "upsert"] shows [r#""identity_conflict":2"#, r#""created":1"#, r#""updated":3"#];
    on_conflict_separate: SWITCHBOARD ["--purpose", "upsert", "--on-conflict", "separate"] shows [r#""created":3"#, r#""updated":1"#, r#""first_name":"Tom""#];
    on_conflict_skip: SWITCHBOARD ["--purpose", "upsert", "--on-conflict", "skip"] shows [r#""identity_conflict":2"#, r#""skipped":2"#];
    on_conflict_shared_number_found_by_email: "differential/switchboard_later.csv" ["--purpose", "upsert"] after [[SWITCHBOARD, "--purpose", "upsert", "--on-conflict", "separate"]] shows [r#""updated":1"#, r#""ambiguous_match":1"#];
    // Opportunities beside contacts (issue 18): created, updated by id and by contact and
    // name, or left out.
    opportunities_with_contacts: "opportunities/deals.csv" [] shows [r#""opportunities":{"created":3"#, r#""objects":"both""#];
    opportunities_updated: "opportunities/deals_update.csv" ["--purpose", "update"] after [["opportunities/deals.csv"]] shows [r#""skipped":0,"updated":2}"#];
    opportunities_left_out: "opportunities/deals.csv" ["--objects", "contacts"] shows [r#""objects":"contacts""#, r#""opportunity_columns_not_imported":["Deal Name""#];
    on_conflict_separate_on_a_shared_number: "differential/switchboard_later.csv" ["--purpose", "upsert", "--on-conflict", "separate"] after [[SWITCHBOARD, "--purpose", "upsert", "--on-conflict", "separate"]] shows [r#""updated":1"#, r#""created":1"#, r#""first_name":"Nana""#];
    // Rows of one file sharing an identifier (issue 18).
    in_file_duplicates_first: "duplicates/shared_ids.csv" ["--in-file-duplicates", "first"] shows [r#""created":3"#, r#""duplicate_in_file":3"#];
    in_file_duplicates_last: "duplicates/shared_ids.csv" ["--in-file-duplicates", "last"] shows [r#""created":3"#, r#""emails":["ada.lovelace@example.org"]"#];
    in_file_duplicates_error: "duplicates/shared_ids.csv" ["--in-file-duplicates", "error"] shows [r#""failed":5"#, r#""created":1"#];
    in_file_duplicates_merge: "duplicates/shared_ids.csv" ["--in-file-duplicates", "merge"] shows [r#""updated":3"#];
}

/// Imports both front ends refuse before anything is written, one a line: `name: FILE
/// [FLAGS…] on VIEW;`. The headless command exits with an error; the wizard, driven as in
/// `differential!`, stops on VIEW with an error said; neither creates the store.
macro_rules! refused {
    ($($name:ident: $file:tt [$($flag:literal),*] on $view:ident;)*) => {$(
        #[test]
        fn $name() {
            Refusal {
                name: stringify!($name),
                file: $file,
                flags: &[$($flag),*],
                on: View::$view,
            }
            .check();
        }
    )*};
}

refused! {
    refused_consent_column_not_in_the_file: CHANGES ["--consent-column", "Agreed"] on Review;
    refused_unknown_region: CHANGES ["--region", "XX"] on Options;
    refused_dialer_without_a_phone_column: "rules/invalid_email.csv" ["--require", "dialer"] on Map;
    refused_header_row_past_the_end: "bad/title_lines.csv" ["--header-row", "40"] on File;
    refused_missing_sheet: "sheets/contacts.xls" ["--sheet", "Archive"] on File;
    refused_id_identifier_to_create: CHANGES ["--identifier", "id"] on Map;
    refused_unknown_map_header: CHANGES ["--map", "Nope=phone"] on Map;
}

/// `rolodex --db STORE import FILE --yes --consent-confirmed --json FLAGS…`, as a user would
/// type it (`FILE` relative to `fixtures/`).
fn argv(file: &str, flags: &[&str], store: &Path) -> Vec<String> {
    let mut argv: Vec<String> = ["rolodex", "--db"].map(String::from).to_vec();
    argv.push(store.display().to_string());
    argv.push("import".into());
    argv.push(fixture(file).display().to_string());
    argv.extend(["--yes", "--consent-confirmed", "--json"].map(String::from));
    argv.extend(flags.iter().map(|f| f.to_string()));
    argv
}

/// One file and flags both front ends must refuse.
struct Refusal {
    name: &'static str,
    file: &'static str,
    flags: &'static [&'static str],
    /// The wizard's screen that refuses to go on.
    on: View,
}

impl Refusal {
    fn check(&self) {
        let dir = tempdir();
        let store = dir.path().join("test.redb");
        let typed = argv(self.file, self.flags, &store);
        let args: Vec<&str> = typed[1..].iter().map(String::as_str).collect();
        let headless = run(dir.path(), &args);
        assert!(
            headless.code != 0 && !store.exists(),
            "{}: the headless import was not refused (exit {}, store created: {}):\n{}{}",
            self.name,
            headless.code,
            store.exists(),
            headless.stdout,
            headless.stderr
        );
        let dir = tempdir();
        let store = dir.path().join("test.redb");
        let mut w = Wizard::launch(self.name, &argv(self.file, self.flags, &store), dir.path());
        let stopped = match w.walk() {
            Ok(()) => panic!(
                "{}: the command line refused it ({}), the wizard imported it; it said:\n{}",
                self.name,
                headless.stderr.trim(),
                w.said.join("\n")
            ),
            Err(stopped) => stopped,
        };
        // The File screen says why a file cannot be read in its own panel.
        let said_error = matches!(w.app.ctx.status, Some((Level::Error, _)))
            || (stopped.view == View::File && w.app.file.error.is_some());
        assert!(
            stopped.view == self.on && said_error && !store.exists(),
            "{}: the command line refused it ({}); {stopped}",
            self.name,
            headless.stderr.trim()
        );
    }
}

/// One file and one set of flags, imported headless and through the wizard.
struct Case {
    name: &'static str,
    file: &'static str,
    flags: &'static [&'static str],
    seeds: &'static [&'static [&'static str]],
    /// Text the headless outcome's JSON must contain.
    shows: &'static [&'static str],
}

/// What one front end left in its store, normalized only for the clock.
struct Outcome {
    jobs: Value,
    /// `show JOB --csv` of every job, by job.
    rows: Value,
    contacts: Value,
    /// What the front end said, for a failure message.
    said: String,
}

impl Case {
    fn check(&self) {
        let started = Instant::now();
        let headless = self.headless();
        let wizard = self.wizard();
        let mut differences = Vec::new();
        for (what, h, w) in [
            ("jobs", &headless.jobs, &wizard.jobs),
            ("rows", &headless.rows, &wizard.rows),
            ("contacts", &headless.contacts, &wizard.contacts),
        ] {
            json_diff(what, h, w, &mut differences);
        }
        if !differences.is_empty() {
            let shown = differences.len().min(40);
            panic!(
                "{}: `import {}` with {:?} differs between the front ends ({} difference(s); headless · wizard):\n  {}{}\n\nheadless said:\n{}\nwizard said:\n{}",
                self.name,
                self.file,
                self.flags,
                differences.len(),
                differences[..shown].join("\n  "),
                if shown < differences.len() { "\n  …" } else { "" },
                headless.said,
                wizard.said,
            );
        }
        // Never a vacuous agreement: the case's own job ran and read rows.
        let jobs = headless.jobs.as_array().expect("history is an array");
        assert_eq!(
            jobs.len(),
            self.seeds.len() + 1,
            "{}: one job per seed and one for the case:\n{}",
            self.name,
            headless.said
        );
        let last = &jobs[jobs.len() - 1];
        assert!(
            last["total_rows"].as_u64().is_some_and(|n| n > 0),
            "{}: the import read no row: {last}",
            self.name
        );
        let text = format!("{}\n{}", headless.jobs, headless.contacts);
        for shown in self.shows {
            assert!(
                text.contains(shown),
                "{}: both front ends agree, but neither shows {shown}:\n{text}",
                self.name
            );
        }
        eprintln!("{}: agreed in {:?}", self.name, started.elapsed());
    }

    /// A fresh directory and store with the case's seeds imported headless.
    fn seeded(&self) -> (tempfile::TempDir, PathBuf) {
        let dir = tempdir();
        let store = dir.path().join("test.redb");
        for seed in self.seeds {
            let mut args = vec!["--db".to_string(), store.display().to_string()];
            args.push("import".into());
            args.push(fixture(seed[0]).display().to_string());
            args.extend(["--yes", "--consent-confirmed", "--json"].map(String::from));
            args.extend(seed[1..].iter().map(|s| s.to_string()));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let seeded = run(dir.path(), &args);
            assert_eq!(
                seeded.code, 0,
                "{}: the seed {seed:?} failed:\n{}",
                self.name, seeded.stderr
            );
        }
        (dir, store)
    }

    fn headless(&self) -> Outcome {
        let (dir, store) = self.seeded();
        let typed = argv(self.file, self.flags, &store);
        let args: Vec<&str> = typed[1..].iter().map(String::as_str).collect();
        let ran = run(dir.path(), &args);
        let said = format!(
            "exit {}\nstdout: {}\nstderr: {}",
            ran.code,
            ran.stdout.trim(),
            ran.stderr.trim()
        );
        outcome(dir.path(), &store, said)
    }

    fn wizard(&self) -> Outcome {
        let (dir, store) = self.seeded();
        let mut w = Wizard::launch(self.name, &argv(self.file, self.flags, &store), dir.path());
        if let Err(stopped) = w.walk() {
            panic!("{}: {stopped}", self.name);
        }
        let said = w.said.join("\n");
        // Its reader and the worker's writer closed before the store is read from outside.
        drop(w);
        outcome(dir.path(), &store, said)
    }
}

/// The wizard as the case drives it, with what it said on the way.
struct Wizard {
    case: &'static str,
    app: App,
    rx: Receiver<AppEvent>,
    said: Vec<String>,
}

/// Where the walk from File to Done stopped, and why.
struct Stopped {
    view: View,
    what: String,
    said: String,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the wizard stopped on {:?}: {}; it said:\n{}",
            self.view, self.what, self.said
        )
    }
}

impl Wizard {
    /// The wizard as `rolodex ARGV` (an `import FILE …` without `--yes`) launches it: the
    /// request made by the command line's own `request_from_args`, the app built as
    /// `tui::run` builds it, on the store that `--db` names.
    fn launch(case: &'static str, argv: &[String], out_dir: &Path) -> Wizard {
        let cli = Cli::try_parse_from(argv)
            .unwrap_or_else(|e| panic!("{case}: clap refused {argv:?}: {e}"));
        let Some(Command::Import(args)) = cli.command else {
            panic!("{case}: {argv:?} is not an import");
        };
        // The launch the command line makes of these flags (with no config.toml), built
        // into the app exactly as `tui::run` builds it, without a terminal.
        let launch = rolodex::cli::launch(cli.db.as_deref(), Some(&args), &Config::default());
        let (tx, rx) = mpsc::channel();
        let app = rolodex::tui::build(launch, tx, fixed_clock, out_dir.to_path_buf());
        let mut w = Wizard {
            case,
            app,
            rx,
            said: Vec::new(),
        };
        w.note();
        w
    }

    /// Enter on every screen from File to Done, the review and the import waited for, the
    /// consent box ticked with Space.
    fn walk(&mut self) -> Result<(), Stopped> {
        self.enter(View::Map)?;
        self.enter(View::Options)?;
        self.enter(View::Review)?;
        self.settle(
            "the review",
            |a| a.ctx.review.is_some(),
            |a| !a.ctx.reviewing,
        )?;
        self.enter(View::Consent)?;
        self.key(KeyCode::Char(' '));
        assert!(
            self.app.ctx.options.consent_confirmed,
            "{}: Space ticks the consent box",
            self.case
        );
        self.enter(View::Tags)?;
        self.enter(View::Destination)?;
        self.enter(View::Progress)?;
        self.settle("the import", |a| a.view == View::Done, |a| !a.ctx.importing)
    }

    fn key(&mut self, code: KeyCode) {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self.note();
    }

    fn stopped(&self, what: String) -> Stopped {
        Stopped {
            view: self.app.view,
            what,
            said: self.said.join("\n"),
        }
    }

    /// Enter, which must lead to `view`.
    fn enter(&mut self, view: View) -> Result<(), Stopped> {
        let from = self.app.view;
        self.key(KeyCode::Enter);
        // Leaving Map, the wizard asks about the columns no field takes; `y` leaves them
        // out, as the headless import does unless told `--unmapped custom`.
        if matches!(self.app.confirm, Some(Confirm::Unmapped(_))) {
            self.key(KeyCode::Char('y'));
        }
        if self.app.view == view {
            Ok(())
        } else {
            Err(self.stopped(format!("Enter on {from:?} did not lead to {view:?}")))
        }
    }

    /// Applies background events until `done` holds; stops when `over` holds first (the
    /// work ended without it); fails after 60 s.
    fn settle(
        &mut self,
        what: &str,
        done: impl Fn(&App) -> bool,
        over: impl Fn(&App) -> bool,
    ) -> Result<(), Stopped> {
        let start = Instant::now();
        while !done(&self.app) {
            if over(&self.app) {
                return Err(self.stopped(format!("{what} ended without finishing")));
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{}: {what} did not finish in 60 s",
                self.case
            );
            if let Ok(e) = self.rx.recv_timeout(Duration::from_millis(50)) {
                self.app.on_event(e);
                self.note();
            }
        }
        Ok(())
    }

    /// Keeps the status line, each time it changes.
    fn note(&mut self) {
        if let Some((level, text)) = &self.app.ctx.status {
            let line = format!("{:?}: {level:?}: {text}", self.app.view);
            if self.said.last() != Some(&line) {
                self.said.push(line);
            }
        }
    }
}

fn fixed_clock() -> chrono::DateTime<chrono::Local> {
    use chrono::TimeZone;
    chrono::Local
        .with_ymd_and_hms(2026, 11, 21, 9, 30, 0)
        .single()
        .expect("a valid time")
}

/// Reads the store in `dir` with the real binary: every job, every job's rows, every
/// contact.
fn outcome(dir: &Path, store: &Path, said: String) -> Outcome {
    let store = store.display().to_string();
    let read = |args: &[&str]| {
        let mut all = vec!["--db", store.as_str()];
        all.extend_from_slice(args);
        let out = run(dir, &all);
        assert_eq!(out.code, 0, "rolodex {args:?} failed: {}", out.stderr);
        out
    };
    let mut jobs = read(&["history", "--json"]).json();
    let mut rows = serde_json::Map::new();
    for job in jobs.as_array().expect("history is an array") {
        let id = job["job"].to_string();
        let csv = read(&["show", &id, "--csv"]).stdout;
        rows.insert(
            format!("job {id}"),
            csv.lines().map(Value::from).collect::<Vec<_>>().into(),
        );
    }
    for job in jobs.as_array_mut().expect("history is an array") {
        let job = job.as_object_mut().expect("a job is an object");
        // When it ran: the one thing two runs of the same import never share.
        job.remove("started");
        job.remove("finished");
        if let Some(Value::String(tag)) = job.get_mut("import_tag") {
            *tag = without_time(tag);
        }
    }
    let mut contacts = read(&["contacts", "--json"]).json();
    for contact in contacts.as_array_mut().expect("contacts is an array") {
        if let Some(Value::Array(tags)) = contact.get_mut("tags") {
            // A set again: a stamp of another day sorts elsewhere among the other tags, and
            // two imports of one file are one tag when the clock gives both the same minute.
            let normalized: std::collections::BTreeSet<String> = tags
                .iter()
                .map(|t| without_time(t.as_str().expect("a tag is a string")))
                .collect();
            *tags = normalized.into_iter().map(Value::from).collect();
        }
    }
    Outcome {
        jobs,
        rows: Value::Object(rows),
        contacts,
        said,
    }
}

/// `import-20261121-0930-contacts` → `import-<time>-contacts`: the automatic tag without the
/// clock it was made by. Any other tag is kept as it is.
fn without_time(tag: &str) -> String {
    let Some(rest) = tag.strip_prefix("import-") else {
        return tag.to_string();
    };
    let stamp = rest.as_bytes();
    let is_stamp = stamp.len() > 14
        && stamp[..8].iter().all(u8::is_ascii_digit)
        && stamp[8] == b'-'
        && stamp[9..13].iter().all(u8::is_ascii_digit)
        && stamp[13] == b'-';
    if is_stamp {
        format!("import-<time>-{}", &rest[14..])
    } else {
        tag.to_string()
    }
}

/// Every place where `a` (headless) and `b` (wizard) differ, as `path: a · b`.
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let missing = Value::String("<absent>".into());
                json_diff(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&missing),
                    y.get(k).unwrap_or(&missing),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let missing = Value::String("<absent>".into());
                json_diff(
                    &format!("{path}[{i}]"),
                    x.get(i).unwrap_or(&missing),
                    y.get(i).unwrap_or(&missing),
                    out,
                );
            }
        }
        _ if a != b => out.push(format!("{path}: {a} · {b}")),
        _ => {}
    }
}

#[test]
fn the_import_tag_loses_only_its_time() {
    assert_eq!(
        without_time("import-20261121-0930-contacts"),
        "import-<time>-contacts"
    );
    assert_eq!(without_time("import-later"), "import-later");
    assert_eq!(without_time("vip"), "vip");
}

#[test]
fn a_difference_names_its_path_and_both_values() {
    let mut out = Vec::new();
    json_diff(
        "contacts",
        &serde_json::json!([{"company": "A", "tags": ["x"]}]),
        &serde_json::json!([{"company": "B", "tags": ["x", "y"]}, {}]),
        &mut out,
    );
    assert_eq!(
        out,
        [
            "contacts[0].company: \"A\" · \"B\"",
            "contacts[0].tags[1]: \"<absent>\" · \"y\"",
            "contacts[1]: \"<absent>\" · {}",
        ]
    );
}
