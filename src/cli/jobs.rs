//! The commands that write or read the store: import --yes, resume, history, show, revert,
//! contacts. They call the store and the worker; every rule lives there.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;

use serde_json::{json, Value};

use super::headless::Prepared;
use super::output::{self, contact_json, Human};
use super::{ImportArgs, EXIT_UNUSABLE, EXIT_USAGE};
use crate::engine::contact::Contact;
use crate::engine::plan::import_tag;
use crate::engine::report::SafeCsv;
use crate::engine::source::Source;
use crate::engine::text::sanitize_for_terminal as clean;
use crate::store::jobs::{Job, JobStatus};
use crate::store::{Access, Store, StoreError};
use crate::worker::{spawn_new_import, spawn_resume, Cancel, NewImport, WorkerEvent};

/// The store the command line uses: `--db`/`$ROLODEX_DB`, else the data directory.
pub fn store_path(db: Option<&Path>) -> Option<PathBuf> {
    db.map(Path::to_path_buf).or_else(Store::default_path)
}

/// Opens the store for `access`: read-only for the commands that only read (a missing store
/// is an error then, and nothing is created), for writing for those that write (only an
/// import creates the store).
pub fn open_store(db: Option<&Path>, access: Access) -> Result<Store, i32> {
    let Some(path) = store_path(db) else {
        eprintln!("rolodex: no data directory for the store; give one with --db PATH");
        return Err(EXIT_UNUSABLE);
    };
    let store = Store::open_for(&path, access).map_err(|e| store_fail(&e))?;
    // A store this user may not write is opened read-only; a command that writes says so
    // before it asks or reads anything.
    if access != Access::Read && !store.is_writable() {
        return Err(store_fail(&StoreError::ReadOnly(path)));
    }
    Ok(store)
}

pub fn store_fail(e: &StoreError) -> i32 {
    eprintln!("rolodex: {}", clean(&e.to_string()));
    EXIT_UNUSABLE
}

/// Names on stderr every damaged record a listing skipped (it never shows them as data).
pub fn warn_damage(store: &Store) {
    let damage = store.take_damage();
    for e in &damage {
        eprintln!("rolodex: warning: {}", clean(&e.to_string()));
    }
}

/// `rolodex import FILE --yes --consent-confirmed`: runs the import headless.
pub fn import(args: &ImportArgs, db: Option<&Path>) -> i32 {
    if !args.consent_confirmed {
        eprintln!(
            "rolodex: nothing was written: --yes needs --consent-confirmed, confirming that every contact in {} agreed to be contacted (TCPA)",
            clean(&args.file.display().to_string())
        );
        return EXIT_USAGE;
    }
    // The whole file is checked beside the first batch, which is committed only once the
    // check has passed: a quote never closed at row 48,213 still means nothing written.
    let Prepared {
        source, mut plan, ..
    } = match super::headless::prepare(args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let store = match open_store(db, Access::Create) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(code) = super::headless::adopt_stored_fields(&store, &mut plan) {
        return code;
    }
    let import_tag = plan
        .options
        .import_tag
        .then(|| import_tag(&args.file, chrono::Local::now()));
    let approx_rows = source.info.approx_rows;
    let new = NewImport {
        source,
        plan,
        import_tag,
        retry_of: None,
    };
    run_worker(
        store,
        |store, events, cancel| spawn_new_import(store, new, events, cancel),
        approx_rows,
        (args.json, args.report.as_deref(), args.errors.as_deref()),
    )
}

/// `rolodex resume JOB`: finishes a job that was killed or cancelled.
pub fn resume(id: u64, json: bool, db: Option<&Path>) -> i32 {
    let store = match open_store(db, Access::Write) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut job = match store.job(id) {
        Ok(j) => j,
        Err(e) => return store_fail(&e),
    };
    if !matches!(
        job.status,
        JobStatus::Running | JobStatus::Cancelled | JobStatus::Stopped | JobStatus::Failed
    ) {
        eprintln!(
            "rolodex: job {id} is {}; there is nothing to resume",
            job.status
        );
        return EXIT_UNUSABLE;
    }
    let path = PathBuf::from(&job.file);
    let source = match Source::open(&path, &job.plan.read) {
        Ok(s) => s,
        Err(e) => return output::fail(&e),
    };
    // Saved with the first batch of this run, which the worker commits only once it has
    // found the file unchanged (reading it through beside that batch).
    if job.status != JobStatus::Running {
        job.status = JobStatus::Running;
        job.finished = None;
        job.failure_base = job.counts.failed;
    }
    let approx_rows = source.info.approx_rows;
    run_worker(
        store,
        |store, events, cancel| spawn_resume(store, job, source, events, cancel),
        approx_rows,
        (json, None, None),
    )
}

/// Runs the worker `spawn` starts, shows progress, prints the result.
fn run_worker(
    store: Store,
    spawn: impl FnOnce(
        Arc<Store>,
        mpsc::Sender<WorkerEvent>,
        Cancel,
    ) -> std::io::Result<std::thread::JoinHandle<()>>,
    approx_rows: u64,
    (json, report, errors): (bool, Option<&Path>, Option<&Path>),
) -> i32 {
    let store = Arc::new(store);
    let (tx, rx) = mpsc::channel();
    let bar = output::progress_bar(approx_rows, "importing");
    let handle = match spawn(Arc::clone(&store), tx, Cancel::default()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("rolodex: cannot start the import: {e}");
            return EXIT_UNUSABLE;
        }
    };
    // The job's id once it is under way, and the event that ended the run.
    let (mut id, mut ended) = (0, None);
    for event in rx {
        match event {
            WorkerEvent::Progress(p) => {
                if let Some(bar) = &bar {
                    bar.set_position(p.rows);
                }
            }
            WorkerEvent::Started(job) => id = job.id,
            end => ended = Some(end),
        }
    }
    let _ = handle.join();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let job = match ended {
        Some(WorkerEvent::Finished(job)) => *job,
        // Nothing was written: the reason is the whole message.
        Some(WorkerEvent::NotStarted(e)) => {
            eprintln!("rolodex: {}", clean(&e));
            return EXIT_UNUSABLE;
        }
        Some(WorkerEvent::Failed(e)) => {
            let advice = if e.contains("No space left") {
                "the disk is full: free some space, then"
            } else {
                "once the cause is fixed,"
            };
            eprintln!(
                "rolodex: job {id} stopped: {}; every batch written before is kept; {advice} `rolodex resume {id}` finishes it",
                clean(&e)
            );
            return EXIT_UNUSABLE;
        }
        _ => {
            eprintln!("rolodex: the import stopped without a result");
            return EXIT_UNUSABLE;
        }
    };
    if report.is_some() || errors.is_some() {
        if let Err(e) = store.write_reports(&job, report, errors) {
            eprintln!("rolodex: cannot write the report: {e}");
            return EXIT_UNUSABLE;
        }
    }
    if json {
        output::print_json(&job_json(&job));
    } else {
        let mut out = Human::stdout();
        out.job_summary(&job);
    }
    0
}

