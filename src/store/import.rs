//! Writing an import: a job is started, its rows are written in batches — each batch in one
//! transaction together with the job's counts and resume point, so a crash at any moment
//! leaves a store that is consistent and a job that `resume` finishes exactly — and the
//! job is finished with its status.

use redb::{ReadableTable, Table};

use super::codec;
use super::error::Result;
use super::filter::KeyFilter;
use super::index::{self, Kind};
use super::jobs::{ContactList, Job, JobCounts, JobStatus, Owner};
use super::revert::Touch;
use super::rows::{self, Fate};
use super::schema::*;
use super::{Store, StoreError};
use crate::engine::apply::{
    decide_row, skipped_for, update_target, writer_lookup, Applying, Decided, WriterIndex,
};
use crate::engine::contact::Contact;
use crate::engine::pipeline::Chunk;
use crate::engine::plan::ImportPlan;
use crate::engine::resolve::{Decision, MatchKey, Matched};
use crate::engine::source::RawRow;
use crate::engine::validate::RowCheck;

/// What a batch did.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    /// The failure threshold was reached: the job must stop.
    pub stopped: bool,
    /// The rows ended (the file, or a cancel).
    pub ended: bool,
}

/// Where a batch's rows come from.
pub trait BatchRows {
    /// The next chunk of checked rows, or `None` when there are no more. `job` carries the
    /// counts so far (not yet committed), for progress.
    fn next_chunk(&mut self, job: &Job) -> Result<Option<Chunk>>;
    /// Blank rows of the whole file, once `next_chunk` has returned `None`.
    fn blank_rows(&self) -> u64;
    /// About how many rows are still to come (to size the key filter).
    fn rows_left(&self, _job: &Job) -> u64 {
        0
    }
}

/// Index keys a row brings, at most, in a typical file: a phone and an email.
const KEYS_PER_ROW: u64 = 2;

/// Rows already in memory, as one chunk (tests, benchmarks, retries of a few rows).
pub struct InMemory {
    pub rows: Option<Vec<(RawRow, RowCheck)>>,
    pub blank_rows: u64,
}

impl BatchRows for InMemory {
    fn next_chunk(&mut self, _job: &Job) -> Result<Option<Chunk>> {
        Ok(self.rows.take().map(|rows| Chunk::new(rows, None)))
    }
    fn blank_rows(&self) -> u64 {
        self.blank_rows
    }
}

pub struct NewJob<'a> {
    pub file: String,
    pub size: u64,
    pub checksum: String,
    pub header: Vec<String>,
    pub plan: &'a ImportPlan,
    pub import_tag: Option<String>,
    pub retry_of: Option<u64>,
}

impl NewJob<'_> {
    /// The record of this job as every backend first stores it under `id`: status
    /// `checking`, owned by this process, nothing counted yet.
    pub fn record(&self, id: u64) -> Job {
        Job {
            id,
            file: self.file.clone(),
            size: self.size,
            checksum: self.checksum.clone(),
            header: self.header.clone(),
            plan: self.plan.clone(),
            import_tag: self.import_tag.clone(),
            started: now(),
            finished: None,
            status: JobStatus::Checking,
            counts: JobCounts::default(),
            resume_after: 0,
            retry_of: self.retry_of,
            failure_base: 0,
            revert_conflicts: Vec::new(),
            reason: None,
            owner: Owner::current(),
        }
    }
}

impl<'a> NewJob<'a> {
    /// The job that imports `source` with `plan` (the file as `source` names it: make it
    /// absolute first, so `resume` works from any directory).
    pub fn of(
        source: &crate::engine::source::Source,
        plan: &'a ImportPlan,
        checksum: String,
        import_tag: Option<String>,
        retry_of: Option<u64>,
    ) -> NewJob<'a> {
        NewJob {
            file: source.info.path.display().to_string(),
            size: source.info.size,
            checksum,
            header: source.header().to_vec(),
            plan,
            import_tag,
            retry_of,
        }
    }
}

fn now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

