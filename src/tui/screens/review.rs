//! Step 4 · Review: the dry run over the whole file, in the background with its own
//! progress; then counts, reasons, sample rows as they will be stored, sample changes for
//! updates, custom fields to create, date columns and the order assumed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table, Widget, Wrap};

use super::{move_selection, scroll_offset, Command, Screen, Transition};
use crate::engine::by_reason::{ByReason, Outcome, ReasonGroup, KEPT};
use crate::engine::date::DateOrder;
use crate::engine::number::group_digits;
use crate::engine::reason::Reason;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::Ctx;

/// Where Review's keys go: the screen as a whole (Enter goes on), the list of reasons
/// (Enter opens one), or the rows of one reason (VisiData's frequency table and its rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Summary,
    Reasons,
    Rows(Outcome, Reason),
}

#[derive(Default)]
pub struct ReviewScreen {
    pub focus: Focus,
    /// The reason selected in the list (failures, then skips, then warnings).
    pub reason_sel: usize,
    /// The row selected among the open reason's rows.
    pub row_sel: usize,
}

/// The next date order Review's `d` reads every date column in: as decided from the
/// values, then day first, then month first, then as decided again.
pub fn next_date_order(order: Option<DateOrder>) -> Option<DateOrder> {
    match order {
        None => Some(DateOrder::DayFirst),
        Some(DateOrder::DayFirst) => Some(DateOrder::MonthFirst),
        Some(DateOrder::MonthFirst) => None,
    }
}

/// The warning Review gives when the failures it counted reach the stop limit
/// (`max_failures`; `u64::MAX` is no limit), so the import would stop part way.
pub fn stop_warning(failed: u64, max_failures: u64) -> Option<String> {
    (max_failures != u64::MAX && failed >= max_failures).then(|| {
        format!(
            "Warning: {} rows will fail, and the import stops after {} failed {}, leaving the rest of the file unread. Raise the limit on Options (Esc, \"Stop after failed rows\"), or with --max-failures N|none.",
            group_digits(failed),
            group_digits(max_failures),
            if max_failures == 1 { "row" } else { "rows" }
        )
    })
}

impl ReviewScreen {
    /// The groups the list shows, in its order.
    fn listed(ctx: &Ctx) -> Vec<(Outcome, Reason, &ReasonGroup)> {
        ctx.by_reason
            .as_ref()
            .map(ByReason::listed)
            .unwrap_or_default()
    }

    /// The open reason's rows, when one is open and the review has it.
    fn open_group<'c>(&self, ctx: &'c Ctx) -> Option<(Outcome, Reason, &'c ReasonGroup)> {
        let Focus::Rows(outcome, reason) = self.focus else {
            return None;
        };
        let group = ctx.by_reason.as_ref()?.groups.get(&(outcome, reason))?;
        Some((outcome, reason, group))
    }
}

impl Screen for ReviewScreen {
    fn keys(&self) -> Keys {
        match self.focus {
            Focus::Summary => &[action::REVIEW, action::NAV],
            Focus::Reasons => &[action::REVIEW_REASONS, action::LIST, action::NAV],
            Focus::Rows(..) => &[action::REVIEW_ROWS, action::LIST, action::NAV],
        }
    }

    fn subtitle(&self) -> Option<String> {
        match self.focus {
            Focus::Rows(outcome, reason) => {
                Some(format!("{} · {}", reason.code(), outcome.words()))
            }
            _ => None,
        }
    }

