//! The headless commands: preview, and import's dry run. They build an `ImportPlan` from the
//! flags exactly as the wizard builds it from its screens, and print what the engine says.

use std::sync::atomic::AtomicBool;

use serde_json::json;

use super::output::{self, Human};
use super::{CliError, ImportArgs, Outcome, PreviewArgs, ReadArgs};
use crate::engine::date::DateOrder;
use crate::engine::outfile::{self, OutFile, Protected};
use crate::engine::plan::{ImportOptions, ListTarget};
use crate::engine::report::ReportFiles;
use crate::engine::resolve::{issues_of, Decision};
use crate::engine::review::{
    phone_column_health, review, scan_date_columns, ContactLookup, DateColumnReport, NoStore,
};
use crate::engine::source::{ReadOptions, Source};
use crate::session::{Draft, ImportRequest};
use crate::store::backend::{ContactStore, InterfaceLookup};
use std::path::Path;

pub fn read_options(args: &ReadArgs) -> ReadOptions {
    ReadOptions {
        delimiter: args.delimiter,
        encoding: args.encoding.clone(),
        header_row: args.header_row,
        sheet: args.sheet.clone(),
    }
}

/// `rolodex preview FILE`: how the file is read, and its first rows exactly as decoded.
pub fn preview(args: &PreviewArgs) -> Result<Outcome, CliError> {
    let source = Source::open(&args.file, &read_options(&args.read))?;
    let mut rows = source.rows()?;
    let mut shown = Vec::new();
    while shown.len() < args.rows {
        match rows.next_row()? {
            Some(row) => shown.push(row),
            None => break,
        }
    }
    let info = &source.info;
    if args.json {
        let value = json!({
            "file": info.path.display().to_string(),
            "encoding": info.encoding,
            "encoding_confident": info.encoding_confident,
            "encoding_warning": source.encoding_doubt(),
            "bom": info.bom,
            "delimiter": info.delimiter.to_string(),
            "header_row": info.header_row,
            "header": info.header,
            "rows": shown.iter().map(|r| r.cells.to_vec()).collect::<Vec<_>>(),
            "row_numbers": shown.iter().map(|r| r.row).collect::<Vec<_>>(),
            "blank_rows": rows.blank_rows(),
            "approx_rows": info.approx_rows,
            "format": info.format,
            "sheet": source.sheets().and_then(|s| s.names.get(s.chosen)),
            "sheets": source.sheets().map(|s| &s.names),
        });
        output::print_json(&value);
    } else {
        let chosen = args
            .columns
            .as_deref()
            .map(|list| choose_columns(list, &info.header))
            .transpose()?;
        let mut out = Human::stdout();
        out.file_info(info);
        if let Some(sheets) = source.sheets() {
            out.line(&format!(
                "Sheet {} read; the workbook has {} (choose with --sheet NAME or --sheet NUMBER)",
                sheets.chosen + 1,
                crate::engine::sheet::list_sheets(&sheets.names)
            ));
        }
        out.preview_table(
            info.format.record(),
            &info.header,
            chosen.as_deref(),
            shown
                .iter()
                .map(|r| (r.row, r.cells.iter().collect::<Vec<_>>())),
        );
        if rows.blank_rows() > 0 {
            out.line(&format!("{} blank row(s) skipped", rows.blank_rows()));
        }
        if let Some(warning) = source.encoding_doubt() {
            out.line(&format!("Warning: {warning}"));
        }
    }
    Ok(Outcome::Done)
}

