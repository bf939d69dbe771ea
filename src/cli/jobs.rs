//! The commands that write or read the store: import --yes, resume, history, show, revert,
//! contacts. They call the store and the worker; every rule lives there.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::headless::Prepared;
use super::output::{self, contact_json, Cell, Column, Human, Table};
use super::signals::{self, say, StopSignal};
use super::{CliError, ImportArgs, Outcome};
use crate::engine::contact::Contact;
use crate::engine::number::group_digits;
use crate::engine::outfile::OutFile;
use crate::engine::phone::parse_region;
use crate::engine::plan::import_tag;
use crate::engine::report::SafeCsv;
use crate::engine::search::Query;
use crate::engine::source::Source;
use crate::engine::text::sanitize_for_terminal as clean;
use crate::store::backend::{self, ContactStore};
use crate::store::jobs::{Job, JobStatus};
use crate::store::{Access, StoreError};
use crate::worker::{spawn_new_import, spawn_resume, Cancel, NewImport, WorkerEvent, FILE_CHANGED};

use super::db::open_any;

/// Names on stderr every damaged record a listing skipped (it never shows them as data).
pub fn warn_damage(store: &dyn ContactStore) {
    let damage = store.take_damage();
    for e in &damage {
        eprintln!("rolodex: warning: {}", clean(&e.to_string()));
    }
}

/// `rolodex import FILE --yes --consent-confirmed`: runs the import headless.
pub fn import(args: &ImportArgs, db: Option<&Path>, pg_schema: &str) -> Result<Outcome, CliError> {
    if !args.consent_confirmed {
        return Err(CliError::Usage(format!(
            "nothing was written: --yes needs --consent-confirmed, confirming that every contact in {} agreed to be contacted (TCPA)",
            args.file.display()
        )));
    }
    // Checked and opened before the store is: a report that cannot be written is found
    // before any contact is.
    let report_files = super::headless::open_report_files(args, db)?;
    // From here a signal stops the work at its next commit instead of killing the process.
    let cancel = Cancel::default();
    let signals = StopSignal::install(Some(cancel.shared()));
    // The whole file is checked beside the first batch, which is committed only once the
    // check has passed: a quote never closed at row 48,213 still means nothing written.
    let Prepared {
        source,
        draft,
        store: reader,
        ..
    } = super::headless::prepare(args, db, pg_schema, true)?;
    // The draft read the store; the import writes it (creating it if there is none).
    drop(reader);
    // A doubtful encoding guess is said before anything is written, as the dry run says it.
    if let Some(warning) = source.encoding_doubt() {
        eprintln!("rolodex: warning: {}", clean(&warning));
    }
    let plan = draft.plan;
    let store = open_any(db, pg_schema, Access::Create)?;
    let import_tag = plan
        .options
        .import_tag
        .then(|| import_tag(&args.file, chrono::Local::now()));
    stopped_early(&signals)?;
    let approx_rows = (source.info.approx_rows, source.info.rows_exact);
    let new = NewImport {
        source,
        plan,
        import_tag,
        retry_of: None,
        retried_rows: Vec::new(),
    };
    run_worker(
        store,
        |store, events, cancel| spawn_new_import(store, new, events, cancel),
        (cancel, &signals),
        approx_rows,
        (args.json, report_files),
        Run::NewImport,
    )
}

/// Refuses to start the work when a signal came before anything was written.
fn stopped_early(signals: &StopSignal) -> Result<(), CliError> {
    match signals.received() {
        Some(signal) => Err(CliError::StoppedEarly { signal }),
        None => Ok(()),
    }
}

