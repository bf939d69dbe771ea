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
use crate::engine::mapping::Who;
use crate::engine::number::{compact_count, group_digits};
use crate::engine::reason::{Issue, Reason};
use crate::engine::resolve::RowStatus;
use crate::engine::retry::{retry_dir, write_retry_file};
use crate::engine::review::NoStore;
use crate::engine::source::RawRow;
use crate::engine::validate::Validator;
use crate::store::backend::SharedLookup;
use crate::store::jobs::{Job, JobRow, JobStatus};
use crate::store::retried::RetriedFate;
use crate::tui::action::{self, Action, Keys};
use crate::tui::chrome::{fit, Level};
use crate::tui::context::{Ctx, TextField};
use crate::tui::job_index::{reason_bit, Entry};

/// Rows loaded around the selection, each way: more than the tallest table shows.
const PAGE_AROUND: usize = 64;

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
    /// Every row of the open job (or every row a search found), in file order.
    pub entries: Vec<Entry>,
    /// The rows around the selection, read from the store: their cells and messages.
    page: BTreeMap<u64, JobRow>,
    who: Who,
    /// The rows of the open job a follow-up job retried, and what became of them there.
    retried: BTreeMap<u64, RetriedFate>,
    /// The rows of the open job the last `/` query matches, found by reading the job once.
    matched: Option<(String, Vec<u64>)>,
    /// Indices into `entries` that pass the filters.
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
    /// The job whose rows are being read to open it (a task: seconds for millions).
    pub loading: Option<Loading>,
    /// The query whose rows in the open job are being looked for (a task).
    pub finding: Option<String>,
}

