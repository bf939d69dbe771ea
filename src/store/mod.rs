//! The contact store: one redb file holding contacts, their indexes, tags, lists, custom
//! field definitions, remembered mappings, and every job with every row's fate and the
//! undo records that let a job be reverted.

pub mod backend;
pub mod backup;
pub mod check;
pub mod codec;
pub mod error;
pub mod filter;
pub mod guard;
pub mod import;
pub mod index;
pub mod jobs;
pub mod opportunities;
pub mod pg;
pub mod retried;
pub mod revert;
pub mod rows;
pub mod schema;
pub mod search;
pub mod team;

use std::path::{Path, PathBuf};

use redb::{
    Builder, ConcurrencyMode, Database, DatabaseError, ReadOnlyDatabase, ReadTransaction,
    ReadableDatabase, ReadableTable, ReadableTableMetadata, WriteTransaction,
};

use codec::Format;
pub use error::{Result, StoreError};
use index::Kind;
use jobs::{Job, JobRow};
use schema::*;

use crate::engine::contact::Contact;
use crate::engine::mapping::Mapping;
use crate::engine::resolve::MatchKey;
use crate::engine::review::{ContactLookup, LookupError};

/// redb's page cache: 32 MiB keeps an import's memory under 100 MB at any size (the 1 GiB
/// default would be most of its RSS; 64 MiB gave 131 MB). `ROLODEX_CACHE_MB` overrides,
/// for measuring.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

fn cache_bytes() -> usize {
    std::env::var("ROLODEX_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(CACHE_BYTES, |mb| mb.clamp(1, 4096) << 20)
}

/// What a store is opened for, which decides what a missing or unwritable file means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading only (history, contacts, show, trace, a dry run, check): nothing is created
    /// and nothing is locked against a writer.
    Read,
    /// Writing a store that exists (resume, revert).
    Write,
    /// Writing, creating the store and its directory when there is none (an import).
    Create,
}

/// The database, as this process holds it. Every handle is opened in redb's
/// `SingleWriter` mode: one process may write, and any number read beside it, following
/// its commits. A second writer is refused (`StoreError::Busy`).
enum Db {
    Read(ReadOnlyDatabase),
    Write(Database),
}

impl Db {
    fn begin_read(&self) -> std::result::Result<ReadTransaction, redb::TransactionError> {
        match self {
            Db::Read(db) => db.begin_read(),
            Db::Write(db) => db.begin_read(),
        }
    }
}

/// Why a store was opened read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadOnlyBecause {
    Asked,
    /// The file (or its file system) may not be written by this user.
    NotPermitted,
}

pub struct Store {
    db: Db,
    path: PathBuf,
    read_only: Option<ReadOnlyBecause>,
    /// Kept between an import's batches; see `filter.rs`.
    filter: std::sync::Mutex<Option<filter::KeyFilter>>,
    /// Damaged records a listing skipped, for the front end to name (`take_damage`).
    damage: std::sync::Mutex<Vec<StoreError>>,
}

/// A read transaction and the layout of the records it sees (a writer may upgrade the
/// store while a reader follows it).
struct Snapshot {
    txn: ReadTransaction,
    format: Format,
    /// The schema the store was written in.
    version: u64,
}

fn builder() -> Builder {
    builder_with_cache(cache_bytes())
}

/// A reader's page cache. Listings (contacts, history, show, trace) read each page once,
/// in key order, where a cache buys nothing and a large one is most of their memory; a dry
/// run's lookups against a large store find their index pages in the OS's page cache.
const READER_CACHE_BYTES: usize = 8 * 1024 * 1024;

fn builder_with_cache(bytes: usize) -> Builder {
    let mut b = Database::builder();
    b.set_cache_size(bytes)
        .set_concurrency_mode(ConcurrencyMode::SingleWriter);
    b
}