/// `rolodex resume JOB`: finishes a job that was interrupted, stopped, cancelled or failed.
/// `--max-failures` sets the job's limit for this run and after (a stopped job goes on
/// with that many more failed rows allowed).
pub fn resume(
    id: u64,
    max_failures: Option<u64>,
    json: bool,
    db: Option<&Path>,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    let cancel = Cancel::default();
    let signals = StopSignal::install(Some(cancel.shared()));
    let store = open_any(db, pg_schema, Access::Write)?;
    let mut job = store.job(id)?;
    if let Some(limit) = max_failures {
        job.plan.options.max_failures = limit;
    }
    match (job.status, job.effective_status()) {
        (
            _,
            JobStatus::Interrupted | JobStatus::Cancelled | JobStatus::Stopped | JobStatus::Failed,
        ) if job.status != JobStatus::Reverting => {}
        (JobStatus::Reverting, _) => {
            return Err(CliError::Unusable(format!(
                "job {id} was being reverted; `rolodex revert {id} --yes` finishes the revert (it cannot be resumed)"
            )));
        }
        (_, JobStatus::Checking | JobStatus::Running) => {
            let pid = job.owner.as_ref().map_or(0, |o| o.pid);
            return Err(CliError::Unusable(format!(
                "job {id} is {} in process {pid}; wait for it to end, or stop it (Ctrl-C, or `kill {pid}`) and resume it then",
                job.status.words(job.counts.failed)
            )));
        }
        (_, shown) => {
            return Err(CliError::Unusable(format!(
                "job {id} is {}; there is nothing to resume",
                shown.words(job.counts.failed)
            )));
        }
    }
    let path = PathBuf::from(&job.file);
    let source = Source::open(&path, &job.plan.read)?;
    stopped_early(&signals)?;
    // The worker records the job as checking, by this process, and commits the first batch
    // of this run only once it has found the file unchanged (reading it through beside
    // that batch).
    let approx_rows = (source.info.approx_rows, source.info.rows_exact);
    run_worker(
        store,
        |store, events, cancel| spawn_resume(store, job, source, events, cancel),
        (cancel, &signals),
        approx_rows,
        (json, (None, None)),
        Run::Resume,
    )
}

/// `rolodex retry JOB`: imports the job's failed rows again from the cells it stored, as a
/// follow-up job with the job's mapping, options and import tag (the wizard's retry, whose
/// rows are fixed by hand; here the cause was fixed outside the file, as a failed row's
/// message says: a team member added, …). The rows go through a retry file beside the
/// store, so the follow-up can be resumed like any job; once its first batch is committed
/// the job's rows name it ("retried in job N"). Rows a follow-up already created or
/// updated (and that was not reverted since) are not retried again; skipped rows (no
/// consent, duplicates) are skipped on purpose and are left out.
pub fn retry(id: u64, json: bool, db: Option<&Path>, pg_schema: &str) -> Result<Outcome, CliError> {
    use crate::engine::resolve::RowStatus;
    let cancel = Cancel::default();
    let signals = StopSignal::install(Some(cancel.shared()));
    let store = open_any(db, pg_schema, Access::Write)?;
    let job = store.job(id)?;
    match job.effective_status() {
        JobStatus::Checking | JobStatus::Running | JobStatus::Reverting => {
            return Err(CliError::Unusable(format!(
                "job {id} is {}; retry its failed rows once it has ended",
                job.effective_status().words(job.counts.failed)
            )))
        }
        JobStatus::Reverted => {
            return Err(CliError::Unusable(format!(
                "job {id} was reverted: import its file again instead (rolodex import {})",
                clean(&job.file)
            )))
        }
        _ => {}
    }
    let fates = store.retried_fates(id)?;
    let (mut rows, mut cells) = (Vec::new(), Vec::new());
    store.job_rows(id, &mut |row| {
        let done = fates.get(&row.row).is_some_and(|f| {
            !f.reverted && matches!(f.status, Some(RowStatus::Imported | RowStatus::Updated))
        });
        if row.status == RowStatus::Error && !done {
            rows.push(row.row);
            cells.push(
                (0..job.header.len())
                    .map(|i| row.cells.get(i).unwrap_or_default().to_string())
                    .collect::<Vec<String>>(),
            );
        }
        Ok(())
    })?;
    warn_damage(&*store);
    if rows.is_empty() {
        return Err(CliError::Unusable(format!(
            "job {id} has no failed rows left to retry ({} failed, {} retried since)",
            group_digits(job.counts.failed),
            group_digits(fates.len() as u64)
        )));
    }
    let fallback = std::env::current_dir().unwrap_or_default();
    let dir = crate::engine::retry::retry_dir(store.file(), &fallback);
    let mut protected = crate::engine::outfile::Protected::new().input(Path::new(&job.file));
    if let Some(path) = store.file() {
        protected = protected.store(path);
    }
    let path = crate::engine::retry::write_retry_file(
        &dir,
        id,
        chrono::Local::now(),
        &job.header,
        &cells,
        &protected,
    )?;
    let plan = crate::engine::retry::retry_plan(&job.plan, &path);
    let source = Source::open(&path, &plan.read)?;
    stopped_early(&signals)?;
    if !json {
        // The file's path on a line of its own: it is as long as it is.
        say(&format!(
            "retrying {} failed {} of job {id}, from the file",
            group_digits(rows.len() as u64),
            if rows.len() == 1 { "row" } else { "rows" },
        ));
        eprintln!("  {}", clean(&path.display().to_string()));
    }
    let approx_rows = (source.info.approx_rows, source.info.rows_exact);
    let new = NewImport {
        source,
        plan,
        import_tag: job.import_tag.clone(),
        retry_of: Some(id),
        retried_rows: rows,
    };
    run_worker(
        store,
        |store, events, cancel| spawn_new_import(store, new, events, cancel),
        (cancel, &signals),
        approx_rows,
        (json, (None, None)),
        Run::Retry,
    )
}

