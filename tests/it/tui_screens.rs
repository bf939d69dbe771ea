//! Every screen of the wizard rendered on `TestBackend` at 80×24 and 120×40 with realistic
//! data, error states included, and flows that drive the app with actions from File to
//! Done and check the store. Background work is waited for explicitly, never slept on.

use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rolodex::engine::mapping::{Field, Target};
use rolodex::engine::plan::Requirement;
use rolodex::engine::plan::{DialMode, ImportOptions, ListTarget};
use rolodex::engine::reason::Reason;
use rolodex::engine::review::Progress;
use rolodex::engine::source::ReadOptions;
use rolodex::session::ImportRequest;
use rolodex::store::Store;
use rolodex::tui::app::App;
use rolodex::tui::chrome::Level;
use rolodex::tui::context::Ctx;
use rolodex::tui::event::{AppEvent, TaskEvent};
use rolodex::tui::screens::{history, Confirm, View};
use rolodex::tui::task::Kind;
use rolodex::tui::theme::Theme;
use tempfile::TempDir;

fn fixed_clock() -> chrono::DateTime<chrono::Local> {
    use chrono::TimeZone;
    chrono::Local
        .with_ymd_and_hms(2026, 11, 21, 9, 30, 0)
        .single()
        .expect("a valid time")
}

struct Harness {
    app: App,
    rx: Receiver<AppEvent>,
    dir: TempDir,
}

impl Harness {
    fn new(file: Option<&str>) -> Harness {
        Harness::build(file, |ctx| ctx)
    }

    /// The wizard as started with a config.toml that gives these defaults.
    fn with_defaults(file: Option<&str>, defaults: ImportOptions) -> Harness {
        Harness::build(file, |ctx| ctx.with_defaults(defaults))
    }

    /// The wizard with its context set up by `setup` before the file is opened.
    fn build(file: Option<&str>, setup: impl FnOnce(Ctx) -> Ctx) -> Harness {
        Harness::build_in(tempfile::tempdir().unwrap(), file, setup)
    }

    /// The wizard on the store `dir/test.redb` (made before, e.g. by headless imports).
    fn build_in(dir: TempDir, file: Option<&str>, setup: impl FnOnce(Ctx) -> Ctx) -> Harness {
        let store = Store::open(&dir.path().join("test.redb")).map_err(Into::into);
        let (tx, rx) = mpsc::channel();
        let ctx = setup(Ctx::new(
            Theme::plain(),
            store,
            tx,
            fixed_clock,
            dir.path().to_path_buf(),
        ));
        let app = App::new(ctx, file.map(Path::new));
        Harness { app, rx, dir }
    }

    fn key(&mut self, code: KeyCode) -> &mut Self {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self
    }

    /// Enter on Map, answering `y` (leave them out) when the wizard asks about columns no
    /// field takes.
    fn leave_map(&mut self) -> &mut Self {
        assert_eq!(self.app.view, View::Map);
        self.key(KeyCode::Enter);
        if matches!(self.app.confirm, Some(Confirm::Unmapped(_))) {
            self.key(KeyCode::Char('y'));
        }
        self
    }

    fn ctrl(&mut self, c: char) -> &mut Self {
        self.app
            .on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        self
    }

    fn keys(&mut self, codes: &[KeyCode]) -> &mut Self {
        for c in codes {
            self.key(*c);
        }
        self
    }

    fn text(&mut self, s: &str) -> &mut Self {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
        self
    }

    /// Applies background events until `done` holds (or fails after 60 s).
    fn settle(&mut self, done: impl Fn(&App) -> bool) -> &mut Self {
        let start = Instant::now();
        while !done(&self.app) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "background work did not finish"
            );
            if let Ok(e) = self.rx.recv_timeout(Duration::from_millis(50)) {
                self.app.on_event(e);
            }
        }
        self
    }

    fn render(&self, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|f| f.render_widget(&self.app, f.area()))
            .unwrap();
        terminal.backend().to_string()
    }

    /// Waits for History to have read the job it opens, and the rows a search found.
    fn settle_history(&mut self) -> &mut Self {
        self.settle(|a| a.history.loading.is_none() && a.history.finding.is_none())
    }

    /// File → Map → Options → Review (waited for).
    fn walk_to_review(&mut self) -> &mut Self {
        self.key(KeyCode::Enter).leave_map().key(KeyCode::Enter);
        assert_eq!(self.app.view, View::Review);
        self.settle(|a| a.ctx.review.is_some())
    }

    /// … → Consent (ticked) → Tags → Destination → Progress → Done (waited for).
    fn walk_to_done(&mut self) -> &mut Self {
        self.walk_to_review();
        self.import_from_review()
    }

    /// From a finished Review: Consent (ticked) → Tags → Destination → Progress → Done.
    fn import_from_review(&mut self) -> &mut Self {
        self.keys(&[
            KeyCode::Enter,
            KeyCode::Char(' '),
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Enter,
        ]);
        self.settle(|a| a.view == View::Done)
    }
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

/// Snapshots a screen at 80×24 and 120×40, with times and temporary paths masked.
fn snap(name: &str, h: &Harness) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{2}-\d{2} \d{2}:\d{2}", "[MM-DD hh:mm]");
    settings.add_filter(r"/tmp/\.tmp\w+", "[tmp]");
    // Where the repository is checked out (History names a job's whole path), with the
    // spaces its length leaves after it.
    let repo = regex_escape(env!("CARGO_MANIFEST_DIR"));
    settings.add_filter(&format!(r"{repo}(\S*) *"), "[repo]$1");
    settings.add_filter(r"Checked in \d+\.\d s", "Checked in [t] s");
    // An import tag made by a headless import, on the real clock.
    settings.add_filter(r"import-\d{8}-\d{4}-", "import-[date]-");
    settings.set_snapshot_path("snapshots");
    settings.bind(|| {
        insta::assert_snapshot!(format!("{name}_80x24"), h.render(80, 24));
        insta::assert_snapshot!(format!("{name}_120x40"), h.render(120, 40));
        insta::assert_snapshot!(format!("{name}_80x20"), h.render(80, 20));
    });
}

#[test]
fn file_screen_lists_and_filters() {
    let mut h = Harness::new(None);
    h.text("fixtures/rules/inv");
    snap("file_filtered", &h);
}

#[test]
fn file_screen_detected() {
    let h = Harness::new(Some("fixtures/contacts.csv"));
    snap("file_detected", &h);
}

#[test]
fn file_screen_says_how_sure_the_detected_encoding_is() {
    let screen = Harness::new(Some("fixtures/encodings/russian_windows_1251.csv")).render(120, 40);
    assert!(screen.contains("windows-1251"), "{screen}");
    assert!(!screen.contains("low confidence"), "{screen}");
    // One accented name: windows-1252, but only a guess.
    let screen = Harness::new(Some("fixtures/bad/invalid_utf8_middle.csv")).render(120, 40);
    assert!(
        screen.contains("windows-1252 (guessed, low confidence)"),
        "{screen}"
    );
}

#[test]
fn file_screen_says_a_vcard_is_an_address_book_and_its_review_runs() {
    let mut h = Harness::new(Some("fixtures/vcards/google_contacts.vcf"));
    let screen = h.render(120, 40);
    assert!(screen.contains("vCard address book"), "{screen}");
    assert!(screen.contains("Cards      3"), "{screen}");
    assert!(!screen.contains("Delimiter"), "{screen}");
    h.walk_to_review();
    let review = h.app.ctx.review.as_ref().expect("a review");
    assert_eq!(review.counts.created, 3, "{:?}", review.counts);
}

#[test]
fn file_screen_bad_file() {
    let mut h = Harness::new(None);
    h.text("fixtures/bad/xlsx_renamed.csv").key(KeyCode::Enter);
    assert_eq!(h.app.view, View::File);
    snap("file_bad", &h);
}

#[test]
fn map_screen() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Map);
    snap("map", &h);
    h.key(KeyCode::Char(' '));
    snap("map_picker", &h);
}

#[test]
fn map_refuses_next_until_required_fields_are_mapped() {
    let mut h = Harness::new(Some("fixtures/rules/invalid_phone.csv"));
    h.key(KeyCode::Enter);
    // Map the Name column to ignore: a contact then has no name.
    h.key(KeyCode::Char(' '))
        .key(KeyCode::Char('g'))
        .key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Map, "Next is refused");
    snap("map_required_missing", &h);
}

#[test]
fn map_custom_field_typed_in_place() {
    let mut h = Harness::new(Some("fixtures/rules/invalid_date.csv"));
    h.key(KeyCode::Enter);
    h.keys(&[
        KeyCode::Down,
        KeyCode::Down,
        KeyCode::Char(' '),
        KeyCode::Char('G'),
        KeyCode::Enter,
    ]);
    h.text(":date").key(KeyCode::Enter);
    let target = h.app.ctx.mapping.columns[2].target.label();
    assert_eq!(target, "custom:birthday:date");
    snap("map_custom", &h);
}

#[test]
fn options_screen() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter).leave_map();
    assert_eq!(h.app.view, View::Options);
    h.key(KeyCode::Char(' ')).key(KeyCode::Down);
    snap("options", &h);
}

#[test]
fn options_start_from_the_users_config() {
    let defaults = ImportOptions {
        region: "DE".into(),
        require: Requirement::Dialer,
        max_failures: 5000,
        ..ImportOptions::default()
    };
    let mut h = Harness::with_defaults(Some("fixtures/contacts.csv"), defaults);
    h.key(KeyCode::Enter).leave_map();
    assert_eq!(h.app.view, View::Options);
    let screen = h.render(80, 24);
    for shown in [
        "Default region           DE",
        "Requirement            ◂ dialer ▸",
        "Stop after failed rows ◂ 5000 ▸",
    ] {
        assert!(screen.contains(shown), "{shown:?} not in\n{screen}");
    }
    assert_eq!(h.app.ctx.options.region, "DE");
    // The configured threshold sits among the ones offered, in order.
    h.keys(&[KeyCode::Down; 6]).key(KeyCode::Right);
    assert_eq!(h.app.ctx.options.max_failures, 10_000);
    h.key(KeyCode::Left).key(KeyCode::Left);
    assert_eq!(h.app.ctx.options.max_failures, 1000);
    // A consent column found in the file still fills in on top of the defaults.
    assert_eq!(h.app.ctx.options.consent_column.as_deref(), Some("Consent"));
}

