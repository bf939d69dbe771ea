//! The command line (SPEC §9): clap definitions and dispatch. Business rules live in the
//! engine and the store; this module turns flags into a plan and results into output.

pub mod check;
pub mod db;
pub mod error;
pub mod headless;
pub mod jobs;
pub mod migrate;
pub mod opportunities;
pub mod output;
pub mod signals;
pub mod team;
pub mod trace;

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

use crate::engine::plan::Requirement;
use crate::engine::plan::{DialMode, Identifier, InFileDuplicates, OnConflict, Purpose};
use crate::store::Access;

pub use error::{CliError, Outcome, EXIT_PARTLY_DONE, EXIT_UNUSABLE, EXIT_USAGE};

#[derive(Debug, Parser)]
#[command(
    name = "rolodex",
    version,
    propagate_version = true,
    about = "Import contacts from CSV exports into an embedded contact store",
    long_about = "Import contacts from CSV exports into an embedded contact store.\n\nWithout a command, opens the import wizard. With `import FILE --yes --consent-confirmed`, runs an import headless; with `import FILE --dry-run`, shows what an import would do without writing anything."
)]
pub struct Cli {
    /// The contact store (default: $ROLODEX_DB, else ~/.local/share/rolodex/rolodex.redb),
    /// or a PostgreSQL database as a postgres:// URL
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "ROLODEX_DB",
        hide_env_values = true
    )]
    pub db: Option<PathBuf>,

    /// The schema of a PostgreSQL store that rolodex keeps its tables in
    #[arg(long, global = true, value_name = "NAME", env = "ROLODEX_PG_SCHEMA", default_value = crate::store::pg::location::DEFAULT_SCHEMA)]
    pub pg_schema: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// `import FILE --dry-run`: reads and checks, never writes, in a few tens of megabytes.
    pub fn is_dry_run(&self) -> bool {
        matches!(&self.command, Some(Command::Import(args)) if args.dry_run)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import FILE: opens the wizard on it, or runs headless with --yes or --dry-run
    Import(ImportArgs),
    /// Show how FILE is read: encoding, delimiter, header and the first rows
    Preview(PreviewArgs),
    /// List the contacts in the store
    Contacts {
        /// Print a JSON array of contacts
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (cells that would run as formulas are neutralized)
        #[arg(long)]
        csv: bool,
        /// Only contacts TEXT finds: words starting a name or company word, a whole
        /// email, a number's leading digits (national numbers read in the config's region)
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },
    /// List the opportunities imported beside contacts
    Opportunities {
        /// Print a JSON array of opportunities
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (cells that would run as formulas are neutralized)
        #[arg(long)]
        csv: bool,
        /// Only the opportunities of this contact (its id, as `contacts` shows it)
        #[arg(long, value_name = "ID", value_parser = parse_contact_id)]
        contact: Option<u64>,
    },
    /// List every import job with its status and counts
    History {
        #[arg(long)]
        json: bool,
    },
    /// Show one job's rows
    Show {
        job: u64,
        /// Only the rows that failed or were skipped
        #[arg(long)]
        failed: bool,
        /// Print the results file (or, with --failed, the error file) as CSV
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Print the job (status, counts, reasons) as one JSON object; with --failed, its
        /// failed and skipped rows too, under "rows"
        #[arg(long)]
        json: bool,
    },
    /// Undo a job: delete what it created, restore what it updated
    Revert {
        job: u64,
        /// Do not ask first
        #[arg(long)]
        yes: bool,
        /// Also revert the contacts a later job updated or skipped rows against, which are
        /// otherwise left as they are (that job's rows then name a contact deleted or
        /// restored); for a job already reverted, reverts the ones it left
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Finish a job that was killed, cancelled or stopped, without duplicates
    Resume {
        job: u64,
        /// Stop after this many more failed rows (a positive number), or none for no
        /// limit: raises the limit that stopped the job (default: its own limit again)
        #[arg(long, value_name = "N|none", value_parser = crate::config::parse_max_failures)]
        max_failures: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Import a job's failed rows again, as a follow-up job: after fixing what failed them
    /// outside the file (a team member added, a list or region set in config.toml)
    Retry {
        job: u64,
        #[arg(long)]
        json: bool,
    },
    /// Team members contacts are assigned to: owners, followers, favorite agents
    #[command(subcommand)]
    Team(team::TeamCommand),
    /// Find every row of every job that mentioned a name, email or phone, and what became of it
    Trace {
        /// A name, an email or a phone number, written any way
        text: String,
        /// Print a JSON array of the rows found
        #[arg(long)]
        json: bool,
    },
    /// Verify the store: every record's checksum, every index entry, every job's counts
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Copy the store to PATH (a new file), consistently, even while an import runs
    Backup {
        /// Where to write the copy; must not exist yet
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Copy a whole store from a store file into PostgreSQL, or back, and verify the copy
    /// (every table's count and checksum): rolodex migrate --from crm.redb --to postgres://…
    Migrate {
        /// The store to copy: a store file, or a postgres:// URL (--pg-schema names its schema)
        #[arg(long, value_name = "PATH|URL")]
        from: PathBuf,
        /// Where to copy it: a postgres:// URL, or a new store file
        #[arg(long, value_name = "PATH|URL")]
        to: PathBuf,
        /// Replace a store already at --to (refused without it)
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    /// Print shell completions: rolodex completions bash > ~/.local/share/bash-completion/completions/rolodex
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args, Clone)]
pub struct ReadArgs {
    /// Field delimiter instead of the sniffed one: , ; tab |
    #[arg(long, value_name = "C", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Text encoding instead of the detected one (UTF-8, UTF-16LE, UTF-16BE, windows-1252, …)
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// The spreadsheet row that holds the header (1-based), when title lines come first
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
    /// The sheet of a workbook (.xlsx, .xls, .ods) to read, by name or number (from 1);
    /// the first otherwise. `preview` lists them
    #[arg(long, value_name = "NAME|NUMBER")]
    pub sheet: Option<String>,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The CSV file to read
    pub file: PathBuf,
    /// How many data rows to show
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub rows: usize,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
    /// The columns to show, by number or header name: 1-3,7 or "Email,Phone" (default: as
    /// many as fit the terminal)
    #[arg(long, value_name = "LIST")]
    pub columns: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file to import
    pub file: PathBuf,
    /// Map a column: 'Header=field' (field: first_name, phone, …, custom:NAME[:TYPE] or ignore)
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub map: Vec<String>,
    /// Region for numbers written without a country code (ISO code, e.g. US, GB, DE)
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
    /// create: new only · update: existing only · upsert: both · always: every row
    #[arg(long, default_value = "create", value_parser = clap::builder::PossibleValuesParser::new(Purpose::NAMES).map(|s| s.parse::<Purpose>().unwrap_or_default()))]
    pub purpose: Purpose,
    /// How rows find existing contacts: any, phone, email or id
    #[arg(long, default_value = "any", value_parser = clap::builder::PossibleValuesParser::new(Identifier::NAMES).map(|s| s.parse::<Identifier>().unwrap_or_default()))]
    pub identifier: Identifier,
    /// Updates only fill empty fields
    #[arg(long)]
    pub keep_existing: bool,
    /// A row that matches a contact by phone while its name and email both differ: merge
    /// (update the contact, with a warning), separate (a new contact sharing the number,
    /// for a switchboard) or skip
    #[arg(long, value_name = "CHOICE", value_parser = clap::builder::PossibleValuesParser::new(OnConflict::NAMES).map(|s| s.parse::<OnConflict>().unwrap_or_default()))]
    pub on_conflict: Option<OnConflict>,
    /// Rows of the file sharing a phone, email or id: first (the first is imported, the
    /// later ones skipped), last (the last is imported), error (every row of the group
    /// fails, naming the others) or merge (merged into one contact). Default: skipped under
    /// --purpose create, merged under update and upsert
    #[arg(long, value_name = "POLICY", value_parser = clap::builder::PossibleValuesParser::new(InFileDuplicates::NAMES).map(|s| s.parse::<InFileDuplicates>().unwrap_or(InFileDuplicates::First)))]
    pub in_file_duplicates: Option<InFileDuplicates>,
    /// Requirement preset: contact (name + phone or email), dialer (phone), any
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Requirement::NAMES).map(|s| s.parse::<Requirement>().unwrap_or_default()))]
    pub require: Option<Requirement>,
    /// Column whose value says whether the contact agreed to be contacted (default: a column that looks like consent; `none`: no filter)
    #[arg(long, value_name = "COL")]
    pub consent_column: Option<String>,
    /// Map the columns from the header even when a file with the same header was imported
    /// before (by default its mapping is remembered and used again)
    #[arg(long)]
    pub no_remembered: bool,
    /// Confirm that the contacts agreed to be contacted (required with --yes)
    #[arg(long)]
    pub consent_confirmed: bool,
    /// Tag every imported contact (repeatable)
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Do not add the automatic import-YYYYMMDD-HHMM-<file> tag
    #[arg(long)]
    pub no_import_tag: bool,
    /// Also add the contacts to a new dialing list
    #[arg(long, value_name = "NAME")]
    pub list: Option<String>,
    /// Dial mode of the new list made by --list: ai (the default) or manual
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(DialMode::NAMES).map(|s| s.parse::<DialMode>().unwrap_or_default()))]
    pub dial: Option<DialMode>,
    /// Share the contacts with the whole team
    #[arg(long)]
    pub shared: bool,
    /// Stop after this many failed rows (a positive number), or none for no limit
    #[arg(long, value_name = "N|none", value_parser = crate::config::parse_max_failures)]
    pub max_failures: Option<u64>,
    /// Columns no field takes: ignore (listed in the review and summary) or custom (each
    /// kept as a text custom field named after its header)
    #[arg(long, value_enum, value_name = "WHAT")]
    pub unmapped: Option<UnmappedArg>,
    /// What to import: contacts (opportunity columns are left out, and said so) or both
    /// (contacts and the opportunity of each row; the default)
    #[arg(long, value_enum, value_name = "WHAT")]
    pub objects: Option<ObjectsArg>,
    /// Read every date column day first or month first (default: as its values show)
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<DateOrderArg>,
    /// Check every row and report, writing nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Run without the wizard
    #[arg(long)]
    pub yes: bool,
    /// Print one JSON object on stdout
    #[arg(long)]
    pub json: bool,
    /// Write the results file (original columns + Import Status + Errors)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the error file (failed and skipped rows + Error), ready to fix and re-import
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `--unmapped`: what becomes of the columns no field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnmappedArg {
    /// Leave them out (the default)
    Ignore,
    /// Keep each as a text custom field named after its header
    Custom,
}

