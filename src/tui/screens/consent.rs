//! Step 5 · Consent: the confirmation that every contact agreed to be contacted. Next is
//! refused until it is ticked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Widget, Wrap};

use super::{Screen, Transition};
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::Level;
use crate::tui::context::Ctx;

#[derive(Default)]
pub struct ConsentScreen;

impl Screen for ConsentScreen {
    fn keys(&self) -> Keys {
        &[action::CONSENT, action::NAV]
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Toggle => {
                ctx.options.consent_confirmed = !ctx.options.consent_confirmed;
                Transition::Stay
            }
            Action::Next if ctx.options.consent_confirmed => Transition::Next,
            Action::Next => {
                ctx.say(
                    Level::Error,
                    "Tick the box first (Space): nothing is imported without consent.",
                );
                Transition::Stay
            }
            Action::Back => Transition::Back,
            _ => Transition::Stay,
        }
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let ticked = ctx.options.consent_confirmed;
        let mut lines = vec![
            Line::raw(""),
            Line::from(vec![
                Span::styled(if ticked { "[x] " } else { "[ ] " }, theme.key()),
                Span::styled("Every contact in this file agreed to be contacted by us.", if ticked { theme.ok() } else { theme.heading() }),
            ]),
            Line::raw(""),
            Line::raw("Calling or texting people who did not agree breaks the law in many places (the TCPA in the United States, GDPR and PECR in Europe). The confirmation is kept with the job."),
        ];
        match &ctx.options.consent_column {
            Some(col) => lines.push(Line::raw(format!(
                "Rows whose {col:?} column does not say yes are skipped as no_consent."
            ))),
            None => lines.push(Line::styled(
                "No consent column is chosen (Options): every row counts as agreed.",
                theme.dim(),
            )),
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .padding(Padding::horizontal(1))
                    .title(" Consent · Space ticks "),
            )
            .render(area, buf);
    }
}
