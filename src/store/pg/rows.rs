//! A job's rows on PostgreSQL, as the redb store keeps them (`store::rows`): one record per
//! chunk of the file — its rows' original cells and fates, packed by the same code
//! (postcard, zstd, sealed with a checksum) — keyed (job, first row) with its last row.
//! Schema 2 kept a jsonb record per row; building a million of them took the server most
//! of an import's time (see `migrations/0003_packed_rows.sql`).

use postgres::{GenericClient, Transaction};

use super::{describe, id_param, PgStore};
use crate::store::jobs::JobRow;
use crate::store::rows;
use crate::store::{Result, StoreError};

/// Chunks read per round trip when a whole job is read (about a thousand rows each).
const CHUNKS_PER_READ: i64 = 16;

/// A chunk as stored: its first and last row, its packed bytes.
pub struct StoredChunk {
    pub first_row: u64,
    pub last_row: u64,
    pub packed: Vec<u8>,
}

/// Writes a batch's chunks of `job` (one statement for the batch). A chunk whose first row
/// is stored already replaces it: only a batch that was never committed wrote it.
pub fn put(
    txn: &mut Transaction<'_>,
    job: u64,
    chunks: &[StoredChunk],
    err: &dyn Fn(postgres::Error) -> StoreError,
) -> Result<()> {
    if chunks.is_empty() {
        return Ok(());
    }
    let firsts: Vec<i64> = chunks
        .iter()
        .map(|c| id_param(c.first_row))
        .collect::<Result<_>>()?;
    let lasts: Vec<i64> = chunks
        .iter()
        .map(|c| id_param(c.last_row))
        .collect::<Result<_>>()?;
    let packed: Vec<&[u8]> = chunks.iter().map(|c| c.packed.as_slice()).collect();
    txn.execute(
        "INSERT INTO job_row_chunks (job_id, first_row, last_row, packed)
             SELECT $1, f, l, p FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS u(f, l, p)
         ON CONFLICT (job_id, first_row) DO UPDATE
             SET last_row = EXCLUDED.last_row, packed = EXCLUDED.packed",
        &[&id_param(job)?, &firsts, &lasts, &packed],
    )
    .map_err(err)?;
    Ok(())
}

/// Where a read of chunks starts.
enum Start {
    /// At the chunk holding this row (the last to start at or before it).
    Holding(i64),
    /// At the first chunk starting after this row.
    After(i64),
}

