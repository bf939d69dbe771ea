//! Keys become actions through one table per screen. The footer's hints and the `?` help
//! are generated from the same table, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Next,
    Back,
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Toggle,
    FocusNext,
    FocusPrev,
    Search,
    NextMatch,
    PrevMatch,
    Help,
    Quit,
    /// Screen-specific commands.
    History,
    Contacts,
    Edit,
    WriteErrors,
    WriteReports,
    Revert,
    Retry,
    FilterStatus,
    FilterReason,
    OpenFailed,
    NewImport,
    Cancel,
    Save,
    /// Map: the next requirement preset (contact, dialer, any).
    Preset,
    /// Review: read the date columns in the next order (as decided, day first, month first).
    DateOrder,
    /// History: go on with a stopped or interrupted job where it stopped.
    Resume,
}

/// A key as the tables write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Code(KeyCode),
    Char(char),
    Ctrl(char),
}

impl Key {
    pub fn matches(self, event: &KeyEvent) -> bool {
        match self {
            Key::Code(code) => event.code == code,
            Key::Char(c) => {
                event.code == KeyCode::Char(c) && !event.modifiers.contains(KeyModifiers::CONTROL)
            }
            Key::Ctrl(c) => {
                event.code == KeyCode::Char(c) && event.modifiers.contains(KeyModifiers::CONTROL)
            }
        }
    }

    /// The key as the terminal sends it (what a test presses).
    pub fn event(self) -> KeyEvent {
        match self {
            Key::Code(code) => KeyEvent::new(code, KeyModifiers::NONE),
            Key::Char(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        }
    }

    pub fn label(self) -> String {
        match self {
            Key::Code(KeyCode::Enter) => "Enter".into(),
            Key::Code(KeyCode::Esc) => "Esc".into(),
            Key::Code(KeyCode::Tab) => "Tab".into(),
            Key::Code(KeyCode::BackTab) => "S-Tab".into(),
            Key::Code(KeyCode::Up) => "↑".into(),
            Key::Code(KeyCode::Down) => "↓".into(),
            Key::Code(KeyCode::Left) => "←".into(),
            Key::Code(KeyCode::Right) => "→".into(),
            Key::Code(KeyCode::PageUp) => "PgUp".into(),
            Key::Code(KeyCode::PageDown) => "PgDn".into(),
            Key::Code(KeyCode::Home) => "Home".into(),
            Key::Code(KeyCode::End) => "End".into(),
            Key::Code(KeyCode::F(n)) => format!("F{n}"),
            Key::Code(other) => format!("{other:?}"),
            Key::Char(' ') => "Space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("C-{c}"),
        }
    }
}

/// One row of a keymap: the key, what it does, the words shown for it, and whether the
/// footer shows it (the help always does).
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub hint: &'static str,
    pub footer: bool,
}

const fn b(key: Key, action: Action, hint: &'static str, footer: bool) -> Binding {
    Binding {
        key,
        action,
        hint,
        footer,
    }
}

use Key::{Char, Code, Ctrl};

/// The keys of a screen in one state: groups of bindings, searched in order. What a key
/// does, the footer and the `?` help all read this one value, so the help lists exactly
/// the keys that work there.
pub type Keys = &'static [&'static [Binding]];

/// Help and quitting where no text field takes the keys: `q` goes back one level
/// (VisiData's sheet stack); Ctrl-C quits, asking first when choices would be lost.
/// Ctrl-O opens Contacts from anywhere (it types nothing); Esc or Ctrl-O there comes back.
pub const NAV: &[Binding] = &[
    b(Char('?'), Action::Help, "help", true),
    b(Code(KeyCode::F(1)), Action::Help, "help", false),
    b(Char('q'), Action::Back, "back", true),
    b(Ctrl('o'), Action::Contacts, "contacts", false),
    b(Ctrl('c'), Action::Quit, "quit", true),
];

/// The same where there is nothing to go back to: `q` quits (asking first when an
/// import or a revert is running).
pub const NAV_LAST: &[Binding] = &[
    b(Char('?'), Action::Help, "help", true),
    b(Code(KeyCode::F(1)), Action::Help, "help", false),
    b(Char('q'), Action::Quit, "quit", true),
    b(Ctrl('o'), Action::Contacts, "contacts", false),
    b(Ctrl('c'), Action::Quit, "quit", false),
];