/// Which run `run_worker` shows: a new import is compared with the jobs before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    NewImport,
    Resume,
    Retry,
}

/// The store's absolute path (or its URL without the password), as the line after every
/// write names it.
fn store_location(store: &dyn ContactStore) -> String {
    let Some(path) = store.file() else {
        return store.shown();
    };
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// "Store: /home/me/.local/share/rolodex/rolodex.redb": said after every write, so the
/// user knows which file holds what was just written (and what `--db` to give elsewhere).
fn say_store(out: &mut Human, store: &dyn ContactStore) {
    out.line(&format!("Store: {}", store_location(store)));
}

/// An earlier job of the same file (the same contents), not reverted: running an import
/// twice skips every row it created the first time, which only this says plainly.
fn imported_before(store: &dyn ContactStore, job: &Job) -> Option<u64> {
    let jobs = store.jobs().ok()?;
    jobs.iter()
        .filter(|j| {
            j.id < job.id
                && !job.checksum.is_empty()
                && j.checksum == job.checksum
                && !matches!(j.status, JobStatus::Reverted | JobStatus::Reverting)
        })
        .map(|j| j.id)
        .next_back()
}

/// Runs the worker `spawn` starts, shows progress, prints the result.
fn run_worker(
    store: Box<dyn ContactStore>,
    spawn: impl FnOnce(
        Arc<dyn ContactStore>,
        mpsc::Sender<WorkerEvent>,
        Cancel,
    ) -> std::io::Result<std::thread::JoinHandle<()>>,
    (cancel, signals): (Cancel, &StopSignal),
    (approx_rows, mut exact): (u64, bool),
    (json, (report, errors)): (bool, (Option<OutFile>, Option<OutFile>)),
    run: Run,
) -> Result<Outcome, CliError> {
    let store: Arc<dyn ContactStore> = Arc::from(store);
    let (tx, rx) = mpsc::channel();
    let bar = output::progress_bar(approx_rows, "importing");
    let handle = spawn(Arc::clone(&store), tx, cancel)
        .map_err(|e| CliError::Unusable(format!("cannot start the import: {e}")))?;
    // The job's id once it is recorded, and the event that ended the run.
    let (mut id, mut ended) = (None, None);
    // Whether a batch was committed: from then on a failure is not "nothing written".
    let mut started = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(WorkerEvent::Progress(p)) => {
                if let Some(bar) = &bar {
                    output::show_progress(bar, &p, exact);
                }
            }
            Ok(WorkerEvent::Recorded(job)) => id = Some(job.id),
            Ok(WorkerEvent::Started(job)) => {
                id = Some(job.id);
                started = true;
                // The file was read through: its rows are counted, not estimated.
                exact = true;
            }
            Ok(end) => ended = Some(end),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if signals.received().is_some() {
            let what = match id {
                Some(id) => format!("stopping job {id} at its next commit"),
                None => "stopping before anything is written".to_string(),
            };
            match &bar {
                Some(bar) => bar.suspend(|| signals.acknowledge(&what)),
                None => signals.acknowledge(&what),
            }
        }
    }
    let _ = handle.join();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let job = match ended {
        Some(WorkerEvent::Finished(job)) => *job,
        // Nothing was written: the reason is the whole message.
        Some(WorkerEvent::NotStarted(reason)) => {
            return Err(match (signals.received(), id) {
                (Some(signal), Some(job)) => CliError::StoppedBeforeCommit {
                    signal,
                    job,
                    reason,
                },
                _ => CliError::Unusable(reason),
            });
        }
        Some(WorkerEvent::Failed(e)) => {
            let id = id.unwrap_or_default();
            let advice = if e.contains("No space left") {
                "the disk is full: free some space, then"
            } else {
                "once the cause is fixed,"
            };
            let message = format!(
                "job {id} stopped: {e}; every batch written before is kept; {advice} `rolodex resume {id}` finishes it"
            );
            // Exit 1 promises nothing was written; once a batch was, the job ran in part.
            return Err(if started {
                CliError::PartlyDone(message)
            } else {
                CliError::Unusable(message)
            });
        }
        _ => {
            // The worker ended without a word (it panicked): batches it committed are
            // kept, so this is not "nothing written" once one was.
            return Err(match id.filter(|_| started) {
                Some(id) => CliError::PartlyDone(format!(
                    "job {id} stopped unexpectedly; every batch written before is kept; `rolodex resume {id}` finishes it"
                )),
                None => CliError::Unusable(
                    "the import stopped without a result; nothing was written".into(),
                ),
            });
        }
    };
    let written = if report.is_some() || errors.is_some() {
        backend::write_reports(&*store, &job, report, errors)
    } else {
        Ok(())
    };
    let before = match run {
        Run::NewImport => imported_before(&*store, &job),
        Run::Resume | Run::Retry => None,
    };
    if json {
        let mut value = job_json(&job);
        if let Some(fields) = value.as_object_mut() {
            fields.insert("store".into(), json!(store_location(&*store)));
            fields.insert("imported_before_as".into(), json!(before));
        }
        output::print_json(&value);
    } else {
        let mut out = Human::stdout();
        out.job_summary(&job);
        if let Some(earlier) = before {
            let what = if job.plan.options.purpose == crate::engine::plan::Purpose::Create {
                ": the contacts that job created are skipped now (duplicate_existing). To update them from the file instead, import it with --purpose upsert;"
            } else {
                ";"
            };
            out.line(&format!(
                "Note: this file was already imported as job {earlier}, with the same contents{what} `rolodex show {earlier}` shows job {earlier}, `rolodex revert {} --yes` undoes this one.",
                job.id
            ));
        }
        say_store(&mut out, &*store);
    }
    // The job ran: its summary is its result, and a job that stopped short says under it
    // why and how to go on (a note, not an error: the exit status tells a script).
    let id = job.id;
    let outcome = match job.status {
        JobStatus::Cancelled => {
            let by = signals
                .received()
                .map_or("a cancel".to_string(), |s| signals::name(s).to_string());
            say(&format!(
                "job {id} was stopped by {by} after row {}: every batch committed is kept; `rolodex resume {id}` finishes it",
                job.resume_after
            ));
            // A cancel no signal is known to have made exits as Ctrl-C's would.
            Outcome::Stopped {
                signal: signals.received().unwrap_or(signal_hook::consts::SIGINT),
            }
        }
        JobStatus::Stopped if job.reason.as_deref() == Some(FILE_CHANGED) => {
            say(&format!(
                "job {id} stopped: {} changed while it was being imported; every batch committed before is kept (`rolodex revert {id}` undoes them); put the original file back and `rolodex resume {id}` finishes it",
                clean(&job.file)
            ));
            Outcome::PartlyDone
        }
        // The failure threshold ended it before the file did: a script must not take it
        // for a finished import (the summary says how many rows were left and how to go on).
        JobStatus::Stopped => Outcome::PartlyDone,
        _ => Outcome::Done,
    };
    // The job is in the store whatever happened to its files: not "nothing written" (1).
    match written {
        Ok(()) => Ok(outcome),
        Err(error) => Err(CliError::ReportUnwritten {
            job: id,
            error,
            after: outcome,
        }),
    }
}

