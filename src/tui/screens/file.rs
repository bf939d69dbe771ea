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

    /// Lists the typed directory: `../`, its folders (`name/`), then its CSV-like files,
    /// those whose names contain what follows the last `/` of the path typed.
    pub fn refresh(&mut self) {
        let typed = self.path.value();
        let (dir, filter) = split_typed(&typed);
        let filter = filter.to_lowercase();
        let listed = expand(if dir.is_empty() { "." } else { &dir });
        let mut folders: Vec<String> = Vec::new();
        let mut files: Vec<String> = Vec::new();
        if let Ok(rd) = std::fs::read_dir(&listed) {
            for e in rd.filter_map(|e| e.ok()) {
                let name = e.file_name().to_string_lossy().to_string();
                let lower = name.to_lowercase();
                if !lower.contains(&filter) {
                    continue;
                }
                let path = e.path();
                if path.is_dir() {
                    // Hidden folders only when asked for by name.
                    if !name.starts_with('.') || filter.starts_with('.') {
                        folders.push(format!("{name}/"));
                    }
                } else if path.is_file()
                    && EXTENSIONS
                        .iter()
                        .any(|ext| lower.ends_with(&format!(".{ext}")))
                {
                    files.push(name);
                }
            }
        }
        folders.sort();
        files.sort();
        let mut entries = Vec::new();
        if filter.is_empty() && listed.parent().is_some() {
            entries.push("../".to_string());
        }
        entries.extend(folders);
        entries.extend(files);
        self.entries = entries;
        self.dir = listed;
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
    }

    fn chosen_path(&self) -> PathBuf {
        let typed = self.path.value();
        if !typed.is_empty() && expand(&typed).is_file() {
            return expand(&typed);
        }
        match self.entries.get(self.selected) {
            Some(name) if self.dir == Path::new(".") => PathBuf::from(name),
            Some(name) => self.dir.join(name),
            None => expand(&typed),
        }
    }

    /// Enter on a folder (or `../`): the path becomes that folder's, and it is listed.
    fn open_folder(&mut self, name: &str) {
        let (dir, _) = split_typed(&self.path.value());
        let path = if name == "../" {
            parent_of(&dir)
        } else {
            format!("{dir}{name}")
        };
        self.path.set(&path);
        self.selected = 0;
        self.refresh();
    }

    /// Tab: the typed name completed as far as the names that start with it agree (a
    /// folder gets its `/`); a folder typed without its `/` gets it.
    fn complete(&mut self, ctx: &mut Ctx) {
        let typed = self.path.value();
        if !typed.is_empty() && !typed.ends_with('/') && expand(&typed).is_dir() {
            self.path.set(&format!("{typed}/"));
            self.selected = 0;
            return self.refresh();
        }
        let (dir, filter) = split_typed(&typed);
        let lower = filter.to_lowercase();
        let names: Vec<&String> = self
            .entries
            .iter()
            .filter(|n| *n != "../" && n.to_lowercase().starts_with(&lower))
            .collect();
        let Some(first) = names.first() else {
            return ctx.say(
                Level::Warn,
                format!("No folder or file here starts with {filter:?}."),
            );
        };
        let mut common: String = first.to_string();
        for name in &names[1..] {
            let shared = common
                .chars()
                .zip(name.chars())
                .take_while(|(a, b)| a == b)
                .count();
            common = common.chars().take(shared).collect();
        }
        if common.chars().count() > filter.chars().count() {
            self.path.set(&format!("{dir}{common}"));
            self.selected = 0;
            self.refresh();
        } else if names.len() > 1 {
            ctx.say(
                Level::Info,
                format!(
                    "{} names start with {filter:?}: type more, or pick one below.",
                    names.len()
                ),
            );
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
                let typed_file = expand(&self.path.value()).is_file();
                if let Some(folder) = self
                    .entries
                    .get(self.selected)
                    .filter(|n| n.ends_with('/') && !typed_file)
                    .cloned()
                {
                    self.open_folder(&folder);
                    return Transition::Stay;
                }
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
            Action::FocusNext => {
                self.complete(ctx);
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
            vec![Line::styled(" no folders or CSV files here", theme.dim())]
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
            if let Some(sheets) = s.sheets() {
                // A workbook has no encoding or delimiter to show: what it is, and which
                // of its sheets is read (--sheet chooses another).
                text.push(kv("Format", i.format.describe().to_string()));
                text.push(kv(
                    "Sheet",
                    format!(
                        "{} ({} of {})",
                        fit(
                            sheets.names.get(sheets.chosen).map_or("", String::as_str),
                            60
                        ),
                        sheets.chosen + 1,
                        sheets.names.len()
                    ),
                ));
            } else {
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
                if i.format == crate::engine::source::Format::VCard {
                    // An address book has no delimiter nor header row: its columns are the
                    // properties its cards fill, one row per card.
                    text.push(kv("Format", "vCard address book".to_string()));
                } else {
                    text.push(kv("Delimiter", delimiter));
                }
            }
            if i.format == crate::engine::source::Format::VCard {
                text.push(kv("Cards", rows));
            } else {
                text.push(kv(
                    "Header",
                    format!("row {} · {} columns", i.header_row, i.header.len()),
                ));
                text.push(kv("Rows", rows));
            }
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

/// The typed path split at its last `/`: the folder as typed (with its `/`, empty for the
/// current one) and the name being typed.
fn split_typed(typed: &str) -> (String, String) {
    match typed.rfind('/') {
        Some(i) => (typed[..=i].to_string(), typed[i + 1..].to_string()),
        None if typed == "~" => ("~/".to_string(), String::new()),
        None => (String::new(), typed.to_string()),
    }
}

/// `~` and `~/…` are the home folder, as in a shell.
fn expand(typed: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    if typed == "~" {
        if let Some(h) = home() {
            return h;
        }
    } else if let Some(rest) = typed.strip_prefix("~/") {
        if let Some(h) = home() {
            return h.join(rest);
        }
    }
    PathBuf::from(typed)
}

/// The folder above `dir` as typed (`a/b/` → `a/`, `` → `../`, `../` → `../../`).
fn parent_of(dir: &str) -> String {
    let trimmed = dir.trim_end_matches('/');
    if dir == "/" {
        return "/".to_string();
    }
    let last = trimmed.rsplit('/').next().unwrap_or("");
    if trimmed.is_empty() || last == ".." || last == "." {
        return format!("{dir}../");
    }
    if last == "~" {
        return expand("~")
            .parent()
            .map(|p| format!("{}/", p.display()).replace("//", "/"))
            .unwrap_or_else(|| "/".to_string());
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[..=i].to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_above_is_named_as_typed() {
        assert_eq!(parent_of("a/b/"), "a/");
        assert_eq!(parent_of("a/"), "");
        assert_eq!(parent_of(""), "../");
        assert_eq!(parent_of("../"), "../../");
        assert_eq!(parent_of("/"), "/");
        assert_eq!(parent_of("/tmp/"), "/");
    }

    #[test]
    fn a_typed_path_splits_at_its_last_slash() {
        assert_eq!(split_typed("a/b/c.csv"), ("a/b/".into(), "c.csv".into()));
        assert_eq!(split_typed("c"), ("".into(), "c".into()));
        assert_eq!(split_typed("~"), ("~/".into(), "".into()));
    }
}
