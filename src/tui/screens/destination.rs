//! Step 7 · Destination: the contacts alone, or also a new dialing list (its name prefilled
//! from the file, dial mode AI or manual); personal or shared. Ends with a summary
//! of the whole import (counts, purpose, tags, list, sharing, store); Enter starts it.

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::{move_selection, Screen, Transition};
use crate::engine::number::group_digits;
use crate::engine::plan::{import_tag, DialMode, ListTarget, Purpose};
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::{Ctx, TextField};

pub struct DestinationScreen {
    pub new_list: bool,
    pub name: TextField,
    pub dial: DialMode,
    pub shared: bool,
    pub focus: usize,
}

impl Default for DestinationScreen {
    fn default() -> Self {
        DestinationScreen {
            new_list: false,
            name: TextField::new(""),
            dial: DialMode::Ai,
            shared: false,
            focus: 0,
        }
    }
}

impl DestinationScreen {
    /// What Enter will do, the last thing read before the write: the review's counts, the
    /// purpose, every tag the contacts get, the list, the sharing, and which store and file.
    /// One line each, cut with "…" so that the whole of it fits at 80×20.
    fn summary(&self, ctx: &Ctx, width: usize) -> Vec<Line<'static>> {
        let theme = ctx.theme;
        let line = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!(" {k:<10}"), theme.dim()),
                Span::raw(fit(&v, width.saturating_sub(11))),
            ])
        };
        let rows = match &ctx.review {
            Some(r) => {
                let c = &r.counts;
                format!(
                    "{} to create · {} to update · {} to skip · {} to fail",
                    group_digits(c.created),
                    group_digits(c.updated),
                    group_digits(c.skipped),
                    group_digits(c.failed)
                )
            }
            None => "not reviewed".into(),
        };
        // The user's own tags first, then the automatic one, as Done will list them.
        let mut tags: Vec<String> = ctx.options.tags.clone();
        if ctx.options.import_tag {
            if let Some(s) = &ctx.source {
                tags.push(import_tag(&s.info.path, (ctx.clock)()));
            }
        }
        let list = if self.new_list {
            format!(
                "new list \"{}\", {}",
                self.name.value().trim(),
                match self.dial {
                    DialMode::Ai => "AI dialer",
                    DialMode::Manual => "manual dialing",
                }
            )
        } else {
            "contacts only, no list".into()
        };
        let sharing = if self.shared {
            "shared with the team"
        } else {
            "personal"
        };
        let store = ctx
            .store_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "no store".into());
        let file = ctx
            .source
            .as_ref()
            .map(|s| s.info.path.display().to_string())
            .unwrap_or_default();
        vec![
            line("Rows", rows),
            line(
                "Purpose",
                format!(
                    "{} · {}",
                    ctx.options.purpose,
                    match ctx.options.purpose {
                        Purpose::Create => "adds new contacts, skips rows already stored",
                        Purpose::Update => "updates stored contacts, skips the others",
                        Purpose::Upsert => "adds new contacts and updates stored ones",
                        Purpose::Always => "adds every row as a new contact",
                    }
                ),
            ),
            line(
                "Tags",
                if tags.is_empty() {
                    "none".into()
                } else {
                    tags.join(", ")
                },
            ),
            line("List", format!("{list} · {sharing}")),
            line("Store", store),
            Line::styled(
                fit(&format!(" Enter imports {file} into that store."), width),
                theme.key(),
            ),
        ]
    }
}

impl Screen for DestinationScreen {
    fn keys(&self) -> Keys {
        if self.focus == 1 && self.new_list {
            &[action::DESTINATION_NAME, action::FORM, action::TYPING]
        } else {
            &[action::DESTINATION, action::FORM, action::NAV]
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        // What `--list`, `--dial` and `--shared` asked for, or what was chosen here before.
        if let Some(list) = &ctx.options.list {
            self.new_list = true;
            // Cleaned by the draft (`clean_label`): nothing in it can reach the terminal.
            self.name.set(&list.name);
            self.dial = list.dial;
        }
        self.shared = ctx.options.shared;
        if self.name.value().is_empty() {
            let stem = ctx
                .source
                .as_ref()
                .and_then(|s| {
                    s.info
                        .path
                        .file_stem()
                        .map(|f| f.to_string_lossy().to_string())
                })
                .unwrap_or_default();
            self.name.set(&crate::engine::text::clean_label(&stem));
        }
    }

    fn text_input(&mut self, key: KeyEvent, _ctx: &mut Ctx) -> Option<Transition> {
        (self.focus == 1 && self.new_list && self.name.input(key)).then_some(Transition::Stay)
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Toggle | Action::Left | Action::Right => match self.focus {
                0 => self.new_list = !self.new_list,
                2 => {
                    self.dial = if self.dial == DialMode::Ai {
                        DialMode::Manual
                    } else {
                        DialMode::Ai
                    }
                }
                3 => self.shared = !self.shared,
                _ => {}
            },
            Action::FocusNext => self.focus = (self.focus + 1) % 4,
            Action::FocusPrev => self.focus = (self.focus + 3) % 4,
            Action::Next => {
                let name = self.name.value().trim().to_string();
                if self.new_list && name.is_empty() {
                    ctx.say(
                        Level::Error,
                        "Give the new list a name, or choose contacts only.",
                    );
                    self.focus = 1;
                    return Transition::Stay;
                }
                ctx.options.list = self.new_list.then_some(ListTarget {
                    name,
                    dial: self.dial,
                });
                ctx.options.shared = self.shared;
                return Transition::Next;
            }
            Action::Back => return Transition::Back,
            other => self.focus = move_selection(self.focus, 4, other, 4),
        }
        Transition::Stay
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let [choices, name, rest] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(3),
            Constraint::Min(4),
        ])
        .areas(area);
        let radio = |on: bool| if on { "(•)" } else { "( )" };
        let row = |i: usize, spans: Vec<Span<'static>>| {
            let line = Line::from(spans);
            if i == self.focus {
                line.style(theme.selected())
            } else {
                line
            }
        };
        Paragraph::new(row(
            0,
            vec![Span::raw(format!(
                " {} Contacts only    {} Contacts and a new dialing list",
                radio(!self.new_list),
                radio(self.new_list)
            ))],
        ))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Where the contacts go "),
        )
        .render(choices, buf);
        if self.new_list {
            self.name
                .render(theme, " List name ", self.focus == 1, name, buf);
        } else {
            Paragraph::new(Line::styled(" (no list)", theme.dim()))
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(theme.dim())
                        .title(" List name "),
                )
                .render(name, buf);
        }
        let mut lines = vec![
            {
                // How a list is dialled means nothing without a list: shown, but dimmed.
                let dial = format!(
                    " Dial mode     {} AI dialer   {} Manual",
                    radio(self.dial == DialMode::Ai),
                    radio(self.dial == DialMode::Manual)
                );
                if self.new_list {
                    row(2, vec![Span::raw(dial)])
                } else {
                    row(
                        2,
                        vec![
                            Span::styled(dial, theme.dim()),
                            Span::styled("   (for a new list)", theme.dim()),
                        ],
                    )
                }
            },
            row(
                3,
                vec![Span::raw(format!(
                    " Visibility    {} Personal    {} Shared with the team",
                    radio(!self.shared),
                    radio(self.shared)
                ))],
            ),
            Line::styled(" What the import will do:", theme.heading()),
        ];
        lines.extend(self.summary(ctx, rest.width.saturating_sub(2) as usize));
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Tab/↑↓ move · Space changes "),
            )
            .render(rest, buf);
    }
}