impl From<UnmappedArg> for crate::engine::plan::Unmapped {
    fn from(arg: UnmappedArg) -> Self {
        match arg {
            UnmappedArg::Ignore => crate::engine::plan::Unmapped::Ignore,
            UnmappedArg::Custom => crate::engine::plan::Unmapped::Custom,
        }
    }
}

/// `--objects`: contacts only, or contacts and their opportunities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectsArg {
    /// Contacts only: opportunity columns are not imported
    Contacts,
    /// Contacts and the opportunity of each row
    Both,
}

impl From<ObjectsArg> for crate::engine::opportunity::Objects {
    fn from(arg: ObjectsArg) -> Self {
        match arg {
            ObjectsArg::Contacts => crate::engine::opportunity::Objects::Contacts,
            ObjectsArg::Both => crate::engine::opportunity::Objects::Both,
        }
    }
}

/// `--date-order`: how `03/04/2024` reads in every date column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrderArg {
    /// 03/04/2024 is 3 April
    DayFirst,
    /// 03/04/2024 is March 4
    MonthFirst,
}

impl From<DateOrderArg> for crate::engine::date::DateOrder {
    fn from(arg: DateOrderArg) -> Self {
        match arg {
            DateOrderArg::DayFirst => crate::engine::date::DateOrder::DayFirst,
            DateOrderArg::MonthFirst => crate::engine::date::DateOrder::MonthFirst,
        }
    }
}

