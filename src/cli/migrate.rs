//! `rolodex migrate --from A --to B`: a whole store copied from a store file into
//! PostgreSQL or back (`store::pg::copy`), then every table's count and checksum printed
//! for the source and the copy.

use std::path::Path;

use super::output::{self, Human};
use super::{CliError, Outcome};
use crate::engine::text::sanitize_for_terminal as clean;
use crate::store::pg::{copy, location, PgLocation};

fn url(p: &Path) -> Option<&str> {
    p.to_str().filter(|t| location::is_postgres_url(t))
}

pub fn migrate(
    from: &Path,
    to: &Path,
    replace: bool,
    json: bool,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    let report = match (url(from), url(to)) {
        (None, Some(to)) => {
            copy::migrate_file_to_postgres(from, &PgLocation::parse(to, pg_schema)?, replace)?
        }
        (Some(from), None) => {
            copy::migrate_postgres_to_file(&PgLocation::parse(from, pg_schema)?, to, replace)?
        }
        _ => {
            return Err(CliError::Usage(
                "migrate copies a store file into PostgreSQL or a PostgreSQL store into a file: one of --from and --to is a postgres:// URL, the other a file".into(),
            ))
        }
    };
    if json {
        output::print_json(&report);
    } else {
        let mut out = Human::stdout();
        out.line(&format!(
            "Copied {} to {}",
            clean(&report.from),
            clean(&report.to)
        ));
        out.line(&format!(
            "{:<22} {:>10} {:>16}   {:>10} {:>16}",
            "table", "records", "checksum", "copied", "checksum"
        ));
        for t in &report.tables {
            out.line(&format!(
                "{:<22} {:>10} {:016x}   {:>10} {:016x}{}",
                t.table,
                t.source.records,
                t.source.checksum,
                t.copy.records,
                t.copy.checksum,
                if t.source == t.copy { "" } else { "  DIFFERS" }
            ));
        }
    }
    if !report.verified() {
        let differ: Vec<&str> = report
            .tables
            .iter()
            .filter(|t| t.source != t.copy)
            .map(|t| t.table)
            .collect();
        return Err(CliError::Unusable(format!(
            "the copy differs from the source in {}; the source is untouched{}",
            differ.join(", "),
            if url(to).is_some() {
                " (the PostgreSQL copy was committed: run migrate again with --replace)"
            } else {
                " and no file was made"
            }
        )));
    }
    if !json {
        Human::stdout().line("Every table's count and checksum match.");
    }
    Ok(Outcome::Done)
}