/// A job as SPEC §9's JSON.
pub fn job_json(job: &Job) -> Value {
    let c = &job.counts;
    json!({
        "job": job.id,
        "status": job.effective_status().name(),
        "reason": job.reason,
        "file": job.file,
        "started": job.started,
        "finished": job.finished,
        "total_rows": c.total_rows,
        "blank_rows": c.blank_rows,
        "created": c.created,
        "updated": c.updated,
        "skipped": c.skipped,
        "failed": c.failed,
        "warnings": c.warnings,
        "reasons": c.reasons,
        "consent_column": job.plan.options.consent_column,
        "unmapped_columns": job.plan.not_imported(),
        "objects": job.plan.options.objects.name(),
        "opportunities": c.opportunities,
        "opportunity_columns_not_imported": job.plan.opportunity_columns_left_out(),
        "import_tag": job.import_tag,
        "retry_of": job.retry_of,
        "revert_conflicts": job.revert_conflicts,
    })
}

/// `rolodex history [--json]`.
pub fn history(json: bool, db: Option<&Path>, pg_schema: &str) -> Result<Outcome, CliError> {
    let store = open_any(db, pg_schema, Access::Read)?;
    let jobs = store.jobs()?;
    warn_damage(&*store);
    if json {
        output::print_json(&jobs.iter().map(job_json).collect::<Vec<_>>());
        return Ok(Outcome::Done);
    }
    let mut out = Human::stdout();
    if jobs.is_empty() {
        out.line("No imports yet. Start one with: rolodex import FILE");
        return Ok(Outcome::Done);
    }
    // One table for all the jobs (the widths fit the widest), each job's notes under it.
    let columns = [
        ("job", Column::Count),
        ("status", Column::Text { min: 7 }),
        ("started", Column::Whole),
        ("created", Column::Count),
        ("updated", Column::Count),
        ("skipped", Column::Count),
        ("failed", Column::Count),
        ("file", Column::Path { min: 12 }),
    ];
    let mut table = Table::new(&columns);
    // Jobs of one year leave the year out, for room to name the files.
    let one_year = jobs
        .iter()
        .all(|j| j.started.get(..4) == jobs[0].started.get(..4));
    for j in &jobs {
        let c = &j.counts;
        let started = started_minute(&j.started);
        let started = match started.get(5..) {
            Some(day) if one_year => day.to_string(),
            _ => started,
        };
        table.row(vec![
            j.id.into(),
            j.effective_status().label().into(),
            started.into(),
            c.created.into(),
            c.updated.into(),
            c.skipped.into(),
            c.failed.into(),
            j.file.as_str().into(),
        ]);
    }
    let mut lines = table.lines(out.width()).into_iter();
    if let Some(head) = lines.next() {
        out.line(&head);
    }
    for (j, line) in jobs.iter().zip(lines) {
        out.line(&line);
        for note in output::job_notes(j) {
            out.line(&format!("      {}", clean(&note)));
        }
    }
    Ok(Outcome::Done)
}