struct Tables<'t> {
    contacts: Table<'t, u64, &'static [u8]>,
    phones: Table<'t, (u64, u64), ()>,
    emails: Table<'t, (u64, u64), ()>,
    tags: Table<'t, &'static str, u64>,
    undo: Table<'t, (u64, u64), &'static [u8]>,
    rows: Table<'t, (u64, u64, u32), &'static [u8]>,
    created: Table<'t, (u64, u64), u64>,
    matched_by: Table<'t, (u64, u64), (u64, u8)>,
    search: super::search::WordsTable<'t>,
    search_pending: super::search::Pending,
    /// Contacts stored before this job that this batch's rows matched: contact id → (last
    /// row, what it did), written once at the batch's end, in id order.
    matched: rustc_hash::FxHashMap<u64, (u64, u8)>,
    /// Tag counts gained in this batch, written once at its end.
    tag_counts: std::collections::HashMap<String, u64>,
    filter: KeyFilter,
    /// Index entries made by this batch and not yet inserted.
    pending: Pending,
}

/// Index entries made by a batch and not yet inserted: (kind, key, contact id). They go
/// in together, sorted, so consecutive inserts land in the same leaf page (measured: a
/// third of the writer's time went to inserting them one by one at random places). Until
/// then, lookups find them through `ids`, keyed by (kind, key).
#[derive(Default)]
struct Pending {
    entries: Vec<(u8, u64, u64)>,
    ids: rustc_hash::FxHashMap<(u8, u64), Held>,
}

/// The contacts a pending key leads to: nearly always one.
enum Held {
    One(u64),
    Several(Vec<u64>),
}

impl Pending {
    fn add(&mut self, kind: u8, key: u64, id: u64) {
        self.entries.push((kind, key, id));
        match self.ids.get_mut(&(kind, key)) {
            None => {
                self.ids.insert((kind, key), Held::One(id));
            }
            Some(Held::One(first)) => {
                let first = *first;
                self.ids.insert((kind, key), Held::Several(vec![first, id]));
            }
            Some(Held::Several(ids)) => ids.push(id),
        }
    }

    /// The contact ids this batch has indexed under the key.
    fn ids(&self, kind: u8, key: u64) -> &[u64] {
        match self.ids.get(&(kind, key)) {
            None => &[],
            Some(Held::One(id)) => std::slice::from_ref(id),
            Some(Held::Several(ids)) => ids,
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    /// All entries in key order, leaving this empty.
    fn take_sorted(&mut self) -> Vec<(u8, u64, u64)> {
        self.ids.clear();
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_unstable();
        entries.dedup();
        entries
    }
}

/// Index entries held back before they are inserted (about 2 MB).
const PENDING_KEYS: usize = 1 << 16;

impl Tables<'_> {
    fn ids(&self, key: &MatchKey) -> Result<Vec<u64>> {
        let (kind, value) = match key {
            MatchKey::Phone(p) => (Kind::Phone, p),
            MatchKey::Email(e) => (Kind::Email, e),
            MatchKey::Id(id) => {
                return Ok(self.contacts.get(*id)?.map(|_| *id).into_iter().collect())
            }
        };
        let (k, exact) = kind.key(value);
        if !self.filter.may_hold(kind, k) {
            return Ok(Vec::new());
        }
        let table = match kind {
            Kind::Phone => &self.phones,
            Kind::Email => &self.emails,
        };
        let mut ids = index::under(table, k)?;
        ids.extend_from_slice(self.pending.ids(kind as u8, k));
        ids.sort_unstable();
        ids.dedup();
        if exact {
            return Ok(ids);
        }
        index::confirmed(&self.contacts, kind, value, ids)
    }

    fn index(&mut self, kind: Kind, value: &str, id: u64) -> Result<()> {
        let key = kind.key(value).0;
        self.filter.add(kind, key);
        self.pending.add(kind as u8, key, id);
        if self.pending.len() >= PENDING_KEYS {
            self.flush_index()?;
        }
        Ok(())
    }

    /// Inserts the held-back index entries, in key order.
    fn flush_index(&mut self) -> Result<()> {
        for (kind, key, id) in self.pending.take_sorted() {
            let table = if kind == Kind::Phone as u8 {
                &mut self.phones
            } else {
                &mut self.emails
            };
            table.insert((key, id), ())?;
        }
        self.search_pending.flush(&mut self.search)
    }

    fn contact(&self, id: u64) -> Result<Option<Contact>> {
        // A damaged contact a row matches stops the import at that row on every resume:
        // named, so `rolodex check` and the admin can find it.
        self.contacts
            .get(id)?
            .map(|v| codec::decode_contact(v.value()).map_err(|e| e.at("contacts", id)))
            .transpose()
    }

    /// Notes that the row matched a contact stored before this job.
    fn note_match(&mut self, id: u64, row: u64, did: Touch) {
        self.matched.insert(id, (row, did.code()));
    }

    /// Records the batch's matches, in id order.
    fn flush_matches(&mut self, job: u64) -> Result<()> {
        let mut matched: Vec<(u64, (u64, u8))> = self.matched.drain().collect();
        matched.sort_unstable();
        for (id, row_and_touch) in matched {
            self.matched_by.insert((id, job), row_and_touch)?;
        }
        Ok(())
    }

    fn put(&mut self, contact: &Contact, before: Option<&Contact>) -> Result<()> {
        self.contacts
            .insert(contact.id, codec::encode(contact)?.as_slice())?;
        self.search_pending
            .update(&mut self.search, contact.id, before, Some(contact))?;
        // Sets of what the contact held, so that an update costs its size, not its size
        // squared (a contact with thousands of emails made an import cubic).
        let had = |values: fn(&Contact) -> &Vec<String>| -> rustc_hash::FxHashSet<&str> {
            before
                .map(|b| values(b).iter().map(String::as_str).collect())
                .unwrap_or_default()
        };
        let (had_phones, had_emails) = (had(|c| &c.phones), had(|c| &c.emails));
        for p in &contact.phones {
            if !had_phones.contains(p.as_str()) {
                self.index(Kind::Phone, p, contact.id)?;
            }
        }
        for e in &contact.emails {
            if !had_emails.contains(e.as_str()) {
                self.index(Kind::Email, e, contact.id)?;
            }
        }
        for t in &contact.tags {
            if before.is_none_or(|b| !b.tags.contains(t)) {
                match self.tag_counts.get_mut(t) {
                    Some(n) => *n += 1,
                    None => {
                        self.tag_counts.insert(t.clone(), 1);
                    }
                }
            }
        }
        Ok(())
    }

    fn flush_tags(&mut self) -> Result<()> {
        for (tag, gained) in self.tag_counts.drain() {
            let n = self.tags.get(tag.as_str())?.map(|v| v.value()).unwrap_or(0);
            self.tags.insert(tag.as_str(), n + gained)?;
        }
        Ok(())
    }
}

/// The writer's reads, for the engine's `writer_lookup`: the index and this batch's
/// entries not yet inserted.
impl WriterIndex for Tables<'_> {
    type Error = StoreError;