    fn enter(&mut self, _ctx: &mut Ctx) {
        // A new review has new reasons: the list starts at the top.
        *self = ReviewScreen::default();
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match (self.focus, action) {
            (_, Action::DateOrder) => {
                let dated = ctx
                    .review
                    .as_ref()
                    .is_some_and(|r| !r.date_columns.is_empty());
                if !dated {
                    ctx.say(
                        Level::Info,
                        "No column of this file is read as a date: on Map, make one a date custom field (custom:NAME:date).",
                    );
                    return Transition::Stay;
                }
                ctx.options.date_order = next_date_order(ctx.options.date_order);
                let how = match ctx.options.date_order {
                    Some(order) => format!("read {} in every date column", order.describe()),
                    None => "read as each column's values show".to_string(),
                };
                ctx.say(
                    Level::Info,
                    format!("Dates are now {how}; checking every row again…"),
                );
                *self = ReviewScreen::default();
                Transition::Run(Command::StartReview)
            }
            (Focus::Summary, Action::Next) if ctx.reviewing => {
                ctx.say(
                    Level::Warn,
                    "The review is still running; wait for it to finish.",
                );
                Transition::Stay
            }
            (Focus::Summary, Action::Next) if ctx.review.is_some() => Transition::Next,
            (_, Action::WriteErrors) if ctx.review.is_some() => {
                Transition::Run(Command::WriteReviewErrors)
            }
            (Focus::Summary, Action::FocusNext | Action::Down | Action::Up) => {
                if Self::listed(ctx).is_empty() {
                    ctx.say(
                        Level::Info,
                        "No row has a problem: there is no reason to open.",
                    );
                } else {
                    self.focus = Focus::Reasons;
                }
                Transition::Stay
            }
            // The app gives up the review under way as the wizard leaves Review.
            (Focus::Summary, Action::Back) => Transition::Back,
            (Focus::Reasons, Action::Next) => {
                if let Some((outcome, reason, _)) = Self::listed(ctx).get(self.reason_sel) {
                    self.focus = Focus::Rows(*outcome, *reason);
                    self.row_sel = 0;
                }
                Transition::Stay
            }
            (Focus::Reasons, Action::Back | Action::FocusNext) => {
                self.focus = Focus::Summary;
                Transition::Stay
            }
            (Focus::Reasons, other) => {
                let n = Self::listed(ctx).len();
                self.reason_sel = move_selection(self.reason_sel, n, other, 5);
                Transition::Stay
            }
            (Focus::Rows(..), Action::Back) => {
                self.focus = Focus::Reasons;
                Transition::Stay
            }
            (Focus::Rows(..), other) => {
                let n = self.open_group(ctx).map_or(0, |(_, _, g)| g.rows.len());
                self.row_sel = move_selection(self.row_sel, n, other, 10);
                Transition::Stay
            }
            _ => Transition::Stay,
        }
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let Some(review) = &ctx.review else {
            let [gauge, rest] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
            let (done, total) = ctx
                .review_progress
                .map(|p| (p.rows, p.approx_total.max(p.rows).max(1)))
                .unwrap_or((0, 1));
            Gauge::default()
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" Checking every row (nothing is written) "),
                )
                .gauge_style(theme.key())
                .ratio((done as f64 / total as f64).clamp(0.0, 1.0))
                .label(format!(
                    "{} of ~{} rows",
                    group_digits(done),
                    group_digits(total)
                ))
                .render(gauge, buf);
            Paragraph::new(
                "Rows are read, normalized and matched exactly as the import will. Esc goes back.",
            )
            .style(theme.dim())
            .wrap(Wrap { trim: true })
            .render(rest, buf);
            return;
        };
        if let Some((outcome, reason, group)) = self.open_group(ctx) {
            return self.render_rows(ctx, outcome, reason, group, area, buf);
        }
        let c = &review.counts;
        let mut notes: Vec<String> = Vec::new();
        // A job stops before its next row once it has failed `max_failures` rows: with more
        // failures than that, the rest of the file would go unread. Said first, with the way
        // to raise the limit, before Enter leads to a partial import.
        if let Some(warning) = stop_warning(c.failed, ctx.options.max_failures) {
            notes.push(warning);
        }
        // A doubtful encoding first: names read wrongly would be stored wrongly.
        if let Some(warning) = &review.encoding_warning {
            notes.push(format!("Warning: {warning}."));
        }
        notes.extend(ctx.plan_notes());
        let names: Vec<String> = review
            .custom_fields
            .iter()
            .filter(|f| !ctx.custom_defined.contains_key(&f.name))
            .map(|f| format!("{} ({})", f.name, f.kind.label()))
            .collect();
        if !names.is_empty() {
            notes.push(format!("New custom fields: {}", names.join(", ")));
        }
        for d in &review.date_columns {
            notes.push(format!("{}.", d.describe()));
        }
        if !review.date_columns.is_empty() {
            notes.push("Press d to read the dates the other way round.".into());
        }
        // Unknown owners, followers and agents fail their rows: named, to add them first.
        for m in &review.members {
            let add = if m.matches.unknown.is_empty() {
                ""
            } else {
                " (add them with rolodex team add, then check again)"
            };
            notes.push(format!("{}.{add}", m.describe()));
        }
        notes.push(format!(
            "Checked in {:.1} s. Press e to write the failed and skipped rows to a file now; Enter to go on.",
            review.elapsed_ms as f64 / 1000.0
        ));
        // Every note is shown whole, the last sentence included: they say what the plan
        // decided (consent, a remembered mapping, date order). The sample rows give up the
        // lines they need first, then the summary its last lines.
        let width = usize::from(area.width.max(1));
        let lines: u16 = notes
            .iter()
            .map(|n| wrapped_lines(n, width))
            .sum::<usize>()
            .try_into()
            .unwrap_or(u16::MAX);
        let top_h = area.height.saturating_sub(lines).clamp(7, 9);
        let mut notes_h = lines.min(area.height.saturating_sub(top_h));
        // Too little room for sample rows: the notes take it rather than leave a gap.
        if area.height.saturating_sub(top_h + notes_h) < 4 {
            notes_h = area.height.saturating_sub(top_h);
        }
        let [top, samples, bottom] = Layout::vertical([
            Constraint::Length(top_h),
            Constraint::Min(0),
            Constraint::Length(notes_h),
        ])
        .areas(area);
        let [counts_area, reasons_area] =
            Layout::horizontal([Constraint::Length(30), Constraint::Min(20)]).areas(top);
        let kv = |k: &str, v: u64, style| {
            Line::from(vec![
                Span::raw(format!(" {k:<14}")),
                Span::styled(format!("{:>11}", group_digits(v)), style),
            ])
        };
        Paragraph::new(vec![
            kv("Will create", c.created, theme.ok()),
            kv("Will update", c.updated, theme.ok()),
            kv("Skipped", c.skipped, theme.warn()),
            kv("Failed", c.failed, theme.error()),
            kv("Rows", c.total_rows, ratatui::style::Style::default()),
            kv("Blank rows", c.blank_rows, theme.dim()),
            kv("Warnings", c.warnings, theme.dim()),
        ])
        .block(Block::default().borders(Borders::ALL).title(" Summary "))
        .render(counts_area, buf);
        self.render_reasons(ctx, reasons_area, buf);
        if samples.height >= 4 {
            render_samples(ctx, review, samples, buf);
        }
        Paragraph::new(
            notes
                .iter()
                .map(|n| {
                    let line = Line::raw(n.as_str());
                    if n.starts_with("Warning:") {
                        line.style(theme.warn())
                    } else {
                        line
                    }
                })
                .collect::<Vec<_>>(),
        )
        .wrap(Wrap { trim: true })
        .render(bottom, buf);
    }
}