/// "2026-11-30 23:55" of a job's RFC 3339 start: to the minute, as history lists it.
fn started_minute(started: &str) -> String {
    started.get(..16).unwrap_or(started).replace('T', " ")
}

/// `rolodex show JOB [--failed] [--csv]`.
pub fn show(
    id: u64,
    failed_only: bool,
    csv: bool,
    json: bool,
    db: Option<&Path>,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    let store = open_any(db, pg_schema, Access::Read)?;
    let job = store.job(id)?;
    let stdout = std::io::stdout();
    let result = if csv {
        let terminal = output::stdout_is_terminal();
        let mut w = SafeCsv::new(stdout.lock());
        // The rows to fix say which were retried since, and what became of them there
        // (a file to fix should not lead someone to fix a row a second time). A job none
        // of whose rows was retried gives the error file its import wrote, byte for byte.
        let retried = if failed_only {
            store.retried_fates(id)?
        } else {
            Default::default()
        };
        let extra: &[&str] = match (failed_only, retried.is_empty()) {
            (true, true) => &["Error"],
            (true, false) => &["Error", "Retried In"],
            (false, _) => &["Import Status", "Errors"],
        };
        let header: Vec<&str> = job
            .header
            .iter()
            .map(String::as_str)
            .chain(extra.iter().copied())
            .collect();
        let mut ok = w
            .row(
                header
                    .iter()
                    .map(|h| output::csv_cell(terminal, h.to_string())),
            )
            .map_err(|e| StoreError::Codec(e.to_string()));
        if ok.is_ok() {
            ok = store.job_rows(id, &mut |row| {
                if failed_only && !row.status.is_problem() {
                    return Ok(());
                }
                let messages = row
                    .issues
                    .iter()
                    .map(|i| i.describe())
                    .collect::<Vec<_>>()
                    .join("; ");
                let cells =
                    (0..job.header.len()).map(|i| row.cells.get(i).unwrap_or_default().to_string());
                let tail: Vec<String> = if failed_only {
                    let code = row
                        .issues
                        .first()
                        .map(|i| i.reason.code())
                        .unwrap_or_default();
                    let mut tail = vec![format!("{code}: {messages}")];
                    if !retried.is_empty() {
                        let retry = retried.get(&row.row).map(|f| f.follow_up());
                        tail.push(retry.unwrap_or_default());
                    }
                    tail
                } else {
                    vec![row.status.name().to_string(), messages]
                };
                w.row(
                    cells
                        .chain(tail)
                        .map(|cell| output::csv_cell(terminal, cell)),
                )
                .map_err(|e| StoreError::Codec(e.to_string()))
            });
        }
        ok.and_then(|_| w.flush().map_err(|e| StoreError::Codec(e.to_string())))
    } else if json {
        show_json(&*store, &job, failed_only)
    } else {
        let mut out = Human::stdout();
        if failed_only {
            // The rows are the news: the job in one line, not its whole summary again.
            out.job_title(&job);
            out.line(&format!(
                "{} rows failed and {} were skipped (as a file to fix: rolodex show {} --failed --csv > fix.csv; once their cause is fixed outside the file: rolodex retry {})",
                group_digits(job.counts.failed),
                group_digits(job.counts.skipped),
                job.id,
                job.id
            ));
        } else {
            out.job_summary(&job);
        }
        out.line("");
        let who = crate::engine::mapping::Who::of(&job.plan.mapping);
        // Streamed (a job may hold millions of rows): the widths are fitted to the widest
        // values the job can hold, not to the rows themselves.
        let mut table = Table::new(&[
            ("row", Column::Count),
            ("status", Column::Whole),
            ("contact", Column::Whole),
            ("name, email or phone", Column::Text { min: 10 }),
            ("reason", Column::Text { min: 16 }),
        ]);
        let widest_row = job.counts.total_rows + job.counts.blank_rows + 10;
        table.row(vec![
            widest_row.into(),
            "updated".into(),
            format!("#{}", widest_row.max(99_999)).into(),
            "x".repeat(18).into(),
            "x".repeat(200).into(),
        ]);
        let fitted = table.fitted(out.width());
        out.line(&fitted.header());
        let retried = store.retried_fates(id)?;
        store.job_rows(id, &mut |row| {
            if failed_only && !row.status.is_problem() {
                return Ok(());
            }
            let contact = row.contact.map(|c| format!("#{c}")).unwrap_or_default();
            // Every reason of the row, then the follow-up job that retried it.
            let retry = retried.get(&row.row).map(|fate| fate.describe());
            let mut issues = row
                .issues
                .iter()
                .map(|i| format!("{}: {}", i.reason.code(), i.describe()))
                .chain(retry);
            let first = fitted.wrapped_lines(&[
                row.row.into(),
                row.status.label().into(),
                contact.into(),
                who.describe(&row.cells).into(),
                issues.next().unwrap_or_default().into(),
            ]);
            // Every reason of the row, whole, under its first.
            let more = issues.flat_map(|more| {
                fitted.wrapped_lines(&[
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    more.into(),
                ])
            });
            for line in first.into_iter().chain(more) {
                out.line(&line);
            }
            Ok(())
        })
    };
    warn_damage(&*store);
    result?;
    Ok(Outcome::Done)
}

