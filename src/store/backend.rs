//! The store interface: what the worker, the command line and the wizard ask of a contact
//! store, whichever holds it — the redb file (`Store`, the default) or a PostgreSQL schema
//! (`pg::PgStore`). Both answer the same questions the same way; `tests/it/store_backends.rs`
//! runs one suite against both.

use std::collections::BTreeMap;
use std::path::Path;

use super::import::{BatchOutcome, BatchRows, NewJob};
use super::jobs::{ContactList, Job, JobRow, JobStatus};
use super::pg::{location, PgLocation, PgStore};
use super::revert::RevertReport;
use super::{Access, Result, Store};
use crate::engine::contact::Contact;
use crate::engine::mapping::{CustomKind, Mapping};

pub trait ContactStore: Send + Sync {
    /// The store as messages name it (a path, or a URL without its password).
    fn shown(&self) -> String;
    fn is_writable(&self) -> bool;
    /// Damaged records a listing skipped since the last call.
    fn take_damage(&self) -> Vec<super::StoreError>;

    fn contact_count(&self) -> Result<u64>;
    fn contact(&self, id: u64) -> Result<Option<Contact>>;
    fn for_each_contact(&self, each: &mut dyn FnMut(Contact) -> bool) -> Result<()>;
    fn contacts(&self) -> Result<Vec<Contact>> {
        let mut out = Vec::new();
        self.for_each_contact(&mut |c| {
            out.push(c);
            true
        })?;
        Ok(out)
    }
    fn find_by_phone(&self, e164: &str) -> Result<Vec<u64>>;
    fn find_by_email(&self, email: &str) -> Result<Vec<u64>>;

    fn jobs(&self) -> Result<Vec<Job>>;
    fn job(&self, id: u64) -> Result<Job>;
    fn job_rows(&self, job: u64, each: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()>;
    fn job_rows_from(&self, job: u64, from: u64, limit: usize) -> Result<Vec<JobRow>>;
    /// Every row of every job that `needle` finds in, oldest job first.
    fn trace(
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

    fn tags(&self) -> Result<Vec<(String, u64)>>;
    fn lists(&self) -> Result<Vec<ContactList>>;
    fn custom_fields(&self) -> Result<BTreeMap<String, CustomKind>>;
    fn remembered_mapping(&self, signature: &str) -> Result<Option<Mapping>>;
    fn remember_mapping(&self, signature: &str, mapping: &Mapping) -> Result<()>;

    fn start_job(&self, new: NewJob<'_>) -> Result<Job>;
    fn save_job(&self, job: &Job) -> Result<()>;
    /// Sets the job's final status and time.
    fn finish_job(&self, job: &mut Job, status: JobStatus) -> Result<()> {
        job.status = status;
        job.finished = Some(now());
        self.save_job(job)
    }
    fn write_batch(
        &self,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
    ) -> Result<BatchOutcome>;
    fn revert_job(
        &self,
        id: u64,
        force: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<RevertReport>;
}

/// Opens the store `db` names — a file, or a `postgres://` URL with its tables in
/// `pg_schema` — as `access` asks.
pub fn open(db: &Path, pg_schema: &str, access: Access) -> Result<Box<dyn ContactStore>> {
    match db.to_str().filter(|t| location::is_postgres_url(t)) {
        Some(url) => {
            let location = PgLocation::parse(url, pg_schema)?;
            Ok(Box::new(PgStore::open(&location, access)?))
        }
        None => Ok(Box::new(Store::open_for(db, access)?)),
    }
}

fn now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Each backend's inherent method, under the trait's name.
macro_rules! forward {
    ($t:ty, $shown:expr) => {
        impl ContactStore for $t {
            fn shown(&self) -> String {
                ($shown)(self)
            }
            fn is_writable(&self) -> bool {
                <$t>::is_writable(self)
            }
            fn take_damage(&self) -> Vec<super::StoreError> {
                <$t>::take_damage(self)
            }
            fn contact_count(&self) -> Result<u64> {
                <$t>::contact_count(self)
            }
            fn contact(&self, id: u64) -> Result<Option<Contact>> {
                <$t>::contact(self, id)
            }
            fn for_each_contact(&self, each: &mut dyn FnMut(Contact) -> bool) -> Result<()> {
                <$t>::for_each_contact(self, each)
            }
            fn find_by_phone(&self, e164: &str) -> Result<Vec<u64>> {
                <$t>::find_by_phone(self, e164)
            }
            fn find_by_email(&self, email: &str) -> Result<Vec<u64>> {
                <$t>::find_by_email(self, email)
            }
            fn jobs(&self) -> Result<Vec<Job>> {
                <$t>::jobs(self)
            }
            fn job(&self, id: u64) -> Result<Job> {
                <$t>::job(self, id)
            }
            fn job_rows(&self, job: u64, each: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()> {
                <$t>::job_rows(self, job, each)
            }
            fn job_rows_from(&self, job: u64, from: u64, limit: usize) -> Result<Vec<JobRow>> {
                <$t>::job_rows_from(self, job, from, limit)
            }
            fn tags(&self) -> Result<Vec<(String, u64)>> {
                <$t>::tags(self)
            }
            fn lists(&self) -> Result<Vec<ContactList>> {
                <$t>::lists(self)
            }
            fn custom_fields(&self) -> Result<BTreeMap<String, CustomKind>> {
                <$t>::custom_fields(self)
            }
            fn remembered_mapping(&self, signature: &str) -> Result<Option<Mapping>> {
                <$t>::remembered_mapping(self, signature)
            }
            fn remember_mapping(&self, signature: &str, mapping: &Mapping) -> Result<()> {
                <$t>::remember_mapping(self, signature, mapping)
            }
            fn start_job(&self, new: NewJob<'_>) -> Result<Job> {
                <$t>::start_job(self, new)
            }
            fn save_job(&self, job: &Job) -> Result<()> {
                <$t>::save_job(self, job)
            }
            fn write_batch(
                &self,
                job: &mut Job,
                rows: &mut dyn BatchRows,
                limit: usize,
            ) -> Result<BatchOutcome> {
                <$t>::write_batch(self, job, rows, limit)
            }
            fn revert_job(
                &self,
                id: u64,
                force: bool,
                progress: &mut dyn FnMut(u64),
            ) -> Result<RevertReport> {
                <$t>::revert_job(self, id, force, progress)
            }
        }
    };
}

forward!(Store, |s: &Store| s.path().display().to_string());
forward!(PgStore, |s: &PgStore| s.location().shown().to_string());
