//! Contacts: browse and search the store.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

use super::{move_selection, scroll_offset, Screen, Transition, View};
use crate::engine::contact::Contact;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::{Ctx, TextField};

pub struct ContactsScreen {
    /// The screen Contacts was opened from, where Esc and `q` go back to.
    pub from: View,
    pub all: Vec<Contact>,
    pub shown: Vec<usize>,
    pub selected: usize,
    pub search: Option<TextField>,
    pub query: String,
}

impl Default for ContactsScreen {
    fn default() -> Self {
        ContactsScreen {
            from: View::File,
            all: Vec::new(),
            shown: Vec::new(),
            selected: 0,
            search: None,
            query: String::new(),
        }
    }
}

impl ContactsScreen {
    /// Where leaving Contacts goes: the screen it was opened from, but Progress only
    /// while the import runs (going there again would start another one).
    pub fn back_to(&self, ctx: &Ctx) -> View {
        if self.from == View::Progress && !ctx.importing {
            View::Done
        } else {
            self.from
        }
    }

    fn refilter(&mut self) {
        self.shown = (0..self.all.len())
            .filter(|&i| self.all[i].matches_search(&self.query))
            .collect();
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }
}

impl Screen for ContactsScreen {
    fn keys(&self) -> Keys {
        if self.search.is_some() {
            &[action::ENTER_ESC, action::TYPING]
        } else {
            &[action::CONTACTS, action::LIST, action::NAV]
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        // Opened again if it could not be before (created since by an import elsewhere).
        match ctx.reader().map(|s| s.contacts()) {
            Some(Ok(all)) => self.all = all,
            Some(Err(e)) => ctx.say(Level::Error, e.to_string()),
            None => ctx.say(Level::Error, ctx.store_error.clone().unwrap_or_default()),
        }
        self.refilter();
    }

    fn text_input(&mut self, key: KeyEvent, _ctx: &mut Ctx) -> Option<Transition> {
        let search = self.search.as_mut()?;
        match key.code {
            KeyCode::Enter | KeyCode::Esc => {
                self.search = None;
            }
            // What the field leaves (F1, Ctrl-C) is the app's.
            _ if !search.input(key) => return None,
            _ => {
                self.query = search.value();
                self.refilter();
            }
        }
        Some(Transition::Stay)
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Search => self.search = Some(TextField::new(&self.query)),
            Action::Back if !self.query.is_empty() => {
                self.query.clear();
                self.refilter();
            }
            Action::Back => return Transition::To(self.back_to(ctx)),
            other => self.selected = move_selection(self.selected, self.shown.len(), other, 10),
        }
        Transition::Stay
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let [table_area, search_area] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length(if self.search.is_some() { 3 } else { 0 }),
        ])
        .areas(area);
        let height = table_area.height.saturating_sub(3) as usize;
        let offset = scroll_offset(self.selected, height);
        let rows: Vec<Row> = self
            .shown
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, &ci)| {
                let c = &self.all[ci];
                let row = Row::new(vec![
                    Cell::from(format!("{:>6}", c.id)),
                    Cell::from(fit(&c.display_name(), 24)),
                    Cell::from(c.phones.first().cloned().unwrap_or_default()),
                    Cell::from(fit(&c.emails.first().cloned().unwrap_or_default(), 30)),
                    Cell::from(fit(&c.company.clone().unwrap_or_default(), 30)),
                ]);
                if i == self.selected {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let title = if self.query.is_empty() {
            format!(" {} contacts · / searches ", self.all.len())
        } else {
            format!(
                " {} of {} contacts matching {:?} ",
                self.shown.len(),
                self.all.len(),
                fit(&self.query, 30)
            )
        };
        Table::new(
            rows,
            [
                Constraint::Length(6),
                Constraint::Length(24),
                Constraint::Length(16),
                Constraint::Length(30),
                Constraint::Min(8),
            ],
        )
        .header(
            Row::new(vec!["    Id", "Name", "Phone", "Email", "Company"]).style(theme.heading()),
        )
        .block(Block::default().borders(Borders::ALL).title(title))
        .render(table_area, buf);
        if let Some(search) = &self.search {
            search.render(
                theme,
                " Search: name, company, email, tag or phone digits ",
                true,
                search_area,
                buf,
            );
        }
    }
}
