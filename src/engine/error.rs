//! Errors that stop a whole file from being used. A bad row is never one of these: it is a
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
    /// A mapping the file cannot take (a `--map` flag, a stored field's type).
    #[error(transparent)]
    Mapping(#[from] super::mapping::MappingError),
    /// The plan's options do not fit the file (region, consent column).
    #[error(transparent)]
    Plan(#[from] super::validate::PlanError),
    /// The dry run could not look a row up (the store, or its scratch file).
    #[error(transparent)]
    Lookup(#[from] super::review::LookupError),
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