/// Lines a note takes wrapped at `width` (words kept whole, as `Wrap` does).
fn wrapped_lines(text: &str, width: usize) -> usize {
    let mut lines = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = Line::raw(word).width();
        if used > 0 && used + 1 + w > width {
            lines += 1 + (w.saturating_sub(1)) / width.max(1);
            used = w % width.max(1);
        } else {
            used += if used > 0 { 1 } else { 0 } + w;
        }
    }
    lines
}

impl ReviewScreen {
    /// Every reason, failures and skips (the rows not imported) apart from warnings (the
    /// rows imported all the same), scrolled to the selection; none is ever left out.
    fn render_reasons(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let listed = Self::listed(ctx);
        let focused = self.focus == Focus::Reasons;
        let height = area.height.saturating_sub(3) as usize;
        let offset = if focused {
            scroll_offset(self.reason_sel, height)
        } else {
            0
        };
        let rows: Vec<Row> = listed
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, (outcome, reason, group))| {
                let style = match outcome {
                    Outcome::Failed => theme.error(),
                    Outcome::Skipped => theme.warn(),
                    Outcome::Warning => theme.dim(),
                };
                let row = Row::new(vec![
                    Cell::from(Span::styled(outcome.words(), style)),
                    Cell::from(reason.code()),
                    Cell::from(format!("{:>10} ", group_digits(group.count))),
                ]);
                if focused && i == self.reason_sel {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let not_imported = listed
            .iter()
            .filter(|(o, _, _)| *o != Outcome::Warning)
            .count();
        let title = match (focused, listed.is_empty()) {
            (_, true) => " By reason: no row has a problem ".to_string(),
            (true, _) => " Enter opens a reason's rows · Esc leaves ".to_string(),
            // What Tab does, said whole: the rest are warnings (rows still imported).
            // A count of reasons, not of rows: "4 not imported" read as four rows beside
            // "Skipped 91".
            (false, _) => format!(
                " {} reasons ({} fail or skip) · Tab opens them ",
                listed.len(),
                not_imported,
            ),
        };
        // The position whenever the list is longer than its box: no reason is hidden.
        let position = (listed.len() > height || focused).then(|| {
            let more = listed.len().saturating_sub(offset + height);
            let below = if more > 0 {
                format!(" · {more} more ↓")
            } else {
                String::new()
            };
            format!(
                " {}/{}{below} ",
                (self.reason_sel + 1).min(listed.len()),
                listed.len()
            )
        });
        let mut block = crate::tui::chrome::focus_block(
            theme,
            focused,
            &fit(&title, area.width.saturating_sub(2) as usize),
        );
        if let Some(position) = position {
            block = block.title_bottom(Line::raw(position).right_aligned());
        }
        Table::new(
            rows,
            [
                Constraint::Length(8),
                Constraint::Min(14),
                Constraint::Length(11),
            ],
        )
        .header(Row::new(vec!["", "Reason", "      Rows "]).style(theme.heading()))
        .block(block)
        .render(area, buf);
    }

    /// One reason's rows: the row, who it is, the cell at fault, the message.
    fn render_rows(
        &self,
        ctx: &Ctx,
        outcome: Outcome,
        reason: Reason,
        group: &ReasonGroup,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let theme = ctx.theme;
        let wide = area.width >= 110;
        let (who_w, cell_w) = if wide { (26, 24) } else { (18, 16) };
        let message_w = (area.width as usize)
            .saturating_sub(8 + who_w + cell_w + 3 + 2)
            .max(10);
        // The selected row's message whole, under the table, when its column cuts it.
        let selected = group.rows.get(self.row_sel);
        let whole = selected
            .filter(|r| r.message.chars().count() > message_w || r.who.chars().count() > who_w)
            .map(|r| format!("Row {} · {}: {}", r.row, r.who, r.message));
        let whole_lines = whole.as_ref().map_or(0, |w| {
            crate::tui::chrome::wrapped_lines(w, usize::from(area.width)).min(3) as u16
        });
        let [table_area, note_area] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(2 + whole_lines)]).areas(area);
        let height = table_area.height.saturating_sub(3) as usize;
        let offset = scroll_offset(self.row_sel, height);
        let rows: Vec<Row> = group
            .rows
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, r)| {
                let row = Row::new(vec![
                    Cell::from(format!("{:>7}", r.row)),
                    Cell::from(fit(&r.who, who_w)),
                    Cell::from(fit(&r.cell, cell_w)),
                    Cell::from(fit(&r.message, message_w)),
                ]);
                if i == self.row_sel {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let title = format!(
            " {} · {} · row {}/{} ",
            outcome.words(),
            reason.code(),
            group_digits((self.row_sel + 1).min(group.rows.len()) as u64),
            group_digits(group.rows.len() as u64),
        );
        let cell_head = match group.rows.first().and_then(|r| r.column.as_deref()) {
            Some(column) => fit(column, cell_w),
            None => "Cell".to_string(),
        };
        Table::new(
            rows,
            [
                Constraint::Length(7),
                Constraint::Length(who_w as u16),
                Constraint::Length(cell_w as u16),
                Constraint::Min(10),
            ],
        )
        .header(
            Row::new(vec![
                "    Row".to_string(),
                "Who".into(),
                cell_head,
                "Message".into(),
            ])
            .style(theme.heading()),
        )
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(fit(&title, table_area.width.saturating_sub(2) as usize)),
        )
        .render(table_area, buf);
        let what = match outcome {
            Outcome::Warning => "imported all the same",
            _ => "not imported",
        };
        let kept = if group.count > group.rows.len() as u64 {
            format!(
                "{} rows, {what}; the first {} are here, and e writes every failed and skipped row to a file.",
                group_digits(group.count),
                group_digits(KEPT as u64)
            )
        } else {
            format!(
                "{} {}, {what}. q or Esc goes back to the reasons.",
                group_digits(group.count),
                if group.count == 1 { "row" } else { "rows" }
            )
        };
        let mut note = Vec::new();
        if let Some(whole) = whole {
            note.push(Line::raw(whole));
        }
        note.push(Line::styled(kept, theme.dim()));
        Paragraph::new(note)
            .wrap(Wrap { trim: true })
            .render(note_area, buf);
    }
}