/// `--columns 1-3,7` or `--columns "Email,Phone"`: the header's columns to show, in the
/// order given (numbers count from 1; a name matches a header whatever its case).
pub fn choose_columns(list: &str, header: &[String]) -> Result<Vec<usize>, CliError> {
    let mut chosen = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let number = |s: &str| {
            s.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=header.len()).contains(n))
        };
        let range = item
            .split_once('-')
            .and_then(|(a, b)| Some((number(a)?, number(b)?)))
            .filter(|(a, b)| a <= b);
        if let Some((a, b)) = range {
            chosen.extend(a - 1..b);
        } else if let Some(n) = number(item) {
            chosen.push(n - 1);
        } else if let Some(i) = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(item))
        {
            chosen.push(i);
        } else {
            return Err(CliError::Usage(format!(
                "--columns: {item:?} is neither a column number (1 to {}) nor a column of the header ({})",
                header.len(),
                header.join(", ")
            )));
        }
    }
    if chosen.is_empty() {
        return Err(CliError::Usage(
            "--columns needs column numbers or names, e.g. --columns 1-3,7 or --columns \"Email,Phone\"".into(),
        ));
    }
    Ok(chosen)
}

/// The options the flags describe, on top of `defaults` (the user's config.toml): a flag
/// left out keeps the default.
pub fn options_from_args(args: &ImportArgs, defaults: &ImportOptions) -> ImportOptions {
    let defaults = defaults.clone();
    ImportOptions {
        purpose: args.purpose,
        identifier: args.identifier,
        keep_existing: args.keep_existing,
        on_conflict: args.on_conflict.unwrap_or(defaults.on_conflict),
        region: args.region.clone().unwrap_or(defaults.region),
        require: args.require.unwrap_or(defaults.require),
        consent_column: args.consent_column.clone().or(defaults.consent_column),
        consent_confirmed: args.consent_confirmed,
        tags: args.tags.clone(),
        import_tag: !args.no_import_tag,
        list: args.list.clone().map(|name| ListTarget {
            name,
            dial: args.dial.unwrap_or_default(),
        }),
        shared: args.shared,
        max_failures: args.max_failures.unwrap_or(defaults.max_failures),
        date_order: args.date_order.map(DateOrder::from).or(defaults.date_order),
        unmapped: args.unmapped.map(Into::into).unwrap_or(defaults.unmapped),
        in_file_duplicates: args.in_file_duplicates.or(defaults.in_file_duplicates),
        objects: args.objects.map(Into::into).unwrap_or(defaults.objects),
    }
}

/// The import the flags ask for, on top of the user's config: the one value both front
/// ends turn into a plan (`session::Draft`).
pub fn request_from_args(args: &ImportArgs, defaults: &ImportOptions) -> ImportRequest {
    ImportRequest {
        file: Some(args.file.clone()),
        read: read_options(&args.read),
        map: args.map.clone(),
        options: options_from_args(args, defaults),
        no_remembered: args.no_remembered,
    }
}

/// What `prepare` made ready.
pub struct Prepared {
    pub source: Source,
    pub draft: Draft,
    pub dates: Vec<DateColumnReport>,
    /// The store read for the draft (remembered mappings, custom fields), when there is one.
    pub store: Option<Box<dyn ContactStore>>,
}

/// Opens the file and builds the plan the flags describe (`session::Draft`, as the wizard
/// does), with the checks every import needs before it reads a row: the mapping satisfies
/// the requirement, the options make sense, the date columns' order is decided (reading
/// the date columns through, when there are any). The store is read, never created.
pub fn prepare(
    args: &ImportArgs,
    db: Option<&Path>,
    pg_schema: &str,
    upgrading: bool,
) -> Result<Prepared, CliError> {
    let config = super::load_config()?;
    let request = request_from_args(args, &config.import_defaults());
    let source = Source::open(&args.file, &request.read)?;
    let store = super::db::open_existing_any(db, pg_schema, upgrading)?;
    let mut draft = Draft::new(&source, &request, store.as_deref())?;
    draft.check(source.header())?;
    let (orders, dates) = scan_date_columns(&source, &draft.plan)?;
    draft.plan.date_orders = orders;
    Ok(Prepared {
        source,
        draft,
        dates,
        store,
    })
}

