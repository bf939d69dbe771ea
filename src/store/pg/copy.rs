//! `rolodex migrate`: a whole store copied from a store file into PostgreSQL, or back —
//! contacts and their indexes, tags, lists, custom fields, mappings, team members,
//! opportunities, jobs, job rows, undo records, created ids, matches and retried rows —
//! then verified: every table read back from the copy gives the count and checksum it gave
//! in the source. The source is only read; the copy is written in one transaction (a
//! PostgreSQL schema) or into a new file renamed into place, so a copy that fails leaves
//! nothing half made.
//!
//! Every table is read, on either side, as the same records (`Field`s in a fixed order):
//! the packed records (contacts, job-row chunks, undo and opportunity records) byte for
//! byte, the JSON ones (jobs, lists, mappings, custom fields, team) as JSON values, the
//! phone and email indexes as (key, contact) pairs. The indexes a copy needs are built
//! from its contacts; the store file's name index is built too (it has no PostgreSQL
//! counterpart to compare with).

use std::path::{Path, PathBuf};

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::Transaction;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use serde::Serialize;

use super::{describe, PgLocation, PgStore};
use crate::store::codec;
use crate::store::index::Kind;
use crate::store::schema::*;
use crate::store::{rows, Access, Result, Store, StoreError};

/// One value of a record, as both stores give it.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Json(serde_json::Value),
}

type Record = Vec<Field>;

/// Every table copied, by its PostgreSQL name, in the order they are written.
pub const TABLES: &[&str] = &[
    "meta",
    "contacts",
    "phones",
    "emails",
    "tags",
    "lists",
    "custom_fields",
    "mappings",
    "team",
    "jobs",
    "job_row_chunks",
    "undo",
    "created_ranges",
    "matched_by",
    "opportunities",
    "opportunity_keys",
    "opportunity_undo",
    "opportunities_created",
    "retried_rows",
];

/// A table's records counted, and summed (order does not matter: a sum of each record's
/// XXH3-64).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sum {
    pub records: u64,
    pub checksum: u64,
}

impl Sum {
    fn add(&mut self, record: &Record) {
        let mut bytes = Vec::new();
        for f in record {
            match f {
                Field::Int(i) => {
                    bytes.push(0);
                    bytes.extend_from_slice(&i.to_le_bytes());
                }
                Field::Text(t) => put(&mut bytes, 1, t.as_bytes()),
                Field::Bytes(b) => put(&mut bytes, 2, b),
                Field::Json(v) => put(&mut bytes, 3, &serde_json::to_vec(v).unwrap_or_default()),
            }
        }
        self.records += 1;
        self.checksum = self
            .checksum
            .wrapping_add(xxhash_rust::xxh3::xxh3_64(&bytes));
    }
}

fn put(out: &mut Vec<u8>, tag: u8, data: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    out.extend_from_slice(data);
}

/// What a table gave in the source and in the copy.
#[derive(Debug, Clone, Serialize)]
pub struct TableCheck {
    pub table: &'static str,
    pub source: Sum,
    pub copy: Sum,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrateReport {
    pub from: String,
    pub to: String,
    pub tables: Vec<TableCheck>,
}

impl MigrateReport {
    pub fn verified(&self) -> bool {
        self.tables.iter().all(|t| t.source == t.copy)
    }
}

impl PgStore {
    /// Notes that job `by` retries `rows` of job `of` (the `i`th at `retry_file_row(i)`),
    /// as the store file does; a row retried again later names the later job.
    pub fn mark_retried(&self, of: u64, rows: &[u64], by: u64) -> Result<()> {
        self.refuse_read_only()?;
        let mut client = self.client();
        let err = self.err();
        let mut txn = client.transaction().map_err(&err)?;
        for (i, row) in rows.iter().enumerate() {
            let at = crate::store::retried::retry_file_row(i);
            txn.execute(
                "INSERT INTO retried_rows (job_id, row, by_job, by_row) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (job_id, row) DO UPDATE SET by_job = EXCLUDED.by_job, by_row = EXCLUDED.by_row",
                &[&(of as i64), &(*row as i64), &(by as i64), &(at as i64)],
            )
            .map_err(&err)?;
        }
        txn.commit().map_err(&err)?;
        Ok(())
    }