    fn ids(&self, key: &MatchKey<'_>) -> Result<Vec<u64>> {
        Tables::ids(self, key)
    }

    fn contact(&self, id: u64) -> Result<Option<Contact>> {
        Tables::contact(self, id)
    }

    fn carries_phone(&self, id: u64, phone: &str) -> Result<bool> {
        let k = Kind::Phone.key(phone).0;
        Ok(self.phones.get((k, id))?.is_some()
            || self.pending.ids(Kind::Phone as u8, k).contains(&id))
    }

    fn first_phone_holder(&self, phone: &str) -> Result<Option<u64>> {
        let (k, exact) = Kind::Phone.key(phone);
        if !exact {
            return Ok(Tables::ids(self, &MatchKey::Phone(phone))?
                .into_iter()
                .min());
        }
        if !self.filter.may_hold(Kind::Phone, k) {
            return Ok(None);
        }
        let stored = index::first_under(&self.phones, k)?;
        let pending = self.pending.ids(Kind::Phone as u8, k).iter().copied().min();
        Ok(stored.into_iter().chain(pending).min())
    }
}

impl Store {
    /// Records a new job (status `checking`, owned by this process), its list and custom
    /// fields, and remembers the mapping for the header's signature, in a transaction of
    /// its own: from this commit on the job shows in history whatever happens to the
    /// process.
    pub fn start_job(&self, new: NewJob<'_>) -> Result<Job> {
        let txn = self.begin_write()?;
        let job = record_job(&txn, new)?;
        txn.commit()?;
        Ok(job)
    }

