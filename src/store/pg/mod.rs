//! The PostgreSQL store: the same records as the redb file, in tables of one schema
//! (`--pg-schema`, default `rolodex`) of a database a team already runs. The schema is
//! created and upgraded by rolodex itself (`migrate.rs`); one import at a time holds a
//! session advisory lock, released by the server when the client goes, however it goes.
//!
//! What is not built yet returns `StoreError::NotYetSupported`, never a wrong answer.

pub mod copy;
pub mod location;
pub mod migrate;
mod revert;
mod rows;
mod search;
mod write;

use std::path::Path;
use std::sync::Mutex;

use postgres::{Client, NoTls};

pub use location::PgLocation;

use super::import::NewJob;
use super::jobs::{ContactList, Job, JobRow};
use super::{Access, Result, StoreError};
use crate::engine::contact::Contact;
use crate::engine::mapping::{CustomKind, Mapping};

/// Contacts read per round trip by a listing: the connection is free between pages.
const PAGE: i64 = 1000;

pub struct PgStore {
    location: PgLocation,
    client: Mutex<Client>,
    /// Whether this handle holds the store's import lock (opened for writing).
    writable: bool,
    damage: Mutex<Vec<StoreError>>,
    /// Whether this connection has made its staging tables (`write.rs`).
    staged: std::sync::atomic::AtomicBool,
    /// What the writer knows of the phones and emails stored (`write.rs`), kept between
    /// batches while this handle holds the import lock.
    known: Mutex<Option<write::Known>>,
}

/// The error `Store::open_for` gives a PostgreSQL URL: such a store is opened through
/// `store::backend::open`, and the redb store must never treat it as a file name.
pub fn not_a_file(path: &Path) -> StoreError {
    StoreError::NotYetSupported(format!(
        "{} (this command opens a store file only)",
        location::redact(&path.to_string_lossy())
    ))
}

/// A postgres error as a store error naming the store (never its password).
fn pg_error(location: &PgLocation) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |e| StoreError::Postgres {
        store: location.shown().to_string(),
        message: describe(&e),
    }
}

/// What the server said, or what failed on the way to it, with what to do next.
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} ({})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; {detail}"));
        }
        return text;
    }
    if e.is_closed() {
        return "the connection to the server was closed; check the server and try again".into();
    }
    let cause = std::error::Error::source(e)
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    format!("{e}{cause}; check that the server is running and that --db names it")
}

/// The advisory-lock key of `what` ("import", "migrate") in `schema`: advisory locks are
/// per database, so two schemas (two teams' stores) never wait on each other.
fn lock_key(schema: &str, what: &str) -> i64 {
    let h = xxhash_rust::xxh3::xxh3_64(format!("rolodex {what} {schema}").as_bytes());
    i64::from_ne_bytes(h.to_ne_bytes())
}

fn decode<T: serde::de::DeserializeOwned>(
    table: &'static str,
    key: impl ToString,
    text: &str,
) -> Result<T> {
    serde_json::from_str(text).map_err(|_| StoreError::damaged(table, key.to_string()))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Codec(e.to_string()))
}

fn id_param(id: u64) -> Result<i64> {
    i64::try_from(id)
        .map_err(|_| StoreError::Codec(format!("id {id} is out of PostgreSQL's range")))
}

/// How long `open` waits for the import lock before calling the store busy. A writer
/// that has just been dropped or killed has closed its connection, but its server process
/// lets go of the lock a moment later; a resume started right then must not be refused.
/// A store really in use by another writer is refused after this short wait.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