    /// The rows of `job` a follow-up job retried, and what became of each there.
    pub fn retried_fates(
        &self,
        job: u64,
    ) -> Result<std::collections::BTreeMap<u64, crate::store::retried::RetriedFate>> {
        use crate::store::retried::{fates, Retried};
        let marks = self
            .client()
            .query(
                "SELECT row, by_job, by_row FROM retried_rows WHERE job_id = $1",
                &[&(job as i64)],
            )
            .map_err(self.err())?;
        let retried = marks
            .iter()
            .map(|r| {
                let n = |i| r.get::<_, i64>(i).unsigned_abs();
                (
                    n(0),
                    Retried {
                        job: n(1),
                        row: n(2),
                    },
                )
            })
            .collect();
        fates(retried, &|id| self.job(id), &mut |id, each| {
            self.job_rows(id, each)
        })
    }
}

/// Copies the store file `from` into `to`. A target holding a store is refused unless
/// `replace` says to replace it.
pub fn migrate_file_to_postgres(
    from: &Path,
    to: &PgLocation,
    replace: bool,
) -> Result<MigrateReport> {
    let source = Store::open_for(from, Access::Read)?;
    let snap = source.read()?;
    if snap.version != SCHEMA_VERSION {
        return Err(StoreError::Open {
            path: from.to_path_buf(),
            message: format!(
                "its schema is version {} and migrate copies version {SCHEMA_VERSION}; an import into it (or `rolodex check`) upgrades it first",
                snap.version
            ),
        });
    }
    let read =
        |table: &str, each: &mut dyn FnMut(Record) -> Result<()>| read_file(&snap.txn, table, each);
    let target = PgStore::open(to, Access::Create)?;
    let mut sums = Vec::new();
    {
        let mut client = target.client();
        let err = target.err();
        let mut txn = client.transaction().map_err(&err)?;
        refuse_non_empty_schema(&mut txn, to, replace)?;
        for table in TABLES {
            let mut sum = Sum::default();
            if let Some(kind) = identifiers(table) {
                // Counted from the source's index, written from its contacts.
                read(table, &mut |r| {
                    sum.add(&r);
                    Ok(())
                })?;
                write_identifiers(&mut txn, kind, &mut |each| read("contacts", each))?;
            } else {
                write_postgres(&mut txn, table, &mut |each| {
                    read(table, &mut |r| {
                        sum.add(&r);
                        each(r)
                    })
                })?;
            }
            sums.push((*table, sum));
        }
        txn.commit().map_err(&err)?;
    }
    let mut client = target.client();
    let mut checks = Vec::new();
    for (table, source) in sums {
        let mut copy = Sum::default();
        read_postgres(&mut *client, table, &target.err(), &mut |r| {
            copy.add(&r);
            Ok(())
        })?;
        checks.push(TableCheck {
            table,
            source,
            copy,
        });
    }
    Ok(MigrateReport {
        from: from.display().to_string(),
        to: to.shown().to_string(),
        tables: checks,
    })
}

/// Copies the PostgreSQL store `from` into a new store file `to` (made beside it and
/// renamed into place once verified). An existing file is refused unless `replace`.
pub fn migrate_postgres_to_file(
    from: &PgLocation,
    to: &Path,
    replace: bool,
) -> Result<MigrateReport> {
    if to.exists() && !replace {
        return Err(StoreError::Open {
            path: to.to_path_buf(),
            message: "a file is there already; give a new file, or --replace to replace it".into(),
        });
    }
    let source = PgStore::open(from, Access::Read)?;
    let temp = temp_beside(to);
    let _ = std::fs::remove_file(&temp);
    let removed = Removed(&temp);
    let mut sums = Vec::new();
    {
        let copy = Store::open_for(&temp, Access::Create)?;
        let txn = copy.begin_write()?;
        {
            let mut client = source.client();
            // One snapshot of the source for every table.
            let mut read = client
                .build_transaction()
                .read_only(true)
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .start()
                .map_err(source.err())?;
            for table in TABLES {
                let mut sum = Sum::default();
                read_postgres(&mut read, table, &source.err(), &mut |r| {
                    sum.add(&r);
                    write_file(&txn, table, r)
                })?;
                sums.push((*table, sum));
            }
        }
        crate::store::search::build(&txn)?;
        txn.commit()?;
    }
    let copy = Store::open_for(&temp, Access::Read)?;
    let snap = copy.read()?;
    let mut checks = Vec::new();
    for (table, source) in sums {
        let mut sum = Sum::default();
        read_file(&snap.txn, table, &mut |r| {
            sum.add(&r);
            Ok(())
        })?;
        checks.push(TableCheck {
            table,
            source,
            copy: sum,
        });
    }
    drop(snap);
    drop(copy);
    let report = MigrateReport {
        from: from.shown().to_string(),
        to: to.display().to_string(),
        tables: checks,
    };
    if report.verified() {
        std::fs::rename(&temp, to).map_err(|e| StoreError::Open {
            path: to.to_path_buf(),
            message: format!("the copy was made but could not be put in place: {e}"),
        })?;
        std::mem::forget(removed);
    }
    Ok(report)
}

/// Removes a half-made copy however the migration ends (kept only once renamed).
struct Removed<'a>(&'a Path);

