//! Contacts: browse and search the store, a page at a time, and open one contact whole.
//!
//! Only a window of contacts is held: `PAGE` read from the store when the selection leaves
//! what is loaded, so a store of millions opens at once and costs a page of memory. A
//! search asks the store's search index on every keystroke (`Store::search_contacts`) and
//! keeps only the ids it found; their contacts are read a page at a time the same way.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget};

use super::{move_selection, scroll_offset, Screen, Transition, View};
use crate::engine::contact::{Consent, Contact};
use crate::engine::number::group_digits;
use crate::engine::phone::parse_region;
use crate::engine::search::{Query, Term};
use crate::store::backend::ContactStore;
use crate::store::StoreError;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::{Ctx, TextField};

/// Contacts read at a time.
const PAGE: usize = 200;
/// Rows kept above the selection when the next page is read: more than a screen shows.
const KEEP: usize = 100;

pub struct ContactsScreen {
    /// The screen Contacts was opened from, where Esc and `q` go back to.
    pub from: View,
    /// What the search field holds.
    pub query: String,
    pub search: Option<TextField>,
    /// The ids the query found, ascending; `None` lists the whole store.
    pub found: Option<Vec<u64>>,
    /// Contacts in the store (when last read).
    pub total: u64,
    /// The loaded window: `page[0]` is at position `page_start` of the list.
    pub page: Vec<Contact>,
    pub page_start: usize,
    /// The selected position in the whole list.
    pub selected: usize,
    /// The selected contact is shown whole.
    pub detail: bool,
    /// The query is one letter: the whole list shows until a second is typed.
    pub too_short: bool,
}

impl Default for ContactsScreen {
    fn default() -> Self {
        ContactsScreen {
            from: View::File,
            query: String::new(),
            search: None,
            found: None,
            total: 0,
            page: Vec::new(),
            page_start: 0,
            selected: 0,
            detail: false,
            too_short: false,
        }
    }
}

/// Which page to read.
enum Fetch {
    First,
    Last,
    /// After the loaded window.
    After,
    /// Before the loaded window.
    Before,
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