#[test]
fn the_options_screen_chooses_what_a_conflicting_row_does() {
    use rolodex::engine::plan::OnConflict;
    let defaults = ImportOptions {
        on_conflict: OnConflict::Separate,
        ..ImportOptions::default()
    };
    let mut h = Harness::with_defaults(Some("fixtures/contacts.csv"), defaults);
    h.key(KeyCode::Enter).leave_map();
    assert_eq!(h.app.view, View::Options);
    let screen = h.render(80, 24);
    assert!(
        screen.contains("Same phone, other name ◂ separate ▸"),
        "config.toml's choice is shown:\n{screen}"
    );
    h.keys(&[KeyCode::Down; 7]);
    let screen = h.render(80, 24);
    assert!(screen.contains("contact sharing the number"), "{screen}");
    h.key(KeyCode::Right);
    assert_eq!(h.app.ctx.options.on_conflict, OnConflict::Skip);
    h.key(KeyCode::Right);
    assert_eq!(h.app.ctx.options.on_conflict, OnConflict::Merge);
    h.key(KeyCode::Left);
    assert_eq!(h.app.ctx.options.on_conflict, OnConflict::Skip);
}

#[test]
fn the_wizard_maps_opportunities_and_asks_contacts_only_or_both() {
    let opportunities = |h: &Harness| {
        let mut n = 0;
        h.app
            .ctx
            .store
            .clone()
            .unwrap()
            .redb()
            .unwrap()
            .for_each_opportunity(None, &mut |_| {
                n += 1;
                true
            })
            .unwrap();
        n
    };
    let mut h = Harness::new(Some("fixtures/opportunities/deals.csv"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Map);
    let field_of = |h: &Harness, header: &str| {
        h.app
            .ctx
            .mapping
            .columns
            .iter()
            .find(|c| c.header == header)
            .map(|c| c.target.label())
            .unwrap()
    };
    assert_eq!(field_of(&h, "Deal Name"), "opportunity.name");
    assert_eq!(field_of(&h, "Amount"), "opportunity.value");
    assert_eq!(field_of(&h, "Deal Stage"), "opportunity.stage");
    assert_eq!(field_of(&h, "Close Date"), "opportunity.close_date");
    assert_eq!(field_of(&h, "Deal ID"), "opportunity.id");
    let screen = h.render(120, 40);
    assert!(screen.contains("opportunity.name"), "{screen}");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Options);
    h.keys(&[KeyCode::Down; 8]);
    let screen = h.render(80, 24);
    assert!(
        screen.contains("Import                 ◂ contacts and opportunities ▸"),
        "{screen}"
    );
    assert!(
        screen.contains("the opportunity of each row from"),
        "{screen}"
    );
    h.key(KeyCode::Enter);
    h.settle(|a| a.ctx.review.is_some()).import_from_review();
    assert_eq!(
        h.app.ctx.job.clone().unwrap().counts.opportunities.created,
        3
    );
    assert_eq!(opportunities(&h), 3);

    // Contacts only: the same file imports no opportunity, and the screen says which
    // columns are left out.
    let mut h = Harness::new(Some("fixtures/opportunities/deals.csv"));
    h.key(KeyCode::Enter).key(KeyCode::Enter);
    h.keys(&[KeyCode::Down; 8]).key(KeyCode::Right);
    let screen = h.render(80, 24);
    assert!(screen.contains("◂ contacts only ▸"), "{screen}");
    assert!(screen.contains("Contacts only: Deal Name"), "{screen}");
    h.key(KeyCode::Enter);
    h.settle(|a| a.ctx.review.is_some()).import_from_review();
    assert_eq!(h.app.ctx.job.clone().unwrap().counts.created, 4);
    assert_eq!(opportunities(&h), 0);
}

#[test]
fn tags_list_and_visibility_given_by_flags_are_on_their_screens() {
    let defaults = ImportOptions {
        tags: vec!["spring".into(), "vip".into()],
        list: Some(ListTarget {
            name: "Leads".into(),
            dial: DialMode::Manual,
        }),
        shared: true,
        ..ImportOptions::default()
    };
    let mut h = Harness::with_defaults(Some("fixtures/contacts.csv"), defaults);
    h.walk_to_review()
        .keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
    assert_eq!(h.app.view, View::Tags);
    assert!(h.render(80, 24).contains("spring, vip"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Destination);
    let screen = h.render(80, 24);
    for shown in [
        "( ) Contacts only    (•) Contacts and a new dialing list",
        "Leads",
        "( ) AI dialer   (•) Manual",
        "( ) Personal    (•) Shared with the team",
    ] {
        assert!(screen.contains(shown), "{shown:?} not in\n{screen}");
    }
    h.key(KeyCode::Enter);
    let o = &h.app.ctx.options;
    assert_eq!(o.tags, ["spring", "vip"]);
    assert_eq!(
        o.list.as_ref().map(|l| (l.name.as_str(), l.dial)),
        Some(("Leads", DialMode::Manual))
    );
    assert!(o.shared);
}

#[test]
fn the_command_lines_reading_and_mapping_flags_apply_to_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(
        &file,
        "Exported from the CRM\n\nName;Mobile Number;Note\nAda Lovelace;+44 20 7946 1018;x\n",
    )
    .unwrap();
    let given = |map: &[&str]| ImportRequest {
        file: Some(file.clone()),
        read: ReadOptions {
            delimiter: Some(b';'),
            encoding: None,
            header_row: Some(3),
            sheet: None,
        },
        map: map.iter().map(|m| m.to_string()).collect(),
        ..Default::default()
    };
    let path = file.display().to_string();
    let ok = given(&["Note=ignore"]);
    let h = Harness::build(Some(&path), |ctx| ctx.with_request(ok));
    let source = h.app.ctx.source.as_ref().expect("the file opened");
    assert_eq!(source.header(), ["Name", "Mobile Number", "Note"]);
    assert_eq!(source.info.header_row, 3);
    let note = &h.app.ctx.mapping.columns[2];
    assert_eq!(note.target, Target::Ignore, "{note:?}");
    let plan = h.app.ctx.plan().expect("a plan");
    assert_eq!(
        plan.read.delimiter,
        Some(b';'),
        "the import reads it the same way"
    );

    let bad = given(&["Nope=phone"]);
    let h = Harness::build(Some(&path), |ctx| ctx.with_request(bad));
    let screen = h.render(80, 24);
    assert!(screen.contains("--map: "), "{screen}");
}

#[test]
fn map_finds_a_column_by_name() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Map);
    let header = |h: &Harness| h.app.ctx.mapping.columns[h.app.map.selected].header.clone();
    h.key(KeyCode::Char('/')).text("coun");
    snap("map_find", &h);
    h.key(KeyCode::Enter);
    assert_eq!(header(&h), "Country");
    // n and N go to the next and previous column named like it.
    h.key(KeyCode::Char('/')).text("name").key(KeyCode::Enter);
    assert_eq!(header(&h), "First Name");
    h.key(KeyCode::Char('n'));
    assert_eq!(header(&h), "Last Name");
    h.key(KeyCode::Char('N'));
    assert_eq!(header(&h), "First Name");
    // A search starts at the selected column itself.
    h.key(KeyCode::Char('/')).text("first").key(KeyCode::Enter);
    assert_eq!(header(&h), "First Name");
    h.key(KeyCode::Char('/')).text("fax").key(KeyCode::Enter);
    assert_eq!(header(&h), "First Name", "a miss leaves the selection");
    assert!(h
        .render(80, 24)
        .contains("No column is named like \"fax\"."));
}

#[test]
fn map_suggests_a_field_for_a_misspelled_header() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typos.csv");
    std::fs::write(
        &file,
        "Name,Emial,Phone\nAda Lovelace,ada@example.com,+1 212 334 5678\n",
    )
    .unwrap();
    let mut h = Harness::new(Some(&file.display().to_string()));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Map);
    let screen = h.render(80, 24);
    assert!(screen.contains("ignore (email?)"), "{screen}");
    assert!(screen.contains("look like: Emial → email"), "{screen}");
    // Space on the column opens the picker on the suggested field; Enter takes it.
    h.keys(&[KeyCode::Down, KeyCode::Char(' '), KeyCode::Enter]);
    let emial = &h.app.ctx.mapping.columns[1];
    assert_eq!(emial.target, Target::Field(Field::Email), "{emial:?}");
}

#[test]
fn review_screen() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review();
    snap("review", &h);
}

/// Review lists every reason, failures and skips (not imported) apart from warnings
/// (imported all the same); the list scrolls, so none is hidden behind "+N more"; Enter
/// opens a reason on its rows (row, who, the cell, the message), q goes back.
#[test]
fn review_lists_every_reason_and_opens_one_on_its_rows() {
    use rolodex::engine::by_reason::Outcome;
    use rolodex::tui::screens::review::Focus;
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review();
    let listed: Vec<(Outcome, Reason, u64)> = h
        .app
        .ctx
        .by_reason
        .as_ref()
        .unwrap()
        .listed()
        .iter()
        .map(|(o, r, g)| (*o, *r, g.count))
        .collect();
    // Every reason the counts know, under failures and skips first, then warnings.
    let counts = &h.app.ctx.review.as_ref().unwrap().counts;
    for (reason, n) in &counts.reasons {
        let sum: u64 = listed
            .iter()
            .filter(|(_, r, _)| r == reason)
            .map(|l| l.2)
            .sum();
        assert_eq!(sum, *n, "{reason}");
    }
    let first_warning = listed.iter().position(|l| l.0 == Outcome::Warning).unwrap();
    assert!(listed[..first_warning]
        .iter()
        .all(|l| l.0 != Outcome::Warning));
    assert!(listed[first_warning..]
        .iter()
        .all(|l| l.0 == Outcome::Warning));
    assert!(listed.len() > 6, "a list longer than the box: {listed:?}");
    // Tab into the list, to its last reason: it is shown, with the position.
    h.key(KeyCode::Tab).key(KeyCode::Char('G'));
    let screen = h.render(80, 24);
    let (_, last, _) = listed[listed.len() - 1];
    assert!(screen.contains(last.code()), "{screen}");
    assert!(
        screen.contains(&format!("{n}/{n}", n = listed.len())),
        "{screen}"
    );
    snap("review_reasons", &h);
    // The skipped no_consent rows: Enter opens them.
    let at = listed
        .iter()
        .position(|(o, r, _)| *o == Outcome::Skipped && *r == Reason::NoConsent)
        .unwrap();
    h.app.review.reason_sel = at;
    h.key(KeyCode::Enter);
    assert_eq!(
        h.app.review.focus,
        Focus::Rows(Outcome::Skipped, Reason::NoConsent)
    );
    let rows = h.render(80, 24);
    assert!(rows.contains("skipped · no_consent · row 1/89"), "{rows}");
    snap("review_reason_rows", &h);
    // q goes back to the list, then out of it; Enter then goes on.
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.review.focus, Focus::Reasons);
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.review.focus, Focus::Summary);
    assert_eq!(h.app.view, View::Review);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Consent);
}

