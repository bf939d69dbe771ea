//! Where the command line's store is, and how a command opens it: the one place `--db`,
//! `$ROLODEX_DB` and the data directory are read, for every command and the wizard.

use std::path::{Path, PathBuf};

use super::error::CliError;
use crate::store::backend::ContactStore;
use crate::store::{Access, Store, StoreError};

/// The store the command line uses: `--db`/`$ROLODEX_DB`, else the data directory.
pub fn store_path(db: Option<&Path>) -> Option<PathBuf> {
    db.map(Path::to_path_buf).or_else(Store::default_path)
}

/// Opens the store for `access`: read-only for the commands that only read (a missing store
/// is an error then, and nothing is created), for writing for those that write (only an
/// import creates the store).
pub fn open_store(db: Option<&Path>, access: Access) -> Result<Store, CliError> {
    let path = store_path(db).ok_or_else(no_store_path)?;
    let store = Store::open_for(&path, access)?;
    // A store this user may not write is opened read-only; a command that writes says so
    // before it asks or reads anything.
    if access != Access::Read && !store.is_writable() {
        return Err(StoreError::ReadOnly(path).into());
    }
    Ok(store)
}

/// Opens the store `--db` names, a file or a PostgreSQL URL (its tables in `pg_schema`),
/// for `access`, as `open_store` does for a file.
pub fn open_any(
    db: Option<&Path>,
    pg_schema: &str,
    access: Access,
) -> Result<Box<dyn ContactStore>, CliError> {
    match db.filter(|p| crate::store::pg::location::is_postgres_path(p)) {
        Some(url) => Ok(crate::store::backend::open(url, pg_schema, access)?),
        None => Ok(Box::new(open_store(db, access)?)),
    }
}

/// Neither `--db`, `$ROLODEX_DB` nor a data directory names a store.
pub fn no_store_path() -> CliError {
    CliError::Unusable("no data directory for the store; give one with --db PATH".into())
}

/// The store to read when there may be none yet: `None` when it does not exist (a dry run
/// or a first import creates nothing by reading), an error when it exists but cannot be
/// read (never taken for an empty store).
pub fn open_existing(db: Option<&Path>) -> Result<Option<Store>, CliError> {
    match store_path(db) {
        // A PostgreSQL store's remembered mappings and custom fields are not read for the
        // draft yet: the import plans as for a new store.
        Some(path) if crate::store::pg::location::is_postgres_path(&path) => Ok(None),
        Some(path) => match Store::open_read_only(&path) {
            Ok(s) => Ok(Some(s)),
            Err(StoreError::Missing(_)) => Ok(None),
            Err(e) => Err(e.into()),
        },
        None => Ok(None),
    }
}

/// `open_existing` for a store file or a PostgreSQL URL (its tables in `pg_schema`): the
/// store read for an import's draft and a dry run, `None` when there is none yet.
/// `upgrading`: an import, which upgrades an older PostgreSQL schema once the file is
/// checked; until then it plans as for a new store (a dry run is refused there instead).
pub fn open_existing_any(
    db: Option<&Path>,
    pg_schema: &str,
    upgrading: bool,
) -> Result<Option<Box<dyn ContactStore>>, CliError> {
    match db.filter(|p| crate::store::pg::location::is_postgres_path(p)) {
        Some(url) => match crate::store::backend::open(url, pg_schema, Access::Read) {
            Ok(s) => Ok(Some(s)),
            Err(StoreError::Missing(_)) => Ok(None),
            Err(StoreError::Open { .. }) if upgrading => Ok(None),
            Err(e) => Err(e.into()),
        },
        None => Ok(open_existing(db)?.map(|s| Box::new(s) as Box<dyn ContactStore>)),
    }
}

/// What a command on a PostgreSQL store (`--db postgres://…`) says for now: the server is
/// reached and the schema checked (an import or the wizard creates or upgrades it), then
/// that this command is not built there yet — or why the store cannot be used.
pub fn on_postgres(url: &Path, schema: &str, what: &str, access: Access) -> CliError {
    match crate::store::backend::open(url, schema, access) {
        Ok(store) => StoreError::NotYetSupported(format!(
            "`rolodex {what}` (the store {} is reachable and its schema {schema} is ready)",
            store.shown()
        ))
        .into(),
        Err(e) => e.into(),
    }
}
