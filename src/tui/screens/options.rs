//! Step 3 · Options: purpose, identifier, keep-existing, default region, requirement preset,
//! consent column, failure threshold, what a row that conflicts with its phone's contact does.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::{move_selection, Screen, Transition};
use crate::engine::mapping::Target;
use crate::engine::opportunity::Objects;
use crate::engine::phone::parse_region;
use crate::engine::plan::Requirement;
use crate::engine::plan::{Identifier, InFileDuplicates, OnConflict, Purpose};
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::Ctx;

const FIELDS: [&str; 10] = [
    "Purpose",
    "Match by",
    "Keep existing values",
    "Default region",
    "Requirement",
    "Consent column",
    "Stop after failed rows",
    "Same phone, other name",
    "Import",
    "Rows sharing an id",
];

/// The Import row: contacts only, or contacts and their opportunities (seed 004).
const OBJECTS_ROW: usize = 8;
const DUPLICATES_ROW: usize = 9;

/// The failure thresholds offered; `u64::MAX` is no limit.
const THRESHOLDS: [u64; 5] = [100, 1000, 10_000, 100_000, u64::MAX];

/// The thresholds offered, with the user's configured one among them in its place.
fn thresholds(configured: u64) -> Vec<u64> {
    let mut offered = THRESHOLDS.to_vec();
    if !offered.contains(&configured) {
        offered.push(configured);
        offered.sort_unstable();
    }
    offered
}

