//! The wizard's state machine: which screen is showing, how keys reach it, the commands
//! screens return run as background tasks, what those tasks say, and the frame drawn from
//! all of it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::action::{self, Action};
use super::chrome::{self, Level, MIN_HEIGHT, MIN_WIDTH};
use super::context::Ctx;
use super::event::{AppEvent, Reviewed, TaskEvent};
use super::screens::consent::ConsentScreen;
use super::screens::contacts::ContactsScreen;
use super::screens::destination::DestinationScreen;
use super::screens::done::DoneScreen;
use super::screens::file::FileScreen;
use super::screens::history::HistoryScreen;
use super::screens::map::MapScreen;
use super::screens::options::OptionsScreen;
use super::screens::progress::ProgressScreen;
use super::screens::review::ReviewScreen;
use super::screens::tags::TagsScreen;
use super::screens::{Command, Confirm, Screen, Transition, View};
use super::task::{Kind, TaskId, Tasks};
use crate::store::revert::RevertReport;
use crate::worker::WorkerEvent;

pub struct App {
    pub ctx: Ctx,
    /// The background work, one task per kind: screens ask for it with a `Command`.
    pub tasks: Tasks,
    pub view: View,
    pub help: bool,
    /// The first line of the help shown (it scrolls when it is longer than the screen).
    pub help_scroll: usize,
    /// The user has gone past File with the file open: their mapping and options would
    /// be lost by quitting, so quitting asks first. Cleared once the import starts.
    pub choices: bool,
    pub confirm: Option<Confirm>,
    /// The wizard ends now (the main loop stops).
    pub quit: bool,
    /// The signal that asked the wizard to end: it ends once the import or revert under
    /// way has stopped at a commit.
    pub stopping: Option<i32>,
    /// Asked to end (`q`, Ctrl-C, a signal): `quit` is set once the import or revert
    /// under way has stopped at a commit and its thread has been joined (`work_done`).
    pub leaving: bool,
    /// What the work stopped on the way out left to do, said on stderr once the terminal
    /// is back (a revert stopped after its batch in hand, and how to finish it).
    pub on_exit: Vec<String>,
    /// Ring the bell when the current import ends (it ran longer than a few seconds).
    pub bell: bool,
    pub bell_enabled: bool,
    pub file: FileScreen,
    pub map: MapScreen,
    pub options: OptionsScreen,
    pub review: ReviewScreen,
    pub consent: ConsentScreen,
    pub tags: TagsScreen,
    pub destination: DestinationScreen,
    pub progress: ProgressScreen,
    pub done: DoneScreen,
    pub history: HistoryScreen,
    pub contacts: ContactsScreen,
}

impl App {
    pub fn new(ctx: Ctx, file: Option<&std::path::Path>) -> App {
        let mut app = App {
            file: FileScreen::new(&file.map(|f| f.display().to_string()).unwrap_or_default()),
            tasks: Tasks::new(ctx.tx.clone()),
            ctx,
            view: View::File,
            help: false,
            help_scroll: 0,
            choices: false,
            confirm: None,
            quit: false,
            stopping: None,
            leaving: false,
            on_exit: Vec::new(),
            bell: false,
            bell_enabled: true,
            map: MapScreen::default(),
            options: OptionsScreen::default(),
            review: ReviewScreen::default(),
            consent: ConsentScreen,
            tags: TagsScreen::default(),
            destination: DestinationScreen::default(),
            progress: ProgressScreen,
            done: DoneScreen,
            history: HistoryScreen::default(),
            contacts: ContactsScreen::default(),
        };
        if let Some(f) = file {
            app.file.open(f, &mut app.ctx);
        }
        app
    }

    fn screen_ref(&self) -> &dyn Screen {
        match self.view {
            View::File => &self.file,
            View::Map => &self.map,
            View::Options => &self.options,
            View::Review => &self.review,
            View::Consent => &self.consent,
            View::Tags => &self.tags,
            View::Destination => &self.destination,
            View::Progress => &self.progress,
            View::Done => &self.done,
            View::History => &self.history,
            View::Contacts => &self.contacts,
        }
    }

    /// The keys that work on the screen as it is now.
    pub fn keys(&self) -> action::Keys {
        self.screen_ref().keys()
    }

