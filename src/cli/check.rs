//! `rolodex check` and `rolodex backup PATH`: is the store intact, and a copy of it taken
//! while it is in use.

use std::path::Path;

use serde_json::json;

use super::jobs::{open_store, store_fail, store_path};
use super::output::{self, Human};
use super::EXIT_UNUSABLE;
use crate::engine::text::sanitize_for_terminal as clean;
use crate::store::check::{open_for_check, Pages};
use crate::store::Access;

/// `rolodex check [--json]`: exit 0 when the store is intact, 1 when anything is damaged
/// (one line per problem, by contact or job) or the store cannot be checked.
pub fn check(json: bool, db: Option<&Path>) -> i32 {
    let Some(path) = store_path(db) else {
        eprintln!("rolodex: no data directory for the store; give one with --db PATH");
        return EXIT_UNUSABLE;
    };
    let (store, pages) = match open_for_check(&path) {
        Ok(opened) => opened,
        Err(e) => return store_fail(&e),
    };
    let mut report = match store.check() {
        Ok(r) => r,
        Err(e) => return store_fail(&e),
    };
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
    if intact {
        0
    } else {
        EXIT_UNUSABLE
    }
}

/// `rolodex backup PATH [--json]`: a consistent copy, while readers and an import run.
pub fn backup(to: &Path, json: bool, db: Option<&Path>) -> i32 {
    let store = match open_store(db, Access::Read) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = match store.backup(to) {
        Ok(r) => r,
        Err(e) => return store_fail(&e),
    };
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
    0
}