fn cycle<T: Clone + PartialEq>(all: &[T], current: T, forward: bool) -> T {
    let i = all.iter().position(|v| *v == current).unwrap_or(0);
    let n = all.len();
    all[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
    .clone()
}

#[derive(Default)]
pub struct OptionsScreen {
    pub focus: usize,
    /// The region as being typed (two letters).
    pub region: String,
}

impl OptionsScreen {
    fn change(&mut self, ctx: &mut Ctx, forward: bool) {
        let offered = thresholds(ctx.defaults().max_failures);
        let o = &mut ctx.options;
        match self.focus {
            0 => {
                o.purpose = cycle(
                    &[
                        Purpose::Create,
                        Purpose::Update,
                        Purpose::Upsert,
                        Purpose::Always,
                    ],
                    o.purpose,
                    forward,
                )
            }
            1 => {
                let all: &[Identifier] = if o.purpose == Purpose::Update {
                    &[
                        Identifier::Any,
                        Identifier::Phone,
                        Identifier::Email,
                        Identifier::Id,
                    ]
                } else {
                    &[Identifier::Any, Identifier::Phone, Identifier::Email]
                };
                o.identifier = cycle(all, o.identifier, forward)
            }
            2 => o.keep_existing = !o.keep_existing,
            4 => {
                o.require = cycle(
                    &[Requirement::Contact, Requirement::Dialer, Requirement::Any],
                    o.require,
                    forward,
                )
            }
            6 => o.max_failures = cycle(&offered, o.max_failures, forward),
            7 => {
                o.on_conflict = cycle(
                    &[OnConflict::Merge, OnConflict::Separate, OnConflict::Skip],
                    o.on_conflict,
                    forward,
                )
            }
            OBJECTS_ROW => {
                o.objects = cycle(&[Objects::Contacts, Objects::Both], o.objects, forward)
            }
            DUPLICATES_ROW => {
                o.in_file_duplicates = cycle(
                    &[
                        None,
                        Some(InFileDuplicates::First),
                        Some(InFileDuplicates::Last),
                        Some(InFileDuplicates::Error),
                        Some(InFileDuplicates::Merge),
                    ],
                    o.in_file_duplicates,
                    forward,
                )
            }
            5 => {
                let header: Vec<Option<String>> = std::iter::once(None)
                    .chain(
                        ctx.source
                            .iter()
                            .flat_map(|s| s.header().iter().cloned().map(Some)),
                    )
                    .collect();
                o.consent_column = cycle(&header, o.consent_column.clone(), forward);
            }
            _ => {}
        }
        if o.purpose != Purpose::Update && o.identifier == Identifier::Id {
            o.identifier = Identifier::Any;
        }
    }

    fn explain(focus: usize, ctx: &Ctx) -> String {
        let o = &ctx.options;
        match focus {
            0 => match o.purpose {
                Purpose::Create => "Add new contacts only; rows matching a stored contact are skipped.",
                Purpose::Update => "Update stored contacts only; rows matching none are skipped.",
                Purpose::Upsert => "Add new contacts and update the ones already stored.",
                Purpose::Always => "Add every row as a new contact, even duplicates.",
            }
            .into(),
            1 => match o.identifier {
                Identifier::Any => "Any of the row's phones, then any of its emails.",
                Identifier::Phone => "Phone numbers, compared in E.164 ((613) 555-1234 = +16135551234).",
                Identifier::Email => "Email addresses, whatever their case.",
                Identifier::Id => "The contact id stored by rolodex (updates only).",
            }
            .into(),
            2 => "On: an update only fills empty fields. Either way, an empty cell never blanks a value.".into(),
            3 => "Numbers written without +country are read in the row's country, else in this region.".into(),
            4 => match o.require {
                Requirement::Contact => "A new contact needs a name, and a phone or an email.",
                Requirement::Dialer => "Every row needs a valid phone number.",
                Requirement::Any => "A name, a phone or an email is enough.",
            }
            .into(),
            5 => "Rows whose consent column does not say yes are skipped (yes, y, true, 1, opted-in).".into(),
            6 => "The import stops cleanly after this many failed rows; the job can be resumed.".into(),
            OBJECTS_ROW => {
                let columns: Vec<String> = ctx
                    .mapping
                    .columns
                    .iter()
                    .filter(|c| matches!(c.target, Target::Field(f) if f.is_opportunity()))
                    .map(|c| c.header.clone())
                    .collect();
                match (o.objects, columns.is_empty()) {
                    (_, true) => "No column is mapped to an opportunity field (opportunity.name, .value, .stage…): contacts only either way.".into(),
                    (Objects::Both, false) => format!("Contacts, and the opportunity of each row from {}; created or updated as the purpose says, matched by opportunity id or by contact and name.", columns.join(", ")),
                    (Objects::Contacts, false) => format!("Contacts only: {} not imported.", columns.join(", ")),
                }
            }
            DUPLICATES_ROW => InFileDuplicates::explain(o.in_file_duplicates, o.purpose).into(),
            _ => match o.on_conflict {
                OnConflict::Merge => "A row whose phone finds a contact with another name and email updates that contact, with an identity_conflict warning.",
                OnConflict::Separate => "A row whose phone finds a contact with another name and email becomes a new contact sharing the number (a switchboard's staff).",
                OnConflict::Skip => "A row whose phone finds a contact with another name and email is skipped (identity_conflict).",
            }
            .into(),
        }
    }
}

impl Screen for OptionsScreen {
    fn keys(&self) -> Keys {
        // The region field takes letters (`q` too) as they are typed.
        if self.focus == 3 {
            &[action::OPTIONS_REGION, action::FORM, action::TYPING]
        } else {
            &[action::OPTIONS, action::FORM, action::NAV]
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.region = ctx.options.region.clone();
    }

    fn text_input(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Transition> {
        if self.focus != 3 {
            return None;
        }
        match key.code {
            // Control keys (Ctrl-O, Ctrl-C) are the app's, not letters of the code.
            KeyCode::Char(c)
                if c.is_ascii_alphabetic()
                    && !key
                        .modifiers
                        .contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                if self.region.len() >= 2 {
                    self.region.clear();
                }
                self.region.push(c.to_ascii_uppercase());
                if self.region.len() == 2 && parse_region(&self.region).is_some() {
                    ctx.options.region = self.region.clone();
                    ctx.refresh_health();
                }
                Some(Transition::Stay)
            }
            KeyCode::Backspace => {
                self.region.pop();
                Some(Transition::Stay)
            }
            _ => None,
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Toggle | Action::Right => self.change(ctx, true),
            Action::Left => self.change(ctx, false),
            Action::FocusNext => self.focus = (self.focus + 1) % FIELDS.len(),
            Action::FocusPrev => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            Action::Next => {
                if parse_region(&self.region).is_none() {
                    ctx.say(Level::Error, format!("{:?} is not a region with phone numbers; type a code such as US, GB or DE.", self.region));
                    self.focus = 3;
                    return Transition::Stay;
                }
                ctx.options.region = self.region.clone();
                let o = &ctx.options;
                if let Some(m) = o.unmapped(&ctx.mapping) {
                    ctx.say(
                        Level::Error,
                        format!("With these options the file needs {m}; go back (Esc) and map it."),
                    );
                    return Transition::Stay;
                }
                return Transition::Next;
            }
            Action::Back => return Transition::Back,
            other => self.focus = move_selection(self.focus, FIELDS.len(), other, 6),
        }
        Transition::Stay
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let o = &ctx.options;
        let [form, help] = Layout::vertical([
            Constraint::Length(FIELDS.len() as u16 + 2),
            Constraint::Fill(1),
        ])
        .areas(area);
        let values = [
            o.purpose.to_string(),
            o.identifier.to_string(),
            if o.keep_existing {
                "[x] on".into()
            } else {
                "[ ] off".into()
            },
            if self.focus == 3 {
                format!("{}▏", self.region)
            } else {
                self.region.clone()
            },
            o.require.to_string(),
            o.consent_column.clone().unwrap_or_else(|| "(none)".into()),
            if o.max_failures == u64::MAX {
                "no limit".into()
            } else {
                o.max_failures.to_string()
            },
            o.on_conflict.to_string(),
            // Without a column mapped to an opportunity the choice changes nothing: the
            // value says what will happen, not what would with such columns.
            if !ctx
                .mapping
                .columns
                .iter()
                .any(|c| matches!(c.target, Target::Field(f) if f.is_opportunity()))
            {
                "contacts (no opportunity columns)".into()
            } else if o.objects.with_opportunities() {
                "contacts and opportunities".into()
            } else {
                "contacts only".into()
            },
            o.in_file_duplicates
                .map_or_else(|| "by purpose".into(), |p| p.to_string()),
        ];
        let lines: Vec<Line> = FIELDS
            .iter()
            .zip(values)
            .enumerate()
            .map(|(i, (name, value))| {
                let arrows = if i == 2 || i == 3 { "  " } else { "◂ " };
                let end = if i == 2 || i == 3 { "" } else { " ▸" };
                let value = fit(&value, 40);
                let line = Line::from(vec![
                    Span::raw(format!(" {name:<23}")),
                    Span::styled(arrows, theme.dim()),
                    Span::styled(value, theme.key()),
                    Span::styled(end, theme.dim()),
                ]);
                if i == self.focus {
                    line.style(theme.selected())
                } else {
                    line
                }
            })
            .collect();
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Import options · ↑↓ choose · Space/←→ change "),
            )
            .render(form, buf);
        Paragraph::new(Self::explain(self.focus, ctx))
            .wrap(Wrap { trim: true })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", FIELDS[self.focus])),
            )
            .render(help, buf);
    }
}