/// Sample rows as they will be stored, and sample changes to stored contacts.
fn render_samples(ctx: &Ctx, review: &crate::engine::review::Review, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let wide = area.width >= 110;
    let (w_name, w_phone, w_email) = if wide { (26, 16, 34) } else { (18, 15, 26) };
    // The company gets what is left (borders, four gaps, the country), its end marked.
    let w_company = usize::from(area.width)
        .saturating_sub(2 + 4 + w_name + usize::from(w_phone) + w_email + 7)
        .clamp(6, 30);
    let mut rows: Vec<Row> = review
        .samples
        .iter()
        .map(|s| {
            Row::new(vec![
                Cell::from(fit(&s.display_name(), w_name)),
                Cell::from(fit(
                    s.phones.first().map(String::as_str).unwrap_or_default(),
                    usize::from(w_phone),
                )),
                Cell::from(fit(&s.emails.first().cloned().unwrap_or_default(), w_email)),
                Cell::from(s.country.clone().unwrap_or_default()),
                Cell::from(fit(s.company.as_deref().unwrap_or_default(), w_company)),
            ])
        })
        .collect();
    for ch in review.changes.iter().take(4) {
        rows.push(Row::new(vec![
            Cell::from(Span::styled(
                format!("row {} · #{}", ch.row, ch.contact),
                theme.dim(),
            )),
            Cell::from(ch.field.clone()),
            Cell::from(fit(&format!("{} → {}", ch.before, ch.after), w_email + 20)),
        ]));
    }
    let title = if review.changes.is_empty() {
        " Sample rows as they will be stored "
    } else {
        " Sample rows as they will be stored · changes to stored contacts "
    };
    Table::new(
        rows,
        [
            Constraint::Length(w_name as u16),
            Constraint::Length(w_phone),
            Constraint::Length(w_email as u16),
            Constraint::Length(7),
            Constraint::Min(6),
        ],
    )
    .header(Row::new(vec!["Name", "Phone", "Email", "Country", "Company"]).style(theme.heading()))
    .block(Block::default().borders(Borders::ALL).title(title))
    .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d_goes_round_the_date_orders() {
        let mut order = None;
        let mut seen = Vec::new();
        for _ in 0..3 {
            order = next_date_order(order);
            seen.push(order);
        }
        assert_eq!(
            seen,
            [Some(DateOrder::DayFirst), Some(DateOrder::MonthFirst), None]
        );
    }

    #[test]
    fn a_note_is_counted_in_the_lines_it_wraps_to() {
        assert_eq!(wrapped_lines("short", 80), 1);
        assert_eq!(wrapped_lines(&"word ".repeat(40), 80), 3);
    }

    #[test]
    fn warns_only_when_the_failures_reach_the_stop_limit() {
        assert_eq!(stop_warning(999, 1000), None);
        assert_eq!(stop_warning(5_000_000, u64::MAX), None, "no limit");
        let w = stop_warning(1642, 1000).expect("a warning");
        assert!(w.contains("1,642 rows will fail"), "{w}");
        assert!(w.contains("stops after 1,000 failed rows"), "{w}");
        assert!(
            w.contains("Options") && w.contains("--max-failures N|none"),
            "{w}"
        );
    }
}
