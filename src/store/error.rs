use std::path::PathBuf;

/// Why the store could not be used. Messages name the store and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store {path} is in use by another rolodex (an import or the wizard is running); wait for it to finish and try again", path = .0.display())]
    Busy(PathBuf),
    #[error("the store {path} was written by a newer rolodex (schema {found}, this one reads {supported}); upgrade rolodex", path = .path.display())]
    NewerSchema {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    #[error("the store {path} could not be opened: {message}", path = .path.display())]
    Open { path: PathBuf, message: String },
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
}

impl StoreError {
    pub fn db(e: impl Into<redb::Error>) -> StoreError {
        StoreError::Db(Box::new(e.into()))
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
