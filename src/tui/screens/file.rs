//! Step 1 · File: a path field and the CSV-like files of the directory, filtered as you
//! type; once a file is opened, what was detected, or the file error in plain words.

use std::path::{Path, PathBuf};

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::{move_selection, scroll_offset, Screen, Transition, View};
use crate::engine::source::Source;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::{Ctx, TextField};

const EXTENSIONS: &[&str] = &[
    "csv", "tsv", "txt", "tab", "psv", "xlsx", "xls", "ods", "numbers",
];

pub struct FileScreen {
    pub path: TextField,
    pub entries: Vec<String>,
    pub selected: usize,
    pub error: Option<String>,
    /// The directory listed, as the user typed it (relative paths stay relative).
    dir: PathBuf,
}

impl FileScreen {
    pub fn new(initial: &str) -> FileScreen {
        let mut s = FileScreen {
            path: TextField::new(initial),
            entries: Vec::new(),
            selected: 0,
            error: None,
            dir: PathBuf::new(),
        };
        s.refresh();
        s
    }

    /// Lists the CSV-like files of the typed directory whose names contain what follows it.
    pub fn refresh(&mut self) {
        let typed = self.path.value();
        let (dir, filter) = if typed.is_empty() {
            (PathBuf::from("."), String::new())
        } else if typed.ends_with('/') || Path::new(&typed).is_dir() {
            (PathBuf::from(&typed), String::new())
        } else {
            let p = Path::new(&typed);
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            (
                dir.to_path_buf(),
                p.file_name()
                    .map(|f| f.to_string_lossy().to_lowercase())
                    .unwrap_or_default(),
            )
        };
        let mut entries: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|name| {
                        let lower = name.to_lowercase();
                        EXTENSIONS
                            .iter()
                            .any(|ext| lower.ends_with(&format!(".{ext}")))
                            && lower.contains(&filter)
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.sort();
        self.entries = entries;
        self.dir = dir;
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
    }

    fn chosen_path(&self) -> PathBuf {
        let typed = self.path.value();
        if !typed.is_empty() && Path::new(&typed).is_file() {
            return PathBuf::from(typed);
        }
        match self.entries.get(self.selected) {
            Some(name) if self.dir == Path::new(".") => PathBuf::from(name),
            Some(name) => self.dir.join(name),
            None => PathBuf::from(typed),
        }
    }

    /// Opens a file and hands it to the context; the error stays on screen otherwise.
    pub fn open(&mut self, path: &Path, ctx: &mut Ctx) -> bool {
        match Source::open(path, &ctx.read_options_for(path)) {
            Ok(source) => {
                self.error = None;
                self.path.set(&path.display().to_string());
                self.refresh();
                if let Some(refused) = ctx.load(source) {
                    let said = match refused {
                        crate::session::DraftError::Mapping(e) => {
                            let said = format!("--map: {e}");
                            ctx.map_refused = Some(said.clone());
                            said
                        }
                        other => other.to_string(),
                    };
                    ctx.say(Level::Error, said);
                } else if ctx.remembered() {
                    ctx.say(
                        Level::Info,
                        "Opened. The mapping used last time for these columns is applied.",
                    );
                } else {
                    ctx.say(Level::Info, "Opened. Press Enter to map its columns.");
                }
                true
            }
            Err(e) => {
                self.error = Some(e.to_string());
                ctx.source = None;
                false
            }
        }
    }
}

impl Screen for FileScreen {
    fn keys(&self) -> Keys {
        &[action::FILE, action::TYPING]
    }