/// `d` on Review reads the date columns the other way round and counts again.
#[test]
fn review_changes_the_date_order_and_counts_again() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("dates.csv");
    // Day first, as the values over 12 prove: read month first, they are not dates.
    let mut text = String::from("Name,Phone,Birthday\n");
    for i in 0..6 {
        text.push_str(&format!("Person {i},+1 212 30{i} 4567,2{i}/03/1990\n"));
    }
    std::fs::write(&path, text).unwrap();
    let mut h = Harness::new(path.to_str());
    h.key(KeyCode::Enter);
    // Birthday as a date custom field.
    h.app.ctx.mapping.columns[2].target = Target::parse("custom:birthday:date").unwrap();
    h.key(KeyCode::Enter).key(KeyCode::Enter);
    h.settle(|a| a.ctx.review.is_some());
    let invalid = |h: &Harness| {
        h.app
            .ctx
            .review
            .as_ref()
            .unwrap()
            .counts
            .reasons
            .get(&Reason::InvalidDate)
            .copied()
    };
    assert_eq!(invalid(&h), None, "read day first, as the values show");
    h.key(KeyCode::Char('d'));
    assert_eq!(
        h.app.ctx.options.date_order,
        Some(rolodex::engine::date::DateOrder::DayFirst)
    );
    h.settle(|a| a.ctx.review.is_some());
    h.key(KeyCode::Char('d'));
    h.settle(|a| a.ctx.review.is_some());
    assert_eq!(
        h.app.ctx.options.date_order,
        Some(rolodex::engine::date::DateOrder::MonthFirst)
    );
    assert_eq!(invalid(&h), Some(6), "month first, none of them reads");
    assert!(h.render(120, 40).contains("month first"));
    h.key(KeyCode::Char('d'));
    assert_eq!(h.app.ctx.options.date_order, None);
}

/// More failures than the stop limit: Review says the import will stop part way, and how
/// to raise the limit; Options raises it and the warning goes.
#[test]
fn review_warns_when_the_failures_will_stop_the_import() {
    let defaults = ImportOptions {
        max_failures: 1,
        ..ImportOptions::default()
    };
    let mut h = Harness::with_defaults(Some("fixtures/contacts.csv"), defaults);
    h.walk_to_review();
    let failed = h.app.ctx.review.as_ref().unwrap().counts.failed;
    assert!(failed >= 1, "the fixture has failed rows");
    let screen = h.render(80, 20);
    assert!(
        screen.contains("stops after 1 failed row,"),
        "no warning at 80×20:\n{screen}"
    );
    assert!(screen.contains("--max-failures N|none"), "{screen}");
    snap("review_over_the_failure_limit", &h);
    // Back to Options, "Stop after failed rows" to no limit, and the review again.
    h.key(KeyCode::Esc);
    assert_eq!(h.app.view, View::Options);
    for _ in 0..6 {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Left);
    assert_eq!(h.app.ctx.options.max_failures, u64::MAX);
    h.key(KeyCode::Enter);
    h.settle(|a| a.ctx.review.is_some());
    assert!(!h.render(80, 24).contains("failed row,"));
}

#[test]
fn consent_refused_until_ticked() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review().key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Consent);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Consent, "not ticked: refused");
    snap("consent_refused", &h);
    h.key(KeyCode::Char(' '));
    snap("consent_ticked", &h);
}

#[test]
fn tags_and_destination_screens() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review()
        .keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
    assert_eq!(h.app.view, View::Tags);
    h.text("spring, vip");
    snap("tags", &h);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Destination);
    snap("destination_contacts_only", &h);
    h.keys(&[
        KeyCode::Char(' '),
        KeyCode::Down,
        KeyCode::Down,
        KeyCode::Char(' '),
    ]);
    snap("destination", &h);
}

/// Destination, the last screen before the write, says all the import will do, whole at
/// the smallest size the wizard runs in.
#[test]
fn destination_sums_up_the_whole_import() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review()
        .keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
    h.text("spring, vip").key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Destination);
    // A new list, shared.
    h.keys(&[
        KeyCode::Char(' '),
        KeyCode::Down,
        KeyCode::Down,
        KeyCode::Down,
        KeyCode::Char(' '),
    ]);
    let c = h.app.ctx.review.as_ref().unwrap().counts.clone();
    let screen = h.render(80, 20);
    let rows = format!(
        "{} to create · {} to update · {} to skip · {} to fail",
        c.created, c.updated, c.skipped, c.failed
    );
    for want in [
        rows.as_str(),
        "create · adds new contacts",
        "spring, vip, import-20261121-0930-contacts",
        "new list \"contacts\", AI dialer · shared with the team",
        "Store",
        "test.redb",
        "Enter imports fixtures/contacts.csv",
    ] {
        assert!(screen.contains(want), "{want:?} not in\n{screen}");
    }
}

/// Done and History say a job's status and a row's outcome in the shared plain words
/// (`JobStatus::words`/`label`, `RowStatus::label`), never the machine names.
#[test]
fn the_wizard_says_statuses_in_plain_words() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done();
    let failed = h.app.ctx.job.as_ref().unwrap().counts.failed;
    assert!(failed > 1, "the fixture has failed rows");
    let done = h.render(80, 24);
    assert!(
        done.contains(&format!("done, {failed} rows failed")),
        "{done}"
    );
    assert!(done.contains("91 skipped, 2 failed"), "{done}");
    for machine in ["completed_with_errors", "Cleaned out"] {
        assert!(!done.contains(machine), "{machine} on Done:\n{done}");
    }
    // Done's f: the job's problem rows in History.
    h.key(KeyCode::Char('f')).settle_history();
    assert_eq!(h.app.view, View::History);
    let rows = h.render(120, 40);
    assert!(rows.contains("status failed"), "{rows}");
    assert!(rows.contains(" failed "), "{rows}");
    assert!(!rows.contains(" error "), "{rows}");
    // Back to the list of jobs.
    h.key(KeyCode::Esc);
    let jobs = h.render(80, 24);
    assert!(jobs.contains("done, errors"), "{jobs}");
    assert!(!jobs.contains("completed_with_errors"), "{jobs}");
}

#[test]
fn progress_screen() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.app.view = View::Progress;
    h.app.ctx.importing = true;
    snap("progress_starting", &h);
    h.app.ctx.progress = Some(Progress {
        rows: 412_000,
        created: 398_210,
        updated: 0,
        skipped: 11_090,
        failed: 2_700,
        approx_total: 1_000_000,
        elapsed: Duration::from_secs(4),
    });
    // Until the job is recorded, its first batch waits on the whole-file check.
    snap("progress_first_batch", &h);
    let mut done = Harness::new(Some("fixtures/contacts.csv"));
    done.walk_to_done();
    h.app.ctx.job = done.app.ctx.job.clone();
    snap("progress", &h);
    h.key(KeyCode::Char('c'));
    snap("progress_cancel_asks", &h);
}

#[test]
fn flow_from_file_to_done_writes_the_store() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done();
    snap("done", &h);
    let job = h.app.ctx.job.clone().unwrap();
    let store = h.app.ctx.store.clone().unwrap();
    let contacts = store.contacts().unwrap();
    assert_eq!(contacts.len() as u64, job.counts.created);
    assert!(job.counts.created > 200);
    assert!(contacts
        .iter()
        .all(|c| c.tags.contains("import-20261121-0930-contacts")));
    let mut rows = 0;
    store
        .job_rows(job.id, &mut |_| {
            rows += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(rows, job.counts.total_rows);
}

#[test]
fn failed_rows_workbench_fixes_and_retries() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done().key(KeyCode::Char('f')).settle_history();
    assert_eq!(h.app.view, View::History);
    snap("history_rows", &h);
    // The first failed row lacks a name: open it, type one, keep the fix.
    h.key(KeyCode::Enter);
    snap("history_row_detail", &h);
    h.key(KeyCode::Char('e')).text("Maria");
    snap("history_row_edit", &h);
    h.key(KeyCode::Enter).key(KeyCode::Char('R'));
    // It asks first, saying how many fixed rows go in.
    assert_eq!(
        h.app.confirm,
        Some(rolodex::tui::screens::Confirm::Retry { job: 1, rows: 1 })
    );
    assert!(h.render(80, 24).contains("Import the 1 fixed row of job 1"));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.view, View::Progress);
    h.settle(|a| a.view == View::Done);
    let retry = h.app.ctx.job.clone().unwrap();
    assert_eq!(retry.retry_of, Some(1));
    assert_eq!(retry.counts.created, 1);
    h.key(KeyCode::Char('H'));
    snap("history_jobs", &h);
    // The original job's row now names the follow-up that retried it, and what it did there.
    let store = h.app.ctx.store.clone().unwrap();
    let retried = store.redb().unwrap().retried_rows(1).unwrap();
    assert_eq!(retried.len(), 1, "{retried:?}");
    let (&row, to) = retried.iter().next().unwrap();
    assert_eq!((to.job, to.row), (2, 2));
    h.key(KeyCode::Down).key(KeyCode::Enter).settle_history();
    assert_eq!(h.app.history.job.as_ref().map(|j| j.id), Some(1));
    let rows = h.render(80, 24);
    assert!(
        rows.contains("Retry") && rows.contains(" failed   job 2 "),
        "{rows}"
    );
    snap("history_rows_retried", &h);
    h.key(KeyCode::Enter);
    let detail = h.render(80, 24);
    assert!(detail.contains(" failed · retried in job 2 "), "{detail}");
    assert!(
        detail.contains("Retried in job 2: created (row 2 of its file)."),
        "{detail}"
    );
    snap("history_row_retried", &h);
    // `show --failed` says it too, in words and in JSON.
    let dir = h.dir.path();
    let shown = crate::common::run(dir, &["show", "1", "--failed"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let line = shown
        .stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(&format!("{row} ")))
        .take(4)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        line.contains("retried in job 2: created"),
        "{}",
        shown.stdout
    );
    let json = crate::common::run(dir, &["show", "1", "--failed", "--json"]).json();
    let rows = json["rows"].as_array().unwrap();
    let retried_row = rows.iter().find(|r| r["row"] == row).unwrap();
    assert_eq!(
        retried_row["retried_in"],
        serde_json::json!({"job": 2, "row": 2, "status": "imported", "reverted": false})
    );
    assert!(rows
        .iter()
        .filter(|r| r["row"] != row)
        .all(|r| r.get("retried_in").is_none()));
    // The file to fix has a Retried In column: the retried row names its follow-up, the
    // others leave it empty.
    let csv_text = crate::common::run(dir, &["show", "1", "--failed", "--csv"]).stdout;
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let header = rdr.headers().unwrap().clone();
    assert_eq!(header.iter().next_back(), Some("Retried In"), "{csv_text}");
    let retry_col = header.len() - 1;
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(
        records.len() as u64,
        json["failed"].as_u64().unwrap() + json["skipped"].as_u64().unwrap()
    );
    let filled: Vec<&str> = records
        .iter()
        .map(|r| &r[retry_col])
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(filled, ["job 2: created"], "{csv_text}");
    // Reverted, the follow-up no longer vouches for the row.
    let reverted = crate::common::run(dir, &["revert", "2", "--yes"]);
    assert_eq!(reverted.code, 0, "{}", reverted.stderr);
    let shown = crate::common::run(dir, &["show", "1", "--failed"]);
    assert!(
        shown.stdout.contains("retried in job 2 (since reverted)"),
        "{}",
        shown.stdout
    );
}