/// At most `count` chunks of `job` from `start` on, in file order: first row and bytes.
fn chunks(
    client: &mut impl GenericClient,
    job: i64,
    start: Start,
    count: i64,
) -> std::result::Result<Vec<(i64, Vec<u8>)>, postgres::Error> {
    let rows = match start {
        Start::Holding(row) => client.query(
            "SELECT first_row, packed FROM job_row_chunks
             WHERE job_id = $1 AND first_row >= coalesce(
                 (SELECT max(first_row) FROM job_row_chunks WHERE job_id = $1 AND first_row <= $2), 0)
             ORDER BY first_row LIMIT $3",
            &[&job, &row, &count],
        )?,
        Start::After(row) => client.query(
            "SELECT first_row, packed FROM job_row_chunks WHERE job_id = $1 AND first_row > $2
             ORDER BY first_row LIMIT $3",
            &[&job, &row, &count],
        )?,
    };
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

impl PgStore {
    /// Every row of `job` in file order, a few chunks per round trip (the connection is
    /// not held while `each` runs). A damaged chunk is noted and skipped, as with redb.
    pub(super) fn chunked_job_rows(
        &self,
        job: u64,
        each: &mut dyn FnMut(JobRow) -> Result<()>,
    ) -> Result<()> {
        let jid = id_param(job)?;
        let mut start = Start::After(-1);
        loop {
            let read =
                chunks(&mut *self.client(), jid, start, CHUNKS_PER_READ).map_err(self.err())?;
            let Some(last) = read.last().map(|c| c.0) else {
                return Ok(());
            };
            let more = read.len() as i64 == CHUNKS_PER_READ;
            for (first_row, packed) in read {
                for row in self.decode_chunk(job, first_row, &packed) {
                    each(row)?;
                }
            }
            if !more {
                return Ok(());
            }
            start = Start::After(last);
        }
    }

    /// Up to `limit` rows of `job` from row `from` on: a page costs the chunks holding it.
    pub(super) fn chunked_job_rows_from(
        &self,
        job: u64,
        from: u64,
        limit: usize,
    ) -> Result<Vec<JobRow>> {
        let jid = id_param(job)?;
        let mut out: Vec<JobRow> = Vec::with_capacity(limit.min(4096));
        let mut start = Start::Holding(id_param(from)?);
        while out.len() < limit {
            // About a thousand rows a chunk; one more for the chunk `from` falls in.
            let want = i64::try_from((limit - out.len()) / 1000 + 2)
                .unwrap_or(i64::MAX)
                .min(CHUNKS_PER_READ);
            let read = chunks(&mut *self.client(), jid, start, want).map_err(self.err())?;
            let Some(last) = read.last().map(|c| c.0) else {
                break;
            };
            let more = read.len() as i64 == want;
            for (first_row, packed) in read {
                let rows = self.decode_chunk(job, first_row, &packed);
                let wanted = rows.into_iter().filter(|r| r.row >= from);
                out.extend(wanted.take(limit - out.len()));
            }
            if !more {
                break;
            }
            start = Start::After(last);
        }
        Ok(out)
    }

    fn decode_chunk(&self, job: u64, first_row: i64, packed: &[u8]) -> Vec<JobRow> {
        match rows::decode(packed) {
            Ok(rows) => rows,
            Err(e) => {
                let e = e.at(
                    "job_row_chunks",
                    rows::chunk_key(job, first_row.unsigned_abs()),
                );
                self.note_damage(e);
                Vec::new()
            }
        }
    }
}

/// Schema 2's job rows (a jsonb record per row) packed into chunks, as the migration to
/// schema 3 asks: rows of a job in file order, `CHUNK_ROWS` to a chunk.
pub fn convert_schema_2(txn: &mut Transaction<'_>) -> std::result::Result<u64, String> {
    let chunk_rows = crate::engine::pipeline::CHUNK_ROWS;
    let jobs: Vec<i64> = txn
        .query(
            "SELECT DISTINCT job_id FROM job_rows_v2 ORDER BY job_id",
            &[],
        )
        .map_err(|e| describe(&e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut converted = 0u64;
    for job in jobs {
        let mut after = -1i64;
        loop {
            let page = txn
                .query(
                    "SELECT row, body::text FROM job_rows_v2 WHERE job_id = $1 AND row > $2
                     ORDER BY row LIMIT $3",
                    &[&job, &after, &(chunk_rows as i64)],
                )
                .map_err(|e| describe(&e))?;
            let Some(last) = page.last().map(|r| r.get::<_, i64>(0)) else {
                break;
            };
            let mut chunk = Vec::with_capacity(page.len());
            for r in &page {
                let row: i64 = r.get(0);
                let text: &str = r.get(1);
                let jr: JobRow = serde_json::from_str(text)
                    .map_err(|e| format!("job {job} row {row} does not decode ({e})"))?;
                chunk.push(jr);
            }
            let first = chunk.first().map_or(0, |r| r.row);
            let last_row = chunk.last().map_or(0, |r| r.row);
            converted += chunk.len() as u64;
            let packed = rows::encode_rows(chunk).map_err(|e| e.to_string())?;
            let chunk = StoredChunk {
                first_row: first,
                last_row,
                packed,
            };
            put(txn, job.unsigned_abs(), &[chunk], &|e| {
                StoreError::Codec(describe(&e))
            })
            .map_err(|e| e.to_string())?;
            if page.len() < chunk_rows {
                break;
            }
            after = last;
        }
    }
    Ok(converted)
}
