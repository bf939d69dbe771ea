//! Step 8 · Progress: gauge, counts, rows per second, time left. Cancel asks first, and the
//! worker stops after committing the batch in hand.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Padding, Paragraph, Widget, Wrap};

use super::{Confirm, Screen, Transition};
use crate::engine::number::group_digits;
use crate::tui::action::{self, Action, Keys};
use crate::tui::context::Ctx;

#[derive(Default)]
pub struct ProgressScreen;

/// `1m 05s`, `42s`.
pub fn duration_words(secs: u64) -> String {
    if secs >= 3600 {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

impl Screen for ProgressScreen {
    fn keys(&self) -> Keys {
        &[action::PROGRESS, action::NAV_LAST]
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Cancel if ctx.importing => Transition::Confirm(Confirm::CancelImport),
            _ => Transition::Stay,
        }
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let [gauge, counts, note] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(9),
            Constraint::Min(1),
        ])
        .areas(area);
        let p = ctx.progress.unwrap_or_default();
        // Until the job is recorded, its first batch waits on the whole-file check that runs
        // beside it: a cancel or a broken file then leaves nothing written.
        let first = ctx.importing && ctx.job.is_none();
        // The wizard's file, unless this is a retry of fixed rows (a file of its own).
        let expected = match ctx.retrying {
            None => ctx.source.as_ref().map_or(0, |s| s.info.approx_rows),
            Some(_) => 0,
        };
        let total = p.approx_total.max(p.rows).max(expected).max(1);
        let secs = p.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            p.rows as f64 / secs
        } else {
            0.0
        };
        let left = if rate > 0.0 {
            (total.saturating_sub(p.rows)) as f64 / rate
        } else {
            0.0
        };
        let title = if ctx.cancelling && first {
            " Cancelling: nothing will be written… "
        } else if ctx.cancelling {
            " Cancelling after the current batch… "
        } else if first {
            " Importing · checking the whole file alongside "
        } else {
            " Importing "
        };
        Gauge::default()
            .block(Block::default().borders(Borders::ALL).title(title))
            .gauge_style(theme.key())
            .ratio((p.rows as f64 / total as f64).clamp(0.0, 1.0))
            .label(if ctx.progress.is_none() {
                "starting…".to_string()
            } else {
                // From the first batch on the total is the file's counted rows.
                let about = if first { "~" } else { "" };
                format!(
                    "{} of {about}{} rows",
                    group_digits(p.rows),
                    group_digits(total)
                )
            })
            .render(gauge, buf);
        let kv = |k: &str, v: String, style| {
            Line::from(vec![Span::raw(format!(" {k:<14}")), Span::styled(v, style)])
        };
        Paragraph::new(vec![
            kv(
                "Created",
                format!("{:>10}", group_digits(p.created)),
                theme.ok(),
            ),
            kv(
                "Updated",
                format!("{:>10}", group_digits(p.updated)),
                theme.ok(),
            ),
            kv(
                "Skipped",
                format!("{:>10}", group_digits(p.skipped)),
                theme.warn(),
            ),
            kv(
                "Failed",
                format!("{:>10}", group_digits(p.failed)),
                theme.error(),
            ),
            kv(
                "Speed",
                format!("{:>10} rows/s", group_digits(rate as u64)),
                ratatui::style::Style::default(),
            ),
            kv(
                "Time left",
                format!("{:>10}", duration_words(left as u64)),
                ratatui::style::Style::default(),
            ),
            kv(
                "Elapsed",
                format!("{:>10}", duration_words(secs as u64)),
                theme.dim(),
            ),
        ])
        .block(Block::default().borders(Borders::ALL).title(" So far "))
        .render(counts, buf);
        let said = if first {
            "Nothing is kept until the whole file has passed its check (no quote left open, one encoding throughout); from then on rows are committed in batches."
        } else {
            "Rows are committed in batches; a cancel or a crash keeps every committed batch, and the job can be resumed."
        };
        Paragraph::new(said)
            .style(theme.dim())
            .wrap(Wrap { trim: true })
            .block(Block::default().padding(Padding::horizontal(1)))
            .render(note, buf);
    }
}