    /// `write_batch`, committed only when `go_ahead` agrees once the batch is written (or
    /// has failed): the first batch of a run waits for the whole-file check beside it, and
    /// every batch for the file to be unchanged. A refusal drops the transaction: the job
    /// (in the store and in `job`) and the store stay exactly as they were.
    pub fn write_batch_if<R>(
        &self,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
        go_ahead: &mut dyn FnMut(&mut Job) -> std::result::Result<(), R>,
    ) -> Result<Gated<BatchOutcome, R>> {
        let txn = self.begin_write()?;
        self.gated_batch(txn, job, rows, limit, go_ahead)
    }

    /// `write_batch_if` for callers holding any store (`ContactStore`): `None` when
    /// `go_ahead` refused.
    pub fn write_batch_gated(
        &self,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
        go_ahead: &mut dyn FnMut(&mut Job) -> bool,
    ) -> Result<Option<BatchOutcome>> {
        let gated = self.write_batch_if(job, rows, limit, &mut |job: &mut Job| {
            if go_ahead(job) {
                Ok(())
            } else {
                Err(())
            }
        })?;
        Ok(match gated {
            Gated::Committed(outcome) => Some(outcome),
            Gated::Refused(()) => None,
        })
    }

    fn gated_batch<R>(
        &self,
        txn: redb::WriteTransaction,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
        go_ahead: &mut dyn FnMut(&mut Job) -> std::result::Result<(), R>,
    ) -> Result<Gated<BatchOutcome, R>> {
        // The batch moves the job's counts and resume point on; a batch not committed must
        // not leave them moved, or a job saved after it would skip rows never written.
        let before = job.clone();
        let filled = self.fill_batch(&txn, job, rows, limit);
        if let Err(why) = go_ahead(job) {
            *job = before;
            return Ok(Gated::Refused(why));
        }
        let (outcome, filter) = match filled {
            Ok(filled) => filled,
            Err(e) => {
                *job = before;
                return Err(e);
            }
        };
        // Nor a commit that failed (a full disk): the job then saved as failed must still
        // say where the last committed batch ended, or `resume` would skip rows.
        let committed = put_job(&txn, job).and_then(|()| Ok(txn.commit()?));
        if let Err(e) = committed {
            *job = before;
            return Err(e);
        }
        self.put_filter(filter);
        Ok(Gated::Committed(outcome))
    }

    /// Writes one batch — chunks pulled from `rows` until `limit` rows are written or the
    /// rows end — and the job's progress, in one transaction. Chunks are written as they
    /// come, so a batch can be large (few commits, each rewriting few index pages) while
    /// memory holds one chunk; redb bounds the dirty pages it keeps.
    pub fn write_batch(
        &self,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
    ) -> Result<BatchOutcome> {
        let txn = self.begin_write()?;
        let before = job.clone();
        let written = self
            .fill_batch(&txn, job, rows, limit)
            .and_then(|(outcome, filter)| {
                put_job(&txn, job)?;
                txn.commit()?;
                Ok((outcome, filter))
            });
        // A batch not committed leaves the job where the last committed one did.
        let (outcome, filter) = written.inspect_err(|_| *job = before)?;
        // Kept for the next batch. Had the commit failed, its keys in the filter would only
        // cost a search each.
        self.put_filter(filter);
        Ok(outcome)
    }

