//! How a job's rows are kept: each chunk of the file becomes the rows' original cells and
//! their fates, each packed (postcard, then zstd). The cells are packed by the checker
//! threads while the writer decides the chunk before them; the writer packs only the
//! fates. The packed chunk is stored in pieces small enough to share a B-tree leaf page:
//! redb gives a value larger than a page a run of pages rounded up to a power of two, which
//! wasted 45% of the table; pieces appended in key order fill their pages.

use redb::{ReadableTable, Table};
use serde::{Deserialize, Serialize};

use super::codec::{self, Format};
use super::error::{Result, StoreError};
use super::jobs::JobRow;
use crate::engine::pipeline::Checked;
use crate::engine::reason::Issue;
use crate::engine::resolve::RowStatus;
use crate::engine::source::Cells;

/// Bytes per stored piece: three share a 4 KiB page.
pub const PIECE: usize = 1300;

/// Stores a packed chunk of `job` whose first row is `first_row`.
pub fn put(
    table: &mut Table<(u64, u64, u32), &[u8]>,
    job: u64,
    first_row: u64,
    packed: &[u8],
) -> Result<()> {
    for (i, piece) in packed.chunks(PIECE).enumerate() {
        table.insert((job, first_row, i as u32), piece)?;
    }
    Ok(())
}

/// Every row of `job`, in file order, from a snapshot whose records are `format`. A chunk
/// whose checksum does not hold is handed to `damaged` and skipped: the rest are served.
pub fn for_each<T>(
    table: &T,
    job: u64,
    format: Format,
    each: &mut dyn FnMut(JobRow) -> Result<()>,
    damaged: &mut dyn FnMut(StoreError),
) -> Result<()>
where
    T: ReadableTable<(u64, u64, u32), &'static [u8]>,
{
    chunks(
        table,
        Some(job),
        &mut |job, first_row, packed| match decode_as(packed, format) {
            Ok(rows) => rows.into_iter().try_for_each(&mut *each),
            Err(e) if e.is_damaged_record() => {
                damaged(e.at("job_row_pieces", chunk_key(job, first_row)));
                Ok(())
            }
            Err(e) => Err(e),
        },
    )
}

/// How a damaged chunk is named: "3 (from row 200)".
pub fn chunk_key(job: u64, first_row: u64) -> String {
    format!("{job} (from row {first_row})")
}

/// Called with a chunk's job, first row and stored bytes.
pub type ChunkFn<'a> = dyn FnMut(u64, u64, &[u8]) -> Result<()> + 'a;

/// Every stored chunk (of `job`, or of every job) as it was stored: job, first row, bytes.
pub fn chunks<T>(table: &T, job: Option<u64>, each: &mut ChunkFn<'_>) -> Result<()>
where
    T: ReadableTable<(u64, u64, u32), &'static [u8]>,
{
    let range = match job {
        Some(j) => (j, 0, 0)..=(j, u64::MAX, u32::MAX),
        None => (0, 0, 0)..=(u64::MAX, u64::MAX, u32::MAX),
    };
    chunks_in(table, range, &mut |j, r, packed| {
        each(j, r, packed).map(|()| true)
    })
}

/// Called with a chunk's job, first row and stored bytes; false stops the reading.
type ChunkUntil<'a> = dyn FnMut(u64, u64, &[u8]) -> Result<bool> + 'a;

/// The chunks whose pieces lie in `range`, until `each` says to stop (returns false).
fn chunks_in<T>(
    table: &T,
    range: std::ops::RangeInclusive<(u64, u64, u32)>,
    each: &mut ChunkUntil<'_>,
) -> Result<()>
where
    T: ReadableTable<(u64, u64, u32), &'static [u8]>,
{
    let mut chunk: Option<(u64, u64)> = None;
    let mut packed = Vec::new();
    for entry in table.range(range)? {
        let (key, piece) = entry?;
        let (job, first_row, _) = key.value();
        if let Some((j, r)) = chunk.filter(|c| *c != (job, first_row)) {
            if !each(j, r, &packed)? {
                return Ok(());
            }
            packed.clear();
        }
        chunk = Some((job, first_row));
        packed.extend_from_slice(piece.value());
    }
    if let Some((j, r)) = chunk {
        each(j, r, &packed)?;
    }
    Ok(())
}

/// Up to `limit` rows of `job` from row `from` on, in file order, decoding only the chunks
/// that hold them: a page of a job of any size costs a chunk or two, not the whole job.
pub fn page<T>(
    table: &T,
    job: u64,
    from: u64,
    limit: usize,
    format: Format,
    damaged: &mut dyn FnMut(StoreError),
) -> Result<Vec<JobRow>>
where
    T: ReadableTable<(u64, u64, u32), &'static [u8]>,
{
    // The chunk holding `from` is the last one to start at or before it.
    let start = match table
        .range((job, 0, 0)..=(job, from, u32::MAX))?
        .next_back()
    {
        Some(entry) => entry?.0.value().1,
        None => 0,
    };
    let mut out = Vec::with_capacity(limit.min(4096));
    if limit == 0 {
        return Ok(out);
    }
    chunks_in(
        table,
        (job, start, 0)..=(job, u64::MAX, u32::MAX),
        &mut |job, first_row, packed| {
            match decode_as(packed, format) {
                Ok(rows) => {
                    let wanted = rows.into_iter().filter(|r| r.row >= from);
                    out.extend(wanted.take(limit - out.len()));
                }
                Err(e) if e.is_damaged_record() => {
                    damaged(e.at("job_row_pieces", chunk_key(job, first_row)))
                }
                Err(e) => return Err(e),
            }
            Ok(out.len() < limit)
        },
    )?;
    Ok(out)
}

/// A row's fate, without its cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fate {
    pub row: u64,
    pub line: u64,
    pub status: RowStatus,
    pub issues: Vec<Issue>,
    pub contact: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct StoredChunk {
    /// Rows of the chunk before the first fate (already stored when a job resumed).
    skipped: u32,
    fates: Vec<u8>,
    cells: Vec<u8>,
}

/// The cells of a chunk's rows, packed: run by the checker threads (see
/// `CheckedRows::start`).
pub fn pack_chunk(rows: &[Checked]) -> Option<Vec<u8>> {
    pack_cells(rows.iter().map(|(raw, _)| &raw.cells))
}

pub fn pack_cells<'a>(cells: impl Iterator<Item = &'a Cells>) -> Option<Vec<u8>> {
    codec::encode_packed(&cells.collect::<Vec<_>>()).ok()
}

