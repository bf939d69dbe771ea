//! What frames every screen: the title bar (`Step N/9 · Name`), the footer of key hints,
//! the status line, the help overlay, confirmation dialogs, and the notice shown when the
//! terminal is smaller than 80×20 (SPEC §9; tmux's status line leaves 80×23 of an 80×24 window).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

use super::action::{footer, help, Keys};
use super::theme::Theme;
use crate::engine::text::sanitize_for_terminal as clean;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// Splits the frame into title, body, status and footer; the status line takes as many
/// lines as its message wraps to (at most three), so no message is cut.
pub fn frame_areas(area: Rect, status: Option<&(Level, String)>) -> (Rect, Rect, Rect, Rect) {
    let status_h = status.map_or(1, |(_, text)| {
        let width = usize::from(area.width.saturating_sub(1)).max(1);
        wrapped_lines(&clean(text), width).clamp(1, 3) as u16
    });
    let [title, body, status, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_h),
        Constraint::Length(1),
    ])
    .areas(area);
    (title, body, status, foot)
}

pub fn render_title(theme: Theme, title: &str, right: &str, area: Rect, buf: &mut Buffer) {
    let right = clean(right);
    let room = (area.width as usize).saturating_sub(title.chars().count() + 3);
    let right: String = if right.chars().count() > room {
        let tail: String = right
            .chars()
            .rev()
            .take(room.saturating_sub(1))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        right
    };
    let pad =
        (area.width as usize).saturating_sub(title.chars().count() + right.chars().count() + 2);
    Line::from(vec![
        Span::styled(format!(" {title}"), theme.title()),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, theme.dim()),
        Span::raw(" "),
    ])
    .render(area, buf);
}

/// The key hints that fit the width, in the table's order; a hint too long for what is
/// left is skipped, so `? help` (listed before `q quit`) is the last to go.
pub fn render_footer(theme: Theme, keys: Keys, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    let width = area.width as usize;
    for (key, hint) in footer(keys) {
        let sep = if used > 1 { 3 } else { 0 };
        let len = sep + key.chars().count() + 1 + hint.chars().count();
        if used + len > width {
            continue;
        }
        if sep > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {hint}")));
        used += len;
    }
    Line::from(spans).render(area, buf);
}

pub fn render_status(theme: Theme, status: Option<&(Level, String)>, area: Rect, buf: &mut Buffer) {
    if let Some((level, text)) = status {
        let style = match level {
            Level::Info => theme.ok(),
            Level::Warn => theme.warn(),
            Level::Error => theme.error(),
        };
        Paragraph::new(Line::from(Span::styled(format!(" {}", clean(text)), style)))
            .wrap(Wrap { trim: false })
            .render(area, buf);
    }
}

/// A box whose border says whether it has the focus: thick and in the key colour when
/// it has, so the focus shows without colour too (`NO_COLOR`).
pub fn focus_block(theme: Theme, focused: bool, title: &str) -> Block<'static> {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title.to_string());
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(theme.key())
    } else {
        block.border_style(theme.dim())
    }
}

/// A rectangle of `width`×`height` centred in `area`, clipped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The keys that work on the screen as it is, from its own key table; scrolled from line
/// `scroll` when they do not all fit, with what is above and below counted in the frame.
pub fn render_help(
    theme: Theme,
    name: &str,
    keys: Keys,
    scroll: usize,
    area: Rect,
    buf: &mut Buffer,
) {
    let rows = help(keys);
    let height = (rows.len() as u16 + 2).min(area.height);
    let popup = centered(area, 48, height);
    Clear.render(popup, buf);
    let shown = popup.height.saturating_sub(2) as usize;
    let scroll = scroll.min(rows.len().saturating_sub(shown));
    let below = rows.len().saturating_sub(scroll + shown);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Keys · {name} "))
        .title_style(theme.title());
    if scroll > 0 {
        block = block.title(Line::from(format!(" ↑ {scroll} more ")).right_aligned());
    }
    if below > 0 {
        block = block
            .title_bottom(Line::from(format!(" ↓ {below} more · j/k scroll ")).right_aligned());
    } else {
        block = block.title_bottom(Line::from(" any other key closes ").right_aligned());
    }
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(scroll)
        .take(shown)
        .map(|(k, h)| {
            Line::from(vec![
                Span::styled(format!(" {k:<width$}  "), theme.key()),
                Span::raw(h.to_string()),
            ])
        })
        .collect();
    Paragraph::new(lines).block(block).render(popup, buf);
}

/// How many lines `text` takes wrapped at word boundaries to `width` columns, as
/// `Paragraph`'s word wrap lays it out (a word longer than a line is cut).
pub fn wrapped_lines(text: &str, width: usize) -> usize {
    let (mut lines, mut used) = (1, 0);
    // A no-break space holds its words together, as it does for `Paragraph`.
    let words = text
        .split(|c: char| c.is_whitespace() && c != '\u{a0}')
        .filter(|w| !w.is_empty());
    for word in words {
        let w = Span::raw(word).width();
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
        } else {
            lines += 1 + (w.saturating_sub(1)) / width;
            used = w % width;
        }
    }
    lines
}

pub fn render_confirm(
    theme: Theme,
    question: &str,
    answers: &[(char, &str)],
    area: Rect,
    buf: &mut Buffer,
) {
    let answer = |(key, what): &(char, &str)| {
        [
            Span::styled(key.to_string(), theme.key()),
            Span::raw(format!(" {what}")),
        ]
    };
    let question = clean(question);
    let width = 60.min(area.width);
    // As tall as the wrapped question and answers, within the screen.
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // The answers on one line when they fit, else one a line: never a key cut from
    // what it does.
    let mut one_line = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        if i > 0 {
            one_line.push(Span::raw("   "));
        }
        one_line.extend(answer(a));
    }
    let one_line = Line::from(one_line);
    let keys: Vec<Line> = if one_line.width() <= inner {
        vec![one_line]
    } else {
        answers
            .iter()
            .map(|a| Line::from(answer(a).to_vec()))
            .collect()
    };
    let question = Line::from(question);
    let wrapped = wrapped_lines(&question.to_string(), inner)
        + keys
            .iter()
            .map(|k| wrapped_lines(&k.to_string(), inner))
            .sum::<usize>();
    let height = (wrapped as u16 + 2).clamp(4, area.height);
    let mut lines = vec![question];
    lines.extend(keys);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: true });
    let popup = centered(area, width, height);
    Clear.render(popup, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Confirm ")
        .title_style(theme.warn());
    paragraph.block(block).render(popup, buf);
}

pub fn render_too_small(area: Rect, buf: &mut Buffer) {
    let text = format!(
        "The terminal is {}×{}; rolodex needs at least {MIN_WIDTH}×{MIN_HEIGHT}. Enlarge the window, or press q to quit.",
        area.width, area.height
    );
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// Cuts a string to `width` characters, with `…` when it was longer.
pub fn fit(text: &str, width: usize) -> String {
    let text = clean(text).replace('\n', "⏎");
    if text.chars().count() <= width {
        text
    } else if width == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}