    fn text_input(&mut self, key: KeyEvent, _ctx: &mut Ctx) -> Option<Transition> {
        if !self.path.input(key) {
            return None;
        }
        self.refresh();
        self.selected = 0;
        Some(Transition::Stay)
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match action {
            Action::Next => {
                let path = self.chosen_path();
                let already = ctx.source.as_ref().is_some_and(|s| s.info.path == path);
                if already {
                    return Transition::Next;
                }
                if path.as_os_str().is_empty() {
                    ctx.say(
                        Level::Warn,
                        "Type the path of a CSV file, or pick one from the list.",
                    );
                    return Transition::Stay;
                }
                self.open(&path, ctx);
                Transition::Stay
            }
            Action::Back => {
                self.path.set("");
                self.refresh();
                Transition::Stay
            }
            Action::History => Transition::To(View::History),
            Action::Contacts => Transition::To(View::Contacts),
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => {
                self.selected = move_selection(self.selected, self.entries.len(), action, 10);
                Transition::Stay
            }
            _ => Transition::Stay,
        }
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let [input, body] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        self.path.render(
            theme,
            " File to import (type a path, or pick below) ",
            true,
            input,
            buf,
        );
        let [list, info] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
        let height = list.height.saturating_sub(2) as usize;
        let offset = scroll_offset(self.selected, height);
        let lines: Vec<Line> = if self.entries.is_empty() {
            vec![Line::styled(" no CSV files here", theme.dim())]
        } else {
            self.entries
                .iter()
                .enumerate()
                .skip(offset)
                .take(height)
                .map(|(i, name)| {
                    let text = format!(" {}", fit(name, list.width.saturating_sub(3) as usize));
                    if i == self.selected {
                        Line::styled(text, theme.selected())
                    } else {
                        Line::raw(text)
                    }
                })
                .collect()
        };
        let title = format!(
            " {} ",
            fit(
                &self.dir.display().to_string(),
                list.width.saturating_sub(4) as usize
            )
        );
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::ALL).title(title))
            .render(list, buf);

        let mut text: Vec<Line> = Vec::new();
        if let Some(e) = &self.error {
            text.push(Line::styled("Cannot use this file", theme.error()));
            text.push(Line::raw(""));
            text.push(Line::raw(fit(e, 2000)));
        } else if let Some(s) = &ctx.source {
            let i = &s.info;
            let rows = if i.rows_exact {
                format!("{}", i.approx_rows)
            } else {
                format!("about {}", i.approx_rows)
            };
            let delimiter = match i.delimiter {
                ',' => "comma".to_string(),
                ';' => "semicolon".to_string(),
                '\t' => "tab".to_string(),
                '|' => "pipe".to_string(),
                other => format!("{other:?}"),
            };
            let kv = |k: &str, v: String| {
                Line::from(vec![
                    Span::styled(format!("{k:<11}"), theme.dim()),
                    Span::raw(v),
                ])
            };
            text.push(Line::styled(
                fit(&i.path.display().to_string(), info.width as usize),
                theme.heading(),
            ));
            text.push(kv(
                "Encoding",
                format!(
                    "{}{}{}",
                    i.encoding,
                    if i.bom { " (BOM)" } else { "" },
                    // The review names values as decoded; here the doubt is said at once.
                    if i.encoding_confident {
                        ""
                    } else {
                        " (guessed, low confidence)"
                    }
                ),
            ));
            text.push(kv("Delimiter", delimiter));
            text.push(kv(
                "Header",
                format!("row {} · {} columns", i.header_row, i.header.len()),
            ));
            text.push(kv("Rows", rows));
            text.push(kv("Size", format!("{} KB", i.size.div_ceil(1024))));
            text.push(Line::raw(""));
            text.push(Line::raw(fit(
                &format!("Columns: {}", i.header.join(", ")),
                400,
            )));
        } else {
            text.push(Line::styled("Pick a CSV export to import.", theme.dim()));
            text.push(Line::raw(""));
            text.push(Line::raw("UTF-8, UTF-16 and older encodings (windows-1251, Shift_JIS, GBK, …, detected); comma, semicolon, tab or pipe delimited; title lines above the header are skipped."));
            if let Some(e) = &ctx.store_error {
                text.push(Line::raw(""));
                text.push(Line::styled(fit(e, 400), theme.warn()));
            }
        }
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" Detected "))
            .render(info, buf);
    }
}