#[test]
fn history_search_and_filters() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done().key(KeyCode::Char('f')).settle_history();
    h.key(KeyCode::Char('s'));
    h.key(KeyCode::Char('/'))
        .text("consent")
        .key(KeyCode::Enter)
        .settle_history();
    assert!(h.app.history.query == "consent");
    snap("history_filtered", &h);
}

#[test]
fn history_finds_a_person_in_every_jobs_rows() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done();
    h.app.go(View::History);
    assert_eq!(h.app.history.mode, history::Mode::Jobs);
    // Her number written another way than in the file: (416) 391-7710.
    h.key(KeyCode::Char('/')).text("+1 416-391-7710");
    snap("history_find", &h);
    h.key(KeyCode::Enter);
    h.settle(|a| a.history.trace.as_ref().is_some_and(|t| t.found.is_some()));
    let found = h.app.history.trace.as_ref().unwrap().found.clone().unwrap();
    assert_eq!(found.get(&1).map(Vec::len), Some(1), "{found:?}");
    snap("history_found", &h);
    // The job opens on the row found, which says what became of it.
    h.key(KeyCode::Enter).settle_history();
    assert_eq!(h.app.history.mode, history::Mode::Rows);
    assert_eq!(h.app.history.shown.len(), 1);
    assert_eq!(
        h.app.history.shown_row(0).unwrap().cells.get(0),
        Some("Zoë")
    );
    // Esc back to the jobs, Esc again shows every job.
    h.key(KeyCode::Esc).key(KeyCode::Esc);
    assert!(h.app.history.trace.is_none());
    let mut h = h;
    h.key(KeyCode::Char('/'))
        .text("Nobody Here")
        .key(KeyCode::Enter);
    h.settle(|a| a.history.trace.as_ref().is_some_and(|t| t.found.is_some()));
    assert!(h
        .render(80, 24)
        .contains("No row of any job mentions \"Nobody Here\""));
}

#[test]
fn contacts_screen_and_search() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done();
    h.app.go(View::Contacts);
    snap("contacts", &h);
    h.key(KeyCode::Char('/')).text("kim").key(KeyCode::Enter);
    snap("contacts_search", &h);
    // Enter opens the selected contact whole; the arrows go to the next one.
    h.key(KeyCode::Down).key(KeyCode::Enter);
    assert!(h.app.contacts.detail);
    snap("contact_detail", &h);
    h.key(KeyCode::Down);
    assert!(h.render(80, 24).contains("3 of 5"));
    h.key(KeyCode::Esc);
    assert!(!h.app.contacts.detail);
    // Accents and case do not count, and every keystroke searches again.
    h.key(KeyCode::Esc)
        .key(KeyCode::Char('/'))
        .text("FRANCOIS K");
    let text = h.render(80, 24);
    assert!(text.contains("François Kim"), "{text}");
    assert!(text.contains("1 of 206 matching"), "{text}");
    h.key(KeyCode::Enter).key(KeyCode::Esc);
    // One letter alone waits for the next before it searches.
    h.key(KeyCode::Char('/')).text("k");
    let text = h.render(80, 24);
    assert!(
        text.contains("206 contacts · row 1/206 · type one more"),
        "{text}"
    );
    h.text("i");
    assert!(h.render(80, 24).contains("of 206 matching \"ki\""));
    h.key(KeyCode::Enter).key(KeyCode::Esc);
    // The end of the list is read from the store's end.
    h.key(KeyCode::Char('G'));
    let text = h.render(80, 24);
    assert!(text.contains("row 206/206"), "{text}");
}

/// The list reads the store a page at a time: moving through more contacts than a page
/// holds, down and back up, always shows the contact at that position.
#[test]
fn contacts_page_through_a_store_larger_than_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("first_name,last_name,phone\n");
    for i in 0..650u64 {
        csv.push_str(&format!("Person,N{i:04},+1613969{:04}\n", 1000 + i));
    }
    let file = dir.path().join("many.csv");
    std::fs::write(&file, csv).unwrap();
    let out = crate::common::import(dir.path(), &file, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut h = Harness::build_in(dir, None, |ctx| ctx);
    h.app.go(View::Contacts);
    let at = |h: &Harness| {
        h.app
            .contacts
            .current()
            .map(|c| c.last_name.clone().unwrap())
    };
    for _ in 0..45 {
        h.key(KeyCode::PageDown);
    }
    assert_eq!(at(&h).as_deref(), Some("N0450"));
    assert!(h.app.contacts.page.len() <= 400, "a window, not the store");
    for _ in 0..30 {
        h.key(KeyCode::PageUp);
    }
    assert_eq!(at(&h).as_deref(), Some("N0150"));
    h.key(KeyCode::Char('G'));
    assert_eq!(at(&h).as_deref(), Some("N0649"));
    for _ in 0..300 {
        h.key(KeyCode::Up);
    }
    assert_eq!(at(&h).as_deref(), Some("N0349"));
    let text = h.render(120, 40);
    assert!(text.contains("row 350/650"), "{text}");
    assert!(text.contains("N0349") && text.contains("N0320"), "{text}");
    h.key(KeyCode::Char('g'));
    assert_eq!(at(&h).as_deref(), Some("N0000"));
    // A search pages through the ids it found the same way.
    h.key(KeyCode::Char('/')).text("person").key(KeyCode::Enter);
    h.key(KeyCode::Char('G'));
    assert_eq!(at(&h).as_deref(), Some("N0649"));
    assert!(h.render(80, 24).contains("650 of 650 matching"));
}

#[test]
fn help_overlay_lists_the_screen_keys() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter).key(KeyCode::Char('?'));
    assert!(h.app.help);
    snap("help_map", &h);
}

#[test]
fn too_small_terminal_says_so() {
    let h = Harness::new(Some("fixtures/contacts.csv"));
    let text = h.render(60, 20);
    assert!(text.contains("needs at least 80×20"), "{text}");
    // tmux or screen with a status line: 80×23, and down to the SPEC's 80×20, works.
    for height in [23, 20] {
        let text = h.render(80, height);
        assert!(!text.contains("needs at least"), "80×{height}: {text}");
        assert!(text.contains("Step 1/9"), "80×{height}: {text}");
    }
    let text = h.render(80, 19);
    assert!(text.contains("needs at least 80×20"), "{text}");
}

#[test]
fn revert_from_done_asks_then_restores() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done().key(KeyCode::Char('r'));
    assert!(h.app.confirm.is_some());
    snap("revert_confirm", &h);
    h.key(KeyCode::Char('y'));
    // The revert runs in the background: the screen stays live meanwhile.
    assert_eq!(h.app.ctx.reverting, Some(1));
    h.settle(|a| a.ctx.reverting.is_none());
    let store = h.app.ctx.store.clone().unwrap();
    assert_eq!(store.contacts().unwrap().len(), 0);
    assert_eq!(store.job(1).unwrap().status.name(), "reverted");
    assert_eq!(h.app.ctx.job.as_ref().unwrap().status.name(), "reverted");
    let _ = &h.dir;
}

#[test]
fn done_writes_the_job_files_in_the_background() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done().key(KeyCode::Char('w'));
    h.settle(|a| {
        a.ctx
            .status
            .as_ref()
            .is_some_and(|(_, text)| text.starts_with("Wrote"))
    });
    let results = h.dir.path().join("contacts-job1-results.csv");
    let errors = h.dir.path().join("contacts-job1-errors.csv");
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert!(lines(&results) > 200, "{}", results.display());
    assert!(lines(&errors) > 1, "{}", errors.display());
}

/// Done's `w` goes through the same checks as `--report`: a symlink planted at a file name
/// it writes is replaced, never followed, and one that leads to the store is refused.
#[test]
fn done_files_never_follow_a_symlink_nor_touch_the_store() {
    use std::os::unix::fs::PermissionsExt;
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    let dir = h.dir.path().to_path_buf();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let results = dir.join("contacts-job1-results.csv");
    let errors = dir.join("contacts-job1-errors.csv");
    std::os::unix::fs::symlink(dir.join("test.redb"), &errors).unwrap();
    std::os::unix::fs::symlink(&victim, &results).unwrap();
    h.walk_to_done().key(KeyCode::Char('w'));
    let (_, said) = h.app.ctx.status.clone().unwrap();
    assert!(said.contains("contact store"), "{said}");
    let store = h.app.ctx.store.clone().unwrap();
    assert_eq!(store.jobs().unwrap().len(), 1, "the store is intact");
    assert!(std::fs::symlink_metadata(&results)
        .unwrap()
        .file_type()
        .is_symlink());
    // Once the link to the store is gone, the files are written beside it.
    std::fs::remove_file(&errors).unwrap();
    h.key(KeyCode::Char('w'));
    h.settle(|a| {
        a.ctx
            .status
            .as_ref()
            .is_some_and(|(_, text)| text.starts_with("Wrote"))
    });
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let meta = std::fs::symlink_metadata(&results).unwrap();
    assert!(meta.file_type().is_file(), "the link was replaced");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

/// Cells with escape sequences and control characters reach the screen only as visible
/// placeholders (a row's original cells) or not at all (removed at import: the Map
/// screen's samples, the contacts list); a bidi override only as a placeholder.
#[test]
fn hostile_cells_are_shown_as_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evil.csv");
    std::fs::write(
        &path,
        "Name,Phone,Note\n\"Ev\u{1b}[2J\u{1b}]0;pwned\u{7}il\u{202e}\",+1 212 334 5678,\"bell\u{7}\u{9b}31m\u{8}\"\n,,\"\u{1b}[31mno name\"\n",
    )
    .unwrap();
    let mut h = Harness::new(Some(path.to_str().unwrap()));
    let check = |screen: &str| {
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "a control character reached the screen:\n{screen:?}"
        );
        assert!(
            !screen.contains('\u{202e}'),
            "a bidi override reached the screen"
        );
    };
    h.key(KeyCode::Enter);
    let map = h.render(120, 40);
    check(&map);
    // Samples are the values as they will be stored: escape sequences removed at import.
    assert!(map.contains("Evil<U+202E>"), "{map}");
    h.walk_from_map_to_done();
    h.key(KeyCode::Char('f'))
        .settle_history()
        .key(KeyCode::Enter);
    let detail = h.render(120, 40);
    check(&detail);
    assert!(detail.contains("␛[31mno name"), "{detail}");
    h.app.go(View::Contacts);
    let contacts = h.render(120, 40);
    check(&contacts);
    assert!(contacts.contains("Evil<U+202E>"), "{contacts}");
}

