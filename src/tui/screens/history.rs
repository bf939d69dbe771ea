//! History: every job with its status, and `/` to find a name, email or phone in every
//! job's rows (the wizard's `rolodex trace`); a job's rows filtered by status and reason and
//! searchable with `/`; a row's detail with its original cells, every reason and message;
//! the cells edited in place, revalidated as you type, and the fixed rows retried as a
//! follow-up job linked to the original.

use std::collections::BTreeMap;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::{move_selection, scroll_offset, Command, Confirm, Screen, Transition, View};
use crate::engine::apply::recheck_row;
use crate::engine::reason::{Issue, Reason};
use crate::engine::resolve::RowStatus;
use crate::engine::retry::{retry_dir, write_retry_file};
use crate::engine::review::NoStore;
use crate::engine::source::RawRow;
use crate::engine::validate::Validator;
use crate::store::jobs::{Job, JobRow};
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::{Ctx, TextField};

/// At most this many rows of one job are held in the browser.
const MAX_ROWS: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Jobs,
    Rows,
    Detail,
    Edit,
}

pub struct Editor {
    pub cells: Vec<String>,
    pub focus: usize,
    pub field: TextField,
    pub status: RowStatus,
    pub issues: Vec<Issue>,
}

#[derive(Default)]
pub struct HistoryScreen {
    pub mode: Mode,
    pub jobs: Vec<Job>,
    pub job_sel: usize,
    pub job: Option<Job>,
    pub rows: Vec<JobRow>,
    pub truncated: bool,
    /// Indices into `rows` that pass the filters.
    pub shown: Vec<usize>,
    pub row_sel: usize,
    pub status_filter: Option<RowStatus>,
    pub reason_filter: Option<Reason>,
    pub search: Option<TextField>,
    pub query: String,
    pub editor: Option<Editor>,
    validator: Option<Validator>,
    /// A search of every job's rows (`/` on the jobs list): the jobs list shows only the
    /// jobs with rows found, and a job opens on those rows.
    pub trace: Option<Trace>,
}

pub struct Trace {
    pub query: String,
    /// Per job, the rows found; `None` while the search runs.
    pub found: Option<BTreeMap<u64, Vec<u64>>>,
}

const STATUSES: [Option<RowStatus>; 5] = [
    None,
    Some(RowStatus::Error),
    Some(RowStatus::Skipped),
    Some(RowStatus::Imported),
    Some(RowStatus::Updated),
];

impl HistoryScreen {
    fn reload_jobs(&mut self, ctx: &mut Ctx) {
        // A store that cannot be read is said, never shown as one with no imports; one
        // created since the wizard started (by an import elsewhere) is opened now.
        let jobs = match ctx.reader().map(|s| s.jobs()) {
            Some(Ok(jobs)) => jobs,
            Some(Err(e)) => {
                ctx.say(Level::Error, e.to_string());
                Vec::new()
            }
            None => Vec::new(),
        };
        // Each as its process leaves it: a job whose process is gone shows `interrupted`.
        self.jobs = jobs.into_iter().map(Job::as_shown).collect();
        self.jobs.reverse(); // newest first
        if let Some(found) = self.trace.as_ref().and_then(|t| t.found.as_ref()) {
            self.jobs.retain(|j| found.contains_key(&j.id));
        }
        self.job_sel = self.job_sel.min(self.jobs.len().saturating_sub(1));
    }

    /// The search for `query` in every job's rows has started.
    pub fn tracing(&mut self, query: String, ctx: &mut Ctx) {
        ctx.say(
            Level::Info,
            format!("Looking for {query:?} in every job's rows…"),
        );
        self.trace = Some(Trace { query, found: None });
    }

