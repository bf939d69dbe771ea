//! Step 9 · Done: the job's status in plain words, created, updated, skipped/failed,
//! destination; open the failed rows, write the results and error files, revert.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Widget, Wrap};

use super::{Command, Confirm, Screen, Transition, View};
use crate::engine::number::group_digits;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, wrapped_lines, Level};
use crate::tui::context::Ctx;

#[derive(Default)]
pub struct DoneScreen;

impl Screen for DoneScreen {
    fn keys(&self) -> Keys {
        &[action::DONE, action::NAV_LAST]
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        let Some(job) = ctx.job.clone() else {
            return Transition::Stay;
        };
        match action {
            Action::OpenFailed => Transition::Run(Command::OpenJob {
                job: job.id,
                problems: true,
            }),
            Action::WriteReports => Transition::Run(Command::WriteJobFiles(Box::new(job))),
            Action::Revert => Transition::Confirm(Confirm::revert(&job)),
            Action::Resume => match crate::tui::context::not_resumable(&job) {
                None => Transition::Confirm(Confirm::Resume(job.id)),
                Some(why) => {
                    ctx.say(Level::Info, why);
                    Transition::Stay
                }
            },
            Action::NewImport => Transition::To(View::File),
            Action::History => Transition::To(View::History),
            _ => Transition::Stay,
        }
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let Some(job) = &ctx.job else { return };
        let c = &job.counts;
        let kv = |k: &str, v: String, style| {
            Line::from(vec![Span::raw(format!(" {k:<16}")), Span::styled(v, style)])
        };
        use crate::store::jobs::JobStatus;
        // A job that did not read its whole file says why, and how to go on.
        let unfinished = matches!(
            job.status,
            JobStatus::Stopped | JobStatus::Cancelled | JobStatus::Failed
        );
        let mut lines = vec![
            kv(
                "Job",
                format!("{} · {}", job.id, job.status.words(c.failed)),
                theme.heading(),
            ),
            kv("Created", group_digits(c.created), theme.ok()),
            kv("Updated", group_digits(c.updated), theme.ok()),
            kv(
                "Skipped/failed",
                format!(
                    "{} skipped, {} failed",
                    group_digits(c.skipped),
                    group_digits(c.failed)
                ),
                theme.warn(),
            ),
            kv(
                "Rows",
                match job.blank_rows() {
                    Some(blank) => format!(
                        "{} ({} blank)",
                        group_digits(c.total_rows),
                        group_digits(blank)
                    ),
                    None => format!(
                        "{} read; the job ended before the end of the file",
                        group_digits(c.total_rows)
                    ),
                },
                ratatui::style::Style::default(),
            ),
        ];
        let dest = match &job.plan.options.list {
            Some(l) => format!("contacts and the list {:?} ({} dialing)", l.name, l.dial),
            None => "contacts".into(),
        };
        lines.push(kv(
            "Destination",
            fit(&dest, 56),
            ratatui::style::Style::default(),
        ));
        lines.push(kv(
            "Visibility",
            if job.plan.options.shared {
                "shared".into()
            } else {
                "personal".into()
            },
            theme.dim(),
        ));
        // The user's own tags first, then the automatic one.
        let tags: Vec<&str> = job
            .plan
            .options
            .tags
            .iter()
            .map(String::as_str)
            .chain(job.import_tag.as_deref())
            .collect();
        if !tags.is_empty() {
            lines.push(kv("Tagged", fit(&tags.join(", "), 56), theme.dim()));
        }
        if unfinished {
            let why = job
                .reason
                .clone()
                .unwrap_or_else(|| job.status.words(c.failed));
            lines.push(kv("Stopped", fit(&why, 56), theme.warn()));
        }
        // As tall as its lines: at 80×20 the reasons and the next step need the rest.
        let [summary, reasons] = Layout::vertical([
            Constraint::Length(lines.len() as u16 + 2),
            Constraint::Min(3),
        ])
        .areas(area);
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::ALL).title(if unfinished {
                " Import stopped before the end of the file "
            } else {
                " Import finished "
            }))
            .render(summary, buf);
        let rs = crate::engine::review::by_frequency(&c.reasons);
        let text: Vec<String> = rs
            .iter()
            // A no-break space: a reason is never wrapped away from its count.
            .map(|(r, n)| format!("{r}\u{a0}{}", group_digits(*n)))
            .collect();
        let advice = if unfinished {
            format!(
                "The rows committed are kept. Press u to resume the job where it stopped, with a fresh allowance of failed rows (or `rolodex resume {id}`); f opens the failed rows; r reverts the job.",
                id = job.id
            )
        } else if c.failed + c.skipped > 0 {
            "Press f to open the failed rows: fix them in place and retry them as a follow-up job."
                .to_string()
        } else {
            "Every row went in.".to_string()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .padding(Padding::horizontal(1))
            .title(" Reasons ");
        let inner = block.inner(reasons);
        block.render(reasons, buf);
        // The next step is never the part cut off: it keeps its lines at the bottom, and
        // reasons that do not fit above it end with how many more there are.
        let width = usize::from(inner.width.max(1));
        let advice_h = wrapped_lines(&advice, width) as u16;
        let room = inner.height.saturating_sub(advice_h);
        let mut shown = text.len();
        let said = |shown: usize| {
            let mut line = text[..shown].join(" · ");
            if shown < text.len() {
                let more = format!("+{} more (f shows every row)", text.len() - shown);
                line = if shown == 0 {
                    more
                } else {
                    format!("{line} · {more}")
                };
            }
            line
        };
        while shown > 0 && wrapped_lines(&said(shown), width) as u16 > room {
            shown -= 1;
        }
        let reasons_text = said(shown);
        let reasons_h = wrapped_lines(&reasons_text, width) as u16;
        let gap = u16::from(reasons_h + 1 + advice_h <= inner.height);
        let [top, _, bottom] = Layout::vertical([
            Constraint::Length(reasons_h.min(room)),
            Constraint::Length(gap),
            Constraint::Length(advice_h),
        ])
        .areas(inner);
        Paragraph::new(reasons_text)
            .wrap(Wrap { trim: false })
            .render(top, buf);
        Paragraph::new(Line::styled(advice, theme.dim()))
            .wrap(Wrap { trim: false })
            .render(bottom, buf);
    }
}