fn take_import_lock(client: &mut Client, location: &PgLocation) -> Result<()> {
    let err = pg_error(location);
    let key = lock_key(&location.schema, "import");
    let started = std::time::Instant::now();
    loop {
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .map_err(&err)?
            .get(0);
        if got {
            return Ok(());
        }
        if started.elapsed() >= LOCK_WAIT {
            return Err(StoreError::Busy(location.as_path()));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Drop for PgStore {
    /// Lets go of the import lock before the connection closes, so that the next writer
    /// (a resume in the same process, a test's next step) finds it free at once rather
    /// than racing the server's clean-up of this session.
    fn drop(&mut self) {
        if self.writable {
            let key = lock_key(&self.location.schema, "import");
            // A connection already broken has no lock left to release.
            let _ = self
                .client()
                .execute("SELECT pg_advisory_unlock($1)", &[&key]);
        }
    }
}

impl PgStore {
    /// Connects and opens the store as `access` asks: `Read` needs a store that exists
    /// (nothing is created); `Write` and `Create` take the import lock (a second writer
    /// gets `StoreError::Busy`, the same refusal as a redb file in use), and `Create`
    /// creates or upgrades the schema first.
    pub fn open(location: &PgLocation, access: Access) -> Result<PgStore> {
        let err = pg_error(location);
        let mut client = location.config.connect(NoTls).map_err(&err)?;
        client
            .batch_execute(&format!("SET search_path TO \"{}\"", location.schema))
            .map_err(&err)?;
        match access {
            Access::Create => migrate::apply(&mut client, location)?,
            Access::Read | Access::Write => migrate::verify(&mut client, location)?,
        };
        let writable = access != Access::Read;
        if writable {
            take_import_lock(&mut client, location)?;
        }
        Ok(PgStore {
            location: location.clone(),
            client: Mutex::new(client),
            writable,
            damage: Mutex::default(),
            staged: Default::default(),
            known: Mutex::default(),
        })
    }

    pub fn location(&self) -> &PgLocation {
        &self.location
    }

    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// The connection; a poisoned lock only means a call panicked mid-way, and the server
    /// rolled back whatever transaction it had open.
    fn client(&self) -> std::sync::MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self) -> impl Fn(postgres::Error) -> StoreError + '_ {
        pg_error(&self.location)
    }

    fn refuse_read_only(&self) -> Result<()> {
        if self.writable {
            Ok(())
        } else {
            Err(StoreError::Open {
                path: self.location.as_path(),
                message: "it was opened for reading only, so nothing was written".into(),
            })
        }
    }

    fn note_damage(&self, e: StoreError) {
        let mut damage = self.damage.lock().unwrap_or_else(|p| p.into_inner());
        if damage.len() < 1000 {
            damage.push(e);
        }
    }

    pub fn take_damage(&self) -> Vec<StoreError> {
        std::mem::take(&mut *self.damage.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn contact_count(&self) -> Result<u64> {
        let n: i64 = self
            .client()
            .query_one("SELECT count(*) FROM contacts", &[])
            .map_err(self.err())?
            .get(0);
        Ok(n.unsigned_abs())
    }

    pub fn contact(&self, id: u64) -> Result<Option<Contact>> {
        let row = self
            .client()
            .query_opt("SELECT body FROM contacts WHERE id = $1", &[&id_param(id)?])
            .map_err(self.err())?;
        row.map(|r| decode_contact(id, r.get(0))).transpose()
    }

    /// Every contact in id order, a page at a time (the connection is not held while
    /// `each` runs). A damaged one is skipped and noted, as the redb store does.
    pub fn for_each_contact(&self, each: &mut dyn FnMut(Contact) -> bool) -> Result<()> {
        let mut after = 0i64;
        loop {
            let rows = self
                .client()
                .query(
                    "SELECT id, body FROM contacts WHERE id > $1 ORDER BY id LIMIT $2",
                    &[&after, &PAGE],
                )
                .map_err(self.err())?;
            let last = rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
            for row in rows {
                let id: i64 = row.get(0);
                after = id;
                match decode_contact(id.unsigned_abs(), row.get(1)) {
                    Ok(c) => {
                        if !each(c) {
                            return Ok(());
                        }
                    }
                    Err(e) => self.note_damage(e),
                }
            }
            if last {
                return Ok(());
            }
        }
    }

    pub fn find_by_phone(&self, e164: &str) -> Result<Vec<u64>> {
        self.find(
            "SELECT contact_id FROM phones WHERE value = $1 ORDER BY contact_id",
            e164,
        )
    }

    pub fn find_by_email(&self, email: &str) -> Result<Vec<u64>> {
        self.find(
            "SELECT contact_id FROM emails WHERE value = $1 ORDER BY contact_id",
            email,
        )
    }

    fn find(&self, sql: &str, value: &str) -> Result<Vec<u64>> {
        let rows = self.client().query(sql, &[&value]).map_err(self.err())?;
        Ok(rows
            .iter()
            .map(|r| r.get::<_, i64>(0).unsigned_abs())
            .collect())
    }

    pub fn jobs(&self) -> Result<Vec<Job>> {
        let rows = self
            .client()
            .query("SELECT id, body::text FROM jobs ORDER BY id", &[])
            .map_err(self.err())?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.get(0);
            match decode_job(id.unsigned_abs(), row.get(1)) {
                Ok(job) => out.push(job),
                Err(e) => self.note_damage(e),
            }
        }
        Ok(out)
    }

    pub fn job(&self, id: u64) -> Result<Job> {
        let row = self
            .client()
            .query_opt(
                "SELECT body::text FROM jobs WHERE id = $1",
                &[&id_param(id)?],
            )
            .map_err(self.err())?
            .ok_or(StoreError::NoSuchJob(id))?;
        decode_job(id, row.get(0))
    }

    pub fn job_rows(&self, job: u64, each: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()> {
        self.chunked_job_rows(job, each)
    }

    pub fn job_rows_from(&self, job: u64, from: u64, limit: usize) -> Result<Vec<JobRow>> {
        self.chunked_job_rows_from(job, from, limit)
    }

    pub fn tags(&self) -> Result<Vec<(String, u64)>> {
        let rows = self
            .client()
            .query(
                "SELECT name, count FROM tags ORDER BY name COLLATE \"C\"",
                &[],
            )
            .map_err(self.err())?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1).unsigned_abs()))
            .collect())
    }

    pub fn lists(&self) -> Result<Vec<ContactList>> {
        let rows = self
            .client()
            .query(
                "SELECT name, body::text FROM lists ORDER BY name COLLATE \"C\"",
                &[],
            )
            .map_err(self.err())?;
        rows.iter()
            .map(|r| decode("lists", r.get::<_, String>(0), r.get(1)))
            .collect()
    }

    pub fn custom_fields(&self) -> Result<std::collections::BTreeMap<String, CustomKind>> {
        let rows = self
            .client()
            .query("SELECT name, kind::text FROM custom_fields", &[])
            .map_err(self.err())?;
        rows.iter()
            .map(|r| {
                let name: String = r.get(0);
                let kind = decode("custom_fields", &name, r.get(1))?;
                Ok((name, kind))
            })
            .collect()
    }

    /// The mapping last used for a header with this signature; a damaged one is as good as
    /// none (noted), as with redb.
    pub fn remembered_mapping(&self, signature: &str) -> Result<Option<Mapping>> {
        let row = self
            .client()
            .query_opt(
                "SELECT mapping::text FROM mappings WHERE signature = $1",
                &[&signature],
            )
            .map_err(self.err())?;
        match row.map(|r| decode::<Mapping>("mappings", signature, r.get(0))) {
            Some(Err(e)) => {
                self.note_damage(e);
                Ok(None)
            }
            other => other.transpose(),
        }
    }

    pub fn remember_mapping(&self, signature: &str, mapping: &Mapping) -> Result<()> {
        self.refuse_read_only()?;
        self.client()
            .execute(
                "INSERT INTO mappings (signature, mapping) VALUES ($1, $2::text::jsonb)
                 ON CONFLICT (signature) DO UPDATE SET mapping = EXCLUDED.mapping",
                &[&signature, &encode(mapping)?],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Records a new job as redb's `start_job` does — its id, its list and custom fields,
    /// the mapping remembered for its header — in one transaction.
    pub fn start_job(&self, new: NewJob<'_>) -> Result<Job> {
        self.refuse_read_only()?;
        let mut client = self.client();
        let err = self.err();
        let mut txn = client.transaction().map_err(&err)?;
        let id: i64 = txn
            .query_one(
                "UPDATE meta SET value = value + 1 WHERE key = 'next_job_id' RETURNING value - 1",
                &[],
            )
            .map_err(&err)?
            .get(0);
        let list = new.plan.options.list.clone();
        let shared = new.plan.options.shared;
        let customs: Vec<(String, String)> = new
            .plan
            .mapping
            .custom_fields()
            .map(|(_, f)| Ok((f.name.clone(), encode(&f.kind)?)))
            .collect::<Result<_>>()?;
        let signature = crate::engine::mapping::header_signature(&new.header);
        let mapping = encode(&new.plan.mapping)?;
        let job = new.record(id.unsigned_abs());
        txn.execute(
            "INSERT INTO jobs (id, body) VALUES ($1, $2::text::jsonb)",
            &[&id, &encode(&job)?],
        )
        .map_err(&err)?;
        if let Some(list) = list {
            let value = ContactList {
                name: list.name.clone(),
                dial: list.dial,
                shared,
                created_by: job.id,
            };
            txn.execute(
                "INSERT INTO lists (name, body) VALUES ($1, $2::text::jsonb) ON CONFLICT (name) DO NOTHING",
                &[&list.name, &encode(&value)?],
            )
            .map_err(&err)?;
        }
        for (name, kind) in customs {
            txn.execute(
                "INSERT INTO custom_fields (name, kind) VALUES ($1, $2::text::jsonb) ON CONFLICT (name) DO NOTHING",
                &[&name, &kind],
            )
            .map_err(&err)?;
        }
        txn.execute(
            "INSERT INTO mappings (signature, mapping) VALUES ($1, $2::text::jsonb)
             ON CONFLICT (signature) DO UPDATE SET mapping = EXCLUDED.mapping",
            &[&signature, &mapping],
        )
        .map_err(&err)?;
        txn.commit().map_err(&err)?;
        Ok(job)
    }

    /// Team members are not kept on PostgreSQL yet: an import whose cells name members
    /// (owner, followers, favorite agent) is refused rather than finding none.
    pub fn team(&self) -> Result<Vec<crate::engine::team::Member>> {
        Err(StoreError::NotYetSupported(
            "team members (owner, followers and favorite-agent columns)".into(),
        ))
    }

    pub fn save_job(&self, job: &Job) -> Result<()> {
        self.refuse_read_only()?;
        let updated = self
            .client()
            .execute(
                "UPDATE jobs SET body = $2::text::jsonb, updated_at = now() WHERE id = $1",
                &[&id_param(job.id)?, &encode(job)?],
            )
            .map_err(self.err())?;
        if updated == 0 {
            return Err(StoreError::NoSuchJob(job.id));
        }
        Ok(())
    }
}

/// A stored contact (the redb store's record: `codec::encode`), if it decodes and is
/// stored under its own id.
fn decode_contact(id: u64, bytes: &[u8]) -> Result<Contact> {
    let contact =
        super::codec::decode_contact(bytes).map_err(|_| StoreError::damaged("contacts", id))?;
    if contact.id != id {
        return Err(StoreError::damaged("contacts", id));
    }
    Ok(contact)
}

fn decode_job(id: u64, text: &str) -> Result<Job> {
    let job: Job = decode("jobs", id, text)?;
    if job.id != id {
        return Err(StoreError::damaged("jobs", id));
    }
    Ok(job)
}