/// `--contact 12` or `--contact '#12'`, as `contacts` writes an id.
fn parse_contact_id(s: &str) -> Result<u64, String> {
    s.trim()
        .trim_start_matches('#')
        .parse::<u64>()
        .map_err(|_| format!("{s:?}: use a contact's id, a whole number such as 12"))
}

/// A `--delimiter` that is neither one character nor a delimiter's name.
#[derive(Debug, thiserror::Error)]
#[error("{0:?}: use one character such as , ; | or the word tab")]
pub struct DelimiterError(String);

fn parse_delimiter(s: &str) -> Result<u8, DelimiterError> {
    match s.to_ascii_lowercase().as_str() {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "tab" | "\\t" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        other if other.len() == 1 && other.is_ascii() => Ok(other.as_bytes()[0]),
        other => Err(DelimiterError(other.to_string())),
    }
}

/// `--dial` is the dial mode of the list `--list` makes: without a list it would change
/// nothing, which is said (exit 2) rather than silently ignored.
fn refuse_dial_without_list(args: &ImportArgs) -> Result<(), CliError> {
    match (args.dial, &args.list) {
        (Some(dial), None) => Err(CliError::Usage(format!(
            "--dial {dial} sets the dial mode of the new dialing list that --list NAME makes, and no --list was given; add --list NAME to put the contacts on a list, or leave --dial out"
        ))),
        _ => Ok(()),
    }
}

