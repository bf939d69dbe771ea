use std::path::PathBuf;

/// Why the store could not be used. Messages name the store and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store {path} is in use by another rolodex (an import, resume or revert is running); wait for it to finish and try again", path = .0.display())]
    Busy(PathBuf),
    #[error("the store {path} was written by a newer rolodex (schema {found}, this one reads {supported}); upgrade rolodex", path = .path.display())]
    NewerSchema {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    #[error("the store {path} could not be opened: {message}", path = .path.display())]
    Open { path: PathBuf, message: String },
    #[error("no store at {path}; an import creates it", path = .0.display())]
    Missing(PathBuf),
    #[error("{path} is not a rolodex store ({why}); move it away or give another --db", path = .path.display())]
    NotAStore { path: PathBuf, why: String },
    #[error("the store {path} is read-only for this user, so nothing can be written to it; run rolodex as the store's owner or give another --db", path = .0.display())]
    ReadOnly(PathBuf),
    #[error("the store {path} was left mid-write by a rolodex that stopped, and must be recovered by a user who may write it; run `rolodex history` as the store's owner once", path = .0.display())]
    NeedsRecovery(PathBuf),
    /// A record whose checksum does not hold (or that does not decode): never served.
    #[error("{} in the store is damaged and was not used; `rolodex check` lists every damaged record (restore them from a backup)", describe_damage(.table, .key))]
    Damaged { table: &'static str, key: String },
    #[error("cannot back up to {path}: {why}; nothing was written there", path = .path.display())]
    Backup { path: PathBuf, why: String },
    /// redb found its own pages broken (or failed inside them).
    #[error("the store {path} is damaged: {message}; `rolodex check` says what is affected (restore it from a backup)", path = .path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error("no job {0} in this store; `rolodex history` lists the jobs")]
    NoSuchJob(u64),
    #[error("job {job} is {status}; {what}")]
    JobState {
        job: u64,
        status: String,
        what: String,
    },
    #[error("store: {0}")]
    Db(#[from] Box<redb::Error>),
    #[error("store: a record could not be decoded: {0}")]
    Codec(String),
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
    /// `--db` looked like a PostgreSQL URL but cannot be used (shown without its password).
    #[error("{store} cannot be used as a PostgreSQL store: {why}; give another --db")]
    BadLocation { store: String, why: String },
    /// The PostgreSQL server refused or failed a request (`store` never holds a password).
    #[error("the PostgreSQL store {store}: {message}")]
    Postgres { store: String, message: String },
    /// Something the redb store does that the PostgreSQL one does not do yet.
    #[error("not yet supported on PostgreSQL: {0}; use a store file (--db PATH) for it for now")]
    NotYetSupported(String),
}

impl StoreError {
    pub fn db(e: impl Into<redb::Error>) -> StoreError {
        StoreError::Db(Box::new(e.into()))
    }

    pub fn damaged(table: &'static str, key: impl ToString) -> StoreError {
        StoreError::Damaged {
            table,
            key: key.to_string(),
        }
    }

    /// Names the record a `Damaged` error came from, when the codec could not.
    pub fn at(self, table: &'static str, key: impl std::fmt::Display) -> StoreError {
        match self {
            StoreError::Damaged { table: "", .. } => StoreError::damaged(table, key),
            other => other,
        }
    }

    /// Whether this is one damaged record (a listing skips it), not a failed store.
    pub fn is_damaged_record(&self) -> bool {
        matches!(self, StoreError::Damaged { .. })
    }
}

/// "contact 17", "job 3", "rows 2–401 of job 3": a damaged record in the user's words.
pub fn describe_damage(table: &str, key: &str) -> String {
    match table {
        "" => "a record".to_string(),
        "contacts" => format!("contact {key}"),
        "jobs" => format!("job {key}"),
        "job_row_pieces" => format!("a chunk of the stored rows of job {key}"),
        "undo" => format!("the record of {key}"),
        "lists" => format!("list {key}"),
        "custom_fields" => format!("custom field {key}"),
        "mappings" => format!("a remembered mapping ({key})"),
        other => format!("record {key} of {other}"),
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

macro_rules! from_redb {
    ($($t:ty),+) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::db(e)
            }
        }
    )+};
}

from_redb!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);