/// A job being opened: its rows are read in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loading {
    pub job: u64,
    /// Start on the failed rows.
    pub problems: bool,
    /// Rows the job has, to say how long it may take.
    pub rows: u64,
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

    /// A job is about to be opened (the app reads its rows as a task): says so, and
    /// gives the rows to read when a search of every job chose them.
    pub fn opening(&mut self, job: u64, problems: bool, ctx: &mut Ctx) -> Option<Vec<u64>> {
        let traced: Option<Vec<u64>> = self
            .trace
            .as_ref()
            .and_then(|t| t.found.as_ref())
            .map(|found| found.get(&job).cloned().unwrap_or_default());
        let rows = self
            .jobs
            .iter()
            .find(|j| j.id == job)
            .or(ctx.job.as_ref().filter(|j| j.id == job))
            .map_or(0, |j| j.counts.total_rows);
        self.loading = Some(Loading {
            job,
            problems: problems && traced.is_none(),
            rows,
        });
        self.search = None;
        self.mode = Mode::Jobs;
        traced
    }

    /// The job-rows task (or the find task) ended early: nothing is loading any more.
    pub fn gave_up(&mut self) {
        self.loading = None;
        self.finding = None;
    }

    /// A job's rows, read: the job opens on them (on its failed rows when asked).
    pub fn indexed(
        &mut self,
        id: u64,
        result: Result<Vec<Entry>, crate::store::StoreError>,
        ctx: &mut Ctx,
    ) {
        let Some(loading) = self.loading.filter(|l| l.job == id) else {
            return; // given up since
        };
        self.loading = None;
        let entries = match result {
            Ok(entries) => entries,
            Err(e) => return ctx.say(Level::Error, e.to_string()),
        };
        let Some(store) = &ctx.store else { return };
        let job = match store.job(id) {
            Ok(j) => j,
            Err(e) => return ctx.say(Level::Error, e.to_string()),
        };
        self.retried = match store.retried_fates(id) {
            Ok(retried) => retried,
            Err(e) => {
                ctx.say(Level::Error, e.to_string());
                BTreeMap::new()
            }
        };
        self.validator = Validator::new(&job.plan, &job.header).ok();
        self.who = Who::of(&job.plan.mapping);
        self.job = Some(job);
        self.entries = entries;
        self.page.clear();
        self.matched = None;
        self.finding = None;
        let problems =
            loading.problems && self.entries.iter().any(|r| r.status == RowStatus::Error);
        self.status_filter = problems.then_some(RowStatus::Error);
        self.reason_filter = None;
        self.query.clear();
        self.row_sel = 0;
        self.mode = Mode::Rows;
        self.refilter();
        self.load_page(ctx);
    }

    /// The rows of the open job a search found: the selection goes to the next one.
    pub fn found(
        &mut self,
        job: u64,
        query: String,
        result: Result<Vec<u64>, crate::store::StoreError>,
        ctx: &mut Ctx,
    ) {
        if self.finding.as_deref() != Some(query.as_str())
            || self.job.as_ref().map(|j| j.id) != Some(job)
        {
            return; // given up since
        }
        self.finding = None;
        match result {
            Ok(found) => {
                ctx.status = None;
                self.matched = Some((query, found));
                let _ = self.jump(true, ctx);
            }
            Err(e) => ctx.say(Level::Error, e.to_string()),
        }
    }

    /// Reads from the store the rows around the selection that are not at hand, and lets
    /// go of those far from it: memory holds a page, whatever the job's size.
    fn load_page(&mut self, ctx: &mut Ctx) {
        let (Some(job), Some(store)) = (&self.job, ctx.store.clone()) else {
            return;
        };
        let from = self.row_sel.saturating_sub(PAGE_AROUND);
        let wanted: Vec<u64> = self
            .shown
            .iter()
            .skip(from)
            .take(2 * PAGE_AROUND + 1)
            .filter_map(|&i| self.entries.get(i).map(|e| e.row))
            .collect();
        let (Some(&low), Some(&high)) = (wanted.first(), wanted.last()) else {
            self.page.clear();
            return;
        };
        self.page.retain(|row, _| (low..=high).contains(row));
        let mut next = 0;
        while let Some(&missing) = wanted[next..].iter().find(|r| !self.page.contains_key(r)) {
            next = wanted
                .iter()
                .position(|r| *r == missing)
                .map_or(wanted.len(), |i| i + 1);
            // One read covers the chunk the row is in, and the wanted rows after it there.
            let rows = match store.job_rows_from(job.id, missing, 1024) {
                Ok(rows) => rows,
                Err(e) => {
                    ctx.say(Level::Error, e.to_string());
                    return;
                }
            };
            if rows.is_empty() {
                return;
            }
            for row in rows {
                if wanted.binary_search(&row.row).is_ok() {
                    self.page.insert(row.row, row);
                }
            }
        }
    }

    /// The `i`th row the filters show, when it is at hand (it is, around the selection).
    pub fn shown_row(&self, i: usize) -> Option<&JobRow> {
        let entry = self.shown.get(i).and_then(|&e| self.entries.get(e))?;
        self.page.get(&entry.row)
    }

    fn refilter(&mut self) {
        let bit = self.reason_filter.map(reason_bit);
        self.shown = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, r)| self.status_filter.is_none_or(|s| r.status == s))
            .filter(|(_, r)| bit.is_none_or(|b| r.reasons & b != 0))
            .map(|(i, _)| i)
            .collect();
        self.row_sel = self.row_sel.min(self.shown.len().saturating_sub(1));
    }

    /// Moves to the next (or previous) row the query finds; the rows it finds are looked
    /// for first, as a task, once per query.
    fn jump(&mut self, forward: bool, ctx: &mut Ctx) -> Transition {
        let n = self.shown.len();
        if n == 0 || self.query.is_empty() {
            if self.query.is_empty() {
                ctx.say(Level::Info, "Press / to type what to look for first.");
            }
            return Transition::Stay;
        }
        if self.matched.as_ref().is_none_or(|(q, _)| *q != self.query) {
            let Some(job) = self.job.as_ref().map(|j| j.id) else {
                return Transition::Stay;
            };
            self.finding = Some(self.query.clone());
            return Transition::Run(Command::FindInJob {
                job,
                query: self.query.clone(),
            });
        }
        let found = self
            .matched
            .as_ref()
            .map(|(_, f)| f.as_slice())
            .unwrap_or(&[]);
        for step in 1..=n {
            let i = if forward {
                (self.row_sel + step) % n
            } else {
                (self.row_sel + n - step % n) % n
            };
            let row = self.entries[self.shown[i]].row;
            if found.binary_search(&row).is_ok() {
                self.row_sel = i;
                self.load_page(ctx);
                return Transition::Stay;
            }
        }
        ctx.say(Level::Warn, format!("No row matches {:?}.", self.query));
        Transition::Stay
    }

    fn current(&self) -> Option<&JobRow> {
        self.shown_row(self.row_sel)
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
        let row = self
            .shown_row(self.row_sel)
            .map(|r| (r.row, r.line))
            .unwrap_or((0, 0));
        let (Some(editor), Some(validator), Some(job)) =
            (&mut self.editor, &self.validator, &self.job)
        else {
            return;
        };
        let raw = RawRow {
            row: row.0,
            line: row.1,
            cells: crate::engine::source::Cells::from_strings(&editor.cells),
        };
        let options = &job.plan.options;
        let rechecked = match ctx.store.as_ref().map(SharedLookup::of) {
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

    /// Asks before importing the fixed rows of the open job as a follow-up job.
    fn ask_retry(&self, ctx: &mut Ctx) -> Transition {
        let Some(job) = self.job.as_ref().map(|j| j.id) else {
            return Transition::Stay;
        };
        let rows = ctx.fixes.range((job, 0)..=(job, u64::MAX)).count();
        if rows == 0 {
            ctx.say(
                Level::Warn,
                "No fixed rows yet: open a row (Enter), edit it (e), keep the fix (Enter).",
            );
            return Transition::Stay;
        }
        Transition::Confirm(Confirm::Retry { job, rows })
    }

    /// Writes the fixed rows of the open job to a file beside the store and imports it as a
    /// follow-up job with the original's mapping and options (once confirmed).
    pub fn retry(&mut self, ctx: &mut Ctx) -> Transition {
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
        let rows: Vec<u64> = ctx
            .fixes
            .range(fixes.clone())
            .map(|((_, row), _)| *row)
            .collect();
        let dir = retry_dir(ctx.store.as_ref().and_then(|s| s.file()), &ctx.out_dir);
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
        Transition::Run(Command::Retry {
            job: job.id,
            path,
            rows,
        })
    }
}

impl Screen for HistoryScreen {
    fn keys(&self) -> Keys {
        match self.mode {
            _ if self.search.is_some() => &[action::ENTER_ESC, action::TYPING],
            Mode::Jobs if self.loading.is_some() => &[action::LOADING, action::NAV],
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
        self.mode = Mode::Jobs;
        self.loading = None;
        self.finding = None;
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
                    return Some(self.jump(true, ctx));
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
            Mode::Jobs if self.loading.is_some() => {
                if action == Action::Back {
                    self.loading = None;
                    ctx.say(Level::Info, "Gave up opening the job.");
                }
            }
            Mode::Jobs => match action {
                Action::Next => {
                    if let Some(j) = self.jobs.get(self.job_sel) {
                        let problems = j.counts.failed + j.counts.skipped > 0;
                        return Transition::Run(Command::OpenJob {
                            job: j.id,
                            problems,
                        });
                    }
                }
                Action::Revert => {
                    if let Some(j) = self.jobs.get(self.job_sel) {
                        return Transition::Confirm(Confirm::revert(j));
                    }
                }
                Action::Resume => {
                    if let Some(j) = self.jobs.get(self.job_sel) {
                        return match crate::tui::context::not_resumable(j) {
                            None => Transition::Confirm(Confirm::Resume(j.id)),
                            Some(why) => {
                                ctx.say(Level::Warn, why);
                                Transition::Stay
                            }
                        };
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
                    let bits = self.entries.iter().fold(0, |b, e| b | e.reasons);
                    let reasons: Vec<Reason> = Reason::ALL
                        .into_iter()
                        .filter(|r| bits & reason_bit(*r) != 0)
                        .collect();
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
                Action::NextMatch => return self.jump(true, ctx),
                Action::PrevMatch => return self.jump(false, ctx),
                Action::Retry => return self.ask_retry(ctx),
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
                            format!("Row {row_number} fixed ({n} waiting); R imports the fixed rows as a follow-up job."),
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
        if self.mode != Mode::Jobs {
            self.load_page(ctx);
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
            _ if self.loading.is_some() => self.loading.map(|l| {
                format!(
                    " Opening job {}: loading its {} rows… Esc gives up.",
                    l.job,
                    group_digits(l.rows)
                )
            }),
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

        // A job that did not read its whole file says why and how to go on, under the list;
        // one that ended, what the table has no room for: its words, tags and whole path.
        let selected = self.jobs.get(self.job_sel);
        let advice = selected.and_then(unfinished_advice);
        let (note, style) = match (&advice, selected) {
            (Some(advice), _) => (Some(advice.clone()), theme.warn()),
            (None, Some(job)) => (Some(job_line(job)), theme.dim()),
            (None, None) => (None, theme.dim()),
        };
        let note_h = note.as_ref().map_or(0, |a| {
            crate::tui::chrome::wrapped_lines(a, usize::from(area.width.max(1))).clamp(1, 4) as u16
        });
        let [area, note_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(note_h)]).areas(area);
        if let Some(note) = &note {
            Paragraph::new(note.as_str())
                .style(style)
                .wrap(Wrap { trim: true })
                .render(note_area, buf);
        }
        let height = area.height.saturating_sub(3) as usize;
        let offset = scroll_offset(self.job_sel, height);
        // Counts grouped (`1,030,021`) where there is room, else compacted (`1.03M`): never
        // cut to a smaller-looking number.
        let wide = area.width >= 110;
        let count_w: usize = if wide { 11 } else { 7 };
        let count = |n: u64| {
            let grouped = group_digits(n);
            let text = if grouped.len() <= count_w {
                grouped
            } else {
                compact_count(n)
            };
            format!("{text:>count_w$}")
        };
        // What the file column gets: the table's width less the columns before it, their
        // gaps and the borders; a longer name ends in "…" rather than being cut.
        let file_width = usize::from(area.width).saturating_sub(4 + 12 + 11 + 4 * count_w + 7 + 2);
        let rows: Vec<Row> = self
            .jobs
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, j)| {
                let c = &j.counts;
                // A retry's file is named for it: what it retried says more, first.
                let file = match j.retry_of {
                    Some(r) => format!("retry of job {r} · {}", file_name(&j.file)),
                    None => file_name(&j.file),
                };
                let row = Row::new(vec![
                    Cell::from(format!("{:>4}", j.id)),
                    Cell::from(j.status.label()),
                    Cell::from(j.started.get(5..16).unwrap_or(&j.started).replace('T', " ")),
                    Cell::from(count(c.created)),
                    Cell::from(count(c.updated)),
                    Cell::from(count(c.skipped)),
                    Cell::from(count(c.failed)),
                    Cell::from(fit(&file, file_width)),
                ]);
                if i == self.job_sel {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let cw = count_w as u16;
        let head = |word: &'static str| format!("{word:>count_w$}");
        Table::new(
            rows,
            [
                Constraint::Length(4),
                // The longest status label, "done, errors" (`JobStatus::label`).
                Constraint::Length(12),
                Constraint::Length(11),
                Constraint::Length(cw),
                Constraint::Length(cw),
                Constraint::Length(cw),
                Constraint::Length(cw),
                Constraint::Min(8),
            ],
        )
        .header(
            Row::new(vec![
                "Job".to_string(),
                "Status".into(),
                "Started".into(),
                head("Created"),
                head("Updated"),
                head("Skipped"),
                head("Failed"),
                "File".into(),
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
                " job {}/{} · Enter opens one · / finds anyone in them ",
                self.job_sel + 1,
                self.jobs.len()
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
        // Who the row is, then why: name and phone always, email where there is room.
        let wide = table_area.width >= 110;
        // The Retry column only for a job with rows fixed or retried.
        let job_id = self.job.as_ref().map_or(0, |j| j.id);
        let retry_col = !self.retried.is_empty()
            || ctx
                .fixes
                .range((job_id, 0)..=(job_id, u64::MAX))
                .next()
                .is_some();
        let (name_w, phone_w, email_w) = match (wide, retry_col) {
            (true, _) => (22, 16, 28),
            (false, false) => (16, 15, 0),
            // Its room taken from the name and phone, so the reason keeps its code.
            (false, true) => (13, 14, 0),
        };
        let retry_w = if retry_col { 6 } else { 0 };
        // The columns' widths, a space between each, and the borders.
        let columns = 5 + usize::from(wide) + usize::from(retry_col);
        let fixed_w = 7 + 8 + retry_w + name_w + phone_w + email_w + columns + 2;
        let width = (table_area.width as usize).saturating_sub(fixed_w).max(10);
        let rows: Vec<Row> = self
            .shown
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, &ri)| {
                let entry = self.entries[ri];
                let Some(r) = self.page.get(&entry.row) else {
                    // Not read yet (the page follows the selection): the number alone.
                    return Row::new(vec![Cell::from(format!("{:>7}", entry.row))]);
                };
                let more = r.issues.len().saturating_sub(1);
                let first = r
                    .issues
                    .first()
                    .map(|i| {
                        let also = if more > 0 {
                            format!(" (+{more})")
                        } else {
                            String::new()
                        };
                        // The code alone where little of the message would show (a
                        // cut word says nothing): Enter shows it whole.
                        let code = format!("{}{also}", i.reason);
                        if code.chars().count() + 10 > width {
                            code
                        } else {
                            format!("{code}: {}", i.describe())
                        }
                    })
                    .unwrap_or_default();
                let fixed = self
                    .job
                    .as_ref()
                    .is_some_and(|j| ctx.fixes.contains_key(&(j.id, r.row)));
                // A fix waiting for R, else the follow-up job that retried the row.
                let retry = match self.retried.get(&r.row) {
                    _ if fixed => Span::styled("fixed", theme.ok()),
                    Some(fate) => {
                        Span::styled(fit(&format!("job {}", fate.to.job), 6), theme.dim())
                    }
                    None => Span::raw(""),
                };
                let status_style = match r.status {
                    RowStatus::Error => theme.error(),
                    RowStatus::Skipped => theme.warn(),
                    _ => theme.ok(),
                };
                let mut cells = vec![
                    Cell::from(format!("{:>7}", r.row)),
                    Cell::from(Span::styled(r.status.label(), status_style)),
                ];
                if retry_col {
                    cells.push(Cell::from(retry));
                }
                cells.push(Cell::from(fit(&self.who.name(&r.cells), name_w)));
                cells.push(Cell::from(fit(self.who.phone(&r.cells), phone_w)));
                if wide {
                    cells.push(Cell::from(fit(self.who.email(&r.cells), email_w)));
                }
                cells.push(Cell::from(fit(&first, width)));
                let row = Row::new(cells);
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
        let group = crate::engine::number::group_digits;
        let at = if self.shown.is_empty() {
            0
        } else {
            self.row_sel as u64 + 1
        };
        // Where the selection is among the rows shown (`row 12/299`), and how many rows
        // the job has when the filters hide some.
        let of_all = if self.shown.len() == self.entries.len() {
            String::new()
        } else {
            format!(" · {} in the job", group(self.entries.len() as u64))
        };
        let title = format!(
            " row {}/{} · {filter}{of_all} ",
            group(at),
            group(self.shown.len() as u64),
        );
        let title = fit(&title, table_area.width.saturating_sub(2) as usize);
        let mut widths = vec![Constraint::Length(7), Constraint::Length(8)];
        let mut head = vec!["    Row", "Status"];
        if retry_col {
            widths.push(Constraint::Length(retry_w as u16));
            head.push("Retry");
        }
        widths.extend([
            Constraint::Length(name_w as u16),
            Constraint::Length(phone_w as u16),
        ]);
        head.extend(["Name", "Phone"]);
        if wide {
            widths.push(Constraint::Length(email_w as u16));
            head.push("Email");
        }
        widths.push(Constraint::Min(10));
        head.push("Reason");
        Table::new(rows, widths)
            .header(Row::new(head).style(theme.heading()))
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
        // The row as it is now: fixed again by a follow-up job.
        let retried = self
            .retried
            .get(&row.row)
            .filter(|_| editing.is_none())
            .map(|fate| {
                format!(
                    "{} (row {} of its file)",
                    fate.describe(),
                    group_digits(fate.to.row)
                )
            });
        // The reasons as tall as they wrap to; the cells keep what they need of the rest
        // (at least half the screen when they need it).
        let inner = usize::from(area.width.saturating_sub(2)).max(1);
        let wrapped: usize = issues
            .iter()
            .map(|i| {
                let line = format!(" {:<18} {}", i.reason.code(), i.describe());
                // A line more for what ratatui's wrap may break sooner than the count.
                match crate::tui::chrome::wrapped_lines(&line, inner) {
                    1 => 1,
                    n => n + 1,
                }
            })
            .sum();
        let cells_need = (job.header.len() as u16 + 2).min(area.height / 2).max(4);
        let issue_lines = (wrapped.max(1) as u16 + 2 + u16::from(retried.is_some()))
            .clamp(3, area.height.saturating_sub(cells_need).max(3));
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
        if let Some(retried) = &retried {
            let mut said = retried.clone();
            if let Some(first) = said.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            text.insert(0, Line::styled(format!(" {said}."), theme.ok()));
        }
        let verdict = match &retried {
            _ if editing.is_some() => format!(" Would be: {} ", status.label()),
            Some(_) => {
                let job = self.retried.get(&row.row).map_or(0, |f| f.to.job);
                format!(" {} · retried in job {job} ", status.label())
            }
            None => format!(" {} ", status.label()),
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

/// A job that ended, under the jobs list: "Job 1 · done, 2 rows failed · tags vip,
/// import-… · /the/whole/path.csv" (a retry names the job it retried).
fn job_line(job: &Job) -> String {
    let tags: Vec<&str> = job
        .plan
        .options
        .tags
        .iter()
        .map(String::as_str)
        .chain(job.import_tag.as_deref())
        .collect();
    let mut line = format!("Job {} · {}", job.id, job.status.words(job.counts.failed));
    if let Some(of) = job.retry_of {
        line.push_str(&format!(" · retry of job {of}"));
    }
    if !tags.is_empty() {
        line.push_str(&format!(" · tags {}", tags.join(", ")));
    }
    line.push_str(&format!(" · {}", job.file));
    crate::engine::text::sanitize_for_terminal(&line)
}

/// What a job that did not read its whole file says under the jobs list: why it stopped,
/// and how to go on from here. `None` for a job that ended.
pub fn unfinished_advice(job: &Job) -> Option<String> {
    let id = job.id;
    let why = job
        .reason
        .clone()
        .unwrap_or_else(|| job.status.words(job.counts.failed));
    match job.status {
        JobStatus::Stopped | JobStatus::Cancelled | JobStatus::Failed | JobStatus::Interrupted => {
            Some(format!(
                "Job {id} stopped before the end of its file: {why}. The rows committed are kept. u resumes it where it stopped (a fresh allowance of failed rows); r reverts it; Enter opens its rows."
            ))
        }
        JobStatus::Reverting => Some(format!(
            "Job {id} is being reverted{}.",
            if job.owner.as_ref().is_some_and(|o| o.is_alive()) {
                ""
            } else {
                "; the revert was cut short: r finishes it"
            }
        )),
        _ => None,
    }
}