/// While a text field has the focus every printable key types: help is F1, quitting
/// Ctrl-C.
pub const TYPING: &[Binding] = &[
    b(Code(KeyCode::F(1)), Action::Help, "help", true),
    b(Ctrl('o'), Action::Contacts, "contacts", false),
    b(Ctrl('c'), Action::Quit, "quit", true),
];

/// Moving in a list.
pub const LIST: &[Binding] = &[
    b(Code(KeyCode::Up), Action::Up, "move up", false),
    b(Char('k'), Action::Up, "move up", false),
    b(Code(KeyCode::Down), Action::Down, "move down", false),
    b(Char('j'), Action::Down, "move down", false),
    b(Char('g'), Action::Top, "first", false),
    b(Code(KeyCode::Home), Action::Top, "first", false),
    b(Char('G'), Action::Bottom, "last", false),
    b(Code(KeyCode::End), Action::Bottom, "last", false),
    b(Code(KeyCode::PageUp), Action::PageUp, "page up", false),
    b(
        Code(KeyCode::PageDown),
        Action::PageDown,
        "page down",
        false,
    ),
];

/// Moving between the fields of a form.
pub const FORM: &[Binding] = &[
    b(Code(KeyCode::Tab), Action::FocusNext, "next field", false),
    b(
        Code(KeyCode::BackTab),
        Action::FocusPrev,
        "previous field",
        false,
    ),
    b(Code(KeyCode::Down), Action::Down, "next field", false),
    b(Code(KeyCode::Up), Action::Up, "previous field", false),
];

/// Step 1: the path field always has the focus; the arrows move in the list below,
/// Enter opens a folder or a file, Tab completes the path.
pub const FILE: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "open", true),
    b(Code(KeyCode::Esc), Action::Back, "clear", false),
    b(Code(KeyCode::Up), Action::Up, "move up", false),
    b(Code(KeyCode::Down), Action::Down, "move down", false),
    b(Code(KeyCode::PageUp), Action::PageUp, "page up", false),
    b(
        Code(KeyCode::PageDown),
        Action::PageDown,
        "page down",
        false,
    ),
    b(Code(KeyCode::Tab), Action::FocusNext, "complete", true),
    b(Ctrl('r'), Action::History, "history", true),
    b(Ctrl('o'), Action::Contacts, "contacts", true),
];

pub const MAP: &[Binding] = &[
    b(Char(' '), Action::Toggle, "change field", true),
    b(Char('e'), Action::Toggle, "change field", false),
    b(Code(KeyCode::Right), Action::Toggle, "change field", false),
    b(Char('/'), Action::Search, "find column", true),
    b(Char('n'), Action::NextMatch, "next match", false),
    b(Char('N'), Action::PrevMatch, "prev match", false),
    b(Char('p'), Action::Preset, "change required fields", false),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// Map's list of fields for one column.
pub const MAP_PICKER: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "use this field", true),
    b(Code(KeyCode::Esc), Action::Back, "close", true),
];

/// Typing a name: a new custom field on Map, or a column to find.
pub const ENTER_ESC: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "done", true),
    b(Code(KeyCode::Esc), Action::Back, "cancel", true),
];

pub const OPTIONS: &[Binding] = &[
    b(Char(' '), Action::Toggle, "change", true),
    b(Code(KeyCode::Right), Action::Right, "next choice", false),
    b(Code(KeyCode::Left), Action::Left, "previous choice", false),
    b(Code(KeyCode::Enter), Action::Next, "review", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// Options with the region field focused: letters type the code.
pub const OPTIONS_REGION: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "review", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const REVIEW: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Tab), Action::FocusNext, "reasons", true),
    b(Code(KeyCode::Down), Action::Down, "reasons", false),
    b(Char('j'), Action::Down, "reasons", false),
    b(Char('e'), Action::WriteErrors, "write error file", true),
    b(Char('d'), Action::DateOrder, "date order", false),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// Review with its list of reasons focused: Enter opens a reason on its rows.
pub const REVIEW_REASONS: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "open its rows", true),
    b(Code(KeyCode::Tab), Action::FocusNext, "leave list", false),
    b(Code(KeyCode::Esc), Action::Back, "leave list", true),
    b(Char('e'), Action::WriteErrors, "write error file", false),
    b(Char('d'), Action::DateOrder, "date order", false),
];

