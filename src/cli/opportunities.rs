//! `rolodex opportunities [--json|--csv] [--contact ID]`: the opportunities imported beside
//! contacts, streamed from one read snapshot of the store.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::db::open_store;
use super::jobs::warn_damage;
use super::output::{self, Column, Table};
use super::{CliError, Outcome};
use crate::engine::number::group_digits;
use crate::engine::opportunity::Opportunity;
use crate::engine::report::SafeCsv;
use crate::store::Access;

const CSV_HEADER: [&str; 12] = [
    "id",
    "contact",
    "name",
    "pipeline",
    "stage",
    "value",
    "currency",
    "status",
    "close_date",
    "owner",
    "opportunity_id",
    "created_by",
];

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn csv_cells(o: &Opportunity) -> [String; 12] {
    [
        o.id.to_string(),
        o.contact.to_string(),
        text(&o.name),
        text(&o.pipeline),
        text(&o.stage),
        o.value
            .as_ref()
            .map(|m| m.amount.clone())
            .unwrap_or_default(),
        o.value
            .as_ref()
            .and_then(|m| m.currency.clone())
            .unwrap_or_default(),
        o.status.map(|s| s.name().to_string()).unwrap_or_default(),
        text(&o.close_date),
        text(&o.owner),
        text(&o.external_id),
        o.created_by.map(|j| j.to_string()).unwrap_or_default(),
    ]
}

/// An opportunity as `--json` prints it.
pub fn opportunity_json(o: &Opportunity) -> Value {
    json!({
        "id": o.id,
        "contact": o.contact,
        "name": o.name,
        "pipeline": o.pipeline,
        "stage": o.stage,
        "value": o.value.as_ref().map(|m| json!({"amount": m.amount, "currency": m.currency})),
        "status": o.status.map(|s| s.name()),
        "close_date": o.close_date,
        "owner": o.owner,
        "opportunity_id": o.external_id,
        "created_by": o.created_by,
        "updated_by": o.updated_by,
    })
}

pub fn opportunities(
    json: bool,
    csv: bool,
    contact: Option<u64>,
    db: Option<&Path>,
) -> Result<Outcome, CliError> {
    let store = open_store(db, Access::Read)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut csv_out = csv.then(|| SafeCsv::new(std::io::stdout().lock()));
    let terminal = output::stdout_is_terminal();
    let mut table = Table::new(&[
        ("id", Column::Whole),
        ("contact", Column::Whole),
        ("name", Column::Text { min: 12 }),
        ("stage", Column::Text { min: 8 }),
        ("value", Column::Text { min: 8 }),
        ("status", Column::Text { min: 6 }),
        ("close date", Column::Text { min: 10 }),
    ]);
    table.row(vec![
        "#9999999".into(),
        "#9999999".into(),
        "x".repeat(26).into(),
        "x".repeat(14).into(),
        "1,200,000.00 EUR".into(),
        "abandoned".into(),
        "2024-12-31".into(),
    ]);
    let fitted = table.fitted(output::width());
    let mut shown = 0u64;
    let mut failed: Option<std::io::Error> = None;
    let started = if json {
        out.write_all(b"[")
    } else if let Some(w) = &mut csv_out {
        w.row(CSV_HEADER)
    } else {
        writeln!(out, "{}", fitted.header())
    };
    if let Err(e) = started {
        failed = Some(e);
    }
    let listed = store.for_each_opportunity(contact, &mut |o| {
        if failed.is_some() {
            return false;
        }
        shown += 1;
        let written = if json {
            let mut value = opportunity_json(&o);
            if terminal {
                output::sanitize_json(&mut value);
            }
            serde_json::to_string_pretty(&value)
                .map_err(std::io::Error::other)
                .and_then(|text| {
                    out.write_all(if shown == 1 { b"\n  " } else { b",\n  " })?;
                    out.write_all(text.replace('\n', "\n  ").as_bytes())
                })
        } else if let Some(w) = &mut csv_out {
            w.row(
                csv_cells(&o)
                    .into_iter()
                    .map(|cell| output::csv_cell(terminal, cell)),
            )
        } else {
            writeln!(
                out,
                "{}",
                fitted.line(&[
                    format!("#{}", o.id).into(),
                    format!("#{}", o.contact).into(),
                    o.display_name().into(),
                    text(&o.stage).into(),
                    o.value
                        .as_ref()
                        .map(|m| m.describe())
                        .unwrap_or_default()
                        .into(),
                    o.status.map(|s| s.name()).unwrap_or_default().into(),
                    text(&o.close_date).into(),
                ])
            )
        };
        if let Err(e) = written {
            failed = Some(e);
        }
        failed.is_none()
    });
    let ended = if json {
        out.write_all(if shown == 0 { b"]\n" } else { b"\n]\n" })
    } else if let Some(w) = &mut csv_out {
        w.flush()
    } else {
        writeln!(out, "{} opportunities", group_digits(shown))
    };
    let flushed = ended.and_then(|()| out.flush());
    drop((out, csv_out));
    warn_damage(&store);
    listed?;
    match failed.map_or(flushed, Err) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Done),
        Err(e) => Err(CliError::Unusable(format!(
            "cannot write the opportunities: {e}"
        ))),
        Ok(()) => Ok(Outcome::Done),
    }
}