/// `show JOB --json`: the job as `history --json` gives it; with `--failed`, its failed
/// and skipped rows under `rows` too (each with its reasons and original cells).
fn show_json(store: &dyn ContactStore, job: &Job, failed_only: bool) -> Result<(), StoreError> {
    let mut value = job_json(job);
    if failed_only {
        let mut rows = Vec::new();
        let retried = store.retried_fates(job.id)?;
        store.job_rows(job.id, &mut |row| {
            if row.status.is_problem() {
                let mut value = row_json(&row);
                if let (Some(fate), Some(fields)) = (retried.get(&row.row), value.as_object_mut()) {
                    fields.insert(
                        "retried_in".into(),
                        json!({
                            "job": fate.to.job,
                            "row": fate.to.row,
                            "status": fate.status.map(|s| s.name()),
                            "reverted": fate.reverted,
                        }),
                    );
                }
                rows.push(value);
            }
            Ok(())
        })?;
        if let Some(fields) = value.as_object_mut() {
            fields.insert("rows".into(), Value::Array(rows));
        }
    }
    output::print_json(&value);
    Ok(())
}

/// A row of a job as `show --json` and `trace --json` give it.
pub fn row_json(row: &crate::store::jobs::JobRow) -> Value {
    json!({
        "row": row.row,
        "status": row.status.name(),
        "contact": row.contact,
        "reasons": row.issues.iter().map(|i| json!({
            "code": i.reason.code(),
            "column": i.column,
            "message": i.message,
        })).collect::<Vec<_>>(),
        "cells": row.cells.to_vec(),
    })
}

/// `rolodex revert JOB [--yes] [--force]`.
pub fn revert(
    id: u64,
    yes: bool,
    force: bool,
    json: bool,
    db: Option<&Path>,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    let store = open_any(db, pg_schema, Access::Write)?;
    let job = store.job(id)?;
    let left = job.revert_conflicts.len();
    if job.status == JobStatus::Reverted && left > 0 && !force {
        return Err(CliError::Unusable(format!(
            "job {id} is reverted, except {left} contacts left as they are because a later job matched them; `rolodex revert {id} --force` reverts them too"
        )));
    }
    refuse_damaged_revert(&*store, id)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(format!(
                "revert asks before changing contacts; add --yes to revert job {id} without asking"
            )));
        }
        let question = if job.status == JobStatus::Reverted {
            format!("Revert the {left} contacts job {id} left because a later job matched them? Those jobs' rows will name contacts deleted or restored. [y/N] ")
        } else {
            let later = if force {
                "including contacts a later job matched"
            } else {
                "contacts a later job matched are left as they are"
            };
            format!(
                "Revert job {id} ({}): delete the {} contacts it created and restore the {} it updated ({later})? [y/N] ",
                clean(&job.file),
                job.counts.created,
                job.counts.updated
            )
        };
        eprint!("{question}");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing was changed.");
            return Ok(Outcome::Done);
        }
    }
    // After the question: until then Ctrl-C ends the process with nothing changed.
    let stop = Cancel::default();
    let signals = StopSignal::install(Some(stop.shared()));
    let report = store
        .revert_job_until(id, force, &mut |_| {}, stop.flag())
        .map_err(|error| match signals.received() {
            Some(signal) => CliError::RevertStopped { signal, error },
            None => error.into(),
        })?;
    if json {
        let mut value = serde_json::to_value(&report).unwrap_or(Value::Null);
        if let Some(fields) = value.as_object_mut() {
            fields.insert("store".into(), json!(store_location(&*store)));
        }
        output::print_json(&value);
    } else {
        let mut out = Human::stdout();
        out.line(&report.describe());
        say_store(&mut out, &*store);
    }
    Ok(Outcome::Done)
}

