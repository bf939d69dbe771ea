//! The import's batch writer on PostgreSQL, with the semantics of redb's
//! (`store::import`): every row is decided by the engine (`engine::apply`), a batch is one
//! transaction holding its contacts, identifiers, undo records, created ids, matches, tag
//! counts, job rows and the job's counts and resume point — so a client killed at any
//! moment leaves the store as the last commit did, and `resume` goes on from there.
//!
//! A chunk's identifiers and the contacts they find are read in three queries before its
//! rows are decided; from then on the batch answers lookups from memory, its own writes
//! included. What the batch wrote is copied (`COPY … FROM STDIN (FORMAT binary)`) into
//! temporary staging tables and merged into the store's tables by `INSERT … SELECT`.

use std::collections::HashMap;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::Transaction;
use rustc_hash::{FxHashMap, FxHashSet};

use super::rows;
use super::{decode_contact, encode, id_param, PgStore};
use crate::engine::apply::{
    decide_row, skipped_for, update_target, writer_lookup, Applying, Decided, WriterIndex,
};
use crate::engine::contact::Contact;
use crate::engine::resolve::{Decision, MatchKey, Matched};
use crate::store::codec;
use crate::store::filter::KeyFilter;
use crate::store::import::{BatchOutcome, BatchRows};
use crate::store::index::Kind;
use crate::store::jobs::{Job, JobCounts};
use crate::store::revert::Touch;
use crate::store::rows::Fate;
use crate::store::{Result, StoreError};

/// The staging tables of this connection: emptied at every commit, never seen by others.
const STAGING: &str = "
    CREATE TEMP TABLE IF NOT EXISTS stage_contacts (id bigint, first_name text, last_name text, company text, body bytea) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS stage_phones (value text, contact_id bigint) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS stage_emails (value text, contact_id bigint) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS stage_undo (contact_id bigint, body bytea) ON COMMIT DELETE ROWS;
";

/// Rows per transaction at most, whatever the caller asks: a batch holds what it wrote in
/// memory until it commits, and the server's commits are cheap (no page copies, as redb's).
const MAX_BATCH: usize = 20_000;

/// What a batch has read and written, in memory until it is merged.
#[derive(Default)]
struct Batch {
    /// Every contact holding a phone (an email), for each phone (email) looked up: the
    /// store's holders and this batch's.
    phones: FxHashMap<String, Vec<u64>>,
    emails: FxHashMap<String, Vec<u64>>,
    /// Contacts read or written (`None`: no such contact).
    contacts: FxHashMap<u64, Option<Contact>>,
    /// Contacts to write, in the order first written.
    dirty: Vec<u64>,
    dirty_set: FxHashSet<u64>,
    new_phones: Vec<(String, u64)>,
    new_emails: Vec<(String, u64)>,
    /// Before-images of the contacts this batch is the first of the job to update.
    undo: Vec<(u64, Vec<u8>)>,
    undone: FxHashSet<u64>,
    /// Contacts stored before this job that its rows matched: id → (last row, what it did).
    matched: FxHashMap<u64, (u64, u8)>,
    tag_counts: HashMap<String, i64>,
    /// The batch's chunks of job rows, packed as the redb store packs them.
    chunks: Vec<rows::StoredChunk>,
    /// What the writer knows of the phones and emails stored, between batches.
    known: Option<Known>,
    /// The search's words (`search.rs`).
    words: super::search::WordChanges,
}

/// The phones and emails stored, as far as the writer needs them, kept between batches
/// while its handle holds the import lock (so that no one else adds any). Most keys of an
/// import are new, and each lookup is an index search on the server: measured on a 1M-row
/// import, 38 s with a lookup for every key, 13 s with the filter alone.
pub struct Known {
    /// Every key stored before this writer began (and some that are not): a key it has
    /// never seen is looked up nowhere.
    before: KeyFilter,
    /// The keys this writer stored since, by kind (phone, email): key → the contact that
    /// holds it, `SEVERAL` for more than one (then the server is asked). An in-file
    /// duplicate finds its contact here instead of on the server.
    own: [FxHashMap<u64, u64>; 2],
}

const SEVERAL: u64 = u64::MAX;
/// Keys kept in `Known::own` at most (about 40 MB); past that a key stored is added to the
/// filter instead, and looked up on the server when it comes again.
const MAX_OWN: usize = 2_000_000;

/// Where the holders of a value are to be found.
enum Holders {
    /// No contact holds it.
    None,
    /// This writer stored it for this contact only (to be confirmed: keys may be hashes).
    Own(u64),
    /// Ask the server.
    Server,
}

