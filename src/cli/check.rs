//! `rolodex check` and `rolodex backup PATH`: is the store intact, and a copy of it taken
//! while it is in use.

use std::path::Path;

use serde_json::json;

use super::db::{no_store_path, open_store, store_path};
use super::output::{self, Human};
use super::{CliError, Outcome};
use crate::engine::text::sanitize_for_terminal as clean;
use crate::store::check::{open_for_check, Pages};
use crate::store::Access;

/// `rolodex check [--json]`: exit 0 when the store is intact, 1 when anything is damaged
/// (one line per problem, by contact or job) or the store cannot be checked.
pub fn check(json: bool, db: Option<&Path>) -> Result<Outcome, CliError> {
    let path = store_path(db).ok_or_else(no_store_path)?;
    let (store, pages) = open_for_check(&path)?;
    let mut report = store.check()?;
    report.pages = pages;
    let intact = report.intact();
    if json {
        output::print_json(&json!({
            "store": path.display().to_string(),
            "intact": intact,
            "contacts": report.contacts,
            "jobs": report.jobs,
            "pages": report.pages,
            "problems": report.problems,
        }));
    } else {
        let mut out = Human::stdout();
        match &report.pages {
            Pages::Intact => {}
            Pages::NotChecked(why) => out.line(&format!("note: {}", clean(why))),
            Pages::Repaired => out.line(
                "the store's pages: redb found damage and repaired the file, which may have gone back to the last intact commit",
            ),
            Pages::Damaged(why) => {
                out.line(&format!("the store's pages are damaged: {}", clean(why)))
            }
        }
        for p in &report.problems {
            out.line(&clean(&p.describe()));
        }
        if intact {
            out.line(&format!(
                "store is intact: {} contacts, {} jobs checked",
                report.contacts, report.jobs
            ));
        } else {
            out.line(&format!(
                "store is damaged: {} problem(s) in {} contacts, {} jobs; restore from a backup (`rolodex backup PATH` makes one)",
                report.problems.len() + usize::from(!matches!(report.pages, Pages::Intact | Pages::NotChecked(_))),
                report.contacts,
                report.jobs
            ));
        }
    }
    Ok(if intact {
        Outcome::Done
    } else {
        Outcome::Damaged
    })
}

/// `rolodex backup PATH [--json]`: a consistent copy, while readers and an import run.
pub fn backup(to: &Path, json: bool, db: Option<&Path>) -> Result<Outcome, CliError> {
    let store = open_store(db, Access::Read)?;
    let report = store.backup(to)?;
    if json {
        output::print_json(&report);
    } else {
        Human::stdout().line(&format!(
            "Backed up {} contacts and {} jobs ({} records, {} KB) to {}",
            report.contacts,
            report.jobs,
            report.records,
            report.bytes.div_ceil(1024),
            clean(&report.path.display().to_string())
        ));
    }
    Ok(Outcome::Done)
}