/// A revert meeting a damaged contact (or a damaged record of one from before the job)
/// could not undo it faithfully: it is refused before anything changes, naming each.
fn refuse_damaged_revert(store: &dyn ContactStore, id: u64) -> Result<(), CliError> {
    let damaged = store.damaged_for_revert(id)?;
    if damaged.is_empty() {
        return Ok(());
    }
    Err(CliError::DamagedRevert { job: id, damaged })
}

/// `rolodex contacts [--json|--csv] [--search TEXT]`.
pub fn contacts(
    json: bool,
    csv: bool,
    search: Option<&str>,
    db: Option<&Path>,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    // A number typed without its country code is read in the config's region, as an
    // import would read it.
    let region = super::load_config()?.import_defaults().region;
    let search = search.map(|text| Query::parse_in(text, parse_region(&region)));
    let store = open_any(db, pg_schema, Access::Read)?;
    // Streamed from the store: the first line is out at once however large the store, and
    // memory holds one contact (a reader beside a running import answers). A search asks
    // the search index for the ids it finds, then reads those contacts a page at a time.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // CSV goes through one writer of its own (buffered; it neutralizes formulas).
    let mut csv_out = csv.then(|| SafeCsv::new(std::io::stdout().lock()));
    let terminal = output::stdout_is_terminal();
    // Streamed: the columns are fitted to the width and to the longest values a contact
    // usually has, not to the contacts themselves.
    let mut table = Table::new(&[
        ("id", Column::Whole),
        ("name", Column::Text { min: 12 }),
        ("phone", Column::Text { min: 12 }),
        ("email", Column::Text { min: 12 }),
        ("company", Column::Text { min: 8 }),
    ]);
    table.row(vec![
        "#9999999".into(),
        "x".repeat(26).into(),
        "+44 20 7946 0958".into(),
        "x".repeat(30).into(),
        "x".repeat(24).into(),
    ]);
    let fitted = table.fitted(output::width());
    let mut shown = 0u64;
    let mut failed: Option<std::io::Error> = None;
    let mut text = Vec::new();
    let started = if json {
        out.write_all(b"[")
    } else if let Some(w) = &mut csv_out {
        write_csv_row(w, terminal, CONTACT_CSV_HEADER.map(String::from))
    } else {
        writeln!(out, "{}", fitted.header())
    };
    if let Err(e) = started {
        failed = Some(e);
    }
    let mut each = |c: Contact| {
        if failed.is_some() {
            return false;
        }
        shown += 1;
        let written = if json {
            write_json_contact(&mut out, &mut text, terminal, shown == 1, &c)
        } else if let Some(w) = &mut csv_out {
            write_csv_row(w, terminal, contact_csv_cells(&c))
        } else {
            writeln!(
                out,
                "{}",
                fitted.line(&[
                    format!("#{}", c.id).into(),
                    c.display_name().into(),
                    c.phones.first().cloned().unwrap_or_default().into(),
                    c.emails.first().cloned().unwrap_or_default().into(),
                    c.company.clone().unwrap_or_default().into(),
                ])
            )
        };
        if let Err(e) = written {
            failed = Some(e);
        }
        failed.is_none()
    };
    let listed = match &search {
        None => store.for_each_contact(&mut each),
        Some(query) => list_found(&*store, query, &mut each),
    };
    let ended = if json {
        out.write_all(if shown == 0 { b"]\n" } else { b"\n]\n" })
    } else if let Some(w) = &mut csv_out {
        w.flush()
    } else {
        // The whole store listed: what was shown is every contact that could be read.
        let total = match search {
            None => Ok(shown),
            Some(_) => store.contact_count(),
        };
        total.map_or(Ok(()), |total| {
            writeln!(
                out,
                "{} of {} contacts",
                group_digits(shown),
                group_digits(total)
            )
        })
    };
    let flushed = ended.and_then(|()| out.flush());
    drop((out, csv_out));
    warn_damage(&*store);
    listed?;
    match failed.map_or(flushed, Err) {
        // `rolodex contacts | head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Done),
        Err(e) => Err(CliError::Unusable(format!(
            "cannot write the contacts: {e}"
        ))),
        Ok(()) => Ok(Outcome::Done),
    }
}