impl Harness {
    fn walk_from_map_to_done(&mut self) {
        self.leave_map().key(KeyCode::Enter);
        self.settle(|a| a.ctx.review.is_some());
        self.import_from_review();
    }
}

/// The whole file is read through on the worker's thread after Enter on Destination: a
/// file broken since its review takes the wizard back with the reason; the job ends
/// failed with it, and no contact is written.
#[test]
fn a_file_broken_after_its_review_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contacts.csv");
    std::fs::copy("fixtures/contacts.csv", &path).unwrap();
    let mut h = Harness::new(Some(path.to_str().unwrap()));
    h.walk_to_review();
    h.keys(&[
        KeyCode::Enter,
        KeyCode::Char(' '),
        KeyCode::Enter,
        KeyCode::Enter,
    ]);
    assert_eq!(h.app.view, View::Destination);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\"Broken,Row\nAfter,Row\n");
    std::fs::write(&path, text).unwrap();
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Progress);
    h.settle(|a| !a.ctx.importing);
    assert_eq!(h.app.view, View::Destination);
    let (_, message) = h.app.ctx.status.clone().unwrap();
    assert!(message.contains("is never closed"), "{message}");
    let store = h.app.ctx.store.clone().unwrap();
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 1, "the job is recorded as it starts");
    assert_eq!(jobs[0].status, rolodex::store::jobs::JobStatus::Failed);
    assert!(jobs[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("is never closed"));
    assert_eq!(store.contact_count().unwrap(), 0);
}

#[test]
fn review_decides_the_date_order_off_the_screen_thread() {
    // One value proves the column day-first; the review (on its own thread) says so, and
    // the import reads the column the same way.
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("dates.csv");
    std::fs::write(
        &path,
        "Name,Phone,Birthday\nAna Lima,+1 212 334 1000,03/04/1990\nBo Berg,+1 212 334 1001,25/12/1985\n",
    )
    .unwrap();
    let mut h = Harness::new(path.to_str());
    h.app
        .ctx
        .mapping
        .apply_override("Birthday=custom:birthday:date")
        .unwrap();
    h.walk_to_review();
    assert_eq!(
        h.app.ctx.date_orders.get(&2),
        Some(&rolodex::engine::date::DateOrder::DayFirst)
    );
    let screen = h.render(80, 24);
    assert!(screen.contains("\"Birthday\" read day first"), "{screen}");
    h.import_from_review();
    let store = h.app.ctx.store.clone().unwrap();
    let birthdays: Vec<String> = store
        .contacts()
        .unwrap()
        .iter()
        .filter_map(|c| match c.custom.get("birthday") {
            Some(rolodex::engine::contact::CustomValue::Text(t)) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(birthdays.len(), 2, "{birthdays:?}");
    assert!(
        birthdays.contains(&"1990-04-03".to_string()),
        "{birthdays:?}"
    );
}

#[test]
fn done_after_a_stop_does_not_count_blank_rows_it_never_reached() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review();
    // As if Options had been given a limit of one failure (the file has two).
    h.app.ctx.options.max_failures = 1;
    h.import_from_review();
    let job = h.app.ctx.job.clone().unwrap();
    assert_eq!(job.status.name(), "stopped");
    let screen = h.render(80, 24);
    assert!(
        screen.contains("read; the job ended before the end of the file"),
        "{screen}"
    );
    // It says that it stopped, why, and how to go on (issue 16).
    assert!(screen.contains("Import stopped before the end"), "{screen}");
    assert!(screen.contains("Stopped         1 rows failed"), "{screen}");
    assert!(screen.contains("Press u to resume the job"), "{screen}");
    // u asks, then resumes the job here; it reads the rest of the file.
    h.key(KeyCode::Char('u'));
    assert_eq!(
        h.app.confirm,
        Some(rolodex::tui::screens::Confirm::Resume(1))
    );
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.view, View::Progress);
    h.settle(|a| a.view == View::Done);
    let job = h.app.ctx.job.clone().unwrap();
    assert_eq!(job.id, 1, "the same job, resumed");
    assert!(job.counts.total_rows > 157, "it read on: {:?}", job.counts);
}

/// A stopped job on Done and in History: why it stopped, and how to go on from there.
#[test]
fn a_stopped_job_says_why_and_how_to_go_on() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review();
    h.app.ctx.options.max_failures = 1;
    h.import_from_review();
    snap("done_stopped", &h);
    h.key(KeyCode::Char('H'));
    let screen = h.render(80, 24);
    assert!(
        screen.contains("Job 1 stopped before the end of its file"),
        "{screen}"
    );
    assert!(screen.contains("u resumes it"), "{screen}");
    snap("history_stopped", &h);
}

/// A review started while another runs replaces it: what the first says (its partial
/// counts once given up, or its whole result) never reaches the screen, only the second's.
#[test]
fn the_newest_review_wins() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter).leave_map().key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Review);
    assert!(h.app.ctx.reviewing);
    let first_plan = h.app.ctx.options.consent_column.clone();
    assert_eq!(first_plan.as_deref(), Some("Consent"));
    // The first review runs to its end; what it says is held back.
    let mut held = Vec::new();
    loop {
        let event = h.rx.recv_timeout(Duration::from_secs(60)).unwrap();
        let done = matches!(event, AppEvent::Task(_, TaskEvent::ReviewDone(_)));
        held.push(event);
        if done {
            break;
        }
    }
    // Back to Options, the consent filter turned off, and Review again; then the first
    // review's words arrive.
    h.key(KeyCode::Esc);
    assert_eq!(h.app.view, View::Options);
    h.app.ctx.options.consent_column = None;
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Review);
    for event in held {
        h.app.on_event(event);
    }
    assert!(
        h.app.ctx.review.is_none(),
        "the first review's result was shown"
    );
    assert!(h.app.ctx.reviewing, "the second review is under way");
    h.settle(|a| a.ctx.review.is_some());
    let shown = |h: &Harness| {
        let review = h.app.ctx.review.as_ref().unwrap();
        review.counts.reasons.get(&Reason::NoConsent).copied()
    };
    assert_eq!(
        shown(&h),
        None,
        "the first review (consent filtered) was shown"
    );
    // Every review thread ends and is joined; nothing it said since changes the screen.
    h.settle(|a| !a.tasks.is_alive(Kind::Review));
    assert_eq!(shown(&h), None);
    assert!(!h.app.ctx.reviewing);
    assert!(
        h.app
            .ctx
            .status
            .as_ref()
            .is_none_or(|(level, _)| *level != Level::Error),
        "{:?}",
        h.app.ctx.status
    );
    // The first plan's review, for comparison: the file has people who refused.
    h.key(KeyCode::Esc);
    h.app.ctx.options.consent_column = first_plan;
    h.key(KeyCode::Enter);
    h.settle(|a| a.ctx.review.is_some());
    assert!(shown(&h).is_some_and(|n| n > 0));
}

/// Ctrl-C while the review runs, confirmed (the choices made would be lost): nothing is
/// being written, so the wizard ends at once; the review is given up and its thread joins
/// within the wait `tui::run` gives it.
#[test]
fn quitting_during_a_review_gives_it_up() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter).leave_map().key(KeyCode::Enter);
    assert!(h.app.tasks.is_running(Kind::Review));
    h.ctrl('c');
    assert!(!h.app.quit, "asks first");
    h.key(KeyCode::Char('y'));
    assert!(h.app.quit, "nothing to wait for");
    assert!(!h.app.ctx.reviewing);
    assert!(!h.app.tasks.is_running(Kind::Review), "given up");
    let start = Instant::now();
    assert_eq!(h.app.tasks.join_all(Duration::from_secs(5)), []);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(!h.app.tasks.is_alive(Kind::Review));
}

/// `q` during an import, confirmed: the worker stops at its next commit while the wizard
/// stays up saying so; it may end only once the worker's thread has been joined (its write
/// handle gone), and the job is cancelled with every committed row kept.
#[test]
fn quitting_during_an_import_waits_for_the_worker_to_stop_at_a_commit() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("many.csv");
    std::fs::write(&path, many_rows(20_000)).unwrap();
    let mut h = Harness::new(path.to_str());
    h.walk_to_review();
    h.keys(&[
        KeyCode::Enter,
        KeyCode::Char(' '),
        KeyCode::Enter,
        KeyCode::Enter,
        KeyCode::Enter,
    ]);
    assert_eq!(h.app.view, View::Progress);
    assert!(h.app.ctx.importing);
    h.key(KeyCode::Char('q'));
    assert!(
        h.app.confirm.is_some(),
        "quitting during an import asks first"
    );
    assert!(!h.app.leaving);
    h.key(KeyCode::Char('y'));
    assert!(h.app.leaving);
    assert!(!h.app.quit, "the wizard waits for the worker");
    assert!(!h.app.work_done());
    assert!(h.app.ctx.cancelling);
    let screen = h.render(80, 24);
    assert!(
        screen.contains("Stopping the import at the next commit"),
        "{screen}"
    );
    h.settle(|a| a.quit);
    // Ended only once the worker's thread was joined: no task left, its write handle gone.
    assert!(h.app.work_done());
    assert!(!h.app.tasks.is_alive(Kind::Import));
    assert!(
        h.app
            .ctx
            .writer
            .as_ref()
            .is_none_or(|w| w.upgrade().is_none()),
        "the worker's store handle is still alive"
    );
    assert_eq!(h.app.view, View::Progress, "the wizard stayed where it was");
    let store = h.app.ctx.store.clone().unwrap();
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].status, rolodex::store::jobs::JobStatus::Cancelled);
    assert_eq!(store.contact_count().unwrap(), jobs[0].counts.created);
    assert!(jobs[0].counts.total_rows < 20_000, "{:?}", jobs[0].counts);
    // Nothing holds the store: it opens for writing at once.
    drop(store);
    Store::open(&h.dir.path().join("test.redb")).expect("the store is free");
}