    /// The rows a search of every job found (or why it failed).
    pub fn traced(
        &mut self,
        query: String,
        result: Result<BTreeMap<u64, Vec<u64>>, crate::store::StoreError>,
        ctx: &mut Ctx,
    ) {
        let Some(trace) = self.trace.as_mut().filter(|t| t.query == query) else {
            return; // a search given up since
        };
        match result {
            Ok(found) => {
                let rows: usize = found.values().map(Vec::len).sum();
                ctx.say(
                    Level::Info,
                    match rows {
                        0 => format!("No row of any job mentions {query:?}. Esc shows every job."),
                        _ => format!(
                            "Found in {} of {}. Enter opens a job on them; Esc shows every job.",
                            counted(rows, "row"),
                            counted(found.len(), "job")
                        ),
                    },
                );
                trace.found = Some(found);
            }
            Err(e) => {
                self.trace = None;
                ctx.say(Level::Error, e.to_string());
            }
        }
        self.job_sel = 0;
        self.reload_jobs(ctx);
    }

    /// Opens a job's rows; `problems` starts on the failed rows.
    pub fn open_job(&mut self, id: u64, problems: bool, ctx: &mut Ctx) {
        let Some(store) = &ctx.store else { return };
        let job = match store.job(id) {
            Ok(j) => j,
            Err(e) => {
                ctx.say(Level::Error, e.to_string());
                return;
            }
        };
        let traced: Option<Vec<u64>> = self
            .trace
            .as_ref()
            .and_then(|t| t.found.as_ref())
            .map(|found| found.get(&id).cloned().unwrap_or_default());
        let problems = problems && traced.is_none();
        let mut rows = Vec::new();
        let mut truncated = false;
        let _ = store.job_rows(id, &mut |row| {
            let wanted = match &traced {
                Some(found) => found.binary_search(&row.row).is_ok(),
                None => !problems || row.status.is_problem() || !row.issues.is_empty(),
            };
            if rows.len() >= MAX_ROWS {
                truncated = true;
            } else if wanted {
                rows.push(row);
            }
            Ok(())
        });
        self.validator = Validator::new(&job.plan, &job.header).ok();
        self.job = Some(job);
        self.rows = rows;
        self.truncated = truncated;
        self.status_filter = if problems {
            Some(RowStatus::Error)
        } else {
            None
        };
        if problems && !self.rows.iter().any(|r| r.status == RowStatus::Error) {
            self.status_filter = None;
        }
        self.reason_filter = None;
        self.query.clear();
        self.row_sel = 0;
        self.mode = Mode::Rows;
        self.refilter();
    }

