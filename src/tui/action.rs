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

/// Keys every screen honours (SPEC §8).
pub const COMMON: &[Binding] = &[
    b(Code(KeyCode::Up), Action::Up, "move up", false),
    b(Code(KeyCode::Down), Action::Down, "move down", false),
    b(Char('k'), Action::Up, "move up", false),
    b(Char('j'), Action::Down, "move down", false),
    b(Code(KeyCode::Left), Action::Left, "previous choice", false),
    b(Code(KeyCode::Right), Action::Right, "next choice", false),
    b(Char('g'), Action::Top, "first", false),
    b(Char('G'), Action::Bottom, "last", false),
    b(Code(KeyCode::Home), Action::Top, "first", false),
    b(Code(KeyCode::End), Action::Bottom, "last", false),
    b(Code(KeyCode::PageUp), Action::PageUp, "page up", false),
    b(
        Code(KeyCode::PageDown),
        Action::PageDown,
        "page down",
        false,
    ),
    b(Code(KeyCode::Tab), Action::FocusNext, "next field", false),
    b(
        Code(KeyCode::BackTab),
        Action::FocusPrev,
        "previous field",
        false,
    ),
    b(Char('?'), Action::Help, "help", true),
    b(Char('q'), Action::Quit, "quit", true),
    b(Ctrl('c'), Action::Quit, "quit", false),
];

pub const FILE: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "open / next", true),
    b(Code(KeyCode::Esc), Action::Back, "clear", false),
    b(Ctrl('r'), Action::History, "history", true),
    b(Ctrl('o'), Action::Contacts, "contacts", true),
    b(Ctrl('c'), Action::Quit, "quit", true),
];

pub const MAP: &[Binding] = &[
    b(Char(' '), Action::Toggle, "change field", true),
    b(Char('e'), Action::Edit, "change field", false),
    b(Char('/'), Action::Search, "find column", true),
    b(Char('n'), Action::NextMatch, "next match", false),
    b(Char('N'), Action::PrevMatch, "prev match", false),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const OPTIONS: &[Binding] = &[
    b(Char(' '), Action::Toggle, "change", true),
    b(Code(KeyCode::Enter), Action::Next, "review", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const REVIEW: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Char('e'), Action::WriteErrors, "write error file", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const CONSENT: &[Binding] = &[
    b(Char(' '), Action::Toggle, "tick", true),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const TAGS: &[Binding] = &[
    b(Char(' '), Action::Toggle, "pick", true),
    b(Code(KeyCode::Tab), Action::FocusNext, "new tags", true),
    b(Code(KeyCode::Enter), Action::Next, "next", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const DESTINATION: &[Binding] = &[
    b(Char(' '), Action::Toggle, "change", true),
    b(Code(KeyCode::Enter), Action::Next, "start import", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const PROGRESS: &[Binding] = &[
    b(Char('c'), Action::Cancel, "cancel", true),
    b(Code(KeyCode::Esc), Action::Cancel, "cancel", false),
];

pub const DONE: &[Binding] = &[
    b(Char('f'), Action::OpenFailed, "failed rows", true),
    b(Char('w'), Action::WriteReports, "write files", true),
    b(Char('r'), Action::Revert, "revert", true),
    b(Char('n'), Action::NewImport, "new import", true),
    b(Char('H'), Action::History, "history", false),
];

pub const HISTORY: &[Binding] = &[
    b(Code(KeyCode::Enter), Action::Next, "open job", true),
    b(Char('/'), Action::Search, "find in all jobs", true),
    b(Char('r'), Action::Revert, "revert", true),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

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
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

pub const ROW_EDIT: &[Binding] = &[
    b(Code(KeyCode::Up), Action::Up, "previous cell", true),
    b(Code(KeyCode::Down), Action::Down, "next cell", true),
    b(Code(KeyCode::Enter), Action::Save, "keep fix", true),
    b(Code(KeyCode::Esc), Action::Back, "discard", true),
];

pub const CONTACTS: &[Binding] = &[
    b(Char('/'), Action::Search, "search", true),
    b(Char('n'), Action::NextMatch, "next match", false),
    b(Char('N'), Action::PrevMatch, "prev match", false),
    b(Code(KeyCode::Esc), Action::Back, "back", true),
];

/// The action for a key: the screen's table first, then the common keys.
pub fn lookup(screen: &[Binding], event: &KeyEvent) -> Option<Action> {
    screen
        .iter()
        .chain(COMMON)
        .find(|b| b.key.matches(event))
        .map(|b| b.action)
}

/// `Enter next · Esc back · ? help · q quit`: the footer line of a screen.
pub fn footer(screen: &[Binding]) -> Vec<(String, &'static str)> {
    let mut seen: Vec<Action> = Vec::new();
    let mut out = Vec::new();
    for b in screen.iter().chain(COMMON).filter(|b| b.footer) {
        if seen.contains(&b.action) {
            continue;
        }
        seen.push(b.action);
        out.push((b.key.label(), b.hint));
    }
    out
}

/// Every key of a screen, for the help overlay.
pub fn help(screen: &[Binding]) -> Vec<(String, &'static str)> {
    screen
        .iter()
        .chain(COMMON)
        .map(|b| (b.key.label(), b.hint))
        .collect()
}