/// `q` while a revert runs: it stops after its batch in hand, and the wizard ends only once
/// the revert's thread has been joined (its write handle gone), with how to finish the
/// revert to say on stderr.
#[test]
fn quitting_during_a_revert_waits_for_it_to_stop_after_a_batch() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("many.csv");
    // More contacts than a revert's batch (100,000).
    std::fs::write(&path, many_rows(125_000)).unwrap();
    let mut h = Harness::new(path.to_str());
    h.walk_to_done();
    assert_eq!(h.app.ctx.job.as_ref().unwrap().counts.created, 125_000);
    h.key(KeyCode::Char('r')).key(KeyCode::Char('y'));
    assert_eq!(h.app.ctx.reverting, Some(1));
    h.key(KeyCode::Char('q'));
    assert_eq!(
        h.app.confirm,
        Some(rolodex::tui::screens::Confirm::QuitDuringRevert),
        "a running revert asks first"
    );
    assert!(!h.app.leaving);
    h.key(KeyCode::Char('y'));
    assert!(h.app.leaving);
    assert!(!h.app.quit, "the wizard waits for the revert");
    let (_, said) = h.app.ctx.status.clone().unwrap();
    assert!(said.contains("Stopping the revert"), "{said}");
    h.settle(|a| a.quit);
    assert!(!h.app.tasks.is_alive(Kind::Revert));
    assert_eq!(h.app.ctx.reverting, None);
    assert!(
        h.app
            .ctx
            .writer
            .as_ref()
            .is_none_or(|w| w.upgrade().is_none()),
        "the revert's store handle is still alive"
    );
    let store = h.app.ctx.store.clone().unwrap();
    assert_eq!(store.contact_count().unwrap(), 25_000, "one batch reverted");
    assert_eq!(store.job(1).unwrap().status.name(), "reverting");
    assert!(
        h.app
            .on_exit
            .iter()
            .any(|s| s.contains("`rolodex revert 1 --yes` finishes it")),
        "{:?}",
        h.app.on_exit
    );
}

/// A file of `n` people, each with a phone and an email of their own.
fn many_rows(n: u64) -> String {
    let mut text = String::from("Name,Phone,Email\n");
    for i in 0..n {
        text.push_str(&format!(
            "Person {i},+1 212 {} {:04},p{i}@example.com\n",
            300 + i / 10_000,
            i % 10_000
        ));
    }
    text
}

/// A wizard started before the store exists sees it once an import elsewhere creates it:
/// History then lists that import instead of "no imports" for ever.
#[test]
fn a_store_created_after_the_wizard_started_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("later.redb");
    let (tx, rx) = mpsc::channel();
    let store = Store::open_read_only(&db).map_err(Into::into);
    assert!(store.is_err(), "no store yet");
    let ctx = Ctx::new(
        Theme::plain(),
        store,
        tx,
        fixed_clock,
        dir.path().to_path_buf(),
    )
    .with_store_path(Some(db.clone()));
    let mut h = Harness {
        app: App::new(ctx, None),
        rx,
        dir,
    };
    let out = crate::common::rolodex(h.dir.path())
        .args(["--db", db.to_str().unwrap(), "import"])
        .arg(crate::common::fixture("contacts.csv"))
        .args(["--yes", "--consent-confirmed"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert_eq!(h.app.view, View::History);
    let screen = h.render(120, 40);
    assert!(screen.contains("contacts.csv"), "{screen}");
    h.key(KeyCode::Esc);
    h.app
        .on_key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL));
    assert_eq!(h.app.view, View::Contacts);
    let screen = h.render(120, 40);
    assert!(screen.contains("206 contacts"), "{screen}");
}

/// `rolodex import FILE --report R --errors E` opening the wizard: the files are written
/// once its import ends, as after a headless import, instead of the flags being ignored.
#[test]
fn report_and_errors_given_to_the_wizard_are_written_after_its_import() {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.csv");
    let errors = out.path().join("errors.csv");
    let (r, e) = (report.clone(), errors.clone());
    let mut h = Harness::build(Some("fixtures/contacts.csv"), move |mut ctx| {
        ctx.given_files = Some((Some(r), Some(e)));
        ctx
    });
    h.walk_to_done();
    let both = |_: &App| report.exists() && errors.exists();
    h.settle(both);
    let results = std::fs::read_to_string(&report).unwrap();
    // One record per data row (299), each with its status.
    let rows = csv::Reader::from_reader(results.as_bytes())
        .records()
        .count();
    assert_eq!(rows, 299, "{results}");
    assert!(results.lines().next().unwrap().contains("Import Status"));
    let failed = std::fs::read_to_string(&errors).unwrap();
    assert!(
        failed.contains("no_consent") || failed.contains("consent"),
        "{failed}"
    );
    // Only the first import writes them: a second leaves them as they are.
    assert!(h.app.ctx.given_files.is_none());
}

#[test]
fn review_warns_of_a_doubtful_encoding_naming_values_as_read() {
    // The same warning the dry run gives (cli_encodings): the wizard's review must not
    // hide that names may be mojibake.
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("short.csv");
    let text = "Name,Phone,City\nRenée Dupont,+33 1 42 68 53 00,Paris\nAda Lovelace,+44 20 7946 0018,London\nJosé Silva,+351 21 343 2148,Lisboa\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    std::fs::write(&path, bytes).unwrap();
    let mut h = Harness::new(path.to_str());
    h.walk_to_review();
    let screen = h.render(120, 40);
    assert!(
        screen.contains("guessed as windows-1252 with low confidence"),
        "{screen}"
    );
    assert!(screen.contains("Renée Dupont"), "{screen}");
}

/// A workbook in the wizard: the file screen says what it is and which sheet is read, and
/// the import stores its contacts as the command line does.
#[test]
fn the_wizard_imports_a_workbook() {
    let mut h = Harness::new(Some("fixtures/sheets/contacts.xlsx"));
    assert_eq!(h.app.view, View::File);
    let screen = h.render(120, 40);
    assert!(screen.contains("Excel workbook (.xlsx)"), "{screen}");
    assert!(screen.contains("Contacts (1 of 2)"), "{screen}");
    assert!(screen.contains("row 3 · 7 columns"), "{screen}");
    assert!(!screen.contains("Delimiter"), "{screen}");
    h.walk_to_done();
    let job = h.app.ctx.job.clone().unwrap();
    assert_eq!(
        (job.counts.created, job.counts.failed),
        (3, 0),
        "{:?}",
        job.counts
    );
    let store = h.app.ctx.store.clone().unwrap();
    let people: Vec<(String, Vec<String>)> = store
        .contacts()
        .unwrap()
        .iter()
        .map(|c| {
            (
                format!(
                    "{} {}",
                    c.first_name.as_deref().unwrap_or_default(),
                    c.last_name.as_deref().unwrap_or_default()
                ),
                c.phones.clone(),
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            ("Ada Lovelace".to_string(), vec!["+16139690710".to_string()]),
            ("Zoë Kim".to_string(), vec!["+14163917710".to_string()]),
            (
                "Richard Rodriguez".to_string(),
                vec!["+442079461018".to_string()]
            ),
        ]
    );
}

/// What a key can change: the screen as drawn, and the app's state around it.
fn fingerprint(h: &Harness) -> String {
    let a = &h.app;
    // Styles too: a selection moved shows only in reverse video.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| f.render_widget(&h.app, f.area()))
        .unwrap();
    format!(
        "{:?}{:?}{}{}{:?}{}{}{:?}",
        terminal.backend().buffer(),
        a.view,
        a.help,
        a.help_scroll,
        a.confirm,
        a.quit,
        a.leaving,
        a.ctx.status
    )
}

/// A state of the wizard to press every key of, built afresh for each key.
type Build = fn() -> Harness;

fn key_states() -> Vec<(&'static str, Build)> {
    fn map() -> Harness {
        let mut h = Harness::new(Some("fixtures/contacts.csv"));
        h.key(KeyCode::Enter);
        h.key(KeyCode::Char('/')).text("e").key(KeyCode::Enter);
        h.keys(&[KeyCode::Down, KeyCode::Down]);
        h
    }
    fn review() -> Harness {
        let mut h = Harness::new(Some("fixtures/contacts.csv"));
        h.walk_to_review();
        h
    }
    fn done() -> Harness {
        let mut h = Harness::new(Some("fixtures/contacts.csv"));
        h.walk_to_done();
        h
    }
    vec![
        ("file", || {
            let mut h = Harness::new(None);
            h.text("fixtures/rules/")
                .keys(&[KeyCode::Down, KeyCode::Down]);
            h
        }),
        ("map", map),
        ("map picker", || {
            let mut h = map();
            h.key(KeyCode::Char(' ')).key(KeyCode::Down);
            h
        }),
        ("map custom field", || {
            let mut h = map();
            h.key(KeyCode::Char(' '))
                .key(KeyCode::End)
                .key(KeyCode::Enter);
            h
        }),
        ("map find", || {
            let mut h = map();
            h.key(KeyCode::Char('/'));
            h
        }),
        ("options", || {
            let mut h = Harness::new(Some("fixtures/contacts.csv"));
            h.key(KeyCode::Enter).leave_map().key(KeyCode::Down);
            h
        }),
        ("options region", || {
            let mut h = Harness::new(Some("fixtures/contacts.csv"));
            h.key(KeyCode::Enter).leave_map();
            h.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
            h
        }),
        ("review", review),
        ("review reasons", || {
            let mut h = review();
            h.key(KeyCode::Tab).key(KeyCode::Down);
            h
        }),
        ("review reason rows", || {
            let mut h = review();
            // The reason with the most rows, to move among them.
            let most = {
                let listed = h.app.ctx.by_reason.as_ref().unwrap().listed();
                let top = listed.iter().map(|(_, _, g)| g.count).max().unwrap();
                listed.iter().position(|(_, _, g)| g.count == top).unwrap()
            };
            h.key(KeyCode::Tab);
            h.app.review.reason_sel = most;
            h.key(KeyCode::Enter).key(KeyCode::Down);
            h
        }),
        ("consent", || {
            let mut h = review();
            h.key(KeyCode::Enter);
            h
        }),
        ("tags, existing tags", || {
            // A store whose contacts carry tags: Tags opens on the list of them.
            static STORE: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
            let made = STORE.get_or_init(|| {
                let dir = tempfile::tempdir().unwrap();
                let file = Path::new("fixtures/contacts.csv").canonicalize().unwrap();
                let tags = ["--tag", "spring", "--tag", "vip"];
                let out = crate::common::import(dir.path(), &file, &tags);
                assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
                dir
            });
            let dir = tempfile::tempdir().unwrap();
            std::fs::copy(made.path().join("test.redb"), dir.path().join("test.redb")).unwrap();
            let mut h = Harness::build_in(dir, Some("fixtures/contacts.csv"), |ctx| ctx);
            h.walk_to_review();
            h.keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
            assert_eq!(h.app.view, View::Tags);
            assert_eq!(
                h.app.tags.focus,
                rolodex::tui::screens::tags::Focus::Existing
            );
            h.key(KeyCode::Down);
            h
        }),
        ("tags, typing", || {
            let mut h = review();
            h.keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
            h
        }),
        ("tags, automatic tag", || {
            let mut h = review();
            h.keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
            h.key(KeyCode::Tab);
            h
        }),
        ("destination", || {
            let mut h = review();
            let to = [KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter];
            h.keys(&to)
                .keys(&[KeyCode::Enter, KeyCode::Down, KeyCode::Down]);
            h
        }),
        ("destination list name", || {
            let mut h = review();
            let to = [KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter];
            h.keys(&to)
                .keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Down]);
            h
        }),
        ("progress", || {
            let files = tempfile::tempdir().unwrap();
            let path = files.path().join("many.csv");
            std::fs::write(&path, many_rows(20_000)).unwrap();
            let mut h = Harness::new(path.to_str());
            h.walk_to_review();
            let to = [KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter];
            h.keys(&to).keys(&[KeyCode::Enter, KeyCode::Enter]);
            assert!(h.app.ctx.importing);
            // The file outlives the test's build: the import reads it.
            std::mem::forget(files);
            h
        }),
        ("done", done),
        ("history jobs", || {
            // Three jobs, made once by headless imports; each build gets a copy.
            static STORE: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
            let made = STORE.get_or_init(|| {
                let dir = tempfile::tempdir().unwrap();
                for _ in 0..3 {
                    let file = Path::new("fixtures/rules/invalid_email.csv");
                    let out = crate::common::import(dir.path(), &file.canonicalize().unwrap(), &[]);
                    assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
                }
                dir
            });
            let dir = tempfile::tempdir().unwrap();
            std::fs::copy(made.path().join("test.redb"), dir.path().join("test.redb")).unwrap();
            let mut h = Harness::build_in(dir, None, |ctx| ctx);
            h.app.go(View::History);
            assert_eq!(h.app.history.jobs.len(), 3);
            h.key(KeyCode::Down);
            h
        }),
        ("history find", || {
            let mut h = done();
            h.key(KeyCode::Char('H')).key(KeyCode::Char('/'));
            h
        }),
        ("job rows", || {
            let mut h = done();
            h.key(KeyCode::Char('f')).settle_history();
            // Every row, not only the failed ones: enough to move among.
            for _ in 0..6 {
                if h.app.history.shown.len() >= 20 {
                    break;
                }
                h.key(KeyCode::Char('s'));
            }
            h.key(KeyCode::Char('/'))
                .text("a")
                .key(KeyCode::Enter)
                .settle_history();
            h.keys(&[KeyCode::Down, KeyCode::Down]);
            h
        }),
        ("row detail", || {
            let mut h = done();
            h.key(KeyCode::Char('f')).settle_history();
            for _ in 0..6 {
                if h.app.history.shown.len() >= 20 {
                    break;
                }
                h.key(KeyCode::Char('s'));
            }
            h.key(KeyCode::Down).key(KeyCode::Enter);
            h
        }),
        ("row edit", || {
            let mut h = done();
            h.key(KeyCode::Char('f'))
                .settle_history()
                .key(KeyCode::Enter)
                .key(KeyCode::Char('e'));
            h
        }),
        ("history opening a job", || {
            let mut h = done();
            // The job's rows are read as a task: until its result is applied, History
            // says it is loading them.
            h.key(KeyCode::Char('f'));
            assert!(h.app.history.loading.is_some());
            h
        }),
        ("contacts", || {
            let mut h = done();
            h.app.go(View::Contacts);
            h.key(KeyCode::Char('/')).text("a").key(KeyCode::Enter);
            h.keys(&[KeyCode::Down, KeyCode::Down]);
            h
        }),
        ("contact detail", || {
            let mut h = done();
            h.app.go(View::Contacts);
            h.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Enter]);
            h
        }),
        ("contacts search", || {
            let mut h = done();
            h.app.go(View::Contacts);
            h.key(KeyCode::Char('/'));
            h
        }),
    ]
}