    /// A batch's rows, contacts and index entries, and the job's counts and resume point, in
    /// `txn`; returns the key filter to keep for the next batch.
    fn fill_batch(
        &self,
        txn: &redb::WriteTransaction,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
    ) -> Result<(BatchOutcome, KeyFilter)> {
        let kept;
        let mut outcome = BatchOutcome::default();
        let mut counts = job.counts.to_counts();
        let applying = Applying {
            job: job.id,
            options: &job.plan.options,
            import_tag: job.import_tag.as_deref(),
            failure_base: job.failure_base,
        };
        {
            let mut meta = txn.open_table(META)?;
            let mut next_id = meta.get("next_contact_id")?.map(|v| v.value()).unwrap_or(1);
            let first_id = next_id;
            let phones = txn.open_table(BY_PHONE)?;
            let emails = txn.open_table(BY_EMAIL)?;
            let filter = match self.take_filter() {
                Some(f) if !f.is_full() => f,
                _ => KeyFilter::build(&phones, &emails, rows.rows_left(job) * KEYS_PER_ROW)?,
            };
            let mut t = Tables {
                contacts: txn.open_table(CONTACTS)?,
                phones,
                emails,
                tags: txn.open_table(TAGS)?,
                undo: txn.open_table(UNDO)?,
                rows: txn.open_table(JOB_ROWS)?,
                created: txn.open_table(CREATED)?,
                matched_by: txn.open_table(MATCHED_BY)?,
                search: txn.open_table(WORDS)?,
                search_pending: Default::default(),
                matched: Default::default(),
                tag_counts: Default::default(),
                filter,
                pending: Default::default(),
            };
            // Opened only when the rows may bring opportunities.
            let mut opportunities = if applying.options.objects.with_opportunities()
                && !job.plan.opportunity_columns().is_empty()
            {
                Some(super::opportunities::OpportunityWriter::open(txn, &meta)?)
            } else {
                None
            };
            let mut written = 0;
            'batch: while written < limit {
                let Some(mut chunk) = rows.next_chunk(job)? else {
                    outcome.ended = true;
                    counts.blank_rows = rows.blank_rows();
                    break;
                };
                let cells = match chunk.packed.take() {
                    Some(packed) => packed,
                    None => rows::pack_chunk(&chunk.rows)
                        .ok_or_else(|| StoreError::Codec("cannot pack a chunk's cells".into()))?,
                };
                let mut fates: Vec<Fate> = Vec::with_capacity(chunk.rows.len());
                let mut skipped = 0;
                for (raw, check) in chunk.rows.iter_mut() {
                    if raw.row <= job.resume_after {
                        skipped += 1; // already committed before a crash
                        continue;
                    }
                    if applying.threshold_reached(counts.failed) {
                        outcome.stopped = true;
                        break;
                    }
                    let mut several = Vec::new();
                    let Decided {
                        lookup,
                        decision,
                        mut issues,
                    } = decide_row(check, applying.options, |keys, row| {
                        writer_lookup(&t, keys, row, job.id, applying.options.on_conflict).map(
                            |(lookup, ids)| {
                                several = ids;
                                lookup
                            },
                        )
                    })?;
                    let incoming = applying.with_extras(std::mem::take(&mut check.contact));
                    let contact_id = match &decision {
                        Decision::Create => {
                            let c = applying.created(incoming, next_id, raw.row);
                            next_id += 1;
                            t.put(&c, None)?;
                            Some(c.id)
                        }
                        Decision::Update(m) => {
                            let id = update_target(m).ok_or_else(|| {
                                StoreError::Codec("a match without a contact".into())
                            })?;
                            let before = t.contact(id)?.unwrap_or_default();
                            let (after, left) = applying.updated(&before, &incoming, id);
                            if let Some(warning) = left.warning(id) {
                                issues.push(warning.clone());
                                check.warnings.push(warning);
                            }
                            t.put(&after, Some(&before))?;
                            // A contact this job created is undone by its id range already.
                            if before.created_by != Some(job.id)
                                && t.undo.get((job.id, id))?.is_none()
                            {
                                t.undo
                                    .insert((job.id, id), codec::encode(&before)?.as_slice())?;
                            }
                            if let Matched::Stored { .. } = m {
                                t.note_match(id, raw.row, Touch::Updated);
                            }
                            Some(id)
                        }
                        // A duplicate names the contact it duplicates, for `show` and `trace`;
                        // the matches the engine says to note are, so that reverting the job
                        // that made one does not delete what this row was skipped for.
                        Decision::Skip(_) => {
                            let skipped = skipped_for(&lookup, &several);
                            for id in skipped.noted {
                                t.note_match(*id, raw.row, Touch::Skipped);
                            }
                            skipped.contact
                        }
                        Decision::Fail(_) => None,
                    };
                    counts.add(check, &decision);
                    if let (Some(w), Some(o)) = (&mut opportunities, check.opportunity.take()) {
                        if let Some(contact) =
                            crate::engine::resolve::opportunity_contact(&decision, contact_id)
                        {
                            let did = w.write(job.id, applying.options, Some(contact), o)?;
                            counts.opportunities.add(did);
                        } else if !matches!(decision, Decision::Fail(_)) {
                            counts.opportunities.skipped += 1;
                        }
                    }
                    fates.push(Fate {
                        row: raw.row,
                        line: raw.line,
                        status: decision.status(),
                        issues,
                        contact: contact_id,
                    });
                    job.resume_after = raw.row;
                }
                written += fates.len();
                if let Some(first) = fates.first() {
                    let packed = rows::encode(skipped, &fates, cells)?;
                    rows::put(&mut t.rows, job.id, first.row, &packed)?;
                }
                job.counts = JobCounts::from(&counts);
                if outcome.stopped {
                    break 'batch;
                }
            }
            if next_id > first_id {
                t.created.insert((job.id, first_id), next_id - 1)?;
            }
            t.flush_tags()?;
            t.flush_index()?;
            t.flush_matches(job.id)?;
            meta.insert("next_contact_id", next_id)?;
            if let Some(w) = opportunities {
                w.finish(&mut meta)?;
            }
            job.counts = JobCounts::from(&counts);
            kept = t.filter;
        }
        Ok((outcome, kept))
    }

    /// Sets the job's final status and time.
    pub fn finish_job(&self, job: &mut Job, status: JobStatus) -> Result<()> {
        job.status = status;
        job.finished = Some(now());
        self.save_job(job)
    }

    pub fn save_job(&self, job: &Job) -> Result<()> {
        let txn = self.begin_write()?;
        put_job(&txn, job)?;
        txn.commit()?;
        Ok(())
    }
}