impl Drop for Removed<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0);
    }
}

fn temp_beside(to: &Path) -> PathBuf {
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store.redb".into());
    to.with_file_name(format!(".{name}.migrating-{}", std::process::id()))
}

/// Refuses a schema holding a store (any contact, job, mapping or team member) unless
/// `replace`; with it, empties every table first, in the copy's transaction.
fn refuse_non_empty_schema(
    txn: &mut Transaction<'_>,
    location: &PgLocation,
    replace: bool,
) -> Result<()> {
    let err = super::pg_error(location);
    let used: bool = txn
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM contacts) OR EXISTS (SELECT 1 FROM jobs)
                 OR EXISTS (SELECT 1 FROM mappings) OR EXISTS (SELECT 1 FROM team)",
            &[],
        )
        .map_err(&err)?
        .get(0);
    if used && !replace {
        return Err(StoreError::Open {
            path: location.as_path(),
            message: format!(
                "its schema {} holds a store already; give another --pg-schema, or --replace to replace it",
                location.schema
            ),
        });
    }
    let tables: Vec<&str> = TABLES.iter().copied().filter(|t| *t != "meta").collect();
    txn.batch_execute(&format!(
        "TRUNCATE {}; UPDATE meta SET value = 1;",
        tables.join(", ")
    ))
    .map_err(&err)?;
    Ok(())
}

fn int(v: u64) -> Field {
    Field::Int(i64::from_ne_bytes(v.to_ne_bytes()))
}

fn uint(f: &Field) -> u64 {
    match f {
        Field::Int(i) => u64::from_ne_bytes(i.to_ne_bytes()),
        _ => 0,
    }
}

fn text(f: &Field) -> &str {
    match f {
        Field::Text(t) => t,
        _ => "",
    }
}

fn bytes(f: &Field) -> &[u8] {
    match f {
        Field::Bytes(b) => b,
        _ => &[],
    }
}

fn json_bytes(f: &Field) -> Result<Vec<u8>> {
    match f {
        Field::Json(v) => codec::encode_json(v),
        _ => Err(StoreError::Codec("a JSON field expected".into())),
    }
}

fn json(table: &'static str, key: impl std::fmt::Display, bytes: &[u8]) -> Result<Field> {
    codec::decode_json::<serde_json::Value>(bytes)
        .map(Field::Json)
        .map_err(|e| e.at(table, key))
}

