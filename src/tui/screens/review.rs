//! Step 4 · Review: the dry run over the whole file, in the background with its own
//! progress; then counts, reasons, sample rows as they will be stored, sample changes for
//! updates, custom fields to create, date columns and the order assumed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table, Widget, Wrap};

use super::{Command, Screen, Transition};
use crate::engine::number::group_digits;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::Ctx;

#[derive(Default)]
pub struct ReviewScreen;

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

impl Screen for ReviewScreen {
    fn keys(&self) -> Keys {
        &[action::REVIEW, action::NAV]
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Next if ctx.reviewing => {
                ctx.say(
                    Level::Warn,
                    "The review is still running; wait for it to finish.",
                );
                Transition::Stay
            }
            Action::Next if ctx.review.is_some() => Transition::Next,
            Action::WriteErrors if ctx.review.is_some() => {
                Transition::Run(Command::WriteReviewErrors)
            }
            // The app gives up the review under way as the wizard leaves Review.
            Action::Back => Transition::Back,
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
                .label(format!("{done} of ~{total} rows"))
                .render(gauge, buf);
            Paragraph::new(
                "Rows are read, normalized and matched exactly as the import will. Esc goes back.",
            )
            .style(theme.dim())
            .render(rest, buf);
            return;
        };
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
        notes.push(format!(
            "Checked in {:.1} s. Press e to write the failed and skipped rows to a file now; Enter to go on.",
            review.elapsed_ms as f64 / 1000.0
        ));
        // Every note is shown whole: they say what the plan decided (consent, a remembered
        // mapping, date order); the sample rows give up the lines they need.
        let width = usize::from(area.width.max(1));
        let lines: usize = notes
            .iter()
            .map(|n| Line::raw(n.as_str()).width().div_ceil(width).max(1))
            .sum();
        let room = area.height.saturating_sub(9 + 4).max(3);
        let [top, samples, bottom] = Layout::vertical([
            Constraint::Length(9),
            Constraint::Min(4),
            Constraint::Length((lines as u16).clamp(3, room)),
        ])
        .areas(area);
        let [counts_area, reasons_area] =
            Layout::horizontal([Constraint::Length(30), Constraint::Min(20)]).areas(top);
        let kv = |k: &str, v: u64, style| {
            Line::from(vec![
                Span::raw(format!(" {k:<16}")),
                Span::styled(format!("{v:>9}"), style),
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

        let reasons = crate::engine::review::by_frequency(&c.reasons);
        // As many reasons as fit; the rest are counted on the last line, never dropped
        // silently (the error file, `e`, has every row with its reasons).
        let room = reasons_area.height.saturating_sub(3) as usize;
        let shown = if reasons.len() > room {
            room.saturating_sub(1)
        } else {
            reasons.len()
        };
        let mut rows: Vec<Row> = reasons
            .iter()
            .take(shown)
            .map(|(r, n)| Row::new(vec![Cell::from(r.code()), Cell::from(format!("{n:>8}"))]))
            .collect();
        if shown < reasons.len() {
            let rest = &reasons[shown..];
            let rows_left: u64 = rest.iter().map(|(_, n)| *n).sum();
            rows.push(
                Row::new(vec![
                    Cell::from(format!("+{} more reasons", rest.len())),
                    Cell::from(format!("{rows_left:>8}")),
                ])
                .style(theme.dim()),
            );
        }
        Table::new(rows, [Constraint::Min(18), Constraint::Length(9)])
            .header(Row::new(vec!["Reason", "   Rows"]).style(theme.heading()))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" By reason: errors, skips, warnings "),
            )
            .render(reasons_area, buf);

        let wide = samples.width >= 110;
        let (w_name, w_phone, w_email) = if wide { (26, 16, 34) } else { (18, 15, 26) };
        let mut rows: Vec<Row> = review
            .samples
            .iter()
            .map(|s| {
                Row::new(vec![
                    Cell::from(fit(&s.display_name(), w_name)),
                    Cell::from(s.phones.first().cloned().unwrap_or_default()),
                    Cell::from(fit(&s.emails.first().cloned().unwrap_or_default(), w_email)),
                    Cell::from(s.country.clone().unwrap_or_default()),
                    Cell::from(fit(&s.company.clone().unwrap_or_default(), 30)),
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
        .header(
            Row::new(vec!["Name", "Phone", "Email", "Country", "Company"]).style(theme.heading()),
        )
        .block(Block::default().borders(Borders::ALL).title(title))
        .render(samples, buf);

        Paragraph::new(
            notes
                .iter()
                .map(|n| {
                    let line = Line::raw(fit(n, 400));
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

#[cfg(test)]
mod tests {
    use super::stop_warning;

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
