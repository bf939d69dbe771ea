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
    /// `write_batch`, committed only when `go_ahead` agrees once the batch is written:
    /// `None` when it did not (nothing written, `job` as it was).
    fn write_batch_gated(
        &self,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
        go_ahead: &mut dyn FnMut(&mut Job) -> bool,
    ) -> Result<Option<BatchOutcome>>;
    fn revert_job(
        &self,
        id: u64,
        force: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<RevertReport>;
    /// `revert_job`, stopped after the batch in hand once `stop` is set, where the backend
    /// can stop between batches (redb); else the whole revert.
    fn revert_job_until(
        &self,
        id: u64,
        force: bool,
        progress: &mut dyn FnMut(u64),
        _stop: &std::sync::atomic::AtomicBool,
    ) -> Result<RevertReport> {
        self.revert_job(id, force, progress)
    }
    /// Marks `rows` of job `of` as retried by job `by`, for History and `show` ("retried in
    /// job N"). Both stores keep them (a retry starts in the wizard; `migrate` copies them).
    fn mark_retried(&self, _of: u64, _rows: &[u64], _by: u64) -> Result<()> {
        Ok(())
    }
    /// Keeps the rows of the job the retry `by` retries, in its file's order, until its
    /// first batch marks them (`pending_retry`, then `mark_retried`): a retry killed or
    /// cancelled before its first batch marks them when it is resumed.
    fn note_retry(&self, _by: u64, _rows: &[u64]) -> Result<()> {
        Ok(())
    }
    /// The rows `note_retry` kept for the retry `by`, not yet marked.
    fn pending_retry(&self, _by: u64) -> Result<Vec<u64>> {
        Ok(Vec::new())
    }
    /// The rows of `job` a follow-up job retried, and what became of each there (none
    /// where no marks are kept).
    fn retried_fates(&self, _job: u64) -> Result<BTreeMap<u64, super::retried::RetriedFate>> {
        Ok(BTreeMap::new())
    }
    /// Damaged records a revert of `job` would meet (redb's check; none known elsewhere).
    fn damaged_for_revert(&self, _job: u64) -> Result<Vec<super::StoreError>> {
        Ok(Vec::new())
    }
    /// The team members cells may name.
    fn team(&self) -> Result<Vec<crate::engine::team::Member>>;
    /// The contacts `query` finds, ascending (see `engine::search`). A backend without a
    /// search index reads every contact (`indexed` false).
    fn search_contacts(
        &self,
        query: &crate::engine::search::Query,
    ) -> Result<super::search::Found> {
        let mut ids = Vec::new();
        self.for_each_contact(&mut |c| {
            if query.matches(&c) {
                ids.push(c.id);
            }
            true
        })?;
        Ok(super::search::Found {
            ids,
            indexed: false,
        })
    }
    /// The contacts with these ids, in the order given; one missing or damaged (noted) is
    /// left out.
    fn contacts_by_id(&self, ids: &[u64]) -> Result<Vec<Contact>> {
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(c) = self.contact(id)? {
                out.push(c);
            }
        }
        Ok(out)
    }
    /// Up to `limit` contacts in id order after `after` (from the first with `None`): a
    /// page of the wizard's Contacts screen.
    fn contacts_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
        let mut out = Vec::new();
        self.for_each_contact(&mut |c| {
            if after.is_none_or(|a| c.id > a) {
                out.push(c);
            }
            out.len() < limit
        })?;
        Ok(out)
    }
    /// Up to `limit` contacts just before `before` (the last ones with `None`), in id order.
    fn contacts_before(&self, before: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
        let mut out = std::collections::VecDeque::new();
        self.for_each_contact(&mut |c| {
            if before.is_some_and(|b| c.id >= b) {
                return false;
            }
            out.push_back(c);
            if out.len() > limit {
                out.pop_front();
            }
            true
        })?;
        Ok(out.into())
    }
    /// The store's file, for a backend that is one.
    fn file(&self) -> Option<&Path> {
        None
    }
    /// The redb store itself, for what only it has yet (the search index, `check`).
    fn redb(&self) -> Option<&Store> {
        None
    }
}