/// The user's config.toml, or what is wrong with it.
pub fn load_config() -> Result<crate::config::Config, CliError> {
    Ok(crate::config::Config::load()?)
}

/// The wizard draws on the terminal and reads keys from it: from cron, CI or `ssh` without
/// `-t` there is none, which is bad usage (said before any store is opened), not a crash.
fn wizard_has_a_terminal() -> Result<(), CliError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(CliError::Usage(
        "the wizard needs a terminal, and standard input or output is not one; without it, run `rolodex import FILE --yes --consent-confirmed` or `rolodex import FILE --dry-run`".into(),
    ))
}

/// Opens the wizard, on the file of `import FILE` when given: the flags and the config decide
/// where it starts (`tui::Launch`), exactly as they decide a headless import's plan.
fn wizard(
    db: Option<&std::path::Path>,
    import: Option<&ImportArgs>,
    pg_schema: &str,
) -> Result<Outcome, CliError> {
    if let Some(args) = import {
        // A file that does not exist is a usage problem, reported before the screen opens.
        if !args.file.exists() {
            return Err(crate::engine::EngineError::NotFound(args.file.clone()).into());
        }
        // Said rather than ignored: the wizard shows its results on screen.
        if args.json {
            return Err(CliError::Usage(
                "--json prints what a headless import or a dry run did; add --yes --consent-confirmed or --dry-run (the wizard shows its results on screen)".into(),
            ));
        }
    }
    wizard_has_a_terminal()?;
    // `--report` and `--errors` are checked now, as before a headless import: a mistyped
    // path is said before the wizard opens, not after the import.
    if let Some(args) = import {
        drop(headless::open_report_files(args, db)?);
    }
    let config = load_config()?;
    let mut launch = launch(db, import, &config);
    launch.pg_schema = pg_schema.to_string();
    Ok(match crate::tui::run(launch)? {
        None => Outcome::Done,
        Some(signal) => Outcome::Stopped { signal },
    })
}