/// The first bytes of every redb file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// Whether opening for writing failed only because this user may not write the file.
fn not_permitted(e: &DatabaseError) -> bool {
    match e {
        DatabaseError::Storage(redb::StorageError::Io(io)) => matches!(
            io.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
        _ => false,
    }
}

impl Store {
    /// A handle on `db`, opened from `path`, with nothing noted yet.
    fn of(db: Db, path: PathBuf, read_only: Option<ReadOnlyBecause>) -> Store {
        Store {
            db,
            path,
            read_only,
            filter: Default::default(),
            damage: Default::default(),
        }
    }

    /// `--db`, else `$ROLODEX_DB` (both handled by clap), else the user's data directory.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "rolodex").map(|d| d.data_dir().join("rolodex.redb"))
    }

    /// Opens the store for an import: for writing, creating it (and its directory, both
    /// readable by their owner only) when there is none.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_for(path, Access::Create)
    }

    /// Opens the store for reading only; never creates anything.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        Store::open_for(path, Access::Read)
    }

    /// Opens the store as `access` asks. A file that is not a rolodex store (empty, another
    /// program's, a directory) is refused and left as it is. Opening for writing a store
    /// this user may not write opens it read-only instead: it can be read, and a write
    /// says why it cannot be done. Another process writing it gets `StoreError::Busy`.
    pub fn open_for(path: &Path, access: Access) -> Result<Store> {
        // A PostgreSQL URL is never a file to create, nor a name to print with its password.
        if pg::location::is_postgres_path(path) {
            return Err(pg::not_a_file(path));
        }
        guard::guarded(path, || open_store(path, access))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this handle may write (a read-only one follows the writer's commits).
    pub fn is_writable(&self) -> bool {
        matches!(self.db, Db::Write(_))
    }

    /// Begins a write transaction; refused on a store opened read-only.
    pub(crate) fn begin_write(&self) -> Result<WriteTransaction> {
        match (&self.db, self.read_only) {
            (Db::Write(db), _) => Ok(db.begin_write()?),
            (Db::Read(_), Some(ReadOnlyBecause::NotPermitted)) => {
                Err(StoreError::ReadOnly(self.path.clone()))
            }
            (Db::Read(_), _) => Err(StoreError::Open {
                path: self.path.clone(),
                message: "it was opened for reading only, so nothing was written".into(),
            }),
        }
    }

    /// A read transaction, with the layout of the records it sees.
    fn read(&self) -> Result<Snapshot> {
        let txn = self.db.begin_read()?;
        let version = txn
            .open_table(META)?
            .get("schema_version")?
            .map(|v| v.value())
            .unwrap_or(SCHEMA_VERSION);
        Ok(Snapshot {
            txn,
            format: Format::of_schema(version),
            version,
        })
    }

    /// Notes a damaged record a listing skipped (`take_damage` hands them out). Only the
    /// first thousand are kept: beyond that the store needs `rolodex check`, not a list.
    fn note_damage(&self, e: StoreError) {
        let mut damage = self.damage.lock().unwrap_or_else(|p| p.into_inner());
        if damage.len() < 1000 {
            damage.push(e);
        }
    }

    /// The damaged records skipped since the last call, each naming its record.
    pub fn take_damage(&self) -> Vec<StoreError> {
        std::mem::take(&mut *self.damage.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Checks (and, on a handle opened for writing, upgrades) the schema. A file with
    /// other tables and no record of a rolodex schema is another program's database.
    fn check_schema(&self) -> Result<()> {
        let found = self.schema_version()?;
        if let Some(v) = found.filter(|v| *v > SCHEMA_VERSION) {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        let Db::Write(db) = &self.db else {
            return self.verify_schema(found);
        };
        let txn = db.begin_write()?;
        {
            if found.is_none() && txn.list_tables()?.next().is_some() {
                return Err(StoreError::NotAStore {
                    path: self.path.clone(),
                    why: "it is a database of another program".into(),
                });
            }
            match found {
                Some(SCHEMA_VERSION) => {}
                Some(v) => {
                    if v < 4 {
                        upgrade_from_3(&txn)?;
                    }
                    if v < 3 {
                        upgrade_from_2(&txn)?;
                    }
                    // Schema 4 to 6: the name index, built once from the contacts (a
                    // version 5 or 6 index had one entry a word of a contact).
                    search::rebuild(&txn)?;
                }
                None => {}
            }
            if found != Some(SCHEMA_VERSION) {
                txn.open_table(META)?
                    .insert("schema_version", SCHEMA_VERSION)?;
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
            txn.open_table(TEAM)?;
            txn.open_table(OPPORTUNITIES)?;
            txn.open_table(OPPORTUNITY_KEYS)?;
            txn.open_table(OPPORTUNITY_UNDO)?;
            txn.open_table(OPPORTUNITIES_CREATED)?;
            txn.open_table(WORDS)?;
            txn.open_table(RETRIED)?;
            txn.open_table(RETRY_PENDING)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// What a reader asks of the schema: one it can read, of a rolodex store.
    fn verify_schema(&self, found: Option<u64>) -> Result<()> {
        match found {
            Some(v) if v > SCHEMA_VERSION => Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: v,
                supported: SCHEMA_VERSION,
            }),
            Some(v) if v >= 3 => Ok(()),
            // Schema 2 kept its indexes in tables this one does not read.
            Some(_) => Err(StoreError::Open {
                path: self.path.clone(),
                message: "it was written by an older rolodex and must be upgraded first; any command that writes (an import, resume) does that".into(),
            }),
            None => {
                let tables = self.db.begin_read()?.list_tables()?.count();
                Err(StoreError::NotAStore {
                    path: self.path.clone(),
                    why: if tables > 0 {
                        "it is a database of another program".into()
                    } else {
                        "it is a database with no tables at all".into()
                    },
                })
            }
        }
    }

    /// The schema version the store records, if it records one.
    fn schema_version(&self) -> Result<Option<u64>> {
        let txn = self.db.begin_read()?;
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let version = meta.get("schema_version")?.map(|v| v.value());
        Ok(version)
    }

    /// Every contact, in id order. A damaged contact is skipped (and noted, see
    /// `take_damage`), never served.
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        let mut out = Vec::new();
        self.for_each_contact(&mut |c| {
            out.push(c);
            true
        })?;
        Ok(out)
    }

    /// Every contact, in id order, through `each` until it returns false: one at a time
    /// from one read snapshot, so a listing of millions starts at once and holds one
    /// contact in memory. A damaged contact is skipped (and noted), never served.
    pub fn for_each_contact(&self, each: &mut dyn FnMut(Contact) -> bool) -> Result<()> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(CONTACTS)?;
            for entry in table.iter()? {
                let (id, v) = entry?;
                match decode_contact(id.value(), v.value(), snap.format) {
                    Ok(c) => {
                        if !each(c) {
                            break;
                        }
                    }
                    Err(e) if e.is_damaged_record() => self.note_damage(e),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }

    pub fn contact_count(&self) -> Result<u64> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            Ok(snap.txn.open_table(CONTACTS)?.len()?)
        })
    }

    /// One contact; a damaged one is an error naming it.
    pub fn contact(&self, id: u64) -> Result<Option<Contact>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(CONTACTS)?;
            let found = table.get(id)?;
            found
                .map(|v| decode_contact(id, v.value(), snap.format))
                .transpose()
        })
    }

    pub fn find_by_phone(&self, e164: &str) -> Result<Vec<u64>> {
        self.find(Kind::Phone, e164)
    }

    pub fn find_by_email(&self, email: &str) -> Result<Vec<u64>> {
        self.find(Kind::Email, email)
    }

    fn find(&self, kind: Kind, value: &str) -> Result<Vec<u64>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(match kind {
                Kind::Phone => BY_PHONE,
                Kind::Email => BY_EMAIL,
            })?;
            index::find(
                &table,
                &snap.txn.open_table(CONTACTS)?,
                kind,
                value,
                snap.format,
            )
        })
    }

    /// Every job, oldest first. A damaged job is skipped (and noted).
    pub fn jobs(&self) -> Result<Vec<Job>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(JOBS)?;
            let mut out = Vec::new();
            for entry in table.iter()? {
                let (id, v) = entry?;
                match decode_job(id.value(), v.value(), snap.format) {
                    Ok(job) => out.push(job),
                    Err(e) if e.is_damaged_record() => self.note_damage(e),
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }

    /// One job; a damaged one is an error naming it.
    pub fn job(&self, id: u64) -> Result<Job> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(JOBS)?;
            let job = table.get(id)?.ok_or(StoreError::NoSuchJob(id))?;
            decode_job(id, job.value(), snap.format)
        })
    }

    /// A job's rows in file order, through `each` (a job may have millions). A damaged
    /// chunk of rows is skipped (and noted).
    pub fn job_rows(&self, job: u64, each: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            rows::for_each(
                &snap.txn.open_table(JOB_ROWS)?,
                job,
                snap.format,
                each,
                &mut |e| self.note_damage(e),
            )
        })
    }

    /// Up to `limit` rows of `job` from file row `from` on, in file order: one page of a job
    /// of any size, read from the chunks that hold it (the wizard's History pages with it).
    pub fn job_rows_from(&self, job: u64, from: u64, limit: usize) -> Result<Vec<JobRow>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            rows::page(
                &snap.txn.open_table(JOB_ROWS)?,
                job,
                from,
                limit,
                snap.format,
                &mut |e| self.note_damage(e),
            )
        })
    }

    pub fn tags(&self) -> Result<Vec<(String, u64)>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(TAGS)?;
            let mut out = Vec::new();
            for entry in table.iter()? {
                let (k, v) = entry?;
                out.push((k.value().to_string(), v.value()));
            }
            Ok(out)
        })
    }

    /// The custom fields earlier imports defined, with their types.
    pub fn custom_fields(
        &self,
    ) -> Result<std::collections::BTreeMap<String, crate::engine::mapping::CustomKind>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(CUSTOM_FIELDS)?;
            let mut out = std::collections::BTreeMap::new();
            for entry in table.iter()? {
                let (name, kind) = entry?;
                let name = name.value();
                let kind = codec::decode_json_as(kind.value(), snap.format)
                    .map_err(|e| e.at("custom_fields", name))?;
                out.insert(name.to_string(), kind);
            }
            Ok(out)
        })
    }

    pub fn lists(&self) -> Result<Vec<jobs::ContactList>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(LISTS)?;
            let mut out = Vec::new();
            for entry in table.iter()? {
                let (name, v) = entry?;
                out.push(
                    codec::decode_json_as(v.value(), snap.format)
                        .map_err(|e| e.at("lists", name.value()))?,
                );
            }
            Ok(out)
        })
    }

    /// Writes a job's results file and/or error file from its stored rows, into files
    /// `outfile::open_all` opened (and checked) before the job started.
    pub fn write_reports(
        &self,
        job: &Job,
        results: Option<crate::engine::outfile::OutFile>,
        errors: Option<crate::engine::outfile::OutFile>,
    ) -> std::result::Result<(), crate::engine::outfile::OutfileError> {
        backend::write_reports(self, job, results, errors)
    }

    /// The mapping last used for a header with this signature. A damaged one is as good as
    /// none: the mapping is guessed again.
    pub fn remembered_mapping(&self, signature: &str) -> Result<Option<Mapping>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = snap.txn.open_table(MAPPINGS)?;
            let found = table.get(signature)?;
            match found.map(|v| codec::decode_json_as(v.value(), snap.format)) {
                Some(Err(e)) if e.is_damaged_record() => {
                    self.note_damage(e.at("mappings", signature));
                    Ok(None)
                }
                other => other.transpose(),
            }
        })
    }

    pub fn remember_mapping(&self, signature: &str, mapping: &Mapping) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut table = txn.open_table(MAPPINGS)?;
            table.insert(signature, codec::encode_json(mapping)?.as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// A read view for the review: matches rows against stored contacts.
    pub fn lookup(&self) -> Result<StoreLookup> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let team = team::read_team(&snap.txn, snap.format)?;
            Ok(StoreLookup {
                team: std::sync::Arc::new(crate::engine::team::Team::new(team)),
                contacts: snap.txn.open_table(CONTACTS)?,
                phones: snap.txn.open_table(BY_PHONE)?,
                emails: snap.txn.open_table(BY_EMAIL)?,
                opportunity_keys: match snap.txn.open_table(OPPORTUNITY_KEYS) {
                    Ok(t) => Some(t),
                    Err(redb::TableError::TableDoesNotExist(_)) => None,
                    Err(e) => return Err(e.into()),
                },
                format: snap.format,
                path: self.path.clone(),
            })
        })
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

