//! Step 2 · Map: every column with sample values and its field; pick a field, `ignore`, or
//! a new custom field typed in place. Next is refused, with the reason, until the required
//! fields are mapped; the phone-column health warning and its suggestion show below.

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Widget, Wrap};

use super::{move_selection, scroll_offset, Confirm, Screen, Transition, View};
use crate::engine::mapping::{suggest_column, ColumnMap, Field, MapSource, Target};
use crate::engine::text::clean_cell;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{centered, fit, Level};
use crate::tui::context::{Ctx, TextField};

/// The choices of the field picker, in order.
/// The field an unrecognised, ignored column's sample values or header suggest, if any.
fn suggestion(column: &ColumnMap, ctx: &Ctx) -> Option<Field> {
    (column.source == MapSource::Unmatched && column.target == Target::Ignore)
        .then(|| suggest_column(column, &ctx.samples, &ctx.options.region))
        .flatten()
}

fn choices() -> Vec<String> {
    let mut out = vec!["ignore".to_string()];
    out.extend(Field::ALL.iter().map(|f| f.name().to_string()));
    out.push("new custom field…".to_string());
    out
}

pub struct Picker {
    pub selected: usize,
    /// Typing the custom field's `name[:type]`.
    pub custom: Option<TextField>,
}

#[derive(Default)]
pub struct MapScreen {
    pub selected: usize,
    pub picker: Option<Picker>,
    /// `/`: a column's name being typed; Enter jumps to it, `n`/`N` to the next and previous.
    pub search: Option<TextField>,
    pub query: String,
}

impl MapScreen {
    /// Selects the next (or previous) column whose header holds the query, wrapping round;
    /// a miss leaves the selection and says so.
    fn jump(&mut self, forward: bool, ctx: &mut Ctx) {
        self.jump_from(self.selected, forward, ctx);
    }

    fn jump_from(&mut self, from: usize, forward: bool, ctx: &mut Ctx) {
        let columns = &ctx.mapping.columns;
        let n = columns.len();
        let query = self.query.to_lowercase();
        if query.is_empty() {
            return ctx.say(
                Level::Info,
                "Press / to find a column first; n and N then go to the next and previous match.",
            );
        }
        if n == 0 {
            return;
        }
        let found = (1..=n)
            .map(|step| {
                if forward {
                    (from + step) % n
                } else {
                    (from + n - step) % n
                }
            })
            .find(|&i| columns[i].header.to_lowercase().contains(&query));
        match found {
            Some(i) => self.selected = i,
            None => ctx.say(
                Level::Warn,
                format!("No column is named like {:?}.", self.query),
            ),
        }
    }