    fn refilter(&mut self) {
        self.shown = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| self.status_filter.is_none_or(|s| r.status == s))
            .filter(|(_, r)| self.reason_filter.is_none_or(|reason| r.has_reason(reason)))
            .map(|(i, _)| i)
            .collect();
        self.row_sel = self.row_sel.min(self.shown.len().saturating_sub(1));
    }

    fn matches(&self, row: &JobRow) -> bool {
        let q = self.query.to_lowercase();
        !q.is_empty()
            && (row.cells.iter().any(|c| c.to_lowercase().contains(&q))
                || row
                    .issues
                    .iter()
                    .any(|i| i.message.to_lowercase().contains(&q))
                || row.row.to_string() == q)
    }

    fn jump(&mut self, forward: bool, ctx: &mut Ctx) {
        let n = self.shown.len();
        if n == 0 || self.query.is_empty() {
            return;
        }
        for step in 1..=n {
            let i = if forward {
                (self.row_sel + step) % n
            } else {
                (self.row_sel + n - step % n) % n
            };
            if self.matches(&self.rows[self.shown[i]]) {
                self.row_sel = i;
                return;
            }
        }
        ctx.say(Level::Warn, format!("No row matches {:?}.", self.query));
    }

    fn current(&self) -> Option<&JobRow> {
        self.shown.get(self.row_sel).and_then(|&i| self.rows.get(i))
    }

    fn start_edit(&mut self, ctx: &mut Ctx) {
        let (Some(row), Some(job)) = (self.current(), &self.job) else {
            return;
        };
        let mut cells = row.cells.to_vec();
        cells.resize(job.header.len().max(cells.len()), String::new());
        if let Some(fixed) = ctx.fixes.get(&(job.id, row.row)) {
            cells = fixed.clone();
        }
        let field = TextField::new(cells.first().map(String::as_str).unwrap_or(""));
        self.editor = Some(Editor {
            cells,
            focus: 0,
            field,
            status: row.status,
            issues: row.issues.clone(),
        });
        self.mode = Mode::Edit;
        self.revalidate(ctx);
    }

    /// Checks the edited row as the retry's import would (`recheck_row`): validation, then
    /// the match among stored contacts.
    fn revalidate(&mut self, ctx: &mut Ctx) {
        let (Some(editor), Some(validator), Some(job)) =
            (&mut self.editor, &self.validator, &self.job)
        else {
            return;
        };
        let row = self
            .shown
            .get(self.row_sel)
            .and_then(|&i| self.rows.get(i))
            .map(|r| (r.row, r.line))
            .unwrap_or((0, 0));
        let raw = RawRow {
            row: row.0,
            line: row.1,
            cells: crate::engine::source::Cells::from_strings(&editor.cells),
        };
        let options = &job.plan.options;
        let rechecked = match ctx.store.as_ref().map(|s| s.lookup()) {
            None => recheck_row(validator, options, &raw, &NoStore),
            Some(Ok(store)) => recheck_row(validator, options, &raw, &store),
            Some(Err(e)) => Err(crate::engine::review::LookupError::Store(Box::new(e))),
        };
        let rechecked = rechecked.or_else(|e| {
            // The cells are still worth checking; what they match is said to be unknown.
            ctx.say(
                Level::Error,
                format!("The store could not be read, so this row was not matched against stored contacts: {e}"),
            );
            recheck_row(validator, options, &raw, &NoStore)
        });
        if let Ok(rechecked) = rechecked {
            editor.status = rechecked.status;
            editor.issues = rechecked.issues;
        }
    }

    /// Writes the fixed rows of the open job to a file beside the store and imports it as a
    /// follow-up job with the original's mapping and options.
    fn retry(&mut self, ctx: &mut Ctx) -> Transition {
        let Some(job) = self.job.clone() else {
            return Transition::Stay;
        };
        let fixes = (job.id, 0)..=(job.id, u64::MAX);
        if ctx.fixes.range(fixes.clone()).next().is_none() {
            ctx.say(
                Level::Warn,
                "No fixed rows yet: open a row (Enter), edit it (e), keep the fix (Enter).",
            );
            return Transition::Stay;
        }
        let dir = retry_dir(ctx.store.as_ref().map(|s| s.path()), &ctx.out_dir);
        let written = write_retry_file(
            &dir,
            job.id,
            (ctx.clock)(),
            &job.header,
            ctx.fixes.range(fixes).map(|(_, cells)| cells),
            &ctx.protected(Path::new(&job.file)),
        );
        let path = match written {
            Ok(path) => path,
            Err(e) => {
                ctx.say(Level::Error, e.to_string());
                return Transition::Stay;
            }
        };
        // The app starts it and shows its progress; back here, `enter` shows the jobs.
        Transition::Run(Command::Retry { job: job.id, path })
    }
}

impl Screen for HistoryScreen {
    fn keys(&self) -> Keys {
        match self.mode {
            _ if self.search.is_some() => &[action::ENTER_ESC, action::TYPING],
            Mode::Jobs => &[action::HISTORY, action::LIST, action::NAV],
            Mode::Rows => &[action::JOB_ROWS, action::LIST, action::NAV],
            Mode::Detail => &[action::ROW_DETAIL, action::NAV],
            Mode::Edit => &[action::ROW_EDIT, action::TYPING],
        }
    }