/// One stored chunk: its fates, and the packed cells of every row of the chunk.
pub fn encode(skipped: u32, fates: &[Fate], cells: Vec<u8>) -> Result<Vec<u8>> {
    codec::encode(&StoredChunk {
        skipped,
        fates: codec::encode_packed(&fates)?,
        cells,
    })
}

/// The rows of one stored chunk, cells and fates together.
pub fn decode(bytes: &[u8]) -> Result<Vec<JobRow>> {
    decode_as(bytes, Format::Checked)
}

/// The rows of one stored chunk written as `format`. A chunk whose checksum holds but whose
/// parts do not decode is as unusable as a damaged one, and reported the same way.
pub fn decode_as(bytes: &[u8], format: Format) -> Result<Vec<JobRow>> {
    let chunk: StoredChunk = codec::decode_as(bytes, format)?;
    let broken = |_| StoreError::damaged("", "");
    let fates: Vec<Fate> = codec::decode_packed(&chunk.fates).map_err(broken)?;
    let cells: Vec<Cells> = codec::decode_packed(&chunk.cells).map_err(broken)?;
    let cells = cells.into_iter().skip(chunk.skipped as usize);
    if cells.len() < fates.len() {
        return Err(StoreError::damaged("", ""));
    }
    Ok(fates
        .into_iter()
        .zip(cells)
        .map(|(f, cells)| JobRow {
            row: f.row,
            line: f.line,
            status: f.status,
            issues: f.issues,
            contact: f.contact,
            cells,
        })
        .collect())
}

/// A chunk as schema 2 stored it: whole rows, packed together.
pub fn decode_schema_2(bytes: &[u8]) -> Result<Vec<JobRow>> {
    codec::decode_lz4(bytes)
}

/// Re-encodes schema 2 rows.
pub fn encode_rows(rows: Vec<JobRow>) -> Result<Vec<u8>> {
    let mut fates = Vec::with_capacity(rows.len());
    let mut cells = Vec::with_capacity(rows.len());
    for r in rows {
        fates.push(Fate {
            row: r.row,
            line: r.line,
            status: r.status,
            issues: r.issues,
            contact: r.contact,
        });
        cells.push(r.cells);
    }
    encode(0, &fates, codec::encode_packed(&cells)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reason::Reason;

    fn row(n: u64) -> JobRow {
        JobRow {
            row: n,
            line: n + 1,
            status: if n.is_multiple_of(2) {
                RowStatus::Imported
            } else {
                RowStatus::Error
            },
            issues: vec![Issue::new(Reason::InvalidPhone, Some("Phone"), "bad")],
            contact: n.is_multiple_of(2).then_some(n * 10),
            cells: Cells::from_strings(&[format!("name {n}"), String::new(), "x".into()]),
        }
    }

    #[test]
    fn rows_round_trip_through_a_chunk() {
        let rows: Vec<JobRow> = (2..50).map(row).collect();
        let bytes = encode_rows(rows.clone()).unwrap();
        assert_eq!(decode(&bytes).unwrap(), rows);
    }

    #[test]
    fn a_chunk_resumed_part_way_pairs_fates_with_the_right_cells() {
        let rows: Vec<JobRow> = (2..10).map(row).collect();
        let cells = pack_cells(rows.iter().map(|r| &r.cells)).unwrap();
        // The first three rows were stored before a kill; the last two not reached.
        let fates: Vec<Fate> = rows[3..6]
            .iter()
            .map(|r| Fate {
                row: r.row,
                line: r.line,
                status: r.status,
                issues: r.issues.clone(),
                contact: r.contact,
            })
            .collect();
        let bytes = encode(3, &fates, cells).unwrap();
        assert_eq!(decode(&bytes).unwrap(), rows[3..6].to_vec());
    }
}