/// Every key the help lists does something where it is listed: pressed on a fresh copy of
/// the state, the screen or the wizard's state changes (so the help can never list a dead
/// key, and the footer and the keys read the same table).
#[test]
fn every_key_the_help_lists_has_an_effect_on_its_screen() {
    let mut dead = Vec::new();
    let mut reached: Vec<String> = Vec::new();
    for (name, build) in key_states() {
        let h = build();
        reached.push(format!("{:?}", h.app.keys()[0]));
        let keys = rolodex::tui::action::bound(h.app.keys());
        assert!(!keys.is_empty(), "{name}: no keys");
        // The help lists them all.
        let mut shown = build();
        shown.app.on_action(rolodex::tui::action::Action::Help);
        assert!(shown.app.help, "{name}: no help");
        for key in keys {
            let mut h = build();
            let before = fingerprint(&h);
            h.app.on_key(key.event());
            if fingerprint(&h) == before {
                dead.push(format!("{name}: {}", key.label()));
            }
        }
    }
    assert!(dead.is_empty(), "keys listed that do nothing: {dead:#?}");
    // Every screen in every state its keys differ in is among the states pressed: each
    // keymap a screen's keys start with is reached…
    let unreached: Vec<&str> = rolodex::tui::action::SCREEN_KEYMAPS
        .iter()
        .filter(|(_, keymap)| !reached.contains(&format!("{keymap:?}")))
        .map(|(name, _)| *name)
        .collect();
    assert!(
        unreached.is_empty(),
        "keymaps no state reaches: {unreached:?}"
    );
    // …and every keymap the table file defines is one of them or a shared group, so a
    // new screen's keymap cannot be left out of this test.
    let source = std::fs::read_to_string("src/tui/action.rs").unwrap();
    let shared = ["NAV", "NAV_LAST", "TYPING", "LIST", "FORM"];
    let unlisted: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("pub const "))
        .filter_map(|l| l.split_once(": &[Binding]").map(|(name, _)| name))
        .filter(|name| {
            !shared.contains(name)
                && !rolodex::tui::action::SCREEN_KEYMAPS
                    .iter()
                    .any(|(n, _)| n == name)
        })
        .collect();
    assert!(
        unlisted.is_empty(),
        "keymaps not in SCREEN_KEYMAPS: {unlisted:?}"
    );
}

/// The help of a screen with more keys than fit at 80×20 scrolls (j/k, arrows, PgUp/PgDn),
/// counts what is above and below, and closes on any other key.
#[test]
fn help_scrolls_when_it_does_not_fit() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_done()
        .key(KeyCode::Char('f'))
        .settle_history()
        .key(KeyCode::Char('?'));
    assert!(h.app.help);
    let top = h.render(80, 20);
    assert!(top.contains("more · j/k scroll"), "{top}");
    assert!(!top.contains("C-c"), "{top}");
    snap("help_job_rows", &h);
    h.key(KeyCode::End);
    let bottom = h.render(80, 20);
    assert!(bottom.contains("C-c"), "{bottom}");
    assert!(bottom.contains("↑ "), "{bottom}");
    h.key(KeyCode::Char('k'));
    assert!(h.app.help, "k scrolls, it does not close");
    h.key(KeyCode::Char('x'));
    assert!(!h.app.help, "any other key closes");
}

/// The File step browses: folders and `../` are listed above the files, Tab completes the
/// typed path, Enter on a folder opens it and Enter on `../` goes up.
#[test]
fn file_step_browses_folders() {
    let mut h = Harness::new(None);
    h.text("fixt").key(KeyCode::Tab);
    assert_eq!(h.app.file.path.value(), "fixtures/");
    let entries = h.app.file.entries.clone();
    assert_eq!(entries[0], "../");
    assert!(entries.contains(&"rules/".to_string()), "{entries:?}");
    assert!(entries.contains(&"contacts.csv".to_string()), "{entries:?}");
    let folders_first = entries.iter().position(|e| e == "contacts.csv")
        > entries.iter().position(|e| e == "rules/");
    assert!(folders_first, "{entries:?}");
    snap("file_browse", &h);
    while h.app.file.entries[h.app.file.selected] != "rules/" {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Enter);
    assert_eq!(h.app.file.path.value(), "fixtures/rules/");
    assert!(h
        .app
        .file
        .entries
        .contains(&"invalid_email.csv".to_string()));
    // `inv` then Tab: as far as the names agree.
    h.text("inv").key(KeyCode::Tab);
    assert_eq!(h.app.file.path.value(), "fixtures/rules/invalid_");
    h.text("em").key(KeyCode::Tab);
    assert_eq!(h.app.file.path.value(), "fixtures/rules/invalid_email.csv");
    h.key(KeyCode::Enter);
    assert!(h.app.ctx.source.is_some(), "the completed file opens");
    // Up a folder from a folder typed.
    h.key(KeyCode::Esc).text("fixtures/rules/");
    assert_eq!(h.app.file.entries[0], "../");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.file.path.value(), "fixtures/");
}

/// Map refuses Enter while the preset's fields are unmapped, says `p` changes the preset,
/// and `p` changes it there: with `any` the file goes on without a name column.
#[test]
fn map_changes_the_required_fields_where_it_refuses() {
    let mut h = Harness::new(Some("fixtures/rules/invalid_phone.csv"));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char(' '))
        .key(KeyCode::Char('g'))
        .key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Map);
    let (_, said) = h.app.ctx.status.clone().unwrap();
    assert!(
        said.contains("press p to change what every row needs"),
        "{said}"
    );
    h.key(KeyCode::Char('p'));
    assert_eq!(h.app.ctx.options.require, Requirement::Dialer);
    snap("map_preset_changed", &h);
    h.leave_map();
    assert_eq!(h.app.view, View::Options, "a phone is enough for dialer");
    assert_eq!(
        h.app.ctx.options.require,
        Requirement::Dialer,
        "kept on Options"
    );
}

