//! `rolodex backup PATH`: a consistent copy of the store, taken from one read transaction,
//! so it can run beside readers and beside an import (the copy holds the commits made
//! before it began, none after). The copy is built under a temporary name beside PATH and
//! linked into place only once it is complete and on disk: PATH either does not exist or
//! is a whole store.

use std::path::{Path, PathBuf};

use redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;

use super::error::{Result, StoreError};
use super::schema::*;
use super::{guard, Store};

/// What a backup copied.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub contacts: u64,
    pub jobs: u64,
    /// Every entry of every table, indexes included.
    pub records: u64,
    pub bytes: u64,
}

fn refuse(path: &Path, why: impl Into<String>) -> StoreError {
    StoreError::Backup {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

impl Store {
    /// Copies the store to `to`, which must not exist yet (and so cannot be the store).
    pub fn backup(&self, to: &Path) -> Result<BackupReport> {
        if to.exists() || to.symlink_metadata().is_ok() {
            let why = if same_file(to, &self.path) {
                "it is the store itself"
            } else {
                "a file is already there; give a new name, or move that file away"
            };
            return Err(refuse(to, why));
        }
        let dir = to
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(refuse(to, format!("there is no folder {}", dir.display())));
        }
        let name = to
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .ok_or_else(|| refuse(to, "it names no file"))?;
        let temp = dir.join(format!(".{name}.partial-{}", std::process::id()));
        let result = guard::guarded(&self.path, || self.copy_to(&temp, to));
        let _ = std::fs::remove_file(&temp);
        result
    }

    fn copy_to(&self, temp: &Path, to: &Path) -> Result<BackupReport> {
        let io = |e: std::io::Error| refuse(to, e.to_string());
        {
            let mut options = std::fs::OpenOptions::new();
            options.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            options.open(temp).map_err(io)?;
        }
        let mut report = BackupReport {
            path: to.to_path_buf(),
            ..Default::default()
        };
        {
            let mut copy = super::builder()
                .create(temp)
                .map_err(|e| refuse(to, e.to_string()))?;
            let from = self.read()?.txn;
            let into = copy.begin_write()?;
            {
                report.records += copy_table(&from, &into, META)?;
                report.contacts = copy_table(&from, &into, CONTACTS)?;
                report.jobs = copy_table(&from, &into, JOBS)?;
                report.records += report.contacts + report.jobs;
                report.records += copy_table(&from, &into, BY_PHONE)?;
                report.records += copy_table(&from, &into, BY_EMAIL)?;
                report.records += copy_table(&from, &into, TAGS)?;
                report.records += copy_table(&from, &into, LISTS)?;
                report.records += copy_table(&from, &into, CUSTOM_FIELDS)?;
                report.records += copy_table(&from, &into, MAPPINGS)?;
                report.records += copy_table(&from, &into, JOB_ROWS)?;
                report.records += copy_table(&from, &into, UNDO)?;
                report.records += copy_table(&from, &into, CREATED)?;
                report.records += copy_table(&from, &into, MATCHED_BY)?;
                // Tables a store from before them does not have: nothing to copy (the
                // copy gets them, empty, from its next writer, as the store would).
                macro_rules! when_there {
                    ($($table:expr),+) => {$(
                        if from.open_table($table).is_ok() {
                            report.records += copy_table(&from, &into, $table)?;
                        }
                    )+};
                }
                when_there!(
                    TEAM,
                    WORDS,
                    OPPORTUNITIES,
                    OPPORTUNITY_KEYS,
                    OPPORTUNITY_UNDO,
                    OPPORTUNITIES_CREATED,
                    RETRIED,
                    RETRY_PENDING
                );
            }
            into.commit()?;
            // A fresh file grows in steps as large as it is; compacting gives back the rest.
            copy.compact().map_err(|e| refuse(to, e.to_string()))?;
            copy.close().map_err(|e| refuse(to, e.to_string()))?;
        }
        std::fs::File::open(temp)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        // A link cannot replace a file that appeared meanwhile; a rename could.
        std::fs::hard_link(temp, to).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => refuse(to, "a file appeared there meanwhile"),
            _ => refuse(to, e.to_string()),
        })?;
        if let Some(dir) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        report.bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
        Ok(report)
    }
}

/// Copies every entry of one table, bytes as they are (a damaged record stays damaged,
/// and `rolodex check` on the copy finds it as on the original).
fn copy_table<K, V>(
    from: &ReadTransaction,
    into: &WriteTransaction,
    table: TableDefinition<K, V>,
) -> Result<u64>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
{
    let source = from.open_table(table)?;
    let mut target = into.open_table(table)?;
    let mut n = 0;
    for entry in source.iter()? {
        let (k, v) = entry?;
        target.insert(k.value(), v.value())?;
        n += 1;
    }
    Ok(n)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
