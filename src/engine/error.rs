//! Errors that stop a whole file from being used, and the errors of the stages they wrap
//! (mapping, the plan, the dry run's lookups). A bad row is never one of these: it is a
//! `RowOutcome` with reason codes.

use std::path::PathBuf;

/// Why a file could not be read. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{path}: no such file; check the path", path = .0.display())]
    NotFound(PathBuf),
    #[error("{path}: is a directory; give the path of a CSV file inside it", path = .0.display())]
    IsDirectory(PathBuf),
    #[error("{path}: permission denied; make the file readable (chmod u+r) or copy it somewhere you can read", path = .0.display())]
    PermissionDenied(PathBuf),
    #[error("{path}: not a regular file; save the data to a CSV file first", path = .0.display())]
    NotAFile(PathBuf),
    #[error("{path}: could not be read: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty; export the contacts again with a header row and at least one contact", path = .0.display())]
    Empty(PathBuf),
    #[error("{path}: the file has a header but no contact rows; add rows below the header", path = .0.display())]
    HeaderOnly(PathBuf),
    #[error("{path}: no header row found; the first line must name the columns (for example First Name,Last Name,Phone,Email)", path = .0.display())]
    NoHeader(PathBuf),
    #[error("{path}: this is {format}, not CSV; {advice}", path = .path.display())]
    Spreadsheet {
        path: PathBuf,
        format: &'static str,
        advice: &'static str,
    },
    #[error("{path}: this is {format}, but it could not be read ({detail}); open it in your spreadsheet and save it again, or save it as CSV UTF-8 and import the .csv", path = .path.display())]
    Workbook {
        path: PathBuf,
        format: &'static str,
        detail: String,
    },
    #[error("{path}: there is no sheet {asked:?}; the workbook has {sheets}; choose one with --sheet NAME or --sheet NUMBER", path = .path.display())]
    NoSuchSheet {
        path: PathBuf,
        asked: String,
        /// The sheets, numbered: `1 "Contacts", 2 "Suppliers"`.
        sheets: String,
    },
    #[error("{path}: sheet {sheet:?} is empty; the workbook has {sheets}; choose one with --sheet NAME or --sheet NUMBER", path = .path.display())]
    EmptySheet {
        path: PathBuf,
        sheet: String,
        sheets: String,
    },
    #[error("{path}: --sheet is for workbooks (.xlsx, .xls, .ods) and this file is read as CSV; leave --sheet out", path = .0.display())]
    SheetOfCsv(PathBuf),
    #[error("{path}: binary data ({what}), not a text CSV file; export the contacts as CSV", path = .path.display())]
    Binary { path: PathBuf, what: String },
    #[error("{path}: quote opened on line {line} is never closed, so everything after it would become one value; close the quote or remove it", path = .path.display())]
    UnterminatedQuote { path: PathBuf, line: u64 },
    #[error("{path}: unknown encoding {label:?}; use a name such as UTF-8, UTF-16LE or windows-1252", path = .path.display())]
    UnknownEncoding { path: PathBuf, label: String },
    #[error("{path}: header row {requested} is past the end of the file ({available} non-blank lines)", path = .path.display())]
    HeaderRowOutOfRange {
        path: PathBuf,
        requested: usize,
        available: usize,
    },
    #[error("{path}: the record starting on line {line} is longer than 128 MB; most likely a quote opened there is never closed. Close the quote or remove it", path = .path.display())]
    RecordTooLarge { path: PathBuf, line: u64 },
    #[error("{path}: line {line} is not valid UTF-8 although the start of the file is; the file mixes encodings. Re-export it as UTF-8, or import it with --encoding windows-1252", path = .path.display())]
    NotUtf8 { path: PathBuf, line: u64 },
    /// An address book (.vcf) whose cards cannot be read.
    #[error(transparent)]
    VCard(#[from] VCardError),
    /// A mapping the file cannot take (a `--map` flag, a stored field's type).
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The plan's options do not fit the file (region, consent column).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The dry run could not look a row up (the store, or its scratch file).
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error("cannot start a thread: {0}")]
    Thread(#[source] std::io::Error),
    /// A thread of the work ended without saying how (it panicked): `what` stopped.
    #[error("{0} stopped unexpectedly")]
    Interrupted(&'static str),
}

impl EngineError {
    /// Classifies an I/O error met while opening `path` into the messages users understand.
    pub fn from_io(path: &std::path::Path, source: std::io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            std::io::ErrorKind::NotFound => EngineError::NotFound(path),
            std::io::ErrorKind::PermissionDenied => EngineError::PermissionDenied(path),
            std::io::ErrorKind::IsADirectory => EngineError::IsDirectory(path),
            _ => EngineError::Io { path, source },
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

// The errors of the stages, which `EngineError` wraps. They live here, and each stage's
// module names its own (`mapping::MappingError`, `validate::PlanError`, …), so that this
// module uses none of theirs and no stage's module uses another through it.

/// Why a column could not be mapped as asked: a `--map` flag, the wizard's choice for a
/// column, or a custom field the store defines with another type. Each message names the
/// flag or the field and says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{kind} needs its options, as in {kind}=red|green|blue")]
    OptionsMissing { kind: String },
    #[error("unknown custom field type {0:?}; use text, number, money, date, checkbox, option=a|b or multi=a|b")]
    UnknownKind(String),
    #[error("custom: needs a field name, as in custom:birthday:date")]
    CustomWithoutName,
    #[error("unknown field {given:?}; use one of {known}, custom:NAME[:TYPE] or ignore", known = .known.join(", "))]
    UnknownField {
        given: String,
        /// Every built-in field's name.
        known: Vec<&'static str>,
    },
    /// `stored` and `asked` are the types' labels (`date`, `option=a|b`).
    #[error("the custom field {field} is {stored} in the store, not {asked}")]
    StoredType {
        field: String,
        stored: String,
        asked: String,
    },
    /// `StoredType`, met while adopting the store's definitions for a column.
    #[error("the custom field {field} is {stored} in the store, not {asked}; map {header:?} to custom:{field}")]
    ColumnStoredType {
        header: String,
        field: String,
        stored: String,
        asked: String,
    },
    #[error("--map {spec:?}: expected 'Header=field', as in 'Mobile=phone'")]
    NotAnOverride { spec: String },
    #[error("--map {spec:?}: no column named {header:?}; the columns are: {columns}", columns = .columns.join(", "))]
    NoSuchColumn {
        spec: String,
        header: String,
        columns: Vec<String>,
    },
    #[error("--map {spec:?}: no field after '='; give a field (such as phone or first_name), or ignore to leave the column out")]
    NoFieldGiven { spec: String },
    /// The target of a `--map` flag is not a field (`problem` says why).
    #[error("--map {spec:?}: {problem}")]
    BadTarget {
        spec: String,
        problem: Box<MappingError>,
    },
    #[error("--map {earlier:?} and --map {later:?} both map the column {header:?}; a column goes to one field, so keep one of the two")]
    ColumnTwice {
        earlier: String,
        later: String,
        header: String,
    },
    #[error("--map {earlier:?} and --map {later:?} both map to {field}, which takes one column: the values of one would be lost. Map one of them to another field, or to ignore")]
    FieldTwice {
        earlier: String,
        later: String,
        field: String,
    },
}

/// Why a plan's options cannot check the rows of this file. The messages name the flag,
/// which the wizard's options screen sets too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("--region {0:?}: not a country code with phone numbers; use a two-letter code such as US, GB or DE")]
    Region(String),
    #[error("--consent-column {name:?}: no such column; the columns are: {columns}", columns = .columns.join(", "))]
    NoConsentColumn { name: String, columns: Vec<String> },
}

/// Why the dry run could not say what a row's keys match.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The store could not be read; its own error, which names the store and what to do
    /// (boxed: the engine does not know the store's types).
    #[error(transparent)]
    Store(Box<dyn std::error::Error + Send + Sync>),
    #[error(transparent)]
    Scratch(#[from] ScratchError),
}

/// The dry run's scratch file could not be created, written or read (a full or read-only
/// temporary folder, most often).
#[derive(Debug, thiserror::Error)]
#[error("the dry run's scratch file in {folder} failed: {source}", folder = .folder.display())]
pub struct ScratchError {
    /// The temporary folder the file is in.
    pub folder: PathBuf,
    pub source: std::io::Error,
}

/// A card that cannot be read. Every message names the file, the card and its line.
#[derive(Debug, thiserror::Error)]
pub enum VCardError {
    #[error("{path}: card {card} (line {line}) has no END:VCARD before {next}; add END:VCARD where the card ends, or export the address book again", path = .path.display())]
    Unclosed {
        path: PathBuf,
        card: u64,
        line: u64,
        /// "the end of the file" or "the next BEGIN:VCARD on line N".
        next: String,
    },
    #[error("{path}: card {card} (line {line}): line {at} is not a vCard property (NAME:value): {text:?}; fix or remove that line", path = .path.display())]
    NotAProperty {
        path: PathBuf,
        card: u64,
        line: u64,
        at: u64,
        text: String,
    },
    #[error("{path}: line {at} is outside any card ({text:?}); every contact must sit between BEGIN:VCARD and END:VCARD", path = .path.display())]
    OutsideCard {
        path: PathBuf,
        at: u64,
        text: String,
    },
    #[error("{path}: card {card} (line {line}): {property} on line {at} is marked QUOTED-PRINTABLE but {bad:?} is not a valid =XX escape; export the address book again, or write a literal = as =3D", path = .path.display())]
    BadQuotedPrintable {
        path: PathBuf,
        card: u64,
        line: u64,
        at: u64,
        property: String,
        bad: String,
    },
    #[error("{path}: card {card} (line {line}): {property} on line {at} names an unknown character set {charset:?}; use a name such as UTF-8, windows-1252 or ISO-8859-1", path = .path.display())]
    UnknownCharset {
        path: PathBuf,
        card: u64,
        line: u64,
        at: u64,
        property: String,
        charset: String,
    },
}
