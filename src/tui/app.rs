//! The wizard's state machine: which screen is showing, how keys reach it, what background
//! events change, and the frame drawn from all of it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::action::{self, Action};
use super::chrome::{self, Level, MIN_HEIGHT, MIN_WIDTH};
use super::context::Ctx;
use super::event::{AppEvent, Reviewed};
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
use super::screens::{Confirm, Screen, Transition, View};
use crate::store::revert::RevertReport;
use crate::worker::WorkerEvent;

pub struct App {
    pub ctx: Ctx,
    pub view: View,
    pub help: bool,
    pub confirm: Option<Confirm>,
    pub quit: bool,
    /// The signal that asked the wizard to end: it ends once the import or revert under
    /// way has stopped at a commit.
    pub stopping: Option<i32>,
    /// `q` during an import: the wizard ends once the import has stopped at a commit.
    pub leaving: bool,
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
            ctx,
            view: View::File,
            help: false,
            confirm: None,
            quit: false,
            stopping: None,
            leaving: false,
            bell: false,
            bell_enabled: true,
            map: MapScreen::default(),
            options: OptionsScreen::default(),
            review: ReviewScreen,
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

    pub fn go(&mut self, view: View) {
        if view == self.view {
            return;
        }
        self.view = view;
        self.ctx.status = None;
        // Enter on Destination starts the import: it happens on the way to Progress.
        if view == View::Progress
            && !self.ctx.importing
            && self.ctx.job.as_ref().is_none_or(|j| j.finished.is_some())
            && !self.ctx.start_import(None)
        {
            self.view = View::Destination;
            return;
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
                _ => {}
            }
            return;
        }
        if self.help {
            self.help = false;
            return;
        }
        let consumed = {
            let (screen, ctx) = self.split();
            screen.text_input(key, ctx)
        };
        if consumed {
            return;
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
                return;
            }
            Action::Quit => {
                if self.ctx.importing {
                    self.confirm = Some(Confirm::QuitDuringImport);
                } else {
                    self.quit = true;
                }
                return;
            }
            _ => {}
        }
        let transition = {
            let (screen, ctx) = self.split();
            screen.handle(action, ctx)
        };
        match transition {
            Transition::Stay => {}
            Transition::Next => self.go(self.view.next()),
            Transition::Back => self.go(self.view.prev()),
            Transition::To(view) => self.go(view),
            Transition::Confirm(c) => self.confirm = Some(c),
            Transition::Quit => self.quit = true,
        }
    }

    fn confirmed(&mut self, confirm: Confirm) {
        match confirm {
            Confirm::CancelImport => self.ctx.cancel.cancel(),
            Confirm::QuitDuringImport => {
                // The batch in hand is committed and the job recorded as cancelled before
                // the process ends.
                self.ctx.cancel.cancel();
                self.leaving = true;
            }
            Confirm::Revert(job) => self.ctx.start_revert(job),
        }
    }

    /// Reports a finished revert and shows the job as it is now.
    fn reverted(&mut self, job: u64, result: Result<RevertReport, super::event::RevertError>) {
        self.ctx.reverting = None;
        match result {
            Ok(r) => self.ctx.say(Level::Info, r.describe()),
            Err(e) => return self.ctx.say(Level::Error, e.to_string()),
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

    /// Applies a background event.
    pub fn on_event(&mut self, event: AppEvent) {
        match event {
            AppEvent::Key(key) => self.on_key(key),
            AppEvent::Resize => {}
            AppEvent::ReviewProgress(p) => {
                if self.ctx.reviewing {
                    self.ctx.review_progress = Some(p);
                }
            }
            AppEvent::ReviewDone(result) => {
                if !self.ctx.reviewing {
                    return;
                }
                self.ctx.reviewing = false;
                match result {
                    Ok(reviewed) => {
                        let Reviewed {
                            review,
                            date_orders,
                        } = *reviewed;
                        self.ctx.date_orders = date_orders;
                        self.ctx.review = Some(review);
                    }
                    Err(e) => self.ctx.say(Level::Error, e.to_string()),
                }
            }
            AppEvent::Status(level, text) => self.ctx.say(level, text),
            AppEvent::Reverted(job, result) => self.reverted(job, result),
            AppEvent::Traced(query, result) => self.history.traced(query, result, &mut self.ctx),
            AppEvent::Signal(signal) => self.on_signal(signal),
            AppEvent::Worker(WorkerEvent::Recorded(job)) => self.ctx.recorded = Some(job.id),
            AppEvent::Worker(WorkerEvent::Started(job)) => {
                // The fixed rows are in the retry's file now; a retry that does not
                // start keeps them.
                if let Some(of) = self.ctx.retrying {
                    self.ctx.drop_fixes(of);
                }
                self.ctx.job = Some(*job);
            }
            AppEvent::Worker(WorkerEvent::NotStarted(e)) => {
                self.ctx.importing = false;
                if self.view == View::Progress {
                    self.go(if self.ctx.retrying.is_some() {
                        View::History
                    } else {
                        View::Destination
                    });
                }
                let level = if self.ctx.cancel.is_cancelled() {
                    Level::Info
                } else {
                    Level::Error
                };
                self.ctx.say(level, e);
            }
            AppEvent::Worker(WorkerEvent::Progress(p)) => self.ctx.progress = Some(p),
            AppEvent::Worker(WorkerEvent::Finished(job)) => {
                self.ctx.importing = false;
                let long = self.ctx.progress.is_some_and(|p| p.elapsed.as_secs() >= 3);
                self.bell = long && self.bell_enabled;
                self.ctx.job = Some(*job);
                if self.view == View::Progress {
                    self.go(View::Done);
                }
            }
            AppEvent::Worker(WorkerEvent::Failed(e)) => {
                self.ctx.importing = false;
                self.ctx.say(Level::Error, format!("The import stopped: {e}. Committed rows are kept; resume it from History with `rolodex resume`."));
            }
        }
    }

    /// A signal asks the wizard to end: the import or revert under way stops at its next
    /// commit first (the job ends cancelled, resumable); a second signal ends it at once.
    fn on_signal(&mut self, signal: i32) {
        if self.stopping.is_some() {
            self.quit = true;
            return;
        }
        self.stopping = Some(signal);
        self.ctx.cancel.cancel();
        self.ctx.revert_stop.cancel();
        self.review_cancelled();
        self.quit = self.work_done();
    }

    /// Nothing is being written: the wizard may end.
    pub fn work_done(&self) -> bool {
        !self.ctx.importing && self.ctx.reverting.is_none()
    }

    fn review_cancelled(&mut self) {
        self.ctx
            .review_cancel
            .store(true, std::sync::atomic::Ordering::SeqCst);
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
        let (title, body, status, footer) = chrome::frame_areas(area);
        chrome::render_title(theme, &self.title(), &self.ctx.file_name(), title, buf);
        self.screen_ref().render(&self.ctx, body, buf);
        chrome::render_status(theme, self.ctx.status.as_ref(), status, buf);
        let keys = self.screen_ref().keys();
        chrome::render_footer(theme, keys, footer, buf);
        if self.help {
            chrome::render_help(theme, &self.title(), keys, body, buf);
        }
        if let Some(c) = &self.confirm {
            chrome::render_confirm(theme, &c.question(), body, buf);
        }
    }
}
