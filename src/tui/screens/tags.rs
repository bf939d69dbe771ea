//! Step 6 · Tags: existing tags to pick, new tags typed, the automatic import tag shown
//! and optional.

use std::collections::BTreeSet;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{move_selection, scroll_offset, Screen, Transition};
use crate::engine::plan::import_tag;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, focus_block};
use crate::tui::context::{Ctx, TextField};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Existing,
    New,
    Auto,
}

pub struct TagsScreen {
    pub existing: Vec<(String, u64)>,
    pub picked: BTreeSet<String>,
    pub selected: usize,
    pub new_tags: TextField,
    pub focus: Focus,
}

impl Default for TagsScreen {
    fn default() -> Self {
        TagsScreen {
            existing: Vec::new(),
            picked: BTreeSet::new(),
            selected: 0,
            new_tags: TextField::new(""),
            focus: Focus::Existing,
        }
    }
}

impl TagsScreen {
    /// The tags typed, split and cleaned as `--tag` values are (`session::typed_tags`).
    fn typed(&self) -> Vec<String> {
        crate::session::typed_tags(&[self.new_tags.value()])
    }

    fn store_tags(&self, ctx: &mut Ctx) {
        let mut tags: Vec<String> = self.picked.iter().cloned().collect();
        for t in self.typed() {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        ctx.options.tags = tags;
    }
}

impl Screen for TagsScreen {
    fn keys(&self) -> Keys {
        match self.focus {
            Focus::Existing => &[action::TAGS, action::LIST, action::NAV],
            Focus::New => &[action::TAGS_TYPING, action::TYPING],
            Focus::Auto => &[action::TAGS_AUTO, action::NAV],
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.existing = ctx
            .store
            .as_ref()
            .and_then(|s| s.tags().ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|(t, _)| !t.starts_with("import-"))
            .collect();
        if self.existing.is_empty() && self.focus == Focus::Existing {
            self.focus = Focus::New;
        }
        // Tags given by `--tag` arrive as typed ones, to keep or change.
        if self.picked.is_empty() && self.new_tags.value().is_empty() {
            self.new_tags.set(&ctx.options.tags.join(", "));
        }
    }

    fn text_input(&mut self, key: KeyEvent, _ctx: &mut Ctx) -> Option<Transition> {
        (self.focus == Focus::New && self.new_tags.input(key)).then_some(Transition::Stay)
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::FocusNext | Action::FocusPrev => {
                self.focus = match (self.focus, action == Action::FocusNext) {
                    (Focus::Existing, true) | (Focus::Auto, false) => Focus::New,
                    (Focus::New, true) | (Focus::Existing, false) => Focus::Auto,
                    // An empty list of existing tags has nothing to focus.
                    (Focus::Auto, true) | (Focus::New, false) if self.existing.is_empty() => {
                        if action == Action::FocusNext {
                            Focus::New
                        } else {
                            Focus::Auto
                        }
                    }
                    (Focus::Auto, true) | (Focus::New, false) => Focus::Existing,
                };
            }
            Action::Toggle if self.focus == Focus::Auto => {
                ctx.options.import_tag = !ctx.options.import_tag
            }
            Action::Toggle if self.focus == Focus::Existing => {
                if let Some((t, _)) = self.existing.get(self.selected) {
                    if !self.picked.remove(t) {
                        self.picked.insert(t.clone());
                    }
                }
            }
            Action::Next => {
                self.store_tags(ctx);
                return Transition::Next;
            }
            Action::Back => {
                self.store_tags(ctx);
                return Transition::Back;
            }
            other if self.focus == Focus::Existing => {
                self.selected = move_selection(self.selected, self.existing.len(), other, 8)
            }
            _ => {}
        }
        Transition::Stay
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let [list, input, auto] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length(3),
            Constraint::Length(3),
        ])
        .areas(area);
        let height = list.height.saturating_sub(2) as usize;
        let offset = scroll_offset(self.selected, height);
        let lines: Vec<Line> = if self.existing.is_empty() {
            vec![Line::styled(
                " No tags in the store yet; type new ones below.",
                theme.dim(),
            )]
        } else {
            self.existing
                .iter()
                .enumerate()
                .skip(offset)
                .take(height)
                .map(|(i, (t, n))| {
                    let mark = if self.picked.contains(t) {
                        "[x]"
                    } else {
                        "[ ]"
                    };
                    let line = Line::raw(format!(" {mark} {} ({n} contacts)", fit(t, 40)));
                    if i == self.selected && self.focus == Focus::Existing {
                        line.style(theme.selected())
                    } else {
                        line
                    }
                })
                .collect()
        };
        Paragraph::new(lines)
            .block(focus_block(
                theme,
                self.focus == Focus::Existing,
                " Existing tags · Space picks ",
            ))
            .render(list, buf);
        // The title says how to reach the field from where the focus is, or that it
        // has it.
        let title = match self.focus {
            Focus::New => " New tags, separated by commas · typing here ",
            Focus::Existing => " New tags, separated by commas (Tab moves here) ",
            Focus::Auto if self.existing.is_empty() => {
                " New tags, separated by commas (Tab moves here) "
            }
            Focus::Auto => " New tags, separated by commas (S-Tab moves here) ",
        };
        self.new_tags
            .render(theme, title, self.focus == Focus::New, input, buf);
        let tag = ctx
            .source
            .as_ref()
            .map(|s| import_tag(&s.info.path, (ctx.clock)()))
            .unwrap_or_default();
        let mark = if ctx.options.import_tag { "[x]" } else { "[ ]" };
        Paragraph::new(Line::from(vec![
            Span::raw(format!(" {mark} also tag every contact ")),
            Span::styled(fit(&tag, 50), theme.key()),
        ]))
        .block(focus_block(
            theme,
            self.focus == Focus::Auto,
            " Automatic import tag ",
        ))
        .render(auto, buf);
    }
}
