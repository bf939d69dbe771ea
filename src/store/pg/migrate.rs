//! The PostgreSQL schema, created and upgraded by rolodex: the files of `migrations/`,
//! embedded in the binary, applied in order in one transaction under an advisory lock (two
//! rolodex starting at once never both apply one), each recorded in `schema_migrations`.
//! A database a newer rolodex migrated is refused, never written.

use postgres::Client;

use super::{describe, lock_key, PgLocation};
use crate::store::{Result, StoreError};

/// Every migration: its version, its name, its SQL. Append only; never edit one that has
/// shipped (a store that applied it would not see the change).
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "init", include_str!("../../../migrations/0001_init.sql")),
    (
        2,
        "writer",
        include_str!("../../../migrations/0002_writer.sql"),
    ),
    (
        3,
        "packed_rows",
        include_str!("../../../migrations/0003_packed_rows.sql"),
    ),
    (
        4,
        "words",
        include_str!("../../../migrations/0004_words.sql"),
    ),
];

/// What a migration needs done beyond its SQL, in the same transaction: converting records
/// whose new layout only rolodex can write.
fn after(version: i32, txn: &mut postgres::Transaction<'_>) -> std::result::Result<(), String> {
    match version {
        3 => {
            super::rows::convert_schema_2(txn)?;
            super::write::convert_schema_2(txn)?;
            txn.batch_execute("DROP TABLE job_rows_v2, contacts_v2, undo_v2")
                .map_err(|e| describe(&e))
        }
        _ => Ok(()),
    }
}

/// The migration that makes the search's words table; rolodex fills it from the contacts
/// already stored (the folding is Rust's, `engine::search`), in the same transaction.
const WORDS: i32 = 4;

/// The schema version this rolodex writes.
pub fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

fn err(location: &PgLocation) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |e| StoreError::Postgres {
        store: location.shown().to_string(),
        message: format!("while creating or upgrading its schema: {}", describe(&e)),
    }
}

/// Creates the schema or brings it up to `latest()`; returns the version it is at.
pub fn apply(client: &mut Client, location: &PgLocation) -> Result<i32> {
    let err = err(location);
    let schema = &location.schema;
    let mut txn = client.transaction().map_err(&err)?;
    // Held to the transaction's end: a second rolodex waits here, then finds the work done.
    txn.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&lock_key(schema, "migrate")],
    )
    .map_err(&err)?;
    let exists: bool = txn
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[schema],
        )
        .map_err(&err)?
        .get(0);
    if exists && recorded_version(&mut txn, location)?.is_none() {
        let tables: i64 = txn
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = $1",
                &[schema],
            )
            .map_err(&err)?
            .get(0);
        if tables > 0 {
            return Err(StoreError::NotAStore {
                path: location.as_path(),
                why: format!(
                    "its schema {schema} holds {tables} tables of another application; give rolodex a schema of its own with --pg-schema"
                ),
            });
        }
    }
    // The schema name is checked to be a plain identifier (`location::valid_schema`).
    txn.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
         SET LOCAL search_path TO \"{schema}\";
         CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer     PRIMARY KEY,
             name       text        NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         );"
    ))
    .map_err(&err)?;
    let found = recorded_version(&mut txn, location)?.unwrap_or(0);
    refuse_newer(location, found)?;
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        txn.batch_execute(sql).map_err(|e| StoreError::Postgres {
            store: location.shown().to_string(),
            message: format!(
                "migration {version:04}_{name} failed, nothing was changed: {}",
                describe(&e)
            ),
        })?;
        after(*version, &mut txn).map_err(|why| StoreError::Postgres {
            store: location.shown().to_string(),
            message: format!("migration {version:04}_{name} failed, nothing was changed: {why}"),
        })?;
        txn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .map_err(&err)?;
        if *version == WORDS {
            super::search::build_words(&mut txn, &err)?;
        }
    }
    txn.commit().map_err(&err)?;
    Ok(latest().max(found))
}

/// What a reader (or a writer of a store that must exist) asks: a store at this version.
pub fn verify(client: &mut Client, location: &PgLocation) -> Result<i32> {
    let mut txn = client.transaction().map_err(err(location))?;
    let found = recorded_version(&mut txn, location)?
        .filter(|v| *v > 0)
        .ok_or_else(|| StoreError::Missing(location.as_path()))?;
    refuse_newer(location, found)?;
    if found < latest() {
        return Err(StoreError::Open {
            path: location.as_path(),
            message: format!(
                "its schema is at version {found} and this rolodex reads {}; an import upgrades it",
                latest()
            ),
        });
    }
    Ok(found)
}

fn refuse_newer(location: &PgLocation, found: i32) -> Result<()> {
    if found > latest() {
        return Err(StoreError::NewerSchema {
            path: location.as_path(),
            found: found.unsigned_abs().into(),
            supported: latest().unsigned_abs().into(),
        });
    }
    Ok(())
}

/// The highest migration recorded in the schema, `None` when it has no record at all.
fn recorded_version(
    txn: &mut postgres::Transaction<'_>,
    location: &PgLocation,
) -> Result<Option<i32>> {
    let table = format!("\"{}\".schema_migrations", location.schema);
    let present: bool = txn
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .map_err(err(location))?
        .get(0);
    if !present {
        return Ok(None);
    }
    let v: Option<i32> = txn
        .query_one(&format!("SELECT max(version) FROM {table}"), &[])
        .map_err(err(location))?
        .get(0);
    Ok(Some(v.unwrap_or(0)))
}