/// A job as SPEC §9's JSON.
pub fn job_json(job: &Job) -> Value {
    let c = &job.counts;
    json!({
        "job": job.id,
        "status": job.status.name(),
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
        "import_tag": job.import_tag,
        "retry_of": job.retry_of,
        "revert_conflicts": job.revert_conflicts,
    })
}

/// `rolodex history [--json]`.
pub fn history(json: bool, db: Option<&Path>) -> i32 {
    let store = match open_store(db, Access::Read) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let jobs = match store.jobs() {
        Ok(j) => j,
        Err(e) => return store_fail(&e),
    };
    warn_damage(&store);
    if json {
        output::print_json(&jobs.iter().map(job_json).collect::<Vec<_>>());
        return 0;
    }
    let mut out = Human::stdout();
    if jobs.is_empty() {
        out.line("No imports yet. Start one with: rolodex import FILE");
        return 0;
    }
    out.line(&format!(
        "{:>4}  {:<22} {:<19} {:>8} {:>8} {:>8} {:>8}  file",
        "job", "status", "started", "created", "updated", "skipped", "failed"
    ));
    for j in &jobs {
        let c = &j.counts;
        out.line(&format!(
            "{:>4}  {:<22} {:<19} {:>8} {:>8} {:>8} {:>8}  {}",
            j.id,
            j.status.name(),
            j.started.get(..19).unwrap_or(&j.started).replace('T', " "),
            c.created,
            c.updated,
            c.skipped,
            c.failed,
            clean(&j.file)
        ));
    }
    0
}