/// A table of the store file, as records. A table the file does not have yet is empty.
fn read_file(
    txn: &ReadTransaction,
    table: &str,
    each: &mut dyn FnMut(Record) -> Result<()>,
) -> Result<()> {
    macro_rules! open {
        ($def:expr) => {
            match txn.open_table($def) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        };
    }
    match table {
        "meta" => {
            for e in open!(META).iter()? {
                let (k, v) = e?;
                if k.value() != "schema_version" {
                    each(vec![Field::Text(k.value().into()), int(v.value())])?;
                }
            }
        }
        "contacts" => {
            for e in open!(CONTACTS).iter()? {
                let (k, v) = e?;
                each(vec![int(k.value()), Field::Bytes(v.value().to_vec())])?;
            }
        }
        "phones" | "emails" => {
            let def = if table == "phones" {
                BY_PHONE
            } else {
                BY_EMAIL
            };
            for e in open!(def).iter()? {
                let (key, id) = e?.0.value();
                each(vec![int(key), int(id)])?;
            }
        }
        "tags" => {
            for e in open!(TAGS).iter()? {
                let (k, v) = e?;
                each(vec![Field::Text(k.value().into()), int(v.value())])?;
            }
        }
        "lists" | "custom_fields" | "mappings" | "team" => {
            let (def, name) = match table {
                "lists" => (LISTS, "lists"),
                "custom_fields" => (CUSTOM_FIELDS, "custom_fields"),
                "mappings" => (MAPPINGS, "mappings"),
                _ => (TEAM, "team"),
            };
            for e in open!(def).iter()? {
                let (k, v) = e?;
                each(vec![
                    Field::Text(k.value().into()),
                    json(name, k.value(), v.value())?,
                ])?;
            }
        }
        "jobs" => {
            for e in open!(JOBS).iter()? {
                let (k, v) = e?;
                each(vec![int(k.value()), json("jobs", k.value(), v.value())?])?;
            }
        }
        "job_row_chunks" => {
            let t = open!(JOB_ROWS);
            rows::chunks(&t, None, &mut |job, first_row, packed| {
                let decoded = rows::decode(packed)
                    .map_err(|e| e.at("job_row_pieces", rows::chunk_key(job, first_row)))?;
                let last_row = decoded.last().map_or(first_row, |r| r.row);
                each(vec![
                    int(job),
                    int(first_row),
                    int(last_row),
                    Field::Bytes(packed.to_vec()),
                ])
            })?;
        }
        "undo" | "opportunity_undo" => {
            let def = if table == "undo" {
                UNDO
            } else {
                OPPORTUNITY_UNDO
            };
            for e in open!(def).iter()? {
                let (k, v) = e?;
                let (job, id) = k.value();
                each(vec![int(job), int(id), Field::Bytes(v.value().to_vec())])?;
            }
        }
        "created_ranges" => {
            for e in open!(CREATED).iter()? {
                let (k, v) = e?;
                let (job, first) = k.value();
                each(vec![int(job), int(first), int(v.value())])?;
            }
        }
        "matched_by" => {
            for e in open!(MATCHED_BY).iter()? {
                let (k, v) = e?;
                let ((contact, job), (row, did)) = (k.value(), v.value());
                each(vec![int(contact), int(job), int(row), int(u64::from(did))])?;
            }
        }
        "opportunities" => {
            for e in open!(OPPORTUNITIES).iter()? {
                let (k, v) = e?;
                each(vec![int(k.value()), Field::Bytes(v.value().to_vec())])?;
            }
        }
        "opportunity_keys" => {
            for e in open!(OPPORTUNITY_KEYS).iter()? {
                let (k, v) = e?;
                each(vec![Field::Text(k.value().into()), int(v.value())])?;
            }
        }
        "opportunities_created" => {
            for e in open!(OPPORTUNITIES_CREATED).iter()? {
                let (job, id) = e?.0.value();
                each(vec![int(job), int(id)])?;
            }
        }
        "retried_rows" => {
            for e in open!(RETRIED).iter()? {
                let (k, v) = e?;
                let ((job, row), (by_job, by_row)) = (k.value(), v.value());
                each(vec![int(job), int(row), int(by_job), int(by_row)])?;
            }
        }
        other => return Err(StoreError::Codec(format!("no table {other}"))),
    }
    Ok(())
}