    /// The lines under the table: the required fields, the suggestions, the phone
    /// columns' health.
    fn notes(&self, ctx: &Ctx) -> Vec<Line<'static>> {
        let theme = ctx.theme;
        let o = &ctx.options;
        let mut lines = Vec::new();
        match o.unmapped(&ctx.mapping) {
            None => lines.push(Line::from(vec![
                Span::styled("✓ ", theme.ok()),
                Span::raw(format!(
                    "Every row needs {}: mapped (p changes this).",
                    preset_words(o.require)
                )),
            ])),
            Some(m) => lines.push(Line::from(vec![
                Span::styled("✗ ", theme.error()),
                Span::raw(format!(
                    "Map {m}: every row needs {} (p changes this).",
                    preset_words(o.require)
                )),
            ])),
        }
        let suggested: Vec<String> = ctx
            .mapping
            .suggestions(&ctx.samples, &ctx.options.region)
            .into_iter()
            .map(|(header, field)| format!("{header} → {}", field.name()))
            .collect();
        if !suggested.is_empty() {
            lines.push(Line::styled(
                fit(
                    &format!(
                        "? Not recognised, but they look like: {}. Space picks a field.",
                        suggested.join(", ")
                    ),
                    300,
                ),
                theme.warn(),
            ));
        }
        for m in &ctx.members {
            let style = if m.matches.unknown.is_empty() && m.matches.ambiguous.is_empty() {
                theme.dim()
            } else {
                theme.warn()
            };
            lines.push(Line::styled(
                fit(&format!("{} (first rows).", m.describe()), 300),
                style,
            ));
        }
        for h in &ctx.health {
            // The wizard's way, not the command line's `--map`: Map's own keys.
            if let Some(w) =
                h.warning_with(|s| format!("select {s:?} below and press Space to make it phone"))
            {
                lines.push(Line::styled(format!("⚠ {}", fit(&w, 400)), theme.warn()));
            } else if h.sampled > 0 {
                lines.push(Line::styled(
                    fit(
                        &format!(
                            "{}: {} of {} sampled numbers valid.",
                            h.column, h.valid, h.sampled
                        ),
                        200,
                    ),
                    theme.dim(),
                ));
            }
        }
        lines
    }

    fn samples(ctx: &Ctx, column: usize) -> String {
        let values: Vec<String> = ctx
            .samples
            .iter()
            .filter_map(|r| r.cells.get(column))
            .map(|c| clean_cell(c).into_owned())
            .filter(|c| !c.is_empty())
            .take(3)
            .collect();
        values.join(" · ")
    }

    fn apply(&mut self, target: Target, ctx: &mut Ctx) {
        let Some(column) = ctx.mapping.columns.get(self.selected) else {
            return;
        };
        let spec = format!("{}={}", self.selected + 1, target.label());
        let header = column.header.clone();
        match ctx.mapping.apply_override(&spec) {
            Ok(()) => {
                ctx.refresh_health();
                ctx.say(Level::Info, format!("{} → {}", header, target.label()));
            }
            Err(e) => ctx.say(Level::Error, e.to_string()),
        }
    }
}

impl Screen for MapScreen {
    fn keys(&self) -> Keys {
        match &self.picker {
            _ if self.search.is_some() => &[action::ENTER_ESC, action::TYPING],
            Some(p) if p.custom.is_some() => &[action::ENTER_ESC, action::TYPING],
            Some(_) => &[action::MAP_PICKER, action::LIST, action::NAV],
            None => &[action::MAP, action::LIST, action::NAV],
        }
    }