/// Records a new job (status `checking`, owned by this process) in `txn`: its id, its list and custom fields, and
/// the mapping remembered for the header's signature.
fn record_job(txn: &redb::WriteTransaction, new: NewJob<'_>) -> Result<Job> {
    let mut meta = txn.open_table(META)?;
    let id = meta.get("next_job_id")?.map(|v| v.value()).unwrap_or(1);
    meta.insert("next_job_id", id + 1)?;
    let job = new.record(id);
    txn.open_table(JOBS)?
        .insert(id, codec::encode_json(&job)?.as_slice())?;
    if let Some(list) = &new.plan.options.list {
        let mut lists = txn.open_table(LISTS)?;
        if lists.get(list.name.as_str())?.is_none() {
            let value = ContactList {
                name: list.name.clone(),
                dial: list.dial,
                shared: new.plan.options.shared,
                created_by: id,
            };
            lists.insert(list.name.as_str(), codec::encode_json(&value)?.as_slice())?;
        }
    }
    let mut customs = txn.open_table(CUSTOM_FIELDS)?;
    for (_, field) in new.plan.mapping.custom_fields() {
        if customs.get(field.name.as_str())?.is_none() {
            customs.insert(
                field.name.as_str(),
                codec::encode_json(&field.kind)?.as_slice(),
            )?;
        }
    }
    let signature = crate::engine::mapping::header_signature(&new.header);
    txn.open_table(MAPPINGS)?.insert(
        signature.as_str(),
        codec::encode_json(&new.plan.mapping)?.as_slice(),
    )?;
    Ok(job)
}

/// Writes the job's record.
fn put_job(txn: &redb::WriteTransaction, job: &Job) -> Result<()> {
    txn.open_table(JOBS)?
        .insert(job.id, codec::encode_json(job)?.as_slice())?;
    Ok(())
}

/// How a batch that waited on a go-ahead ended.
pub enum Gated<T, R = String> {
    Committed(T),
    /// Not committed, for this reason: nothing was written.
    Refused(R),
}

impl<T, R> Gated<T, R> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Gated<U, R> {
        match self {
            Gated::Committed(t) => Gated::Committed(f(t)),
            Gated::Refused(why) => Gated::Refused(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pending;

    #[test]
    fn pending_entries_are_found_by_key_and_come_out_sorted() {
        let mut pending = Pending::default();
        pending.add(0, 42, 7);
        pending.add(1, 42, 8); // the same key of the other kind
        pending.add(0, 5, 9);
        assert_eq!(pending.ids(0, 42), [7]);
        assert_eq!(pending.ids(1, 42), [8]);
        assert!(pending.ids(0, 6).is_empty());

        // Several contacts under one key: all are found.
        pending.add(0, 42, 11);
        pending.add(0, 42, 12);
        assert_eq!(pending.ids(0, 42), [7, 11, 12]);

        assert_eq!(pending.len(), 5);
        assert_eq!(
            pending.take_sorted(),
            [(0, 5, 9), (0, 42, 7), (0, 42, 11), (0, 42, 12), (1, 42, 8)]
        );
        assert_eq!(pending.len(), 0);
        assert!(pending.ids(0, 42).is_empty());
    }
}