/// With more columns than fit the Map title says where the selection is, and a long phone
/// warning wraps whole at 80 columns instead of being cut.
#[test]
fn map_shows_its_position_and_whole_phone_warnings() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("wide.csv");
    let header: Vec<String> = (1..=30).map(|i| format!("Extra {i}")).collect();
    let mut text = format!("Name,Tel,Mobile Phone Number,{}\n", header.join(","));
    for i in 0..20 {
        let extras = vec!["x"; 30].join(",");
        text.push_str(&format!(
            "Person {i},not a number {i},+1 212 555 01{i:02},{extras}\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let mut h = Harness::new(path.to_str());
    h.key(KeyCode::Enter)
        .keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    let screen = h.render(80, 24);
    assert!(screen.contains("column 4/33"), "{screen}");
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches('"').trim_end())
        .collect::<Vec<_>>()
        .join(" ");
    let warning = h
        .app
        .ctx
        .health
        .iter()
        .find_map(|c| c.warning())
        .expect("a phone warning");

    let last_words: String = warning
        .chars()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(
        flat.contains(last_words.trim()),
        "{last_words:?} cut:\n{screen}"
    );
    snap("map_wide", &h);
}

/// Map's phone warning names the wizard's way to use the better column (select it, Space),
/// never the command line's `--map` flag, and says it whole at 80 columns.
#[test]
fn map_phone_warning_says_the_wizards_way_to_use_the_better_column() {
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("backup.csv");
    let mut text = String::from("Name,Tel,Backup\n");
    for i in 0..20 {
        text.push_str(&format!(
            "Person {i},not a number {i},+1 212 {} 4567\n",
            301 + i
        ));
    }
    std::fs::write(&path, text).unwrap();
    let mut h = Harness::new(path.to_str());
    h.key(KeyCode::Enter);
    let screen = h.render(80, 24);
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches('"').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!flat.contains("--map"), "{screen}");
    assert!(
        flat.contains("\"Backup\" looks like the phone column (select \"Backup\" below and press Space to make it phone)"),
        "{screen}"
    );
}

/// Done names the user's own tags beside the automatic one.
#[test]
fn done_shows_the_users_tags() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review();
    h.keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
    assert_eq!(h.app.view, View::Tags);
    h.text("vip, spring")
        .keys(&[KeyCode::Enter, KeyCode::Enter]);
    h.settle(|a| a.view == View::Done);
    let screen = h.render(80, 24);
    assert!(
        screen.contains("Tagged          vip, spring, import-"),
        "{screen}"
    );
}

/// `n` on Map before any search says how to search instead of doing nothing.
#[test]
fn map_next_match_before_a_search_says_how() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter).key(KeyCode::Char('n'));
    let (_, said) = h.app.ctx.status.clone().unwrap();
    assert!(said.contains("Press / to find a column first"), "{said}");
}

/// Ctrl-O opens Contacts from any screen, text fields included (it types nothing), and Esc
/// comes back to that screen with its state.
#[test]
fn contacts_open_from_every_screen_and_esc_comes_back() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.walk_to_review();
    h.keys(&[KeyCode::Enter, KeyCode::Char(' '), KeyCode::Enter]);
    assert_eq!(h.app.view, View::Tags);
    h.text("vip");
    h.ctrl('o');
    assert_eq!(h.app.view, View::Contacts);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.view, View::Tags);
    assert_eq!(
        h.app.tags.new_tags.value(),
        "vip",
        "nothing typed, nothing lost"
    );
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Destination);
    h.ctrl('o').key(KeyCode::Char('q'));
    assert_eq!(h.app.view, View::Destination);
    // Options' region field takes letters, not Ctrl-O.
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter)
        .leave_map()
        .keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    let region = h.app.options.region.clone();
    h.ctrl('o');
    assert_eq!(h.app.view, View::Contacts);
    assert_eq!(h.app.options.region, region);
}

/// Seed 004: leaving Map with columns no field takes asks once ("Don't import data for
/// unmapped columns"): `n` stays on Map, `y` goes on without them and is not asked again,
/// `c` keeps them as text custom fields as `--unmapped custom` does headless.
#[test]
fn leaving_map_asks_once_about_the_columns_left_out() {
    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter).key(KeyCode::Enter);
    let left = vec!["Lead Source".to_string(), "Birthday".to_string()];
    assert_eq!(h.app.confirm, Some(Confirm::Unmapped(left)));
    assert_eq!(h.app.view, View::Map);
    snap("map_unmapped_asks", &h);
    h.key(KeyCode::Char('n'));
    assert_eq!((h.app.view, h.app.confirm.is_none()), (View::Map, true));
    h.key(KeyCode::Enter).key(KeyCode::Char('y'));
    assert_eq!(h.app.view, View::Options);
    // Back on Map and on again: asked once.
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.view, View::Map);
    h.key(KeyCode::Enter);
    assert_eq!((h.app.view, h.app.confirm.is_none()), (View::Options, true));

    let mut h = Harness::new(Some("fixtures/contacts.csv"));
    h.key(KeyCode::Enter)
        .key(KeyCode::Enter)
        .key(KeyCode::Char('c'));
    assert_eq!(h.app.view, View::Options);
    assert_eq!(
        h.app.ctx.options.unmapped,
        rolodex::engine::plan::Unmapped::Custom
    );
    let custom: Vec<String> = h
        .app
        .ctx
        .mapping
        .custom_fields()
        .map(|(_, f)| f.name.clone())
        .collect();
    assert!(custom.contains(&"lead_source".to_string()), "{custom:?}");
    assert!(custom.contains(&"birthday".to_string()), "{custom:?}");
    let consent = h.app.ctx.options.consent_column.as_deref();
    assert_eq!(
        consent,
        Some("Consent"),
        "the consent column is read, not kept"
    );
    assert!(h.app.ctx.mapping.not_imported(consent).is_empty());
}

/// A job of many rows: History lists its counts grouped (compacted past seven characters)
/// but never cut, opens it off the screen's thread saying it is loading, then shows where
/// the selection is among its failed rows; `/` searches its rows as a task too.
#[test]
fn history_of_a_many_row_job() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    let mut text = String::from("Name,Phone,Email\n");
    for i in 0..30_000u64 {
        // Every third row's phone is no number and it has no email: it fails.
        let (phone, email) = if i % 3 == 0 {
            (format!("call me {i}"), String::new())
        } else {
            (
                format!("+1 212 {} {:04}", 300 + i / 10_000, i % 10_000),
                format!("p{i}@example.com"),
            )
        };
        text.push_str(&format!("Person {i},{phone},{email}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let out = crate::common::import(dir.path(), &path, &["--max-failures", "none"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut h = Harness::build_in(dir, None, |ctx| ctx);
    h.app.go(View::History);
    let jobs = h.render(80, 24);
    // Grouped where seven columns hold them (up to 9,999,999), else compacted (`12.3M`).
    assert!(jobs.contains(" 20,000 "), "{jobs}");
    assert!(h.render(120, 40).contains("20,000"));
    snap("history_many_jobs", &h);
    h.key(KeyCode::Enter);
    assert!(h.app.history.loading.is_some(), "read as a task");
    snap("history_loading", &h);
    h.settle_history();
    assert_eq!(h.app.history.mode, history::Mode::Rows);
    assert_eq!(h.app.history.shown.len(), 10_000);
    h.key(KeyCode::Char('G'));
    let rows = h.render(80, 24);
    assert!(
        rows.contains("row 10,000/10,000 · status failed · reason all · 30,000 in"),
        "{rows}"
    );
    snap("history_many_rows", &h);
    // A row of few columns and many reasons: at 80×20 every reason shows whole.
    h.key(KeyCode::Enter);
    let detail = h.render(80, 20);
    let row = h.app.history.shown_row(h.app.history.row_sel).unwrap();
    assert!(row.issues.len() >= 3, "{:?}", row.issues);
    for issue in &row.issues {
        assert!(detail.contains(issue.reason.code()), "{detail}");
    }
    snap("history_row_reasons", &h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('/'))
        .text("call me 2999")
        .key(KeyCode::Enter);
    assert!(h.app.history.finding.is_some(), "searched as a task");
    h.settle_history();
    let found = h.app.history.shown_row(h.app.history.row_sel).unwrap();
    // From the selection on (the last failed row, which mentions it).
    assert_eq!(found.row, 29_999, "a row mentioning it");
}

/// Issue 18: the Map step counts an owner column's values against the store's team and
/// names the unknown ones; the Review lists them for the admin to add first, with the same
/// counts as the headless dry run.
#[test]
fn map_and_review_count_owner_values_against_the_team() {
    use rolodex::engine::team::{Member, Role};
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(&dir.path().join("test.redb")).unwrap();
        for (email, name) in [
            ("logan@team.example", "Logan Paul"),
            ("david@team.example", "David Lee"),
            ("jurgen@team.example", "Jürgen Weiß"),
            ("adam.smith@team.example", "Adam Smith"),
            ("adam.s@team.example", "adam smith"),
        ] {
            store
                .put_member(&Member::new(email, name, Role::Agent).unwrap())
                .unwrap();
        }
    }
    let mut h = Harness::build_in(dir, Some("fixtures/team/contacts.csv"), |ctx| ctx);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Map);
    let screen = h.render(160, 50);
    assert!(
        screen.contains(
            "Contact Owner: 3 of 4 match a team member; 1 unknown: Ann Lee (first rows)."
        ),
        "{screen}"
    );
    assert!(
        screen.contains(
            "Contact Followers: 4 of 5 match a team member; 1 name several members: Adam Smith"
        ),
        "{screen}"
    );
    h.key(KeyCode::Enter).key(KeyCode::Enter);
    assert_eq!(h.app.view, View::Review);
    h.settle(|a| a.ctx.review.is_some());
    let review = h.app.ctx.review.as_ref().unwrap();
    assert_eq!((review.counts.created, review.counts.failed), (3, 2));
    assert_eq!(review.counts.reasons.get(&Reason::UnknownMember), Some(&1));
    assert_eq!(
        review.counts.reasons.get(&Reason::AmbiguousMember),
        Some(&1)
    );
    let screen = h.render(160, 50);
    assert!(
        screen.contains("Contact Owner: 3 of 4 match a team member; 1 unknown: Ann Lee. (add them with rolodex team add, then check again)"),
        "{screen}"
    );
    // The command line's dry run on the same store says the same.
    let path = h.dir.path().to_path_buf();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/team/contacts.csv");
    let dry = crate::common::run(
        &path,
        &["import", file.to_str().unwrap(), "--dry-run", "--json"],
    );
    let dry = dry.json();
    assert_eq!(
        (dry["created"].as_u64(), dry["failed"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(dry["members"][0]["unknown"], serde_json::json!(["Ann Lee"]));
}