/// `--report` and `--errors`, checked and opened before anything is written: refused (exit
/// 2, nothing written) when one names the store, one of its files, the input file or the
/// other flag's file, or lies in a folder where no file can be created.
pub fn open_report_files(
    args: &ImportArgs,
    db: Option<&std::path::Path>,
) -> Result<(Option<OutFile>, Option<OutFile>), CliError> {
    let mut protected = Protected::new().input(&args.file);
    if let Some(store) = super::db::store_path(db) {
        protected = protected.store(&store);
    }
    Ok(outfile::open_pair(
        ("--report", args.report.as_deref()),
        ("--errors", args.errors.as_deref()),
        &protected,
    )?)
}

/// `rolodex import FILE --dry-run`: the whole review, writing nothing but the optional
/// report files.
pub fn dry_run(
    args: &ImportArgs,
    db: Option<&std::path::Path>,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    // Before the file is read through: a mistyped path fails at once.
    let (report, errors) = open_report_files(args, db)?;
    let Prepared {
        source,
        draft,
        dates: date_reports,
        store,
    } = prepare(args, db, pg_schema, false)?;
    let plan = &draft.plan;
    let mut files = ReportFiles::new(source.header(), report, errors)?;
    let cancel = AtomicBool::new(false);
    let bar = output::progress_bar(source.info.approx_rows, "reviewing");
    // A report that cannot be written stops the review; its error is said, not the input's.
    let mut write_failed = None;
    let mut each = |raw: &crate::engine::source::RawRow,
                    check: &crate::engine::validate::RowCheck,
                    decision: &Decision| {
        if files.is_empty() {
            return Ok(());
        }
        files
            .write(&raw.cells, decision.status(), &issues_of(check, decision))
            .map_err(|e| {
                let stop = std::io::Error::other(e.to_string());
                write_failed = Some(e);
                stop
            })
    };
    let exact = source.info.rows_exact;
    let mut progress = |p: crate::engine::review::Progress| {
        if let Some(bar) = &bar {
            output::show_progress(bar, &p, exact);
        }
    };
    // Against the store when there is one (to count updates and duplicates of stored
    // contacts); a dry run never creates a store.
    // A redb file reads one snapshot; another store answers through its interface.
    let lookup: Option<Box<dyn ContactLookup + '_>> = match store.as_deref() {
        Some(s) => Some(match s.redb() {
            Some(redb) => Box::new(redb.lookup()?),
            None => {
                let names_members = crate::engine::validate::Validator::new(plan, source.header())
                    .is_ok_and(|v| v.names_members());
                Box::new(InterfaceLookup::new(s, names_members)?)
            }
        }),
        None => None,
    };
    // The phone-column health check reads the first rows with a phone library of its own,
    // whose patterns take tens of milliseconds to compile: beside the review, not before.
    let health_check = || phone_column_health(&source, &plan.mapping, &plan.options.region);
    let (health, result) = std::thread::scope(|scope| {
        let beside = std::thread::Builder::new()
            .name("rolodex-health".into())
            .spawn_scoped(scope, health_check);
        let result = match &lookup {
            Some(l) => review(plan, &source, &**l, &cancel, &mut each, &mut progress),
            None => review(plan, &source, &NoStore, &cancel, &mut each, &mut progress),
        };
        let health = match beside {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(crate::engine::EngineError::Interrupted(
                    "the phone-column check",
                ))
            }),
            Err(_) => health_check(),
        };
        (health, result)
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let health = health?;
    if let Some(e) = write_failed {
        return Err(e.into());
    }
    let mut result = result?;
    files.finish()?;
    result.date_columns = date_reports;
    if args.json {
        output::print_json(&output::review_json(plan, &source, &result, &health));
    } else {
        let mut out = Human::stdout();
        out.file_info(&source.info);
        // The first rows again (a few milliseconds): suggestions read their values.
        let samples: Vec<_> = source
            .rows()?
            .take(crate::engine::mapping::SUGGESTION_SAMPLE)
            .collect::<Result<_, _>>()?;
        out.mapping(&plan.mapping, &samples, &plan.options.region);
        out.health(&health);
        out.consent_hint(plan, source.header());
        out.not_imported(plan);
        out.review(&result, source.info.format);
    }
    Ok(Outcome::Done)
}