impl Known {
    fn holders(&self, kind: Kind, value: &str) -> Holders {
        let key = kind.key(value).0;
        let own = self.own[kind as usize].get(&key).copied();
        match (self.before.may_hold(kind, key), own) {
            (true, _) | (_, Some(SEVERAL)) => Holders::Server,
            (false, Some(id)) => Holders::Own(id),
            (false, None) => Holders::None,
        }
    }

    fn add(&mut self, kind: Kind, value: &str, id: u64) {
        let key = kind.key(value).0;
        if self.own[0].len() + self.own[1].len() >= MAX_OWN {
            self.before.add(kind, key);
            return;
        }
        self.own[kind as usize]
            .entry(key)
            .and_modify(|held| {
                if *held != id {
                    *held = SEVERAL;
                }
            })
            .or_insert(id);
    }
}

impl WriterIndex for Batch {
    type Error = StoreError;

    fn ids(&self, key: &MatchKey<'_>) -> Result<Vec<u64>> {
        let found = match key {
            MatchKey::Phone(p) => self.phones.get(*p),
            MatchKey::Email(e) => self.emails.get(*e),
            MatchKey::Id(id) => {
                let known = matches!(self.contacts.get(id), Some(Some(_)));
                return Ok(known.then_some(*id).into_iter().collect());
            }
        };
        let mut ids = found.cloned().unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    fn contact(&self, id: u64) -> Result<Option<Contact>> {
        Ok(self.contacts.get(&id).cloned().flatten())
    }

    fn carries_phone(&self, id: u64, phone: &str) -> Result<bool> {
        Ok(self.phones.get(phone).is_some_and(|ids| ids.contains(&id)))
    }
}

impl Batch {
    /// Reads what the rows of a chunk may look up and is not known yet: the holders of
    /// their phones and emails, and the contacts those (and their ids) name.
    fn prefetch(
        &mut self,
        txn: &mut Transaction<'_>,
        rows: &[(
            crate::engine::source::RawRow,
            crate::engine::validate::RowCheck,
        )],
        err: &dyn Fn(postgres::Error) -> StoreError,
    ) -> Result<()> {
        let mut phones: FxHashSet<&str> = FxHashSet::default();
        let mut emails: FxHashSet<&str> = FxHashSet::default();
        let mut ids: FxHashSet<u64> = FxHashSet::default();
        // Values this writer stored, with the contact to confirm each by.
        let mut own: Vec<(Kind, &str, u64)> = Vec::new();
        for (_, check) in rows {
            for (kind, values, map, wanted) in [
                (
                    Kind::Phone,
                    &check.contact.phones,
                    &mut self.phones,
                    &mut phones,
                ),
                (
                    Kind::Email,
                    &check.contact.emails,
                    &mut self.emails,
                    &mut emails,
                ),
            ] {
                for v in values {
                    if map.contains_key(v.as_str()) {
                        continue;
                    }
                    let holders = match &self.known {
                        Some(known) => known.holders(kind, v),
                        None => Holders::Server,
                    };
                    match holders {
                        Holders::Server => {
                            wanted.insert(v);
                        }
                        Holders::Own(id) => {
                            own.push((kind, v, id));
                            ids.insert(id);
                            map.insert(v.clone(), Vec::new());
                        }
                        Holders::None => {
                            map.insert(v.clone(), Vec::new());
                        }
                    }
                }
            }
            if let Some(id) = check.match_id {
                ids.insert(id);
            }
        }
        for (table, wanted, map) in [
            ("phones", phones, &mut self.phones),
            ("emails", emails, &mut self.emails),
        ] {
            if wanted.is_empty() {
                continue;
            }
            let values: Vec<&str> = wanted.into_iter().collect();
            let found = txn
                .query(
                    &format!("SELECT value, contact_id FROM {table} WHERE value = ANY($1)"),
                    &[&values],
                )
                .map_err(err)?;
            for v in &values {
                map.entry((*v).to_string()).or_default();
            }
            for r in found {
                let id = r.get::<_, i64>(1).unsigned_abs();
                ids.insert(id);
                if let Some(holders) = map.get_mut(r.get::<_, &str>(0)) {
                    holders.push(id);
                }
            }
        }
        let wanted: Vec<i64> = ids
            .into_iter()
            .filter(|id| !self.contacts.contains_key(id))
            .map(id_param)
            .collect::<Result<_>>()?;
        if !wanted.is_empty() {
            let found = txn
                .query(
                    "SELECT id, body FROM contacts WHERE id = ANY($1)",
                    &[&wanted],
                )
                .map_err(err)?;
            for id in &wanted {
                self.contacts.insert(id.unsigned_abs(), None);
            }
            for r in found {
                let id = r.get::<_, i64>(0).unsigned_abs();
                // A damaged contact a row matches stops the import at that row, named.
                let contact = decode_contact(id, r.get(1))?;
                self.contacts.insert(id, Some(contact));
            }
        }
        // A value this writer stored is held by its contact if the contact has it (an
        // email's key is a hash, which another address may share).
        for (kind, value, id) in own {
            let Some(Some(contact)) = self.contacts.get(&id) else {
                continue;
            };
            if kind.values(contact).iter().any(|v| v == value) {
                let map = match kind {
                    Kind::Phone => &mut self.phones,
                    Kind::Email => &mut self.emails,
                };
                if let Some(holders) = map.get_mut(value) {
                    holders.push(id);
                }
            }
        }
        Ok(())
    }