/// Writes one record of `table` into the store file being made.
fn write_file(txn: &WriteTransaction, table: &str, r: Record) -> Result<()> {
    match table {
        "meta" => {
            txn.open_table(META)?.insert(text(&r[0]), uint(&r[1]))?;
        }
        "contacts" => {
            let id = uint(&r[0]);
            let contact = codec::decode_contact(bytes(&r[1])).map_err(|e| e.at("contacts", id))?;
            txn.open_table(CONTACTS)?.insert(id, bytes(&r[1]))?;
            let mut phones = txn.open_table(BY_PHONE)?;
            let mut emails = txn.open_table(BY_EMAIL)?;
            for p in &contact.phones {
                phones.insert((Kind::Phone.key(p).0, id), ())?;
            }
            for e in &contact.emails {
                emails.insert((Kind::Email.key(e).0, id), ())?;
            }
        }
        // Built with the contacts.
        "phones" | "emails" => {}
        "tags" => {
            txn.open_table(TAGS)?.insert(text(&r[0]), uint(&r[1]))?;
        }
        "lists" | "custom_fields" | "mappings" | "team" => {
            let def = match table {
                "lists" => LISTS,
                "custom_fields" => CUSTOM_FIELDS,
                "mappings" => MAPPINGS,
                _ => TEAM,
            };
            txn.open_table(def)?
                .insert(text(&r[0]), json_bytes(&r[1])?.as_slice())?;
        }
        "jobs" => {
            txn.open_table(JOBS)?
                .insert(uint(&r[0]), json_bytes(&r[1])?.as_slice())?;
        }
        "job_row_chunks" => {
            let mut t = txn.open_table(JOB_ROWS)?;
            rows::put(&mut t, uint(&r[0]), uint(&r[1]), bytes(&r[3]))?;
        }
        "undo" | "opportunity_undo" => {
            let def = if table == "undo" {
                UNDO
            } else {
                OPPORTUNITY_UNDO
            };
            txn.open_table(def)?
                .insert((uint(&r[0]), uint(&r[1])), bytes(&r[2]))?;
        }
        "created_ranges" => {
            txn.open_table(CREATED)?
                .insert((uint(&r[0]), uint(&r[1])), uint(&r[2]))?;
        }
        "matched_by" => {
            let did = u8::try_from(uint(&r[3])).unwrap_or(2);
            txn.open_table(MATCHED_BY)?
                .insert((uint(&r[0]), uint(&r[1])), (uint(&r[2]), did))?;
        }
        "opportunities" => {
            txn.open_table(OPPORTUNITIES)?
                .insert(uint(&r[0]), bytes(&r[1]))?;
        }
        "opportunity_keys" => {
            txn.open_table(OPPORTUNITY_KEYS)?
                .insert(text(&r[0]), uint(&r[1]))?;
        }
        "opportunities_created" => {
            txn.open_table(OPPORTUNITIES_CREATED)?
                .insert((uint(&r[0]), uint(&r[1])), ())?;
        }
        "retried_rows" => {
            txn.open_table(RETRIED)?
                .insert((uint(&r[0]), uint(&r[1])), (uint(&r[2]), uint(&r[3])))?;
        }
        other => return Err(StoreError::Codec(format!("no table {other}"))),
    }
    Ok(())
}

/// How a table is read from PostgreSQL: its columns in record order (`::text` for jsonb).
fn select_of(table: &str) -> &'static str {
    match table {
        "meta" => "SELECT key, value FROM meta",
        "contacts" => "SELECT id, body FROM contacts",
        "phones" => "SELECT value, contact_id FROM phones",
        "emails" => "SELECT value, contact_id FROM emails",
        "tags" => "SELECT name, count FROM tags",
        "lists" => "SELECT name, body::text FROM lists",
        "custom_fields" => "SELECT name, kind::text FROM custom_fields",
        "mappings" => "SELECT signature, mapping::text FROM mappings",
        "team" => "SELECT email, body::text FROM team",
        "jobs" => "SELECT id, body::text FROM jobs",
        "job_row_chunks" => "SELECT job_id, first_row, last_row, packed FROM job_row_chunks",
        "undo" => "SELECT job_id, contact_id, body FROM undo",
        "created_ranges" => "SELECT job_id, first_id, last_id FROM created_ranges",
        "matched_by" => "SELECT contact_id, job_id, row, did::bigint FROM matched_by",
        "opportunities" => "SELECT id, body FROM opportunities",
        "opportunity_keys" => "SELECT key, opportunity_id FROM opportunity_keys",
        "opportunity_undo" => "SELECT job_id, opportunity_id, body FROM opportunity_undo",
        "opportunities_created" => "SELECT job_id, opportunity_id FROM opportunities_created",
        _ => "SELECT job_id, row, by_job, by_row FROM retried_rows",
    }
}