    pub fn go(&mut self, view: View) {
        if view == self.view {
            return;
        }
        // A review under way is for the plan as it was: given up once the wizard leaves
        // Review (it starts again on the way back).
        if self.view == View::Review && self.ctx.reviewing {
            self.tasks.abandon(Kind::Review);
            self.ctx.reviewing = false;
        }
        self.view = view;
        self.ctx.status = None;
        if matches!(
            view,
            View::Map
                | View::Options
                | View::Review
                | View::Consent
                | View::Tags
                | View::Destination
        ) {
            self.choices = true;
        }
        if view == View::Review {
            self.run(Command::StartReview);
        }
        // Enter on Destination starts the import: it happens on the way to Progress.
        if view == View::Progress
            && !self.ctx.importing
            && self.ctx.job.as_ref().is_none_or(|j| j.finished.is_some())
        {
            self.run(Command::StartImport);
            if !self.ctx.importing {
                self.view = View::Destination;
                return;
            }
            self.choices = false;
        }
        if view == View::File {
            self.ctx.job = None;
        }
        let (screen, ctx) = self.split();
        screen.enter(ctx);
    }

    fn split(&mut self) -> (&mut dyn Screen, &mut Ctx) {
        match self.view {
            View::File => (&mut self.file, &mut self.ctx),
            View::Map => (&mut self.map, &mut self.ctx),
            View::Options => (&mut self.options, &mut self.ctx),
            View::Review => (&mut self.review, &mut self.ctx),
            View::Consent => (&mut self.consent, &mut self.ctx),
            View::Tags => (&mut self.tags, &mut self.ctx),
            View::Destination => (&mut self.destination, &mut self.ctx),
            View::Progress => (&mut self.progress, &mut self.ctx),
            View::Done => (&mut self.done, &mut self.ctx),
            View::History => (&mut self.history, &mut self.ctx),
            View::Contacts => (&mut self.contacts, &mut self.ctx),
        }
    }