    fn note_key(&mut self, kind: Kind, value: &str, id: u64) {
        if let Some(known) = &mut self.known {
            known.add(kind, value, id);
        }
    }

    /// Writes a contact, indexing its new phones and emails and counting its new tags, as
    /// redb's writer does.
    fn put(&mut self, contact: Contact, before: Option<&Contact>) {
        let id = contact.id;
        for p in &contact.phones {
            if before.is_none_or(|b| !b.phones.contains(p)) {
                let holders = self.phones.entry(p.clone()).or_default();
                if !holders.contains(&id) {
                    holders.push(id);
                }
                self.new_phones.push((p.clone(), id));
                self.note_key(Kind::Phone, p, id);
            }
        }
        for e in &contact.emails {
            if before.is_none_or(|b| !b.emails.contains(e)) {
                let holders = self.emails.entry(e.clone()).or_default();
                if !holders.contains(&id) {
                    holders.push(id);
                }
                self.new_emails.push((e.clone(), id));
                self.note_key(Kind::Email, e, id);
            }
        }
        for t in &contact.tags {
            if before.is_none_or(|b| !b.tags.contains(t)) {
                *self.tag_counts.entry(t.clone()).or_default() += 1;
            }
        }
        self.words.contact(before, &contact);
        if self.dirty_set.insert(id) {
            self.dirty.push(id);
        }
        self.contacts.insert(id, Some(contact));
    }
}

/// Copies `rows` into a staging table through the binary COPY protocol.
fn copy_in(
    txn: &mut Transaction<'_>,
    table: &str,
    columns: &str,
    types: &[Type],
    rows: &mut dyn Iterator<Item = Vec<Box<dyn ToSql + Sync>>>,
    err: &dyn Fn(postgres::Error) -> StoreError,
) -> Result<()> {
    let sink = txn
        .copy_in(&format!(
            "COPY {table} ({columns}) FROM STDIN (FORMAT binary)"
        ))
        .map_err(err)?;
    let mut writer = BinaryCopyInWriter::new(sink, types);
    for row in rows {
        let refs: Vec<&(dyn ToSql + Sync)> = row.iter().map(|b| b.as_ref()).collect();
        writer.write(&refs).map_err(err)?;
    }
    writer.finish().map_err(err)?;
    Ok(())
}

impl PgStore {
    /// Writes one batch — chunks pulled from `rows` until `limit` rows are written or the
    /// rows end — and the job's progress, in one transaction, committed only when
    /// `go_ahead` agrees (false: nothing is written, and `job` is as it was). `None` when
    /// refused.
    pub fn write_batch_gated(
        &self,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
        go_ahead: &mut dyn FnMut(&mut Job) -> bool,
    ) -> Result<Option<BatchOutcome>> {
        self.refuse_read_only()?;
        if job.plan.options.objects.with_opportunities()
            && !job.plan.opportunity_columns().is_empty()
        {
            return Err(StoreError::NotYetSupported(
                "importing opportunities (map the opportunity columns to nothing, or use a store file)".into(),
            ));
        }
        // Batches of a bounded size: a batch's contacts and rows are held until its commit.
        let limit = limit.min(MAX_BATCH);
        let before = job.clone();
        let mut client = self.client();
        let err = self.err();
        let written = (|| -> Result<Option<BatchOutcome>> {
            if !self.staged.load(std::sync::atomic::Ordering::Relaxed) {
                client.batch_execute(STAGING).map_err(&err)?;
                self.staged
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            let mut txn = client.transaction().map_err(&err)?;
            let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            let outcome = fill(&mut txn, job, rows, limit, &mut known, &err);
            if outcome.is_err() {
                // What it noted of a batch rolled back would name contacts not stored.
                *known = None;
            }
            drop(known);
            let outcome = outcome?;
            if !go_ahead(job) {
                return Ok(None);
            }
            txn.execute(
                "UPDATE jobs SET body = $2::text::jsonb, updated_at = now() WHERE id = $1",
                &[&id_param(job.id)?, &encode(&*job)?],
            )
            .map_err(&err)?;
            txn.commit().map_err(&err)?;
            Ok(Some(outcome))
        })();
        // A batch not committed leaves the job where the last committed one did.
        if !matches!(written, Ok(Some(_))) {
            *job = before;
            *self.known.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        written
    }

    pub fn write_batch(
        &self,
        job: &mut Job,
        rows: &mut dyn BatchRows,
        limit: usize,
    ) -> Result<BatchOutcome> {
        self.write_batch_gated(job, rows, limit, &mut |_| true)
            .map(Option::unwrap_or_default)
    }
}

/// Decides and writes a batch's rows in `txn`; moves the job's counts and resume point on.
fn fill(
    txn: &mut Transaction<'_>,
    job: &mut Job,
    rows: &mut dyn BatchRows,
    limit: usize,
    known: &mut Option<Known>,
    err: &dyn Fn(postgres::Error) -> StoreError,
) -> Result<BatchOutcome> {
    let mut outcome = BatchOutcome::default();
    let mut counts = job.counts.to_counts();
    let plan = job.plan.clone();
    let import_tag = job.import_tag.clone();
    let applying = Applying {
        job: job.id,
        options: &plan.options,
        import_tag: import_tag.as_deref(),
        failure_base: job.failure_base,
    };
    let first_id: i64 = txn
        .query_one(
            "SELECT value FROM meta WHERE key = 'next_contact_id' FOR UPDATE",
            &[],
        )
        .map_err(err)?
        .get(0);
    let first_id = first_id.unsigned_abs();
    let mut next_id = first_id;
    let known_now = match known.take() {
        Some(k) if !k.before.is_full() => k,
        _ => Known {
            before: build_filter(txn, rows.rows_left(job) * KEYS_PER_ROW, err)?,
            own: Default::default(),
        },
    };
    let mut b = Batch {
        known: Some(known_now),
        ..Batch::default()
    };
    let mut written = 0;
    'batch: while written < limit {
        let Some(mut chunk) = rows.next_chunk(job)? else {
            outcome.ended = true;
            counts.blank_rows = rows.blank_rows();
            break;
        };
        b.prefetch(txn, &chunk.rows, err)?;
        // The cells were packed by the checker threads; only the fates are packed here.
        let cells = match chunk.packed.take() {
            Some(packed) => packed,
            None => crate::store::rows::pack_chunk(&chunk.rows)
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
                writer_lookup(&b, keys, row, job.id, applying.options.on_conflict).map(
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
                    let id = c.id;
                    b.put(c, None);
                    Some(id)
                }
                Decision::Update(m) => {
                    let id = update_target(m)
                        .ok_or_else(|| StoreError::Codec("a match without a contact".into()))?;
                    let before = b.contact(id)?.unwrap_or_default();
                    let (after, left) = applying.updated(&before, &incoming, id);
                    if let Some(warning) = left.warning(id) {
                        issues.push(warning.clone());
                        check.warnings.push(warning);
                    }
                    // A contact this job created is undone by its id range already; the
                    // first update of a job keeps the values from before it (the store
                    // keeps an older batch's record, `ON CONFLICT DO NOTHING`).
                    if before.created_by != Some(job.id) && b.undone.insert(id) {
                        b.undo.push((id, codec::encode(&before)?));
                    }
                    b.put(after, Some(&before));
                    if let Matched::Stored { .. } = m {
                        b.matched.insert(id, (raw.row, Touch::Updated.code()));
                    }
                    Some(id)
                }
                // A duplicate names the contact it duplicates; the matches the engine says
                // to note are, for revert's conflict check.
                Decision::Skip(_) => {
                    let skipped = skipped_for(&lookup, &several);
                    for id in skipped.noted {
                        b.matched.insert(*id, (raw.row, Touch::Skipped.code()));
                    }
                    skipped.contact
                }
                Decision::Fail(_) => None,
            };
            counts.add(check, &decision);
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
        if let (Some(first), Some(last)) = (fates.first(), fates.last()) {
            let (first_row, last_row) = (first.row, last.row);
            b.chunks.push(rows::StoredChunk {
                first_row,
                last_row,
                packed: crate::store::rows::encode(skipped, &fates, cells)?,
            });
        }
        job.counts = JobCounts::from(&counts);
        if outcome.stopped {
            break 'batch;
        }
    }
    // Kept for the next batch (dropped by the caller if this one is not committed).
    *known = b.known.take();
    merge(txn, job.id, &mut b, err)?;
    if next_id > first_id {
        txn.execute(
            "INSERT INTO created_ranges (job_id, first_id, last_id) VALUES ($1, $2, $3)",
            &[
                &id_param(job.id)?,
                &id_param(first_id)?,
                &id_param(next_id - 1)?,
            ],
        )
        .map_err(err)?;
    }
    txn.execute(
        "UPDATE meta SET value = $1 WHERE key = 'next_contact_id'",
        &[&id_param(next_id)?],
    )
    .map_err(err)?;
    job.counts = JobCounts::from(&counts);
    Ok(outcome)
}

/// Index keys a row brings, at most, in a typical file: a phone and an email.
const KEYS_PER_ROW: u64 = 2;

/// A filter of every phone and email stored, read in the batch's transaction (the writer
/// holds the import lock, so none is added but by this writer from then on).
fn build_filter(
    txn: &mut Transaction<'_>,
    expected: u64,
    err: &dyn Fn(postgres::Error) -> StoreError,
) -> Result<KeyFilter> {
    use postgres::fallible_iterator::FallibleIterator;
    let stored: i64 = txn
        .query_one(
            "SELECT (SELECT count(*) FROM phones) + (SELECT count(*) FROM emails)",
            &[],
        )
        .map_err(err)?
        .get(0);
    let mut filter = KeyFilter::empty(stored.unsigned_abs(), expected);
    for (kind, sql) in [
        (Kind::Phone, "SELECT value FROM phones"),
        (Kind::Email, "SELECT value FROM emails"),
    ] {
        let mut values = txn.query_raw(sql, std::iter::empty::<i64>()).map_err(err)?;
        while let Some(row) = values.next().map_err(err)? {
            filter.add(kind, kind.key(row.get::<_, &str>(0)).0);
        }
    }
    Ok(filter)
}

/// Merges what the batch wrote into the store's tables: the bulk through the staging
/// tables, the few (matches, tags) as arrays.
fn merge(
    txn: &mut Transaction<'_>,
    job: u64,
    b: &mut Batch,
    err: &dyn Fn(postgres::Error) -> StoreError,
) -> Result<()> {
    let job = id_param(job)?;
    type Row = Vec<Box<dyn ToSql + Sync>>;
    let mut contacts: Vec<Row> = Vec::with_capacity(b.dirty.len());
    for id in &b.dirty {
        if let Some(Some(c)) = b.contacts.get(id) {
            contacts.push(vec![
                Box::new(id_param(*id)?),
                Box::new(c.first_name.clone()),
                Box::new(c.last_name.clone()),
                Box::new(c.company.clone()),
                Box::new(codec::encode(c)?),
            ]);
        }
    }
    let pairs = |v: &mut Vec<(String, u64)>| -> Result<Vec<Row>> {
        std::mem::take(v)
            .into_iter()
            .map(|(value, id)| -> Result<Row> {
                Ok(vec![Box::new(value), Box::new(id_param(id)?)])
            })
            .collect()
    };
    let phones = pairs(&mut b.new_phones)?;
    let emails = pairs(&mut b.new_emails)?;
    let undo: Vec<Row> = std::mem::take(&mut b.undo)
        .into_iter()
        .map(|(id, body)| -> Result<Row> { Ok(vec![Box::new(id_param(id)?), Box::new(body)]) })
        .collect::<Result<_>>()?;
    let staged = [
        (
            "stage_contacts",
            "id, first_name, last_name, company, body",
            &[Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT, Type::BYTEA][..],
            contacts,
        ),
        (
            "stage_phones",
            "value, contact_id",
            &[Type::TEXT, Type::INT8][..],
            phones,
        ),
        (
            "stage_emails",
            "value, contact_id",
            &[Type::TEXT, Type::INT8][..],
            emails,
        ),
        (
            "stage_undo",
            "contact_id, body",
            &[Type::INT8, Type::BYTEA][..],
            undo,
        ),
    ];
    for (table, columns, types, rows) in staged {
        if !rows.is_empty() {
            copy_in(txn, table, columns, types, &mut rows.into_iter(), err)?;
        }
    }
    txn.batch_execute(
        "INSERT INTO contacts (id, first_name, last_name, company, body)
             SELECT id, first_name, last_name, company, body FROM stage_contacts
             ON CONFLICT (id) DO UPDATE SET first_name = EXCLUDED.first_name,
                 last_name = EXCLUDED.last_name, company = EXCLUDED.company, body = EXCLUDED.body;
         INSERT INTO phones (value, contact_id) SELECT value, contact_id FROM stage_phones
             ON CONFLICT DO NOTHING;
         INSERT INTO emails (value, contact_id) SELECT value, contact_id FROM stage_emails
             ON CONFLICT DO NOTHING;",
    )
    .map_err(err)?;
    txn.execute(
        "INSERT INTO undo (job_id, contact_id, body) SELECT $1, contact_id, body FROM stage_undo
             ON CONFLICT DO NOTHING",
        &[&job],
    )
    .map_err(err)?;
    rows::put(txn, job.unsigned_abs(), &std::mem::take(&mut b.chunks), err)?;
    if !b.matched.is_empty() {
        let mut matched: Vec<(u64, (u64, u8))> = b.matched.drain().collect();
        matched.sort_unstable();
        let ids: Vec<i64> = matched
            .iter()
            .map(|m| id_param(m.0))
            .collect::<Result<_>>()?;
        let rows: Vec<i64> = matched
            .iter()
            .map(|m| id_param(m.1 .0))
            .collect::<Result<_>>()?;
        let did: Vec<i16> = matched.iter().map(|m| i16::from(m.1 .1)).collect();
        txn.execute(
            "INSERT INTO matched_by (contact_id, job_id, row, did)
                 SELECT c, $2, r, d FROM unnest($1::bigint[], $3::bigint[], $4::smallint[]) AS u(c, r, d)
             ON CONFLICT (contact_id, job_id) DO UPDATE SET row = EXCLUDED.row, did = EXCLUDED.did",
            &[&ids, &job, &rows, &did],
        )
        .map_err(err)?;
    }
    b.words.write(txn, err)?;
    if !b.tag_counts.is_empty() {
        let (names, gained): (Vec<String>, Vec<i64>) = b.tag_counts.drain().unzip();
        txn.execute(
            "INSERT INTO tags (name, count) SELECT * FROM unnest($1::text[], $2::bigint[])
             ON CONFLICT (name) DO UPDATE SET count = tags.count + EXCLUDED.count",
            &[&names, &gained],
        )
        .map_err(err)?;
    }
    Ok(())
}

/// Schema 2's contacts and undo records (jsonb) as schema 3 keeps them (packed, with the
/// plain name columns), as the migration to schema 3 asks.
pub fn convert_schema_2(txn: &mut Transaction<'_>) -> std::result::Result<(), String> {
    use postgres::fallible_iterator::FallibleIterator;
    let why = |e: postgres::Error| super::describe(&e);
    for (from, select, insert) in [
        (
            "contacts_v2",
            "SELECT id, body::text FROM contacts_v2",
            "INSERT INTO contacts (id, first_name, last_name, company, body) VALUES ($1, $2, $3, $4, $5)",
        ),
        (
            "undo_v2",
            "SELECT contact_id, body::text, job_id FROM undo_v2",
            "INSERT INTO undo (contact_id, body, job_id) VALUES ($1, $2, $3)",
        ),
    ] {
        let mut read: Vec<(i64, Contact, Option<i64>)> = Vec::new();
        let mut rows = txn
            .query_raw(select, std::iter::empty::<i64>())
            .map_err(why)?;
        while let Some(r) = rows.next().map_err(why)? {
            let id: i64 = r.get(0);
            let contact: Contact = serde_json::from_str(r.get(1))
                .map_err(|e| format!("{from} {id} does not decode ({e})"))?;
            read.push((id, contact, (r.len() > 2).then(|| r.get(2))));
        }
        drop(rows);
        let insert = txn.prepare(insert).map_err(why)?;
        for (id, c, job) in read {
            let body = codec::encode(&c).map_err(|e| e.to_string())?;
            match job {
                None => txn.execute(
                    &insert,
                    &[&id, &c.first_name, &c.last_name, &c.company, &body],
                ),
                Some(job) => txn.execute(&insert, &[&id, &body, &job]),
            }
            .map_err(why)?;
        }
    }
    Ok(())
}