/// Writes a job's results and errors files from its stored rows (`--report`,
/// `--errors`, the wizard's `w`), whichever store holds them.
pub fn write_reports(
    store: &dyn ContactStore,
    job: &Job,
    results: Option<crate::engine::outfile::OutFile>,
    errors: Option<crate::engine::outfile::OutFile>,
) -> std::result::Result<(), crate::engine::outfile::OutfileError> {
    let mut files = crate::engine::report::ReportFiles::new(&job.header, results, errors)?;
    let mut write_failed = None;
    let read = store.job_rows(job.id, &mut |row| {
        files
            .write(&row.cells, row.status, &row.issues)
            .map_err(|e| {
                let stop = super::StoreError::Codec(e.to_string());
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
    // A file missing rows would pass for the job's whole result: refused instead.
    if let Some(first) = store.take_damage().first() {
        return Err(files.source_error(format!(
            "{first}; the file would miss its rows, so it was not finished"
        )));
    }
    files.finish().map(|_| ())
}

/// A dry run's reads of a store through its interface (a store other than redb's file,
/// which reads one snapshot instead): the holders of a phone or an email, a contact.
pub struct InterfaceLookup<'a> {
    store: &'a dyn ContactStore,
    team: std::sync::Arc<crate::engine::team::Team>,
}

impl<'a> InterfaceLookup<'a> {
    /// `names_members`: whether the import's cells name team members (the validator
    /// knows), so the team is read (or refused by a store without one) only then, as the
    /// import's worker reads it.
    pub fn new(store: &'a dyn ContactStore, names_members: bool) -> Result<InterfaceLookup<'a>> {
        let team = if names_members {
            std::sync::Arc::new(crate::engine::team::Team::new(store.team()?))
        } else {
            std::sync::Arc::default()
        };
        Ok(InterfaceLookup { store, team })
    }
}

impl crate::engine::review::ContactLookup for InterfaceLookup<'_> {
    fn ids(
        &self,
        key: &crate::engine::resolve::MatchKey,
    ) -> std::result::Result<Vec<u64>, crate::engine::review::LookupError> {
        use crate::engine::resolve::MatchKey;
        let found = match key {
            MatchKey::Phone(p) => self.store.find_by_phone(p),
            MatchKey::Email(e) => self.store.find_by_email(e),
            MatchKey::Id(id) => self
                .store
                .contact(*id)
                .map(|c| c.map(|c| c.id).into_iter().collect()),
        };
        found.map_err(|e| crate::engine::review::LookupError::Store(Box::new(e)))
    }

    fn contact(&self, id: u64) -> Option<Contact> {
        self.store.contact(id).ok().flatten()
    }

    fn team(
        &self,
    ) -> std::result::Result<
        std::sync::Arc<crate::engine::team::Team>,
        crate::engine::review::LookupError,
    > {
        Ok(self.team.clone())
    }
}

/// The reads a review makes of a shared store, owned (a review runs on a thread of its
/// own): a redb file's snapshot, or the interface of another store.
pub enum SharedLookup {
    Snapshot(Box<super::StoreLookup>),
    Interface {
        store: std::sync::Arc<dyn ContactStore>,
        team: std::sync::Arc<crate::engine::team::Team>,
    },
}

impl SharedLookup {
    /// The lookup of `store`. A store that keeps no team (PostgreSQL yet) is read as one
    /// without members; its import refuses cells that name them.
    pub fn of(store: &std::sync::Arc<dyn ContactStore>) -> Result<SharedLookup> {
        if let Some(redb) = store.redb() {
            return Ok(SharedLookup::Snapshot(Box::new(redb.lookup()?)));
        }
        let team = match store.team() {
            Ok(members) => std::sync::Arc::new(crate::engine::team::Team::new(members)),
            Err(super::StoreError::NotYetSupported(_)) => std::sync::Arc::default(),
            Err(e) => return Err(e),
        };
        Ok(SharedLookup::Interface {
            store: store.clone(),
            team,
        })
    }

    /// The interface's lookup, for a store other than redb's.
    fn interface(&self) -> Option<InterfaceLookup<'_>> {
        match self {
            SharedLookup::Snapshot(_) => None,
            SharedLookup::Interface { store, team } => Some(InterfaceLookup {
                store: &**store,
                team: team.clone(),
            }),
        }
    }
}

impl crate::engine::review::ContactLookup for SharedLookup {
    fn ids(
        &self,
        key: &crate::engine::resolve::MatchKey,
    ) -> std::result::Result<Vec<u64>, crate::engine::review::LookupError> {
        match (self, self.interface()) {
            (SharedLookup::Snapshot(s), _) => crate::engine::review::ContactLookup::ids(&**s, key),
            (_, Some(i)) => crate::engine::review::ContactLookup::ids(&i, key),
            _ => Ok(Vec::new()),
        }
    }
    fn contact(&self, id: u64) -> Option<Contact> {
        match (self, self.interface()) {
            (SharedLookup::Snapshot(s), _) => {
                crate::engine::review::ContactLookup::contact(&**s, id)
            }
            (_, Some(i)) => crate::engine::review::ContactLookup::contact(&i, id),
            _ => None,
        }
    }
    fn team(
        &self,
    ) -> std::result::Result<
        std::sync::Arc<crate::engine::team::Team>,
        crate::engine::review::LookupError,
    > {
        match self {
            SharedLookup::Snapshot(s) => crate::engine::review::ContactLookup::team(&**s),
            SharedLookup::Interface { team, .. } => Ok(team.clone()),
        }
    }
    fn opportunity_stored(
        &self,
        contact: Option<u64>,
        o: &crate::engine::opportunity::Opportunity,
    ) -> bool {
        match self {
            SharedLookup::Snapshot(s) => {
                crate::engine::review::ContactLookup::opportunity_stored(&**s, contact, o)
            }
            SharedLookup::Interface { .. } => false,
        }
    }
    fn first_phone_holder(
        &self,
        phone: &str,
    ) -> std::result::Result<Option<u64>, crate::engine::review::LookupError> {
        match (self, self.interface()) {
            (SharedLookup::Snapshot(s), _) => {
                crate::engine::review::ContactLookup::first_phone_holder(&**s, phone)
            }
            (_, Some(i)) => crate::engine::review::ContactLookup::first_phone_holder(&i, phone),
            _ => Ok(None),
        }
    }
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
    ($t:ty, $shown:expr, { $($extra:tt)* }) => {
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
            fn write_batch_gated(
                &self,
                job: &mut Job,
                rows: &mut dyn BatchRows,
                limit: usize,
                go_ahead: &mut dyn FnMut(&mut Job) -> bool,
            ) -> Result<Option<BatchOutcome>> {
                <$t>::write_batch_gated(self, job, rows, limit, go_ahead)
            }
            fn team(&self) -> Result<Vec<crate::engine::team::Member>> {
                <$t>::team(self)
            }
            fn search_contacts(
                &self,
                query: &crate::engine::search::Query,
            ) -> Result<super::search::Found> {
                <$t>::search_contacts(self, query)
            }
            fn contacts_by_id(&self, ids: &[u64]) -> Result<Vec<Contact>> {
                <$t>::contacts_by_id(self, ids)
            }
            fn contacts_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
                <$t>::contacts_after(self, after, limit)
            }
            fn contacts_before(&self, before: Option<u64>, limit: usize) -> Result<Vec<Contact>> {
                <$t>::contacts_before(self, before, limit)
            }
            $($extra)*
        }
    };
}