/// A table of the PostgreSQL store, as records, streamed.
fn read_postgres(
    client: &mut impl postgres::GenericClient,
    table: &'static str,
    err: &dyn Fn(postgres::Error) -> StoreError,
    each: &mut dyn FnMut(Record) -> Result<()>,
) -> Result<()> {
    let mut rows = client
        .query_raw(select_of(table), std::iter::empty::<i64>())
        .map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        let mut r: Record = Vec::with_capacity(row.len());
        for (i, column) in row.columns().iter().enumerate() {
            let f = match *column.type_() {
                Type::INT8 => Field::Int(row.get(i)),
                Type::BYTEA => Field::Bytes(row.get(i)),
                _ => {
                    let t: String = row.get(i);
                    if ["body", "kind", "mapping"].contains(&column.name()) {
                        let v = serde_json::from_str(&t)
                            .map_err(|_| StoreError::damaged(table, text(&r[0]).to_string()))?;
                        Field::Json(v)
                    } else {
                        Field::Text(t)
                    }
                }
            };
            r.push(f);
        }
        if table == "phones" || table == "emails" {
            let kind = if table == "phones" {
                Kind::Phone
            } else {
                Kind::Email
            };
            r[0] = int(kind.key(text(&r[0])).0);
        }
        each(r)?;
    }
    Ok(())
}

fn identifiers(table: &str) -> Option<Kind> {
    match table {
        "phones" => Some(Kind::Phone),
        "emails" => Some(Kind::Email),
        _ => None,
    }
}

/// Writes the phones (emails) of every contact `feed` gives into their PostgreSQL table.
fn write_identifiers(txn: &mut Transaction<'_>, kind: Kind, feed: &mut Feed<'_>) -> Result<()> {
    let table = if kind == Kind::Phone {
        "phones"
    } else {
        "emails"
    };
    let err = |e: postgres::Error| StoreError::Codec(format!("writing {table}: {}", describe(&e)));
    let sink = txn
        .copy_in(&format!(
            "COPY {table} (value, contact_id) FROM STDIN (FORMAT binary)"
        ))
        .map_err(err)?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::INT8]);
    feed(&mut |r| {
        let id = uint(&r[0]);
        let c = codec::decode_contact(bytes(&r[1])).map_err(|e| e.at("contacts", id))?;
        for v in kind.values(&c) {
            writer.write(&[v, &(id as i64)]).map_err(err)?;
        }
        Ok(())
    })?;
    writer.finish().map_err(err)?;
    Ok(())
}

type Feed<'a> = dyn FnMut(&mut dyn FnMut(Record) -> Result<()>) -> Result<()> + 'a;