/// What the wizard starts from, for `rolodex [import FILE flags…]` with the user's config:
/// the same `ImportRequest` a headless import of those flags plans from.
pub fn launch(
    db: Option<&std::path::Path>,
    import: Option<&ImportArgs>,
    config: &crate::config::Config,
) -> crate::tui::Launch {
    let defaults = config.import_defaults();
    let request = match import {
        Some(args) => headless::request_from_args(args, &defaults),
        None => crate::session::ImportRequest {
            options: defaults,
            ..Default::default()
        },
    };
    crate::tui::Launch {
        store_path: db::store_path(db),
        request,
        report: import.and_then(|a| a.report.clone()),
        errors: import.and_then(|a| a.errors.clone()),
        color: config.color(),
        bell: config.bell(),
        pg_schema: String::new(),
    }
}

/// Runs the parsed command line: how it ended, or why it could not do what it was asked
/// (`main` says that, once, and exits with its status).
pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    let db = cli.db.as_deref();
    if let Some(url) = db.filter(|p| crate::store::pg::location::is_postgres_path(p)) {
        // Only the store interface and its schema are built for PostgreSQL so far: say so
        // once the server is reached (an import sets up its schema), never touch a file.
        // Headless imports and the job commands run on PostgreSQL; the wizard is asked
        // for with --yes instead, the rest say they are not built there yet.
        let (what, access) = match &cli.command {
            Some(
                Command::Preview(_)
                | Command::Completions { .. }
                | Command::Migrate { .. }
                | Command::Contacts { .. }
                | Command::History { .. }
                | Command::Show { .. }
                | Command::Revert { .. }
                | Command::Resume { .. }
                | Command::Trace { .. },
            ) => (None, Access::Read),
            Some(Command::Import(_)) | None => (None, Access::Read),
            Some(_) => (Some("this command"), Access::Read),
        };
        if let Some(what) = what {
            return Err(db::on_postgres(url, &cli.pg_schema, what, access));
        }
    }
    match cli.command {
        Some(Command::Preview(args)) => headless::preview(&args),
        Some(Command::Contacts { json, csv, search }) => {
            jobs::contacts(json, csv, search.as_deref(), db, &cli.pg_schema)
        }
        Some(Command::Opportunities { json, csv, contact }) => {
            opportunities::opportunities(json, csv, contact, db)
        }
        Some(Command::History { json }) => jobs::history(json, db, &cli.pg_schema),
        Some(Command::Show {
            job,
            failed,
            csv,
            json,
        }) => jobs::show(job, failed, csv, json, db, &cli.pg_schema),
        Some(Command::Revert {
            job,
            yes,
            force,
            json,
        }) => jobs::revert(job, yes, force, json, db, &cli.pg_schema),
        Some(Command::Resume {
            job,
            max_failures,
            json,
        }) => jobs::resume(job, max_failures, json, db, &cli.pg_schema),
        Some(Command::Retry { job, json }) => jobs::retry(job, json, db, &cli.pg_schema),
        Some(Command::Team(command)) => team::team(command, db),
        Some(Command::Trace { text, json }) => trace::trace(&text, json, db, &cli.pg_schema),
        Some(Command::Check { json }) => check::check(json, db),
        Some(Command::Backup { path, json }) => check::backup(&path, json, db),
        Some(Command::Migrate {
            from,
            to,
            replace,
            json,
        }) => migrate::migrate(&from, &to, replace, json, &cli.pg_schema),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "rolodex",
                &mut std::io::stdout(),
            );
            Ok(Outcome::Done)
        }
        Some(Command::Import(args)) => {
            refuse_dial_without_list(&args)?;
            if args.dry_run {
                headless::dry_run(&args, db, &cli.pg_schema)
            } else if args.yes {
                jobs::import(&args, db, &cli.pg_schema)
            } else {
                wizard(db, Some(&args), &cli.pg_schema)
            }
        }
        None => wizard(db, None, &cli.pg_schema),
    }
}