    fn subtitle(&self) -> Option<String> {
        let job = self.job.as_ref().map(|j| j.id)?;
        match self.mode {
            Mode::Jobs => None,
            Mode::Rows => Some(format!("Job {job}")),
            Mode::Detail | Mode::Edit => {
                self.current().map(|r| format!("Job {job} · Row {}", r.row))
            }
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        self.reload_jobs(ctx);
        if let Some(job) = ctx.job.as_ref().filter(|_| ctx.open_failed).map(|j| j.id) {
            ctx.open_failed = false;
            self.open_job(job, true, ctx);
        } else if self.mode != Mode::Jobs {
            self.mode = Mode::Jobs;
        }
    }

    fn text_input(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Transition> {
        if let Some(search) = &mut self.search {
            match key.code {
                KeyCode::Enter if self.mode == Mode::Jobs => {
                    let query = search.value().trim().to_string();
                    self.search = None;
                    // The app starts the search (then `tracing`), and hands its end to
                    // `traced`.
                    return Some(Transition::Run(Command::Trace(query)));
                }
                KeyCode::Enter => {
                    self.query = search.value();
                    self.search = None;
                    self.row_sel = self.row_sel.saturating_sub(1);
                    self.jump(true, ctx);
                }
                KeyCode::Esc => self.search = None,
                // What the field leaves (F1, Ctrl-C) is the app's.
                _ if !search.input(key) => return None,
                _ => {}
            }
            return Some(Transition::Stay);
        }
        if self.mode == Mode::Edit {
            let editor = self.editor.as_mut()?;
            if editor.field.input(key) {
                let focus = editor.focus;
                if let Some(cell) = editor.cells.get_mut(focus) {
                    *cell = editor.field.value();
                }
                self.revalidate(ctx);
                return Some(Transition::Stay);
            }
        }
        None
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) -> Transition {
        match self.mode {
            Mode::Jobs => match action {
                Action::Next => {
                    if let Some(id) = self.jobs.get(self.job_sel).map(|j| j.id) {
                        let problems = self.jobs[self.job_sel].counts.failed
                            + self.jobs[self.job_sel].counts.skipped
                            > 0;
                        self.open_job(id, problems, ctx);
                    }
                }
                Action::Revert => {
                    if let Some(j) = self.jobs.get(self.job_sel) {
                        return Transition::Confirm(Confirm::Revert(j.id));
                    }
                }
                Action::Search => {
                    let last = self.trace.as_ref().map(|t| t.query.as_str()).unwrap_or("");
                    self.search = Some(TextField::new(last));
                }
                Action::Back if self.trace.is_some() => {
                    self.trace = None;
                    self.reload_jobs(ctx);
                }
                Action::Back => {
                    return Transition::To(if ctx.job.is_some() {
                        View::Done
                    } else {
                        View::File
                    })
                }
                other => self.job_sel = move_selection(self.job_sel, self.jobs.len(), other, 10),
            },
            Mode::Rows => match action {
                Action::Next => {
                    if self.current().is_some() {
                        self.mode = Mode::Detail;
                    }
                }
                Action::FilterStatus => {
                    let i = STATUSES
                        .iter()
                        .position(|s| *s == self.status_filter)
                        .unwrap_or(0);
                    self.status_filter = STATUSES[(i + 1) % STATUSES.len()];
                    self.refilter();
                }
                Action::FilterReason => {
                    let mut reasons: Vec<Reason> = self
                        .rows
                        .iter()
                        .flat_map(|r| r.issues.iter().map(|i| i.reason))
                        .collect();
                    reasons.sort();
                    reasons.dedup();
                    let mut all: Vec<Option<Reason>> = vec![None];
                    all.extend(reasons.into_iter().map(Some));
                    let i = all
                        .iter()
                        .position(|r| *r == self.reason_filter)
                        .unwrap_or(0);
                    self.reason_filter = all[(i + 1) % all.len()];
                    self.refilter();
                }
                Action::Search => self.search = Some(TextField::new(&self.query)),
                Action::NextMatch => self.jump(true, ctx),
                Action::PrevMatch => self.jump(false, ctx),
                Action::Retry => return self.retry(ctx),
                Action::Back => {
                    self.mode = Mode::Jobs;
                    self.reload_jobs(ctx);
                }
                other => self.row_sel = move_selection(self.row_sel, self.shown.len(), other, 10),
            },
            Mode::Detail => match action {
                Action::Edit => self.start_edit(ctx),
                Action::Back => self.mode = Mode::Rows,
                Action::Up | Action::Down => {
                    self.row_sel = move_selection(self.row_sel, self.shown.len(), action, 1);
                }
                _ => {}
            },
            Mode::Edit => match action {
                Action::Up | Action::Down | Action::FocusNext | Action::FocusPrev => {
                    if let Some(editor) = &mut self.editor {
                        let forward = matches!(action, Action::Down | Action::FocusNext);
                        let n = editor.cells.len().max(1);
                        editor.focus = if forward {
                            (editor.focus + 1) % n
                        } else {
                            (editor.focus + n - 1) % n
                        };
                        let value = editor.cells.get(editor.focus).cloned().unwrap_or_default();
                        editor.field = TextField::new(&value);
                    }
                }
                Action::Save => {
                    if let (Some(editor), Some(job), Some(row)) =
                        (&self.editor, &self.job, self.current())
                    {
                        let row_number = row.row;
                        ctx.fixes.insert((job.id, row_number), editor.cells.clone());
                        let n = ctx.fixes.range((job.id, 0)..=(job.id, u64::MAX)).count();
                        ctx.say(
                            Level::Info,
                            format!("Row {row_number} fixed ({n} waiting). Press R in the rows to retry them as a follow-up job."),
                        );
                    }
                    self.editor = None;
                    self.mode = Mode::Rows;
                }
                Action::Back => {
                    self.editor = None;
                    self.mode = Mode::Detail;
                }
                _ => {}
            },
        }
        Transition::Stay
    }

    fn render(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        match self.mode {
            Mode::Jobs => self.render_jobs(ctx, area, buf),
            Mode::Rows => self.render_rows(ctx, area, buf),
            Mode::Detail | Mode::Edit => self.render_detail(ctx, area, buf),
        }
    }
}

impl HistoryScreen {
    fn render_jobs(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let [area, search_area] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(if self.search.is_some() { 3 } else { 0 }),
        ])
        .areas(area);
        if let Some(search) = &self.search {
            search.render(
                theme,
                " Find a name, email or phone in every job (Enter) ",
                true,
                search_area,
                buf,
            );
        }
        let found = self
            .trace
            .as_ref()
            .map(|t| (t.query.as_str(), t.found.as_ref()));
        let empty = match found {
            Some((query, None)) => Some(format!(" Looking for {query:?} in every job's rows…")),
            Some((query, Some(_))) if self.jobs.is_empty() => Some(format!(
                " No row of any job mentions {query:?}. Esc shows every job."
            )),
            _ if self.jobs.is_empty() => Some(" No imports yet.".to_string()),
            _ => None,
        };
        if let Some(text) = empty {
            Paragraph::new(fit(&text, 300))
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL).title(" Jobs "))
                .render(area, buf);
            return;
        }

        let height = area.height.saturating_sub(3) as usize;
        let offset = scroll_offset(self.job_sel, height);
        // What the file column gets: the table's width less the columns before it, their
        // gaps and the borders; a longer name ends in "…" rather than being cut.
        let file_width = usize::from(area.width).saturating_sub(4 + 12 + 11 + 4 * 6 + 7 + 2);
        let rows: Vec<Row> = self
            .jobs
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, j)| {
                let c = &j.counts;
                let retry = j
                    .retry_of
                    .map(|r| format!(" (retry of {r})"))
                    .unwrap_or_default();
                let row = Row::new(vec![
                    Cell::from(format!("{:>4}", j.id)),
                    Cell::from(j.status.label()),
                    Cell::from(j.started.get(5..16).unwrap_or(&j.started).replace('T', " ")),
                    Cell::from(format!("{:>6}", compact(c.created))),
                    Cell::from(format!("{:>6}", compact(c.updated))),
                    Cell::from(format!("{:>6}", compact(c.skipped))),
                    Cell::from(format!("{:>6}", compact(c.failed))),
                    Cell::from(fit(&format!("{}{retry}", file_name(&j.file)), file_width)),
                ]);
                if i == self.job_sel {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        Table::new(
            rows,
            [
                Constraint::Length(4),
                // The longest status label, "done, errors" (`JobStatus::label`).
                Constraint::Length(12),
                Constraint::Length(11),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Min(8),
            ],
        )
        .header(
            Row::new(vec![
                "Job", "Status", "Started", "   New", "  Upd.", " Skip.", " Fail.", "File",
            ])
            .style(theme.heading()),
        )
        .block(Block::default().borders(Borders::ALL).title(match found {
            Some((query, found)) => {
                let rows: usize = found.map_or(0, |f| f.values().map(Vec::len).sum());
                format!(
                    " {} in {} {} {:?} · Enter opens · Esc shows all ",
                    counted(rows, "row"),
                    counted(self.jobs.len(), "job"),
                    if rows == 1 { "mentions" } else { "mention" },
                    fit(query, 20)
                )
            }
            None => format!(
                " {} · Enter opens one · / finds anyone in them ",
                counted(self.jobs.len(), "job")
            ),
        }))
        .render(area, buf);
    }

    fn render_rows(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let [table_area, search_area] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length(if self.search.is_some() { 3 } else { 0 }),
        ])
        .areas(area);
        let height = table_area.height.saturating_sub(3) as usize;
        let offset = scroll_offset(self.row_sel, height);
        let width = table_area.width.saturating_sub(25) as usize;
        let rows: Vec<Row> = self
            .shown
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, &ri)| {
                let r = &self.rows[ri];
                let first = r
                    .issues
                    .first()
                    .map(|i| format!("{}: {}", i.reason, i.describe()))
                    .unwrap_or_default();
                let fixed = self
                    .job
                    .as_ref()
                    .is_some_and(|j| ctx.fixes.contains_key(&(j.id, r.row)));
                let status_style = match r.status {
                    RowStatus::Error => theme.error(),
                    RowStatus::Skipped => theme.warn(),
                    _ => theme.ok(),
                };
                let row = Row::new(vec![
                    Cell::from(format!("{:>7}", r.row)),
                    Cell::from(Span::styled(r.status.label(), status_style)),
                    Cell::from(if fixed { "fixed" } else { "" }),
                    Cell::from(fit(&first, width)),
                ]);
                if i == self.row_sel {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let filter = format!(
            "status {} · reason {}{}",
            self.status_filter.map(|s| s.label()).unwrap_or("all"),
            self.reason_filter.map(|r| r.code()).unwrap_or("all"),
            if self.query.is_empty() {
                String::new()
            } else {
                format!(" · /{}", self.query)
            }
        );
        let title = format!(
            " {} of {} rows{} · {} ",
            self.shown.len(),
            self.rows.len(),
            if self.truncated {
                " (first 200,000)"
            } else {
                ""
            },
            fit(&filter, 60)
        );
        Table::new(
            rows,
            [
                Constraint::Length(7),
                Constraint::Length(8),
                Constraint::Length(5),
                Constraint::Min(10),
            ],
        )
        .header(Row::new(vec!["    Row", "Status", "", "Reason"]).style(theme.heading()))
        .block(Block::default().borders(Borders::ALL).title(title))
        .render(table_area, buf);
        if let Some(search) = &self.search {
            search.render(theme, " Search rows (Enter) ", true, search_area, buf);
        }
    }

    fn render_detail(&self, ctx: &Ctx, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let (Some(row), Some(job)) = (self.current(), &self.job) else {
            return;
        };
        let editing = self.editor.as_ref().filter(|_| self.mode == Mode::Edit);
        let (status, issues) = match editing {
            Some(e) => (e.status, &e.issues),
            None => (row.status, &row.issues),
        };
        let issue_lines = (issues.len() as u16 + 2).clamp(3, area.height / 2);
        let [cells_area, issues_area] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(issue_lines)]).areas(area);
        let cells: Vec<String> = match editing {
            Some(e) => e.cells.clone(),
            None => ctx
                .fixes
                .get(&(job.id, row.row))
                .cloned()
                .unwrap_or_else(|| row.cells.to_vec()),
        };
        let name_w = job
            .header
            .iter()
            .map(|h| h.chars().count())
            .max()
            .unwrap_or(8)
            .clamp(8, 24);
        let value_w = cells_area.width.saturating_sub(name_w as u16 + 5) as usize;
        let height = cells_area.height.saturating_sub(2) as usize;
        let focus = editing.map(|e| e.focus).unwrap_or(0);
        let offset = if editing.is_some() {
            scroll_offset(focus, height)
        } else {
            0
        };
        let mut lines: Vec<Line> = Vec::new();
        for (i, value) in cells.iter().enumerate().skip(offset).take(height) {
            let name = job
                .header
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("(extra {})", i + 1));
            let shown = match editing {
                Some(e) if i == e.focus => format!("{}▏", e.field.value()),
                _ => value.clone(),
            };
            let line = Line::from(vec![
                Span::styled(format!(" {:<name_w$} ", fit(&name, name_w)), theme.dim()),
                Span::raw(fit(&shown, value_w)),
            ]);
            lines.push(if editing.is_some() && i == focus {
                line.style(theme.selected())
            } else {
                line
            });
        }
        let title = if editing.is_some() {
            format!(
                " Editing row {} (line {}) · type to change the cell · revalidated as you type ",
                row.row, row.line
            )
        } else {
            format!(
                " Row {} (line {}) as read from the file ",
                row.row, row.line
            )
        };
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(fit(&title, cells_area.width.saturating_sub(2) as usize)),
            )
            .render(cells_area, buf);
        let style = match status {
            RowStatus::Error => theme.error(),
            RowStatus::Skipped => theme.warn(),
            _ => theme.ok(),
        };
        let mut text: Vec<Line> = issues
            .iter()
            .map(|i| {
                Line::from(vec![
                    Span::styled(format!(" {:<18} ", i.reason.code()), style),
                    Span::raw(fit(&i.describe(), 400)),
                ])
            })
            .collect();
        if text.is_empty() {
            text.push(Line::styled(" No problems: the row is clean.", theme.ok()));
        }
        let verdict = if editing.is_some() {
            format!(" Would be: {} ", status.label())
        } else {
            format!(" {} ", status.label())
        };
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(verdict)
                    .title_style(style),
            )
            .render(issues_area, buf);
    }
}

/// "1 job", "3 jobs".
/// A count in six columns: exact up to 999,999, then in millions (`1.03M`, `10.3M`,
/// `103M`) — never cut to a smaller number. The job's detail shows it exactly.
fn compact(n: u64) -> String {
    match n {
        0..=999_999 => n.to_string(),
        1_000_000..=9_994_999 => format!("{:.2}M", n as f64 / 1e6),
        9_995_000..=99_949_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.0}M", n as f64 / 1e6),
    }
}

fn counted(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn counts_fit_six_columns_and_never_read_smaller() {
        for (n, shown) in [
            (0, "0"),
            (999_999, "999999"),
            (1_000_000, "1.00M"),
            (1_030_021, "1.03M"),
            (9_994_999, "9.99M"),
            (9_995_000, "10.0M"),
            (99_949_999, "99.9M"),
            (99_950_000, "100M"),
            (1_234_567_890, "1235M"),
        ] {
            assert_eq!(compact(n), shown, "{n}");
        }
    }
}