    /// How many contacts the list holds: those found, or the whole store.
    pub fn len(&self) -> usize {
        match &self.found {
            Some(ids) => ids.len(),
            None => self.total as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The selected contact, if it is loaded (it always is after a move).
    pub fn current(&self) -> Option<&Contact> {
        self.page.get(self.selected.checked_sub(self.page_start)?)
    }

    /// Runs the query (on every keystroke) and shows the first page of what it found.
    fn research(&mut self, ctx: &mut Ctx) {
        let Some(store) = ctx.reader() else {
            ctx.say(Level::Error, ctx.store_error.clone().unwrap_or_default());
            return;
        };
        let result = (|| -> Result<(), StoreError> {
            self.total = store.contact_count()?;
            let query = Query::parse_in(&self.query, parse_region(&ctx.options.region));
            // One letter alone would find a large share of the store (half a second on
            // a million contacts): the search waits for the second.
            self.too_short = !query.is_empty()
                && query
                    .terms()
                    .iter()
                    .all(|t| matches!(t, Term::Word(w) if w.chars().count() < 2));
            self.found = if query.is_empty() || self.too_short {
                None
            } else {
                let found = store.search_contacts(&query)?;
                if !found.indexed {
                    ctx.say(
                        Level::Warn,
                        "This store has no search index yet, so each search reads every contact; the next import builds it.",
                    );
                }
                Some(found.ids)
            };
            self.selected = 0;
            self.page_start = 0;
            self.page = self.fetch(&*store, Fetch::First)?;
            Ok(())
        })();
        if let Err(e) = result {
            ctx.say(Level::Error, e.to_string());
        }
    }

    /// One page of the list, from the store.
    fn fetch(&self, store: &dyn ContactStore, which: Fetch) -> Result<Vec<Contact>, StoreError> {
        match &self.found {
            None => match which {
                Fetch::First => store.contacts_after(None, PAGE),
                Fetch::Last => store.contacts_before(None, PAGE),
                Fetch::After => store.contacts_after(self.page.last().map(|c| c.id), PAGE),
                Fetch::Before => store.contacts_before(self.page.first().map(|c| c.id), PAGE),
            },
            Some(ids) => {
                let end = self.page_start + self.page.len();
                let range = match which {
                    Fetch::First => 0..PAGE.min(ids.len()),
                    Fetch::Last => ids.len().saturating_sub(PAGE)..ids.len(),
                    Fetch::After => end.min(ids.len())..(end + PAGE).min(ids.len()),
                    Fetch::Before => self.page_start.saturating_sub(PAGE)..self.page_start,
                };
                store.contacts_by_id(&ids[range])
            }
        }
    }

    /// Moves the selection, reading the pages it reaches.
    fn move_to(&mut self, action: Action, ctx: &mut Ctx) {
        let before = self.selected;
        self.selected = move_selection(self.selected, self.len(), action, 10);
        if self.selected == before && self.current().is_some() {
            return;
        }
        let Some(store) = ctx.reader() else {
            return;
        };
        if let Err(e) = self.load_selected(&*store, action) {
            ctx.say(Level::Error, e.to_string());
        }
    }

    /// Reads pages until the selected position is loaded, keeping the rows a screen
    /// shows above it.
    fn load_selected(
        &mut self,
        store: &dyn ContactStore,
        action: Action,
    ) -> Result<(), StoreError> {
        let len = self.len();
        match action {
            Action::Top => {
                self.page = self.fetch(store, Fetch::First)?;
                self.page_start = 0;
            }
            Action::Bottom => {
                self.page = self.fetch(store, Fetch::Last)?;
                self.page_start = len.saturating_sub(self.page.len());
            }
            _ => {}
        }
        while self.selected >= self.page_start + self.page.len() {
            let next = self.fetch(store, Fetch::After)?;
            if next.is_empty() {
                // The store shrank meanwhile: stay on what there is.
                self.selected = (self.page_start + self.page.len()).saturating_sub(1);
                break;
            }
            let drop = self.page.len().saturating_sub(KEEP);
            self.page.drain(..drop);
            self.page_start += drop;
            self.page.extend(next);
        }
        while self.selected < self.page_start {
            let mut earlier = self.fetch(store, Fetch::Before)?;
            if earlier.is_empty() {
                self.page_start = 0;
                self.selected = 0;
                break;
            }
            self.page_start = self.page_start.saturating_sub(earlier.len());
            self.page.truncate(PAGE);
            earlier.append(&mut self.page);
            self.page = earlier;
        }
        Ok(())
    }

    /// The title: how many, what was searched, where the selection is.
    fn title(&self) -> String {
        let position = if self.is_empty() {
            String::new()
        } else {
            format!(
                " · row {}/{}",
                group_digits(self.selected as u64 + 1),
                group_digits(self.len() as u64)
            )
        };
        if self.too_short {
            format!(
                " {} contacts{position} · type one more letter to search ",
                group_digits(self.total)
            )
        } else if self.found.is_none() {
            format!(" {} contacts{position} ", group_digits(self.total))
        } else {
            format!(
                " {} of {} matching {:?}{position} ",
                group_digits(self.len() as u64),
                group_digits(self.total),
                fit(&self.query, 20)
            )
        }
    }
}

impl Screen for ContactsScreen {
    fn keys(&self) -> Keys {
        if self.search.is_some() {
            &[action::ENTER_ESC, action::TYPING]
        } else if self.detail {
            &[action::CONTACT_DETAIL, action::NAV]
        } else {
            &[action::CONTACTS, action::LIST, action::NAV]
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        // Read again each time: an import may have changed the store since.
        self.detail = false;
        self.research(ctx);
    }

    fn text_input(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Transition> {
        let search = self.search.as_mut()?;
        match key.code {
            KeyCode::Enter | KeyCode::Esc => {
                self.search = None;
            }
            // What the field leaves (F1, Ctrl-C) is the app's.
            _ if !search.input(key) => return None,
            _ => {
                let typed = search.value();
                if typed != self.query {
                    self.query = typed;
                    self.research(ctx);
                }
            }
        }
        Some(Transition::Stay)
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Back if self.detail => self.detail = false,
            Action::Next if !self.detail => self.detail = self.current().is_some(),
            Action::Search => self.search = Some(TextField::new(&self.query)),
            Action::Back if !self.query.is_empty() => {
                self.query.clear();
                self.research(ctx);
            }
            Action::Back => return Transition::To(self.back_to(ctx)),
            other => self.move_to(other, ctx),
        }
        Transition::Stay
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        if self.detail {
            if let Some(c) = self.current() {
                let title = format!(
                    " Contact #{} · {} of {} · ↑↓ previous/next ",
                    c.id,
                    group_digits(self.selected as u64 + 1),
                    group_digits(self.len() as u64)
                );
                let width = area.width.saturating_sub(2) as usize;
                Paragraph::new(detail_lines(c, width))
                    .block(Block::default().borders(Borders::ALL).title(title))
                    .render(area, buf);
                return;
            }
        }
        let theme = ctx.theme;
        let [table_area, search_area] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length(if self.search.is_some() { 3 } else { 0 }),
        ])
        .areas(area);
        let height = table_area.height.saturating_sub(3) as usize;
        let offset = scroll_offset(self.selected, height);
        // Name, email and company share what the id and phone leave.
        let inner = table_area.width.saturating_sub(2 + 9 + 17 + 4) as usize;
        let (name_w, email_w) = (inner * 3 / 10, inner * 4 / 10);
        let company_w = inner.saturating_sub(name_w + email_w);
        let rows: Vec<Row> = (offset..(offset + height).min(self.len()))
            .filter_map(|i| Some((i, self.page.get(i.checked_sub(self.page_start)?)?)))
            .map(|(i, c)| {
                let row = Row::new(vec![
                    Cell::from(format!("{:>8}", c.id)),
                    Cell::from(fit(&c.display_name(), name_w)),
                    Cell::from(fit(&c.phones.first().cloned().unwrap_or_default(), 16)),
                    Cell::from(fit(&c.emails.first().cloned().unwrap_or_default(), email_w)),
                    Cell::from(fit(&c.company.clone().unwrap_or_default(), company_w)),
                ]);
                if i == self.selected {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let empty = rows.is_empty();
        Table::new(
            rows,
            [
                Constraint::Length(8),
                Constraint::Length(name_w as u16),
                Constraint::Length(16),
                Constraint::Length(email_w as u16),
                Constraint::Length(company_w as u16),
            ],
        )
        .header(
            Row::new(vec!["      Id", "Name", "Phone", "Email", "Company"]).style(theme.heading()),
        )
        .block(Block::default().borders(Borders::ALL).title(self.title()))
        .render(table_area, buf);
        if empty {
            let say = if self.found.is_some() {
                "No contact matches. Esc shows every contact."
            } else {
                "No contacts yet: an import adds them."
            };
            let spot = Rect {
                x: table_area.x + 2,
                y: table_area.y + 2,
                width: table_area.width.saturating_sub(4),
                height: 1.min(table_area.height.saturating_sub(3)),
            };
            Paragraph::new(say).style(theme.dim()).render(spot, buf);
        }
        if let Some(search) = &self.search {
            search.render(
                theme,
                " Search: name or company words, a whole email, a number ",
                true,
                search_area,
                buf,
            );
        }
    }
}

/// Every field of a contact, one per line, cut to `width` with `…`; empty fields left out.
fn detail_lines(c: &Contact, width: usize) -> Vec<Line<'static>> {
    let mut fields: Vec<(&str, String)> = vec![("Name", c.display_name())];
    let phones: Vec<String> = c
        .phones
        .iter()
        .map(|p| match c.extensions.get(p) {
            Some(ext) => format!("{p} ext. {ext}"),
            None => p.clone(),
        })
        .collect();
    fields.push(("Phones", phones.join(", ")));
    fields.push(("Emails", c.emails.join(", ")));
    for (label, value) in [
        ("Company", &c.company),
        ("Title", &c.title),
        ("Industry", &c.industry),
        ("Website", &c.website),
    ] {
        fields.push((label, value.clone().unwrap_or_default()));
    }
    let address: Vec<&str> = [&c.address, &c.city, &c.state, &c.zip, &c.country]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    fields.push(("Address", address.join(", ")));
    fields.push(("Tags", join(&c.tags)));
    fields.push(("Lists", join(&c.lists)));
    let consent = match c.consent {
        Consent::Yes => "yes",
        Consent::No => "no",
        Consent::Unknown => "not asked",
    };
    fields.push((
        "Consent",
        match c.consent_job {
            Some(job) => format!("{consent} (job {job})"),
            None => consent.to_string(),
        },
    ));
    fields.push((
        "Shared",
        if c.shared { "with the team" } else { "no" }.into(),
    ));
    for (name, value) in &c.custom {
        fields.push((name.as_str(), value.as_cell()));
    }
    fields.push(("Note", c.note.clone().unwrap_or_default()));
    let created = match (c.created_by, c.created_row) {
        (Some(job), Some(row)) => format!("job {job}, row {}", group_digits(row)),
        (Some(job), None) => format!("job {job}"),
        _ => String::new(),
    };
    fields.push(("Created by", created));
    fields.push((
        "Updated by",
        c.updated_by.map(|j| format!("job {j}")).unwrap_or_default(),
    ));
    let label_w = fields
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(16);
    fields
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(label, value)| {
            let label = fit(label, label_w);
            let value = fit(&value, width.saturating_sub(label_w + 2));
            Line::from(format!("{label:<label_w$}  {value}"))
        })
        .collect()
}

fn join(set: &std::collections::BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::contact::CustomValue;

    #[test]
    fn the_detail_shows_every_field_and_cuts_long_ones() {
        let c = Contact {
            id: 7,
            first_name: Some("Ann".into()),
            phones: vec!["+16139690710".into()],
            extensions: [("+16139690710".to_string(), "42".to_string())].into(),
            lists: ["dialer".to_string()].into(),
            tags: ["vip".to_string()].into(),
            note: Some("x".repeat(200)),
            custom: [("Tier".to_string(), CustomValue::Text("gold".into()))].into(),
            consent: Consent::No,
            created_by: Some(3),
            created_row: Some(1_234_567),
            updated_by: Some(9),
            ..Default::default()
        };
        let text: Vec<String> = detail_lines(&c, 60).iter().map(|l| l.to_string()).collect();
        for want in [
            "+16139690710 ext. 42",
            "Lists       dialer",
            "Tags        vip",
            "Tier        gold",
            "Consent     no",
            "job 3, row 1,234,567",
            "Updated by  job 9",
        ] {
            assert!(text.iter().any(|l| l.contains(want)), "{want}: {text:#?}");
        }
        let note = text.iter().find(|l| l.starts_with("Note")).unwrap();
        assert!(note.ends_with('…') && note.chars().count() == 60, "{note}");
    }
}