/// The rows of one reason (Review's drill-down).
pub const REVIEW_ROWS: &[Binding] = &[
    b(Code(KeyCode::Esc), Action::Back, "reasons", true),
    b(Char('e'), Action::WriteErrors, "write error file", false),
];

pub const CONSENT: &[Binding] = &[
    b(Char(' '), Action::Toggle, "tick", true),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// Tags with the list of existing tags focused.
pub const TAGS: &[Binding] = &[
    b(Char(' '), Action::Toggle, "pick", true),
    b(Code(KeyCode::Tab), Action::FocusNext, "next box", true),
    b(
        Code(KeyCode::BackTab),
        Action::FocusPrev,
        "previous box",
        false,
    ),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// Tags with the new-tags field focused: every printable key types.
pub const TAGS_TYPING: &[Binding] = &[
    b(Code(KeyCode::Tab), Action::FocusNext, "next box", true),
    b(
        Code(KeyCode::BackTab),
        Action::FocusPrev,
        "previous box",
        false,
    ),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// Tags with the automatic tag's box focused.
pub const TAGS_AUTO: &[Binding] = &[
    b(Char(' '), Action::Toggle, "tick", true),
    b(Code(KeyCode::Tab), Action::FocusNext, "next box", true),
    b(
        Code(KeyCode::BackTab),
        Action::FocusPrev,
        "previous box",
        false,
    ),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const DESTINATION: &[Binding] = &[
    b(Char(' '), Action::Toggle, "change", true),
    b(Code(KeyCode::Right), Action::Right, "change", false),
    b(Code(KeyCode::Left), Action::Left, "change", false),
    b(Code(KeyCode::Enter), Action::Next, "start import", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// Destination with the list's name field focused.
pub const DESTINATION_NAME: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "start import", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const PROGRESS: &[Binding] = &[
    b(Char('c'), Action::Cancel, "cancel", true),
    b(Code(KeyCode::Esc), Action::Cancel, "cancel", false),
];

pub const DONE: &[Binding] = &[
    b(Char('f'), Action::OpenFailed, "failed rows", true),
    b(Char('u'), Action::Resume, "resume", false),
    b(Char('w'), Action::WriteReports, "write files", true),
    b(Char('r'), Action::Revert, "revert", true),
    b(Char('n'), Action::NewImport, "new import", true),
    b(Char('H'), Action::History, "history", false),
];

pub const HISTORY: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "open job", true),
    b(Char('/'), Action::Search, "find in all jobs", true),
    b(Char('u'), Action::Resume, "resume", true),
    b(Char('r'), Action::Revert, "revert", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// History while a job's rows are read to open it.
pub const LOADING: &[Binding] = &[b(Code(KeyCode::Esc), Action::Back, "give up", true)];

pub const JOB_ROWS: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "open", true),
    b(Char('s'), Action::FilterStatus, "status", true),
    b(Char('f'), Action::FilterReason, "reason", true),
    b(Char('/'), Action::Search, "find", true),
    b(Char('n'), Action::NextMatch, "next match", false),
    b(Char('N'), Action::PrevMatch, "prev match", false),
    b(Char('R'), Action::Retry, "retry", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const ROW_DETAIL: &[Binding] = &[
    b(Char('e'), Action::Edit, "edit cells", true),
    b(Code(KeyCode::Up), Action::Up, "previous row", false),
    b(Code(KeyCode::Down), Action::Down, "next row", false),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const ROW_EDIT: &[Binding] = &[
    b(Code(KeyCode::Up), Action::Up, "previous cell", true),
    b(Code(KeyCode::Down), Action::Down, "next cell", true),
    b(Code(KeyCode::Tab), Action::FocusNext, "next cell", false),
    b(
        Code(KeyCode::BackTab),
        Action::FocusPrev,
        "previous cell",
        false,
    ),
    b(Code(KeyCode::Enter), Action::Save, "keep fix", true),
    b(Code(KeyCode::Esc), Action::Back, "discard", true),
];

pub const CONTACTS: &[Binding] = &[
    b(Char('/'), Action::Search, "search", true),
    b(Code(KeyCode::Enter), Action::Next, "details", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// One contact shown whole: the arrows go to the previous or next contact.
pub const CONTACT_DETAIL: &[Binding] = &[
    b(Code(KeyCode::Esc), Action::Back, "close", true),
    b(Code(KeyCode::Enter), Action::Back, "close", false),
    b(Code(KeyCode::Up), Action::Up, "previous", true),
    b(Char('k'), Action::Up, "previous", false),
    b(Code(KeyCode::Down), Action::Down, "next", true),
    b(Char('j'), Action::Down, "next", false),
];

/// Every keymap a screen's keys start with (a screen in one state), by name; the groups
/// after it (`NAV`, `NAV_LAST`, `TYPING`, `LIST`, `FORM`) are shared. The test that presses
/// every key the help lists reaches each of these, and fails when a keymap of this file
/// is neither here nor shared.
pub const SCREEN_KEYMAPS: &[(&str, &[Binding])] = &[
    ("FILE", FILE),
    ("MAP", MAP),
    ("MAP_PICKER", MAP_PICKER),
    ("ENTER_ESC", ENTER_ESC),
    ("OPTIONS", OPTIONS),
    ("OPTIONS_REGION", OPTIONS_REGION),
    ("REVIEW", REVIEW),
    ("REVIEW_REASONS", REVIEW_REASONS),
    ("REVIEW_ROWS", REVIEW_ROWS),
    ("CONSENT", CONSENT),
    ("TAGS", TAGS),
    ("TAGS_TYPING", TAGS_TYPING),
    ("TAGS_AUTO", TAGS_AUTO),
    ("DESTINATION", DESTINATION),
    ("DESTINATION_NAME", DESTINATION_NAME),
    ("PROGRESS", PROGRESS),
    ("DONE", DONE),
    ("HISTORY", HISTORY),
    ("LOADING", LOADING),
    ("JOB_ROWS", JOB_ROWS),
    ("ROW_DETAIL", ROW_DETAIL),
    ("ROW_EDIT", ROW_EDIT),
    ("CONTACTS", CONTACTS),
    ("CONTACT_DETAIL", CONTACT_DETAIL),
];

/// Every binding of a screen's keys, in order.
fn all(keys: Keys) -> impl Iterator<Item = &'static Binding> {
    keys.iter().flat_map(|group| group.iter())
}

/// The action for a key: the first binding of the screen's keys that matches it.
pub fn lookup(keys: Keys, event: &KeyEvent) -> Option<Action> {
    all(keys).find(|b| b.key.matches(event)).map(|b| b.action)
}

/// `Enter next · Esc/q back · ? help · C-c quit`: the footer line of a screen, keys
/// doing the same thing on one hint.
pub fn footer(keys: Keys) -> Vec<(String, &'static str)> {
    let mut out: Vec<(Action, String, &'static str)> = Vec::new();
    for b in all(keys).filter(|b| b.footer) {
        match out.iter_mut().find(|(a, _, _)| *a == b.action) {
            Some((_, labels, _)) => {
                labels.push('/');
                labels.push_str(&b.key.label());
            }
            None => out.push((b.action, b.key.label(), b.hint)),
        }
    }
    out.into_iter().map(|(_, k, h)| (k, h)).collect()
}

/// Every key of a screen for the help overlay, keys doing the same thing on one line
/// (`↑ k  move up`); a key bound twice is listed where it first works.
pub fn help(keys: Keys) -> Vec<(String, &'static str)> {
    let mut out: Vec<(Action, &'static str, Vec<String>)> = Vec::new();
    let mut taken: Vec<Key> = Vec::new();
    for b in all(keys) {
        if taken.contains(&b.key) {
            continue;
        }
        taken.push(b.key);
        match out
            .iter_mut()
            .find(|(a, hint, _)| *a == b.action && *hint == b.hint)
        {
            Some((_, _, labels)) => labels.push(b.key.label()),
            None => out.push((b.action, b.hint, vec![b.key.label()])),
        }
    }
    out.into_iter()
        .map(|(_, hint, labels)| (labels.join(" "), hint))
        .collect()
}

/// Every key a screen's keys bind (each once, where it first works): what a test
/// presses to see that none is dead.
pub fn bound(keys: Keys) -> Vec<Key> {
    let mut out: Vec<Key> = Vec::new();
    for b in all(keys) {
        if !out.contains(&b.key) {
            out.push(b.key);
        }
    }
    out
}