/// Contacts read for a search at a time: memory holds one page of them beside the ids.
const FOUND_PAGE: usize = 512;

/// The contacts `query` finds, in id order, through `each` until it returns false.
fn list_found(
    store: &dyn ContactStore,
    query: &Query,
    each: &mut dyn FnMut(Contact) -> bool,
) -> Result<(), StoreError> {
    let found = store.search_contacts(query)?;
    if !found.indexed {
        say(&format!(
            "{} has no search index yet, so every contact was read to search it; the next command that writes to it (an import, resume or revert) builds the index",
            clean(&store.shown())
        ));
    }
    for page in found.ids.chunks(FOUND_PAGE) {
        for c in store.contacts_by_id(page)? {
            if !each(c) {
                return Ok(());
            }
        }
    }
    Ok(())
}

const CONTACT_CSV_HEADER: [&str; 22] = [
    "id",
    "first_name",
    "last_name",
    "phones",
    "emails",
    "company",
    "title",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "website",
    "industry",
    "note",
    "tags",
    "lists",
    "consent",
    "shared",
    "owner",
    "followers",
    "favorite_agent",
];

/// A contact as a row of `contacts --csv`, in `CONTACT_CSV_HEADER`'s order.
fn contact_csv_cells(c: &Contact) -> [String; 22] {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        c.id.to_string(),
        o(&c.first_name),
        o(&c.last_name),
        c.phones.join(" "),
        c.emails.join(" "),
        o(&c.company),
        o(&c.title),
        o(&c.address),
        o(&c.city),
        o(&c.state),
        o(&c.zip),
        o(&c.country),
        o(&c.website),
        o(&c.industry),
        o(&c.note),
        c.tags.iter().cloned().collect::<Vec<_>>().join(", "),
        c.lists.iter().cloned().collect::<Vec<_>>().join(", "),
        format!("{:?}", c.consent).to_lowercase(),
        c.shared.to_string(),
        o(&c.team.owner),
        c.team.followers.join(", "),
        o(&c.team.favorite_agent),
    ]
}

/// One CSV row, neutralized for spreadsheets, and shown as placeholders on a terminal.
fn write_csv_row<W: Write>(
    w: &mut SafeCsv<W>,
    terminal: bool,
    cells: impl IntoIterator<Item = String>,
) -> std::io::Result<()> {
    w.row(
        cells
            .into_iter()
            .map(|cell| output::csv_cell(terminal, cell)),
    )
}

/// One element of a JSON array written as it comes, indented as a pretty array's would be.
fn write_json_item(
    out: &mut impl Write,
    terminal: bool,
    first: bool,
    value: &Value,
) -> std::io::Result<()> {
    let mut value = value.clone();
    if terminal {
        output::sanitize_json(&mut value);
    }
    let text = serde_json::to_string_pretty(&value).map_err(std::io::Error::other)?;
    out.write_all(if first { b"\n  " } else { b",\n  " })?;
    out.write_all(text.replace('\n', "\n  ").as_bytes())
}

/// One contact of `contacts --json`, as `write_json_item` would write its `contact_json`,
/// serialized straight into `text` (kept between contacts) and indented as it is copied
/// out. On a terminal it takes the slower way, which sanitizes every string.
fn write_json_contact(
    out: &mut impl Write,
    text: &mut Vec<u8>,
    terminal: bool,
    first: bool,
    c: &Contact,
) -> std::io::Result<()> {
    if terminal {
        return write_json_item(out, terminal, first, &contact_json(c));
    }
    text.clear();
    serde_json::to_writer_pretty(&mut *text, &output::ContactJson(c))
        .map_err(std::io::Error::other)?;
    out.write_all(if first { b"\n  " } else { b",\n  " })?;
    let mut lines = text.split(|b| *b == b'\n');
    if let Some(line) = lines.next() {
        out.write_all(line)?;
    }
    for line in lines {
        out.write_all(b"\n  ")?;
        out.write_all(line)?;
    }
    Ok(())
}