/// A stored contact, if its checksum holds and it is stored under its own id (a flipped
/// bit in a key would otherwise serve one contact as another).
fn decode_contact(id: u64, bytes: &[u8], format: Format) -> Result<Contact> {
    let contact: Contact =
        codec::decode_contact_as(bytes, format).map_err(|e| e.at("contacts", id))?;
    if contact.id != id {
        return Err(StoreError::damaged("contacts", id));
    }
    Ok(contact)
}

fn decode_job(id: u64, bytes: &[u8], format: Format) -> Result<Job> {
    let job: Job = codec::decode_json_as(bytes, format).map_err(|e| e.at("jobs", id))?;
    if job.id != id {
        return Err(StoreError::damaged("jobs", id));
    }
    Ok(job)
}

fn open_store(path: &Path, access: Access) -> Result<Store> {
    let exists = sniff(path)?;
    if !exists {
        if access != Access::Create {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        create(path)?;
    }
    if access == Access::Read {
        return open_reader(path);
    }
    // Opening for writing marks the file's header even when the open is then refused:
    // another program's database (or a newer rolodex's store) is told apart by a reader
    // first, and left exactly as it was. Anything else a reader meets (a file a killed
    // writer left, an import running) is the writer's to deal with.
    if let Err(e @ (StoreError::NotAStore { .. } | StoreError::NewerSchema { .. })) =
        try_reader(path)
    {
        return Err(e);
    }
    match open_writer(path) {
        Err(Refused::NotPermitted) => {
            let mut store = open_reader(path)?;
            store.read_only = Some(ReadOnlyBecause::NotPermitted);
            Ok(store)
        }
        Err(Refused::Store(e)) => Err(e),
        Ok(store) => Ok(store),
    }
}

/// Why a store could not be opened for writing.
enum Refused {
    /// This user may not write the file: it can still be opened read-only.
    NotPermitted,
    Store(StoreError),
}

/// Whether `path` holds a store (false: nothing there). Anything else at the path — an
/// empty file, another program's file, a directory — is refused before redb sees it, so it
/// is never adopted, initialized or changed.
fn sniff(path: &Path) -> Result<bool> {
    let not_a_store = |why: &str| StoreError::NotAStore {
        path: path.to_path_buf(),
        why: why.into(),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        }
    };
    if meta.is_dir() {
        return Err(not_a_store("it is a directory"));
    }
    if !meta.is_file() {
        return Err(not_a_store("it is not a regular file"));
    }
    if meta.len() == 0 {
        return Err(not_a_store("it is an empty file"));
    }
    let mut head = [0u8; REDB_MAGIC.len()];
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut head)
    });
    match read {
        Ok(()) if head == REDB_MAGIC => Ok(true),
        Ok(()) => Err(not_a_store("it is not a database")),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(not_a_store("it is too short to be a database"))
        }
        Err(e) => Err(StoreError::Open {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

/// Creates a new, empty store at `path`: built beside it under a temporary name, then
/// linked into place, so that no other process ever finds a half-made store (or an empty
/// file) there. Another process creating it first wins; its store is used.
fn create(path: &Path) -> Result<()> {
    let open_err = |message: String| StoreError::Open {
        path: path.to_path_buf(),
        message,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::engine::outfile::create_private_dir(dir)
        .map_err(|e| open_err(format!("cannot create {}: {e}", dir.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "rolodex.redb".into());
    let temp = dir.join(format!(".{name}.new-{}", std::process::id()));
    let made = (|| -> Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(&temp)
            .map_err(|e| open_err(format!("cannot create {}: {e}", temp.display())))?;
        let db = builder()
            .create(&temp)
            .map_err(|e| open_err(e.to_string()))?;
        let store = Store::of(Db::Write(db), temp.clone(), None);
        store.check_schema()?;
        drop(store);
        match std::fs::hard_link(&temp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            // A file system without hard links: a rename cannot refuse to replace, so look
            // first (the window is a create racing a create).
            Err(_) if !path.exists() => std::fs::rename(&temp, path)
                .map_err(|e| open_err(format!("cannot create the store: {e}"))),
            Err(_) => Ok(()),
        }
    })();
    let _ = std::fs::remove_file(&temp);
    made?;
    // What is there now is this store or a racing creator's; either way, check it.
    sniff(path).map(|_| ())
}

fn busy_or(path: &Path, e: DatabaseError) -> StoreError {
    match e {
        DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch => {
            StoreError::Busy(path.to_path_buf())
        }
        DatabaseError::Storage(redb::StorageError::Corrupted(message)) => StoreError::Corrupt {
            path: path.to_path_buf(),
            message,
        },
        other => StoreError::Open {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    }
}

/// Opens an existing store for writing, upgrading an older schema.
fn open_writer(path: &Path) -> std::result::Result<Store, Refused> {
    let db = match builder().open(path) {
        Ok(db) => db,
        Err(e) if not_permitted(&e) => return Err(Refused::NotPermitted),
        Err(e) => return Err(Refused::Store(busy_or(path, e))),
    };
    let store = Store::of(Db::Write(db), path.to_path_buf(), None);
    store.check_schema().map_err(Refused::Store)?;
    Ok(store)
}

/// Opens an existing store read-only. It shares the file with a writer in another process
/// and follows its commits. A store a killed writer left mid-write cannot be read until it
/// is recovered, which takes a writer: when none is running, this opens it for writing
/// once (redb repairs it on open), closes it, and reads it then. The same goes for a
/// schema 2 store, upgraded once before it is read.
fn open_reader(path: &Path) -> Result<Store> {
    let mut wrote_once = false;
    loop {
        let needs = match try_reader(path)? {
            Ok(store) => return Ok(store),
            Err(needs) => needs,
        };
        if wrote_once {
            return Err(needs.error(path));
        }
        wrote_once = true;
        match open_writer(path) {
            Ok(writer) => drop(writer),
            // A writer started meanwhile: it recovered or upgraded the file.
            Err(Refused::Store(StoreError::Busy(_))) => {}
            Err(Refused::NotPermitted) => return Err(needs.error(path)),
            Err(Refused::Store(e)) => return Err(e),
        }
    }
}

/// What a store needs from a writer before it can be read.
enum NeedsWriter {
    /// A writer was killed mid-write and none is running to recover the file.
    Recovery,
    /// Schema 2.
    Upgrade,
}

impl NeedsWriter {
    fn error(self, path: &Path) -> StoreError {
        match self {
            NeedsWriter::Recovery => StoreError::NeedsRecovery(path.to_path_buf()),
            NeedsWriter::Upgrade => StoreError::Open {
                path: path.to_path_buf(),
                message: "it was written by an older rolodex and must be upgraded first, by a user who may write it (any import or resume does it)".into(),
            },
        }
    }
}

fn try_reader(path: &Path) -> Result<std::result::Result<Store, NeedsWriter>> {
    let db = match builder_with_cache(READER_CACHE_BYTES).open_read_only(path) {
        Ok(db) => db,
        Err(DatabaseError::RepairAborted) => return Ok(Err(NeedsWriter::Recovery)),
        Err(e) => return Err(busy_or(path, e)),
    };
    let store = Store::of(
        Db::Read(db),
        path.to_path_buf(),
        Some(ReadOnlyBecause::Asked),
    );
    if store.schema_version()?.is_some_and(|v| v < 3) {
        return Ok(Err(NeedsWriter::Upgrade));
    }
    store.check_schema()?;
    Ok(Ok(store))
}

/// Records per step of the schema 4 upgrade: a million contacts are sealed in steps, not
/// held in memory at once.
const UPGRADE_STEP: usize = 10_000;

/// Schema 3 to 4, in the transaction that records the new version: seals every record with
/// its checksum. A record that does not decode any more is left unsealed, so it reads as
/// damaged (and `rolodex check` names it) instead of being sealed as if it were intact.
fn upgrade_from_3(txn: &WriteTransaction) -> Result<()> {
    let plain = Format::Plain;
    reseal(txn, CONTACTS, |b| {
        codec::decode_contact_as(b, plain).is_ok()
    })?;
    reseal(txn, UNDO, |b| codec::decode_contact_as(b, plain).is_ok())?;
    reseal(txn, JOBS, |b| {
        codec::decode_json_as::<Job>(b, plain).is_ok()
    })?;
    for table in [LISTS, CUSTOM_FIELDS, MAPPINGS] {
        // Few and small: read whole. Each holds JSON of its own shape.
        let mut t = txn.open_table(table)?;
        let all: Vec<(String, Vec<u8>)> = t
            .iter()?
            .map(|e| e.map(|(k, v)| (k.value().to_string(), v.value().to_vec())))
            .collect::<std::result::Result<_, _>>()?;
        for (k, v) in all {
            let valid = serde_json::from_slice::<serde::de::IgnoredAny>(&v).is_ok();
            t.insert(k.as_str(), sealed_if(valid, v).as_slice())?;
        }
    }
    let mut pieces = txn.open_table(JOB_ROWS)?;
    let mut chunks = Vec::new();
    rows::chunks(&pieces, None, &mut |job, first_row, bytes| {
        chunks.push((job, first_row));
        let _ = bytes;
        Ok(())
    })?;
    for (job, first_row) in chunks {
        let mut packed = Vec::new();
        for piece in pieces.range((job, first_row, 0)..=(job, first_row, u32::MAX))? {
            packed.extend_from_slice(piece?.1.value());
        }
        let valid = rows::decode_as(&packed, plain).is_ok();
        // Sealing adds bytes, so a chunk may take one piece more; never fewer.
        rows::put(&mut pieces, job, first_row, &sealed_if(valid, packed))?;
    }
    Ok(())
}

fn sealed_if(valid: bool, bytes: Vec<u8>) -> Vec<u8> {
    if valid {
        codec::seal(bytes)
    } else {
        bytes
    }
}

/// Seals every record of a table keyed by numbers, `UPGRADE_STEP` at a time.
fn reseal<K>(
    txn: &WriteTransaction,
    table: redb::TableDefinition<K, &[u8]>,
    valid: impl Fn(&[u8]) -> bool,
) -> Result<()>
where
    K: redb::Key + for<'a> redb::Value<SelfType<'a> = K> + Copy + 'static,
{
    let mut t = txn.open_table(table)?;
    let mut after: Option<K> = None;
    loop {
        let step: Vec<(K, Vec<u8>)> = {
            let range = match after {
                Some(k) => {
                    t.range::<K>((std::ops::Bound::Excluded(k), std::ops::Bound::Unbounded))?
                }
                None => t.range::<K>(..)?,
            };
            range
                .take(UPGRADE_STEP)
                .map(|e| e.map(|(k, v)| (k.value(), v.value().to_vec())))
                .collect::<std::result::Result<_, _>>()?
        };
        let Some(last) = step.last().map(|(k, _)| *k) else {
            return Ok(());
        };
        for (k, v) in step {
            let ok = valid(&v);
            t.insert(k, sealed_if(ok, v).as_slice())?;
        }
        after = Some(last);
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
        let c: Contact = codec::decode_contact(v.value())?;
        for p in &c.phones {
            index::insert(&mut phones, Kind::Phone, p, id.value())?;
        }
        for e in &c.emails {
            index::insert(&mut emails, Kind::Email, e, id.value())?;
        }
    }
    Ok(())
}

/// A consistent read of the store for the dry run, its tables opened once.
pub struct StoreLookup {
    /// Read with the contacts, from the same snapshot.
    team: std::sync::Arc<crate::engine::team::Team>,
    contacts: redb::ReadOnlyTable<u64, &'static [u8]>,
    phones: redb::ReadOnlyTable<(u64, u64), ()>,
    emails: redb::ReadOnlyTable<(u64, u64), ()>,
    /// None in a store from before opportunities.
    opportunity_keys: Option<redb::ReadOnlyTable<&'static str, u64>>,
    format: Format,
    path: PathBuf,
}

impl StoreLookup {
    fn ids(&self, key: &MatchKey) -> Result<Vec<u64>> {
        guard::guarded(&self.path, || self.ids_unguarded(key))
    }

    fn ids_unguarded(&self, key: &MatchKey) -> Result<Vec<u64>> {
        let format = self.format;
        match key {
            MatchKey::Phone(p) => index::find(&self.phones, &self.contacts, Kind::Phone, p, format),
            MatchKey::Email(e) => index::find(&self.emails, &self.contacts, Kind::Email, e, format),
            MatchKey::Id(id) => Ok(self.contacts.get(*id)?.map(|_| *id).into_iter().collect()),
        }
    }
}

impl ContactLookup for StoreLookup {
    fn team(&self) -> std::result::Result<std::sync::Arc<crate::engine::team::Team>, LookupError> {
        Ok(self.team.clone())
    }

    fn opportunity_stored(
        &self,
        contact: Option<u64>,
        o: &crate::engine::opportunity::Opportunity,
    ) -> bool {
        let Some(keys) = &self.opportunity_keys else {
            return false;
        };
        opportunities::lookup_keys(contact, o)
            .iter()
            .any(|k| keys.get(k.as_str()).ok().flatten().is_some())
    }

    fn ids(&self, key: &MatchKey) -> std::result::Result<Vec<u64>, LookupError> {
        StoreLookup::ids(self, key).map_err(|e| LookupError::Store(Box::new(e)))
    }

    fn first_phone_holder(&self, phone: &str) -> std::result::Result<Option<u64>, LookupError> {
        let (key, exact) = Kind::Phone.key(phone);
        if !exact {
            return Ok(ContactLookup::ids(self, &MatchKey::Phone(phone))?
                .into_iter()
                .min());
        }
        guard::guarded(&self.path, || index::first_under(&self.phones, key))
            .map_err(|e| LookupError::Store(Box::new(e)))
    }

    fn contact(&self, id: u64) -> Option<Contact> {
        guard::guarded(&self.path, || {
            let v = self.contacts.get(id)?;
            v.map(|v| decode_contact(id, v.value(), self.format))
                .transpose()
        })
        .ok()
        .flatten()
    }
}