/// Writes the records `feed` gives into a PostgreSQL table: the large ones through binary
/// COPY, those with jsonb columns (a few records) through INSERT.
fn write_postgres(txn: &mut Transaction<'_>, table: &str, feed: &mut Feed<'_>) -> Result<()> {
    let err = |e: postgres::Error| StoreError::Codec(format!("writing {table}: {}", describe(&e)));
    let insert = match table {
        "meta" => Some(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        ),
        "lists" => Some("INSERT INTO lists (name, body) VALUES ($1, $2::text::jsonb)"),
        "custom_fields" => {
            Some("INSERT INTO custom_fields (name, kind) VALUES ($1, $2::text::jsonb)")
        }
        "mappings" => {
            Some("INSERT INTO mappings (signature, mapping) VALUES ($1, $2::text::jsonb)")
        }
        "team" => Some("INSERT INTO team (email, body) VALUES ($1, $2::text::jsonb)"),
        "jobs" => Some("INSERT INTO jobs (id, body) VALUES ($1, $2::text::jsonb)"),
        _ => None,
    };
    if let Some(sql) = insert {
        let statement = txn.prepare(sql).map_err(err)?;
        let mut records = Vec::new();
        feed(&mut |r| {
            records.push(r);
            Ok(())
        })?;
        for r in records {
            let key: Box<dyn ToSql + Sync> = match &r[0] {
                Field::Int(i) => Box::new(*i),
                f => Box::new(text(f).to_string()),
            };
            let value: Box<dyn ToSql + Sync> = match &r[1] {
                Field::Json(v) => Box::new(v.to_string()),
                f => Box::new(uint(f) as i64),
            };
            txn.execute(&statement, &[key.as_ref(), value.as_ref()])
                .map_err(err)?;
        }
        return Ok(());
    }
    let (copy, types): (&str, &[Type]) = match table {
        "contacts" => (
            "contacts (id, first_name, last_name, company, body)",
            &[Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT, Type::BYTEA],
        ),
        "tags" => ("tags (name, count)", &[Type::TEXT, Type::INT8]),
        "job_row_chunks" => (
            "job_row_chunks (job_id, first_row, last_row, packed)",
            &[Type::INT8, Type::INT8, Type::INT8, Type::BYTEA],
        ),
        "undo" => (
            "undo (job_id, contact_id, body)",
            &[Type::INT8, Type::INT8, Type::BYTEA],
        ),
        "created_ranges" => (
            "created_ranges (job_id, first_id, last_id)",
            &[Type::INT8, Type::INT8, Type::INT8],
        ),
        "matched_by" => (
            "matched_by (contact_id, job_id, row, did)",
            &[Type::INT8, Type::INT8, Type::INT8, Type::INT2],
        ),
        "opportunities" => ("opportunities (id, body)", &[Type::INT8, Type::BYTEA]),
        "opportunity_keys" => (
            "opportunity_keys (key, opportunity_id)",
            &[Type::TEXT, Type::INT8],
        ),
        "opportunity_undo" => (
            "opportunity_undo (job_id, opportunity_id, body)",
            &[Type::INT8, Type::INT8, Type::BYTEA],
        ),
        "opportunities_created" => (
            "opportunities_created (job_id, opportunity_id)",
            &[Type::INT8, Type::INT8],
        ),
        "retried_rows" => (
            "retried_rows (job_id, row, by_job, by_row)",
            &[Type::INT8, Type::INT8, Type::INT8, Type::INT8],
        ),
        other => return Err(StoreError::Codec(format!("no table {other}"))),
    };
    let sink = txn
        .copy_in(&format!("COPY {copy} FROM STDIN (FORMAT binary)"))
        .map_err(err)?;
    let mut writer = BinaryCopyInWriter::new(sink, types);
    feed(&mut |r| {
        let values: Vec<Box<dyn ToSql + Sync>> = match table {
            "contacts" => {
                let id = uint(&r[0]);
                let c = codec::decode_contact(bytes(&r[1])).map_err(|e| e.at("contacts", id))?;
                vec![
                    Box::new(id as i64),
                    Box::new(c.first_name),
                    Box::new(c.last_name),
                    Box::new(c.company),
                    Box::new(bytes(&r[1]).to_vec()),
                ]
            }
            "matched_by" => vec![
                Box::new(uint(&r[0]) as i64),
                Box::new(uint(&r[1]) as i64),
                Box::new(uint(&r[2]) as i64),
                Box::new(uint(&r[3]) as i16),
            ],
            _ => r
                .into_iter()
                .map(|f| -> Box<dyn ToSql + Sync> {
                    match f {
                        Field::Int(i) => Box::new(i),
                        Field::Text(t) => Box::new(t),
                        Field::Bytes(b) => Box::new(b),
                        Field::Json(v) => Box::new(v.to_string()),
                    }
                })
                .collect(),
        };
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        writer.write(&refs).map_err(err)?;
        Ok(())
    })?;
    writer.finish().map_err(err)?;
    Ok(())
}