/// `rolodex show JOB [--failed] [--csv]`.
pub fn show(id: u64, failed_only: bool, csv: bool, db: Option<&Path>) -> i32 {
    let store = match open_store(db, Access::Read) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let job = match store.job(id) {
        Ok(j) => j,
        Err(e) => return store_fail(&e),
    };
    let stdout = std::io::stdout();
    let result = if csv {
        let mut w = SafeCsv::new(stdout.lock());
        let extra: &[&str] = if failed_only {
            &["Error"]
        } else {
            &["Import Status", "Errors"]
        };
        let header: Vec<&str> = job
            .header
            .iter()
            .map(String::as_str)
            .chain(extra.iter().copied())
            .collect();
        let mut ok = w.row(header).map_err(|e| StoreError::Codec(e.to_string()));
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
                    vec![format!("{code}: {messages}")]
                } else {
                    vec![row.status.name().to_string(), messages]
                };
                w.row(cells.chain(tail))
                    .map_err(|e| StoreError::Codec(e.to_string()))
            });
        }
        ok.and_then(|_| w.flush().map_err(|e| StoreError::Codec(e.to_string())))
    } else {
        let mut out = Human::stdout();
        out.job_summary(&job);
        out.line("");
        out.line(&format!(
            "{:>7}  {:<9} {:>8}  reasons",
            "row", "status", "contact"
        ));
        store.job_rows(id, &mut |row| {
            if failed_only && !row.status.is_problem() {
                return Ok(());
            }
            let contact = row.contact.map(|c| format!("#{c}")).unwrap_or_default();
            let first = row
                .issues
                .first()
                .map(|i| format!("{}: {}", i.reason.code(), i.describe()));
            out.line(&format!(
                "{:>7}  {:<9} {:>8}  {}",
                row.row,
                row.status.name(),
                contact,
                clean(&first.unwrap_or_default())
            ));
            for more in row.issues.iter().skip(1) {
                out.line(&format!(
                    "{:>7}  {:<9} {:>8}  {}: {}",
                    "",
                    "",
                    "",
                    more.reason.code(),
                    clean(&more.describe())
                ));
            }
            Ok(())
        })
    };
    warn_damage(&store);
    match result {
        Ok(()) => 0,
        Err(e) => store_fail(&e),
    }
}

/// `rolodex revert JOB [--yes]`.
pub fn revert(id: u64, yes: bool, json: bool, db: Option<&Path>) -> i32 {
    let store = match open_store(db, Access::Write) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let job = match store.job(id) {
        Ok(j) => j,
        Err(e) => return store_fail(&e),
    };
    if let Err(code) = refuse_damaged_revert(&store, id) {
        return code;
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("rolodex: revert asks before changing contacts; add --yes to revert job {id} without asking");
            return EXIT_USAGE;
        }
        eprint!(
            "Revert job {id} ({}): delete the {} contacts it created and restore the {} it updated? [y/N] ",
            clean(&job.file),
            job.counts.created,
            job.counts.updated
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing was changed.");
            return 0;
        }
    }
    let report = match store.revert_job(id, &mut |_| {}) {
        Ok(r) => r,
        Err(e) => return store_fail(&e),
    };
    if json {
        output::print_json(&report);
    } else {
        Human::stdout().line(&report.describe());
    }
    0
}

/// A revert meeting a damaged contact (or a damaged record of one from before the job)
/// could not undo it faithfully: it is refused before anything changes, naming each.
fn refuse_damaged_revert(store: &Store, id: u64) -> Result<(), i32> {
    let damaged = store.damaged_for_revert(id).map_err(|e| store_fail(&e))?;
    if damaged.is_empty() {
        return Ok(());
    }
    for e in &damaged {
        eprintln!("rolodex: {}", clean(&e.to_string()));
    }
    eprintln!(
        "rolodex: job {id} was not reverted: {} damaged record(s) above; nothing was changed",
        damaged.len()
    );
    Err(EXIT_UNUSABLE)
}

/// `rolodex contacts [--json|--csv] [--search TEXT]`.
pub fn contacts(json: bool, csv: bool, search: Option<&str>, db: Option<&Path>) -> i32 {
    let store = match open_store(db, Access::Read) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let all = match store.contacts() {
        Ok(c) => c,
        Err(e) => return store_fail(&e),
    };
    warn_damage(&store);
    let shown: Vec<&Contact> = all
        .iter()
        .filter(|c| search.is_none_or(|s| c.matches_search(s)))
        .collect();
    if json {
        output::print_json(&shown.iter().map(|c| contact_json(c)).collect::<Vec<_>>());
    } else if csv {
        let mut w = SafeCsv::new(std::io::stdout().lock());
        let header = [
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
        ];
        let mut result = w.row(header);
        for c in &shown {
            if result.is_err() {
                break;
            }
            let o = |v: &Option<String>| v.clone().unwrap_or_default();
            result = w.row([
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
            ]);
        }
        if let Err(e) = result.and_then(|_| w.flush()) {
            eprintln!("rolodex: {e}");
            return EXIT_UNUSABLE;
        }
    } else {
        let mut out = Human::stdout();
        for c in &shown {
            out.line(&format!(
                "{:>6}  {:<28} {:<16} {:<30} {}",
                format!("#{}", c.id),
                clean(&c.display_name()),
                c.phones.first().cloned().unwrap_or_default(),
                clean(&c.emails.first().cloned().unwrap_or_default()),
                clean(&c.company.clone().unwrap_or_default())
            ));
        }
        out.line(&format!("{} of {} contacts", shown.len(), all.len()));
    }
    0
}
