//! The contact store: one redb file holding contacts, their indexes, tags, lists, custom
//! field definitions, remembered mappings, and every job with every row's fate and the
//! undo records that let a job be reverted.

pub mod codec;
pub mod error;
pub mod filter;
pub mod import;
pub mod index;
pub mod jobs;
pub mod revert;
pub mod rows;
pub mod schema;

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};

pub use error::{Result, StoreError};
use index::Kind;
use jobs::{Job, JobRow};
use schema::*;

use crate::engine::contact::Contact;
use crate::engine::mapping::Mapping;
use crate::engine::resolve::MatchKey;
use crate::engine::review::ContactLookup;

/// redb's page cache: 64 MiB keeps a million-row import's memory flat for a few percent of
/// speed (the 1 GiB default would be most of its RSS).
const CACHE_BYTES: usize = 64 * 1024 * 1024;

pub struct Store {
    db: Database,
    path: PathBuf,
    /// Kept between an import's batches; see `filter.rs`.
    filter: std::sync::Mutex<Option<filter::KeyFilter>>,
}

impl Store {
    /// `--db`, else `$ROLODEX_DB` (both handled by clap), else the user's data directory.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "rolodex").map(|d| d.data_dir().join("rolodex.redb"))
    }

    /// Opens the store, creating it (readable by its owner only) when it does not exist.
    /// Another process holding it open gets `StoreError::Busy`.
    pub fn open(path: &Path) -> Result<Store> {
        let open_err = |message: String| StoreError::Open {
            path: path.to_path_buf(),
            message,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent)
                .map_err(|e| open_err(format!("cannot create {}: {e}", parent.display())))?;
        }
        if !path.exists() {
            create_store_file(path).map_err(|e| open_err(e.to_string()))?;
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Busy(path.to_path_buf()),
                other => open_err(other.to_string()),
            })?;
        let store = Store {
            db,
            path: path.to_path_buf(),
            filter: Default::default(),
        };
        store.check_schema()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_schema(&self) -> Result<()> {
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let found = meta.get("schema_version")?.map(|v| v.value());
            match found {
                Some(v) if v > SCHEMA_VERSION => {
                    return Err(StoreError::NewerSchema {
                        path: self.path.clone(),
                        found: v,
                        supported: SCHEMA_VERSION,
                    })
                }
                Some(SCHEMA_VERSION) => {}
                Some(_) => {
                    drop(meta);
                    upgrade_from_2(&txn)?;
                    txn.open_table(META)?
                        .insert("schema_version", SCHEMA_VERSION)?;
                }
                None => {
                    meta.insert("schema_version", SCHEMA_VERSION)?;
                }
            }
            // Create every table so readers never meet a missing one.
            txn.open_table(CONTACTS)?;
            txn.open_table(BY_PHONE)?;
            txn.open_table(BY_EMAIL)?;
            txn.open_table(TAGS)?;
            txn.open_table(LISTS)?;
            txn.open_table(CUSTOM_FIELDS)?;
            txn.open_table(MAPPINGS)?;
            txn.open_table(JOBS)?;
            txn.open_table(JOB_ROWS)?;
            txn.open_table(UNDO)?;
            txn.open_table(CREATED)?;
            txn.open_table(MATCHED_BY)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Every contact, in id order.
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CONTACTS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, v) = entry?;
            out.push(codec::decode(v.value())?);
        }
        Ok(out)
    }

    pub fn contact_count(&self) -> Result<u64> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(CONTACTS)?.len()?)
    }

    pub fn contact(&self, id: u64) -> Result<Option<Contact>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CONTACTS)?;
        table.get(id)?.map(|v| codec::decode(v.value())).transpose()
    }

    pub fn find_by_phone(&self, e164: &str) -> Result<Vec<u64>> {
        self.find(Kind::Phone, e164)
    }

    pub fn find_by_email(&self, email: &str) -> Result<Vec<u64>> {
        self.find(Kind::Email, email)
    }

    fn find(&self, kind: Kind, value: &str) -> Result<Vec<u64>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(match kind {
            Kind::Phone => BY_PHONE,
            Kind::Email => BY_EMAIL,
        })?;
        index::find(&table, &txn.open_table(CONTACTS)?, kind, value)
    }

    /// Every job, oldest first.
    pub fn jobs(&self) -> Result<Vec<Job>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(JOBS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, v) = entry?;
            out.push(codec::decode_json(v.value())?);
        }
        Ok(out)
    }

    pub fn job(&self, id: u64) -> Result<Job> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(JOBS)?;
        let job = table.get(id)?.ok_or(StoreError::NoSuchJob(id))?;
        codec::decode_json(job.value())
    }

    /// A job's rows in file order, through `each` (a job may have millions).
    pub fn job_rows(&self, job: u64, each: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()> {
        let txn = self.db.begin_read()?;
        rows::for_each(&txn.open_table(JOB_ROWS)?, job, each)
    }

    pub fn tags(&self) -> Result<Vec<(String, u64)>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TAGS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push((k.value().to_string(), v.value()));
        }
        Ok(out)
    }

    /// Every row of every job that `needle` finds in, oldest job first (`rolodex trace`).
    pub fn trace(
        &self,
        needle: &crate::engine::trace::Needle,
        found: &mut dyn FnMut(&Job, JobRow),
    ) -> Result<()> {
        for job in self.jobs()? {
            self.job_rows(job.id, &mut |row| {
                if needle.found_in(&row.cells) {
                    found(&job, row);
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// The custom fields earlier imports defined, with their types.
    pub fn custom_fields(
        &self,
    ) -> Result<std::collections::BTreeMap<String, crate::engine::mapping::CustomKind>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CUSTOM_FIELDS)?;
        let mut out = std::collections::BTreeMap::new();
        for entry in table.iter()? {
            let (name, kind) = entry?;
            out.insert(name.value().to_string(), codec::decode_json(kind.value())?);
        }
        Ok(out)
    }

    pub fn lists(&self) -> Result<Vec<jobs::ContactList>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(LISTS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, v) = entry?;
            out.push(codec::decode_json(v.value())?);
        }
        Ok(out)
    }

    /// Writes a job's results file and/or error file from its stored rows, into files
    /// `outfile::open_all` opened (and checked) before the job started.
    pub fn write_reports(
        &self,
        job: &Job,
        results: Option<crate::engine::outfile::OutFile>,
        errors: Option<crate::engine::outfile::OutFile>,
    ) -> std::result::Result<(), crate::engine::outfile::OutfileError> {
        let mut files = crate::engine::report::ReportFiles::new(&job.header, results, errors)?;
        let mut write_failed = None;
        let read = self.job_rows(job.id, &mut |row| {
            files
                .write(&row.cells, row.status, &row.issues)
                .map_err(|e| {
                    let stop = StoreError::Codec(e.to_string());
                    write_failed = Some(e);
                    stop
                })
        });
        if let Some(e) = write_failed {
            return Err(e);
        }
        if let Err(e) = read {
            return Err(files.source_error(format!("reading job {}'s rows: {e}", job.id)));
        }
        files.finish().map(|_| ())
    }

    /// The mapping last used for a header with this signature.
    pub fn remembered_mapping(&self, signature: &str) -> Result<Option<Mapping>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(MAPPINGS)?;
        table
            .get(signature)?
            .map(|v| codec::decode_json(v.value()))
            .transpose()
    }

    pub fn remember_mapping(&self, signature: &str, mapping: &Mapping) -> Result<()> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(MAPPINGS)?;
            table.insert(signature, codec::encode_json(mapping)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// A read view for the review: matches rows against stored contacts.
    pub fn lookup(&self) -> Result<StoreLookup> {
        let txn = self.db.begin_read()?;
        Ok(StoreLookup {
            contacts: txn.open_table(CONTACTS)?,
            phones: txn.open_table(BY_PHONE)?,
            emails: txn.open_table(BY_EMAIL)?,
        })
    }

    /// Checks the invariants a crash must never break: every indexed id exists, every
    /// contact is indexed under each of its phones and emails, job counts add up.
    pub fn check_invariants(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        let contacts = txn.open_table(CONTACTS)?;
        let phones = txn.open_table(BY_PHONE)?;
        let emails = txn.open_table(BY_EMAIL)?;
        let mut problems = Vec::new();
        for (kind, index) in [(Kind::Phone, &phones), (Kind::Email, &emails)] {
            for entry in index.iter()? {
                let ((key, id), ()) = entry.map(|(k, v)| (k.value(), v.value()))?;
                if contacts.get(id)?.is_none() {
                    problems.push(format!("{kind:?} key {key} points to missing contact {id}"));
                }
            }
        }
        for entry in contacts.iter()? {
            let (id, v) = entry?;
            let id = id.value();
            let c: Contact = codec::decode(v.value())?;
            for (kind, index) in [(Kind::Phone, &phones), (Kind::Email, &emails)] {
                for value in kind.values(&c) {
                    if !index::holds(index, kind, value, id)? {
                        problems.push(format!(
                            "contact {id} is not indexed under {kind:?} {value}"
                        ));
                    }
                }
            }
        }
        let jobs = txn.open_table(JOBS)?;
        for entry in jobs.iter()? {
            let (_, v) = entry?;
            let job: Job = codec::decode_json(v.value())?;
            let c = &job.counts;
            if c.created + c.updated + c.skipped + c.failed != c.total_rows {
                problems.push(format!("job {} counts do not add up", job.id));
            }
        }
        Ok(problems)
    }

    pub(crate) fn db(&self) -> &Database {
        &self.db
    }

    /// The key filter, if one is built (a poisoned lock only means a batch panicked; the
    /// filter still holds every key, so it stays usable).
    pub(crate) fn take_filter(&self) -> Option<filter::KeyFilter> {
        self.filter.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub(crate) fn put_filter(&self, filter: filter::KeyFilter) {
        *self.filter.lock().unwrap_or_else(|p| p.into_inner()) = Some(filter);
    }
}

/// Schema 2 to 3, in the transaction that records the new version: drops the string-keyed
/// indexes and builds the fixed-width ones from the contacts, and splits every stored
/// chunk of job rows into fates and cells.
fn upgrade_from_2(txn: &redb::WriteTransaction) -> Result<()> {
    let old_rows: redb::TableDefinition<(u64, u64), &[u8]> = redb::TableDefinition::new("job_rows");
    {
        let old = txn.open_table(old_rows)?;
        let mut new = txn.open_table(JOB_ROWS)?;
        for entry in old.iter()? {
            let (key, value) = entry?;
            let (job, first_row) = key.value();
            let packed = rows::encode_rows(rows::decode_schema_2(value.value())?)?;
            rows::put(&mut new, job, first_row, &packed)?;
        }
    }
    txn.delete_table(old_rows)?;
    for name in ["by_phone", "by_email"] {
        let old: redb::MultimapTableDefinition<&str, u64> =
            redb::MultimapTableDefinition::new(name);
        txn.delete_multimap_table(old)?;
    }
    let contacts = txn.open_table(CONTACTS)?;
    let mut phones = txn.open_table(BY_PHONE)?;
    let mut emails = txn.open_table(BY_EMAIL)?;
    for entry in contacts.iter()? {
        let (id, v) = entry?;
        let c: Contact = codec::decode(v.value())?;
        for p in &c.phones {
            index::insert(&mut phones, Kind::Phone, p, id.value())?;
        }
        for e in &c.emails {
            index::insert(&mut emails, Kind::Email, e, id.value())?;
        }
    }
    Ok(())
}

/// Makes a new, empty store at `path` in one step: it is made beside it (readable by its
/// owner only) and linked into place once complete, so a process killed while making it
/// never leaves a file that is not a store — redb refuses such a file for good. A store
/// another process made meanwhile is kept.
fn create_store_file(path: &Path) -> std::result::Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let new = tempfile::Builder::new()
        .prefix(".rolodex-new-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a file in {}: {e}", dir.display()))?;
    drop(
        Database::builder()
            .create(new.path())
            .map_err(|e| e.to_string())?,
    );
    match new.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.error.to_string()),
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// A consistent read of the store for the dry run, its tables opened once.
pub struct StoreLookup {
    contacts: redb::ReadOnlyTable<u64, &'static [u8]>,
    phones: redb::ReadOnlyTable<(u64, u64), ()>,
    emails: redb::ReadOnlyTable<(u64, u64), ()>,
}

impl StoreLookup {
    fn ids(&self, key: &MatchKey) -> Result<Vec<u64>> {
        match key {
            MatchKey::Phone(p) => index::find(&self.phones, &self.contacts, Kind::Phone, p),
            MatchKey::Email(e) => index::find(&self.emails, &self.contacts, Kind::Email, e),
            MatchKey::Id(id) => Ok(self.contacts.get(*id)?.map(|_| *id).into_iter().collect()),
        }
    }
}

impl ContactLookup for StoreLookup {
    fn ids(&self, key: &MatchKey) -> std::result::Result<Vec<u64>, String> {
        StoreLookup::ids(self, key).map_err(|e| e.to_string())
    }

    fn contact(&self, id: u64) -> Option<Contact> {
        let v = self.contacts.get(id).ok()??;
        codec::decode(v.value()).ok()
    }
}
