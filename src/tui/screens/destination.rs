//! Step 7 · Destination: the contacts alone, or also a new dialing list (its name prefilled
//! from the file, dial mode AI or manual); personal or shared. Enter starts the import.

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::{move_selection, Screen, Transition};
use crate::engine::plan::{DialMode, ListTarget};
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
        let lines = vec![
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
            Line::raw(""),
            Line::styled(
                fit(
                    &format!(
                        " Enter starts the import of {} into the store.",
                        ctx.source
                            .as_ref()
                            .map(|s| s.info.path.display().to_string())
                            .unwrap_or_default()
                    ),
                    rest.width.saturating_sub(2) as usize,
                ),
                theme.dim(),
            ),
        ];
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Tab/↑↓ move · Space changes "),
            )
            .render(rest, buf);
    }
}