forward!(Store, |s: &Store| s.path().display().to_string(), {
    fn revert_job_until(
        &self,
        id: u64,
        force: bool,
        progress: &mut dyn FnMut(u64),
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<RevertReport> {
        Store::revert_job_until(self, id, force, progress, stop)
    }
    fn damaged_for_revert(&self, job: u64) -> Result<Vec<super::StoreError>> {
        Store::damaged_for_revert(self, job)
    }
    fn mark_retried(&self, of: u64, rows: &[u64], by: u64) -> Result<()> {
        Store::mark_retried(self, of, rows, by)
    }
    fn note_retry(&self, by: u64, rows: &[u64]) -> Result<()> {
        Store::note_retry(self, by, rows)
    }
    fn pending_retry(&self, by: u64) -> Result<Vec<u64>> {
        Store::pending_retry(self, by)
    }
    fn retried_fates(&self, job: u64) -> Result<BTreeMap<u64, super::retried::RetriedFate>> {
        Store::retried_fates(self, job)
    }
    fn file(&self) -> Option<&Path> {
        Some(self.path())
    }
    fn redb(&self) -> Option<&Store> {
        Some(self)
    }
});
forward!(PgStore, |s: &PgStore| s.location().shown().to_string(), {
    fn mark_retried(&self, of: u64, rows: &[u64], by: u64) -> Result<()> {
        PgStore::mark_retried(self, of, rows, by)
    }
    fn retried_fates(&self, job: u64) -> Result<BTreeMap<u64, super::retried::RetriedFate>> {
        PgStore::retried_fates(self, job)
    }
});