    /// The action a key means on the current screen, after any text field has refused it.
    pub fn on_key(&mut self, key: KeyEvent) {
        if let Some(confirm) = self.confirm.clone() {
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.confirm = None;
                    self.confirmed(confirm);
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => self.confirm = None,
                KeyCode::Char('c') | KeyCode::Char('C')
                    if matches!(confirm, Confirm::Unmapped(_)) =>
                {
                    self.confirm = None;
                    self.keep_unmapped();
                }
                _ => {}
            }
            return;
        }
        if self.help {
            // The help scrolls with the keys that move in a list; any other key closes it.
            match key.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    self.help_scroll = self.help_scroll.saturating_sub(1)
                }
                KeyCode::Down | KeyCode::Char('j') => self.help_scroll += 1,
                KeyCode::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                KeyCode::PageDown => self.help_scroll += 10,
                KeyCode::Home | KeyCode::Char('g') => self.help_scroll = 0,
                KeyCode::End | KeyCode::Char('G') => self.help_scroll = usize::MAX,
                _ => self.help = false,
            }
            let lines = action::help(self.screen_ref().keys()).len();
            self.help_scroll = self.help_scroll.min(lines.saturating_sub(1));
            return;
        }
        let typed = {
            let (screen, ctx) = self.split();
            screen.text_input(key, ctx)
        };
        if let Some(transition) = typed {
            return self.follow(transition);
        }
        let keys = self.screen_ref().keys();
        let Some(action) = action::lookup(keys, &key) else {
            return;
        };
        self.on_action(action);
    }

    pub fn on_action(&mut self, action: Action) {
        match action {
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
                return;
            }
            Action::Quit => return self.quit_asked(),
            // Contacts from any screen (Ctrl-O again, or Esc, comes back).
            Action::Contacts if self.view == View::Contacts => {
                self.contacts.search = None;
                return self.go(self.contacts.back_to(&self.ctx));
            }
            Action::Contacts => {
                self.contacts.from = self.view;
                return self.go(View::Contacts);
            }
            _ => {}
        }
        let transition = {
            let (screen, ctx) = self.split();
            screen.handle(action, ctx)
        };
        self.follow(transition);
    }

    /// Goes where a screen said.
    fn follow(&mut self, transition: Transition) {
        match transition {
            Transition::Stay => {}
            Transition::Next => self.go(self.view.next()),
            Transition::Back => self.go(self.view.prev()),
            Transition::To(view) => self.go(view),
            Transition::Confirm(c) => self.confirm = Some(c),
            Transition::Quit => self.quit_asked(),
            Transition::Run(command) => self.run(command),
        }
    }

    /// Starts what a screen (or the way to a screen) asked for as the task of its kind;
    /// when it cannot start, the status line says why.
    fn run(&mut self, command: Command) {
        let (ctx, tasks) = (&mut self.ctx, &mut self.tasks);
        match command {
            Command::StartReview => ctx.start_review(tasks),
            Command::StartImport => {
                ctx.start_import(tasks, None);
            }
            Command::WriteReviewErrors => ctx.write_review_errors(tasks),
            Command::WriteJobFiles(job) => ctx.write_job_files(tasks, &job),
            Command::Trace(query) => {
                if ctx.start_trace(tasks, query.clone()) {
                    self.history.tracing(query, ctx);
                }
            }
            Command::Retry { job, path, rows } => {
                // One import at a time: a new one would replace the one under way.
                if ctx.importing {
                    return ctx.say(
                        Level::Warn,
                        "An import is running: wait for it to end (or cancel it on Progress), then retry.",
                    );
                }
                if ctx.start_import(tasks, Some((job, path, rows))) {
                    self.go(View::Progress);
                }
            }
            Command::Revert(job) => ctx.start_revert(tasks, job),
            Command::OpenJob { job, problems } => {
                if self.view != View::History {
                    self.go(View::History);
                }
                let (ctx, tasks) = (&mut self.ctx, &mut self.tasks);
                let only = self.history.opening(job, problems, ctx);
                if !ctx.start_index_job(tasks, job, only) {
                    self.history.gave_up();
                }
            }
            Command::FindInJob { job, query } => {
                if !ctx.start_find(tasks, job, query) {
                    self.history.gave_up();
                }
            }
            Command::Resume(job) => {
                if ctx.importing {
                    return ctx.say(
                        Level::Warn,
                        "An import is running: wait for it to end (or cancel it on Progress), then resume.",
                    );
                }
                if ctx.start_resume(tasks, job) {
                    self.choices = false;
                    self.go(View::Progress);
                }
            }
        }
    }

    /// Ctrl-C, or `q` where there is nothing to go back to: asks first when an import or
    /// a revert is running or when the choices made for the open file would be lost; else
    /// the wizard ends.
    fn quit_asked(&mut self) {
        self.confirm = if self.ctx.importing {
            Some(Confirm::QuitDuringImport)
        } else if self.ctx.reverting.is_some() {
            Some(Confirm::QuitDuringRevert)
        } else if self.choices && self.ctx.source.is_some() {
            Some(Confirm::QuitWithChoices)
        } else {
            None
        };
        if self.confirm.is_none() {
            self.leave();
        }
    }

    /// Ends the wizard once nothing is being written: the import under way stops at its
    /// next commit (the job ends cancelled, resumable), a revert after its batch in hand,
    /// and the wizard shows so until their threads have ended. What only reads (the
    /// review, a search) is given up; a file being written is waited for, a little, as the
    /// wizard ends (`tui::run`).
    pub fn leave(&mut self) {
        self.leaving = true;
        if self.tasks.cancel(Kind::Import) {
            self.ctx.cancelling = true;
        }
        self.tasks.cancel(Kind::Revert);
        self.tasks.abandon(Kind::Review);
        self.ctx.reviewing = false;
        let said = if self.ctx.importing {
            "Stopping the import at the next commit…"
        } else if self.ctx.reverting.is_some() {
            "Stopping the revert after the batch in hand…"
        } else {
            // An import or revert that has said how it ended, its thread about to end.
            "Finishing the work under way…"
        };
        if self.work_done() {
            self.quit = true;
        } else {
            self.ctx.say(Level::Info, said);
        }
    }

    fn confirmed(&mut self, confirm: Confirm) {
        match confirm {
            Confirm::CancelImport => {
                if self.tasks.cancel(Kind::Import) {
                    self.ctx.cancelling = true;
                }
            }
            Confirm::QuitDuringImport | Confirm::QuitDuringRevert | Confirm::QuitWithChoices => {
                self.leave()
            }
            Confirm::Revert { job, .. } => self.run(Command::Revert(job)),
            Confirm::Resume(job) => self.run(Command::Resume(job)),
            Confirm::Retry { .. } => {
                let transition = self.history.retry(&mut self.ctx);
                self.follow(transition);
            }
            Confirm::Unmapped(columns) => {
                self.ctx.unmapped_seen = columns;
                self.go(self.view.next());
            }
        }
    }

    /// The answer `c` to the columns left out: each becomes a text custom field, as
    /// `--unmapped custom` makes them headless, and the wizard goes on.
    fn keep_unmapped(&mut self) {
        let ctx = &mut self.ctx;
        let mut mapping = ctx.mapping.clone();
        match crate::session::keep_unmapped(&mut mapping, &ctx.options, &ctx.custom_defined) {
            Ok(()) => {
                let kept = ctx
                    .mapping
                    .not_imported(ctx.options.consent_column.as_deref())
                    .len();
                ctx.mapping = mapping;
                ctx.options.unmapped = crate::engine::plan::Unmapped::Custom;
                ctx.say(
                    Level::Info,
                    format!("{kept} columns kept as text custom fields (Map shows their names)."),
                );
                self.go(self.view.next());
            }
            Err(e) => ctx.say(Level::Error, format!("{e}. Map those columns by hand.")),
        }
    }

    /// Reports a finished revert and shows the job as it is now.
    fn reverted(&mut self, job: u64, result: Result<RevertReport, super::event::RevertError>) {
        self.ctx.reverting = None;
        match result {
            Ok(r) => self.ctx.say(Level::Info, r.describe()),
            Err(e) => {
                if self.leaving {
                    self.on_exit.push(e.to_string());
                }
                return self.ctx.say(Level::Error, e.to_string());
            }
        }
        let fresh = self.ctx.store.as_ref().and_then(|s| s.job(job).ok());
        if let (Some(j), Some(fresh)) = (&mut self.ctx.job, fresh) {
            if j.id == job {
                *j = fresh;
            }
        }
        let (screen, ctx) = self.split();
        screen.enter(ctx);
    }

    /// Applies an event: a key, a signal, or what a background task said.
    pub fn on_event(&mut self, event: AppEvent) {
        match event {
            AppEvent::Key(key) => self.on_key(key),
            AppEvent::Resize => {}
            AppEvent::Signal(signal) => self.on_signal(signal),
            AppEvent::Task(id, TaskEvent::Ended) => self.task_ended(id),
            // A task replaced (or given up) since: what it says is for a screen gone by.
            AppEvent::Task(id, _) if !self.tasks.is_current(id) => {}
            AppEvent::Task(_, event) => self.on_task(event),
        }
        if self.leaving && self.work_done() {
            self.quit = true;
        }
    }

    /// What the newest task of its kind said.
    fn on_task(&mut self, event: TaskEvent) {
        match event {
            TaskEvent::ReviewProgress(p) => self.ctx.review_progress = Some(p),
            TaskEvent::ReviewDone(result) => {
                self.ctx.reviewing = false;
                match result {
                    Ok(reviewed) => {
                        let Reviewed {
                            review,
                            date_orders,
                            by_reason,
                        } = *reviewed;
                        self.ctx.date_orders = date_orders;
                        self.ctx.review = Some(review);
                        self.ctx.by_reason = Some(by_reason);
                    }
                    Err(e) => self.ctx.say(Level::Error, e.to_string()),
                }
            }
            TaskEvent::Status(level, text) => self.ctx.say(level, text),
            TaskEvent::Reverted(job, result) => self.reverted(job, result),
            TaskEvent::Traced(query, result) => self.history.traced(query, result, &mut self.ctx),
            TaskEvent::JobIndexed(job, result) => self.history.indexed(job, result, &mut self.ctx),
            TaskEvent::Found(job, query, result) => {
                self.history.found(job, query, result, &mut self.ctx)
            }
            TaskEvent::Worker(WorkerEvent::Recorded(job)) => self.ctx.recorded = Some(job.id),
            TaskEvent::Worker(WorkerEvent::Started(job)) => {
                // The fixed rows are in the retry's file now; a retry that does not
                // start keeps them.
                if let Some(of) = self.ctx.retrying {
                    self.ctx.drop_fixes(of);
                }
                self.ctx.job = Some(*job);
            }
            TaskEvent::Worker(WorkerEvent::NotStarted(e)) => {
                self.ctx.importing = false;
                // Leaving, the wizard stays where it is, saying it is stopping.
                if self.view == View::Progress && !self.leaving {
                    self.go(if self.ctx.retrying.is_some() {
                        View::History
                    } else {
                        View::Destination
                    });
                }
                let level = if self.ctx.cancelling {
                    Level::Info
                } else {
                    Level::Error
                };
                if !self.leaving {
                    self.ctx.say(level, e);
                }
            }
            TaskEvent::Worker(WorkerEvent::Progress(p)) => self.ctx.progress = Some(p),
            TaskEvent::Worker(WorkerEvent::Finished(job)) => {
                self.ctx.importing = false;
                let long = self.ctx.progress.is_some_and(|p| p.elapsed.as_secs() >= 3);
                self.bell = long && self.bell_enabled;
                self.ctx.write_given_files(&mut self.tasks, &job);
                self.ctx.job = Some(*job);
                if self.view == View::Progress && !self.leaving {
                    self.go(View::Done);
                }
            }
            TaskEvent::Worker(WorkerEvent::Failed(e)) => {
                self.ctx.importing = false;
                if self.leaving {
                    self.on_exit.push(format!("the import stopped: {e}; committed rows are kept; `rolodex history` shows the job, `rolodex resume` finishes it"));
                }
                self.ctx.say(Level::Error, format!("The import stopped: {e}. Committed rows are kept; resume it from History with `rolodex resume`."));
            }
            TaskEvent::Ended => {}
        }
    }

    /// A task's thread ended: it is joined. One that panicked may not have said how its
    /// work ended, and the screen must not wait for it.
    fn task_ended(&mut self, id: TaskId) {
        let Some(ended) = self.tasks.ended(id) else {
            return;
        };
        if !(ended.current && ended.panicked) {
            return;
        }
        match id.kind() {
            Kind::Review => self.ctx.reviewing = false,
            Kind::Import => self.ctx.importing = false,
            Kind::Revert => self.ctx.reverting = None,
            Kind::Files | Kind::Trace => {}
            Kind::JobRows | Kind::Find => self.history.gave_up(),
        }
        self.ctx.say(
            Level::Error,
            format!(
                "Background work stopped unexpectedly: {}. This is a bug; please report it.",
                id.kind().doing()
            ),
        );
    }

    /// A signal asks the wizard to end: the import or revert under way stops at its next
    /// commit first (the job ends cancelled, resumable); a second signal ends it at once.
    fn on_signal(&mut self, signal: i32) {
        if self.stopping.is_some() {
            self.quit = true;
            return;
        }
        self.stopping = Some(signal);
        self.leave();
    }

    /// Nothing is being written, and the threads that wrote have been joined: the wizard
    /// may end.
    pub fn work_done(&self) -> bool {
        !self.tasks.is_alive(Kind::Import) && !self.tasks.is_alive(Kind::Revert)
    }

    pub fn title(&self) -> String {
        let base = self.view.title();
        match self.screen_ref().subtitle() {
            Some(s) => format!("{base} · {s}"),
            None => base,
        }
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            chrome::render_too_small(area, buf);
            return;
        }
        let theme = self.ctx.theme;
        let (title, body, status, footer) = chrome::frame_areas(area, self.ctx.status.as_ref());
        chrome::render_title(theme, &self.title(), &self.ctx.file_name(), title, buf);
        self.screen_ref().render(&self.ctx, body, buf);
        chrome::render_status(theme, self.ctx.status.as_ref(), status, buf);
        let keys = self.screen_ref().keys();
        chrome::render_footer(theme, keys, footer, buf);
        if self.help {
            chrome::render_help(theme, &self.title(), keys, self.help_scroll, body, buf);
        }
        if let Some(c) = &self.confirm {
            chrome::render_confirm(theme, &c.question(), c.answers(), body, buf);
        }
    }
}