    fn text_input(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Transition> {
        if let Some(search) = &mut self.search {
            match key.code {
                crossterm::event::KeyCode::Enter => {
                    self.query = search.value();
                    self.search = None;
                    // From the column before, so the selected one counts too.
                    let n = ctx.mapping.columns.len().max(1);
                    self.jump_from((self.selected + n - 1) % n, true, ctx);
                }
                crossterm::event::KeyCode::Esc => self.search = None,
                // What the field leaves (F1, Ctrl-C) is the app's.
                _ if !search.input(key) => return None,
                _ => {}
            }
            return Some(Transition::Stay);
        }
        let picker = self.picker.as_mut()?;
        let Some(field) = &mut picker.custom else {
            return match key.code {
                crossterm::event::KeyCode::Enter => {
                    let choice = choices().get(picker.selected).cloned().unwrap_or_default();
                    if choice.starts_with("new custom") {
                        let header = ctx
                            .mapping
                            .columns
                            .get(self.selected)
                            .map(|c| c.header.clone())
                            .unwrap_or_default();
                        let name: String = header
                            .to_lowercase()
                            .chars()
                            .map(|c| if c.is_alphanumeric() { c } else { '_' })
                            .collect();
                        picker.custom = Some(TextField::new(&name));
                    } else if let Ok(target) = Target::parse(&choice) {
                        self.picker = None;
                        self.apply(target, ctx);
                    }
                    Some(Transition::Stay)
                }
                crossterm::event::KeyCode::Esc => {
                    self.picker = None;
                    Some(Transition::Stay)
                }
                _ => None,
            };
        };
        match key.code {
            crossterm::event::KeyCode::Enter => {
                let spec = format!("custom:{}", field.value().trim());
                let adopted = Target::parse(&spec).and_then(|mut target| {
                    if let Target::Custom(field) = &mut target {
                        if let Some(stored) = ctx.custom_defined.get(&field.name) {
                            field.adopt(stored)?;
                        }
                    }
                    Ok(target)
                });
                match adopted {
                    Ok(target) => {
                        self.picker = None;
                        self.apply(target, ctx);
                    }
                    Err(e) => ctx.say(Level::Error, e.to_string()),
                }
                Some(Transition::Stay)
            }
            crossterm::event::KeyCode::Esc => {
                picker.custom = None;
                Some(Transition::Stay)
            }
            _ => field.input(key).then_some(Transition::Stay),
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        if let Some(picker) = &mut self.picker {
            if action == Action::Back {
                self.picker = None;
                return Transition::Stay;
            }
            picker.selected = move_selection(picker.selected, choices().len(), action, 8);
            return Transition::Stay;
        }
        match action {
            Action::Search => {
                self.search = Some(TextField::new(""));
                Transition::Stay
            }
            // The preset Enter checks against, changed where the refusal is seen.
            Action::Preset => {
                use crate::engine::plan::Requirement;
                let all = [Requirement::Contact, Requirement::Dialer, Requirement::Any];
                let i = all
                    .iter()
                    .position(|r| *r == ctx.options.require)
                    .unwrap_or(0);
                ctx.options.require = all[(i + 1) % all.len()];
                ctx.say(
                    Level::Info,
                    format!(
                        "Every row now needs {} (--require {}).",
                        preset_words(ctx.options.require),
                        ctx.options.require
                    ),
                );
                Transition::Stay
            }
            Action::NextMatch | Action::PrevMatch => {
                self.jump(action == Action::NextMatch, ctx);
                Transition::Stay
            }
            Action::Toggle | Action::Edit | Action::Right => {
                let current = ctx
                    .mapping
                    .columns
                    .get(self.selected)
                    .map(|c| c.target.label())
                    .unwrap_or_default();
                // An unrecognised column opens on the field its header most resembles.
                let current = ctx
                    .mapping
                    .columns
                    .get(self.selected)
                    .and_then(|c| suggestion(c, ctx))
                    .map(|f| f.name().to_string())
                    .unwrap_or(current);
                let selected = choices().iter().position(|c| *c == current).unwrap_or(0);
                self.picker = Some(Picker {
                    selected,
                    custom: None,
                });
                Transition::Stay
            }
            Action::Next => {
                // Headless, this import is refused: here the user sees why once more, and
                // goes on (Enter again) only knowing the flag was not applied.
                if let Some(refused) = ctx.map_refused.take() {
                    ctx.say(
                        Level::Error,
                        format!("{refused}. Map the column here, or press Enter again to go on without that flag."),
                    );
                    return Transition::Stay;
                }
                let o = &ctx.options;
                match o.unmapped(&ctx.mapping) {
                    Some(missing) => {
                        ctx.say(
                            Level::Error,
                            format!(
                                "Map {missing} first, or press p to change what every row needs (now {}).",
                                preset_words(o.require)
                            ),
                        );
                        Transition::Stay
                    }
                    None => {
                        let left = ctx
                            .mapping
                            .not_imported(ctx.options.consent_column.as_deref());
                        if left.iter().all(|c| ctx.unmapped_seen.contains(c)) {
                            Transition::Next
                        } else {
                            Transition::Confirm(Confirm::Unmapped(left))
                        }
                    }
                }
            }
            Action::Back => Transition::To(View::File),
            _ => {
                self.selected =
                    move_selection(self.selected, ctx.mapping.columns.len(), action, 10);
                Transition::Stay
            }
        }
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let lines = self.notes(ctx);
        // Every note shown whole (a long phone warning wraps), up to half the screen.
        let width = area.width.max(1) as usize;
        let wrapped: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
        let notes = (wrapped as u16).clamp(3, area.height / 2);
        let [table_area, search_area, notes_area] = Layout::vertical([
            Constraint::Min(5),
            Constraint::Length(if self.search.is_some() { 3 } else { 0 }),
            Constraint::Length(notes),
        ])
        .areas(area);
        if let Some(search) = &self.search {
            search.render(theme, " Find a column (Enter) ", true, search_area, buf);
        }
        let height = table_area.height.saturating_sub(3) as usize;
        let offset = scroll_offset(self.selected, height);
        let wide = table_area.width >= 110;
        let (w_col, w_field) = if wide { (26, 30) } else { (20, 24) };
        let w_samples = table_area.width.saturating_sub(w_col + w_field + 6) as usize;
        let rows: Vec<Row> = ctx
            .mapping
            .columns
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, c)| {
                let marker = match c.source {
                    MapSource::Synonym => "",
                    MapSource::Remembered => " (remembered)",
                    MapSource::User => " (you)",
                    MapSource::Unmatched => "",
                };
                let is_consent = ctx.options.consent_column.as_deref() == Some(c.header.as_str());
                let suggested = suggestion(c, ctx);
                let marker = if is_consent && c.target == Target::Ignore {
                    " (consent)".to_string()
                } else if let Some(field) = suggested {
                    format!(" ({}?)", field.name())
                } else {
                    marker.to_string()
                };
                let field_style = if c.target == Target::Ignore {
                    theme.dim()
                } else {
                    theme.ok()
                };
                let row = Row::new(vec![
                    Cell::from(fit(&c.header, w_col as usize)),
                    Cell::from(fit(&Self::samples(ctx, c.index), w_samples)),
                    Cell::from(Span::styled(
                        fit(&format!("{}{marker}", c.target.label()), w_field as usize),
                        field_style,
                    )),
                ]);
                if i == self.selected {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let n = ctx.mapping.columns.len();
        // Where the selection is, once the columns do not all fit.
        let title = if n > height {
            format!(
                " column {}/{n} · Space changes a field · Enter continues ",
                self.selected + 1
            )
        } else {
            format!(" {n} columns · Space changes a field · Enter continues ")
        };
        Table::new(
            rows,
            [
                Constraint::Length(w_col),
                Constraint::Min(10),
                Constraint::Length(w_field),
            ],
        )
        .header(Row::new(vec!["Column", "Sample values", "Field"]).style(theme.heading()))
        .block(Block::default().borders(Borders::ALL).title(title))
        .render(table_area, buf);

        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(notes_area, buf);

        if let Some(picker) = &self.picker {
            let header = ctx
                .mapping
                .columns
                .get(self.selected)
                .map(|c| c.header.clone())
                .unwrap_or_default();
            let all = choices();
            let popup = centered(area, 40, (all.len() as u16 + 2).min(area.height));
            Clear.render(popup, buf);
            let block = Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} → ", fit(&header, 28)))
                .title_style(theme.title());
            let inner_height = popup.height.saturating_sub(2) as usize;
            let offset = scroll_offset(picker.selected, inner_height);
            let lines: Vec<Line> = all
                .iter()
                .enumerate()
                .skip(offset)
                .take(inner_height)
                .map(|(i, c)| {
                    if i == picker.selected {
                        Line::styled(format!(" {c}"), theme.selected())
                    } else {
                        Line::raw(format!(" {c}"))
                    }
                })
                .collect();
            Paragraph::new(lines).block(block).render(popup, buf);
            if let Some(field) = &picker.custom {
                let input = centered(area, 56, 3);
                Clear.render(input, buf);
                field.render(
                    theme,
                    " name[:type] — text number money date checkbox option=a|b ",
                    true,
                    input,
                    buf,
                );
            }
        }
    }
}

/// What a requirement preset asks of every row, in words.
fn preset_words(r: crate::engine::plan::Requirement) -> &'static str {
    use crate::engine::plan::Requirement;
    match r {
        Requirement::Contact => "a name, and a phone or an email",
        Requirement::Dialer => "a phone",
        Requirement::Any => "any one of name, phone, email",
    }
}
