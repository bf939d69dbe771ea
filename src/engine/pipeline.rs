//! The streaming pipeline shared by the dry run and the import: a reader thread parses the
//! file into chunks of rows, one checker thread per core checks chunks as they come, and
//! the caller receives checked chunks back in file order. Bounded channels between the
//! stages give back-pressure, so memory stays at a few chunks whatever the size of the
//! file. Plain blocking threads, not a work-stealing pool: on a two-core machine, threads
//! that spin while waiting take the time the reader and the writer need.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::error::{EngineError, Result};
use super::source::{RawRow, Source};
use super::validate::{RowCheck, Validator};

/// Rows per chunk: large enough to keep every core busy, small enough to stay cheap.
pub const CHUNK_ROWS: usize = 1024;
/// Chunks in flight between two stages.
const IN_FLIGHT: usize = 2;

pub type Checked = (RawRow, RowCheck);

/// Work done on a whole chunk by the checker thread after checking it (the store packs
/// the rows' cells there, off the writer's thread).
pub type Pack = fn(&[Checked]) -> Option<Vec<u8>>;

/// Checked rows of one chunk, in file order, and what `Pack` made of them.
///
/// A chunk goes back to the checker thread that made it when it is dropped, and that
/// thread frees it: the allocator frees memory fastest on the thread that allocated it,
/// and the consumer (the dry run's main thread, the import's writer) is the one that sets
/// the pace. Take what must outlive the chunk out of its rows; the rest goes home.
pub struct Chunk {
    pub rows: Vec<Checked>,
    pub packed: Option<Vec<u8>>,
    home: Option<SyncSender<Vec<Checked>>>,
}

impl Chunk {
    /// A chunk made on the consumer's own thread (tests, benchmarks): freed where dropped.
    pub fn new(rows: Vec<Checked>, packed: Option<Vec<u8>>) -> Chunk {
        Chunk {
            rows,
            packed,
            home: None,
        }
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(home) = self.home.take() {
            // A full or closed channel (the checker has stopped) frees the rows here.
            let _ = home.try_send(std::mem::take(&mut self.rows));
        }
    }
}

/// Chunks on their way back to be freed by the checker that made them.
const RETURNING: usize = 4;

enum Read {
    Rows(u64, Vec<RawRow>),
    End { chunks: u64, blank_rows: u64 },
    Failed(EngineError),
}

enum Out {
    Rows(u64, Chunk),
    End { chunks: u64, blank_rows: u64 },
    Failed(EngineError),
}

/// Checked rows of a file, in order, chunk by chunk.
pub struct CheckedRows {
    rx: Option<Receiver<Out>>,
    /// Chunks that arrived ahead of their turn.
    waiting: BTreeMap<u64, Chunk>,
    next: u64,
    end: Option<(u64, u64)>,
    blank_rows: u64,
    done: bool,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

/// Who else needs a core while the rows are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cores {
    /// A writer does (an import): one checker per core but one.
    SpareOne,
    /// Nobody but the reader (a dry run): one checker per core.
    All,
}

/// How many checker threads.
fn checkers(cores: Cores) -> usize {
    // Each checker holds its own phone library with its own regex caches (about 35 MB),
    // so an import leaves one core to the writer rather than pay for a checker that would
    // only wait on it. ROLODEX_CHECKERS overrides, for measuring.
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    std::env::var("ROLODEX_CHECKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(match cores {
            Cores::SpareOne => n.saturating_sub(1),
            Cores::All => n,
        })
        .clamp(1, 16)
}

impl CheckedRows {
    /// Starts reading `source` and checking its rows; rows up to and including
    /// `skip_through` (a spreadsheet row) are read but not checked (a resumed job).
    pub fn start(
        source: &Source,
        validator: Arc<Validator>,
        skip_through: u64,
        pack: Option<Pack>,
        cores: Cores,
    ) -> Result<CheckedRows> {
        let mut rows = source.rows()?;
        let stop = Arc::new(AtomicBool::new(false));
        let workers = checkers(cores);
        let (read_tx, read_rx) = sync_channel::<Read>(IN_FLIGHT * workers);
        let (out_tx, out_rx) = sync_channel::<Out>(IN_FLIGHT * workers);
        let reader_stop = Arc::clone(&stop);
        let spawn_err = EngineError::Thread;
        let mut threads = Vec::new();
        threads.push(
            std::thread::Builder::new()
                .name("rolodex-read".into())
                .spawn(move || {
                    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
                    let mut seq = 0;
                    loop {
                        if reader_stop.load(Ordering::Relaxed) {
                            return;
                        }
                        match rows.next_row() {
                            Ok(Some(raw)) => {
                                if raw.row > skip_through {
                                    chunk.push(raw);
                                }
                                if chunk.len() >= CHUNK_ROWS {
                                    if !send(&read_tx, Read::Rows(seq, std::mem::take(&mut chunk)))
                                    {
                                        return;
                                    }
                                    seq += 1;
                                }
                            }
                            Ok(None) => {
                                if !chunk.is_empty() {
                                    if !send(&read_tx, Read::Rows(seq, chunk)) {
                                        return;
                                    }
                                    seq += 1;
                                }
                                // One end marker per checker, so each stops.
                                for _ in 0..workers {
                                    send(
                                        &read_tx,
                                        Read::End {
                                            chunks: seq,
                                            blank_rows: rows.blank_rows(),
                                        },
                                    );
                                }
                                return;
                            }
                            Err(e) => {
                                send(&read_tx, Read::Failed(e));
                                for _ in 1..workers {
                                    send(
                                        &read_tx,
                                        Read::End {
                                            chunks: u64::MAX,
                                            blank_rows: 0,
                                        },
                                    );
                                }
                                return;
                            }
                        }
                    }
                })
                .map_err(spawn_err)?,
        );
        let read_rx = Arc::new(Mutex::new(read_rx));
        for n in 0..workers {
            let read_rx = Arc::clone(&read_rx);
            let out_tx = out_tx.clone();
            let validator = Arc::clone(&validator);
            let (home, returned) = sync_channel::<Vec<Checked>>(RETURNING);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("rolodex-check-{n}"))
                    .spawn(move || loop {
                        // Free what came back before taking more work.
                        while let Ok(rows) = returned.try_recv() {
                            drop(rows);
                        }
                        let message = match read_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let out = match message {
                            Ok(Read::Rows(seq, chunk)) => {
                                let rows: Vec<Checked> = chunk
                                    .into_iter()
                                    .map(|raw| {
                                        let check = validator.check(&raw);
                                        (raw, check)
                                    })
                                    .collect();
                                let packed = pack.and_then(|pack| pack(&rows));
                                Out::Rows(
                                    seq,
                                    Chunk {
                                        rows,
                                        packed,
                                        home: Some(home.clone()),
                                    },
                                )
                            }
                            Ok(Read::End { chunks, blank_rows }) => {
                                let _ = out_tx.send(Out::End { chunks, blank_rows });
                                return;
                            }
                            Ok(Read::Failed(e)) => Out::Failed(e),
                            Err(_) => return,
                        };
                        if out_tx.send(out).is_err() {
                            return;
                        }
                    })
                    .map_err(spawn_err)?,
            );
        }
        Ok(CheckedRows {
            rx: Some(out_rx),
            waiting: BTreeMap::new(),
            next: 0,
            end: None,
            blank_rows: 0,
            done: false,
            stop,
            threads,
        })
    }

    /// The next chunk of checked rows, or `None` at the end of the file.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        loop {
            if self.done {
                return Ok(None);
            }
            if let Some(chunk) = self.waiting.remove(&self.next) {
                self.next += 1;
                return Ok(Some(chunk));
            }
            if let Some((chunks, blank_rows)) = self.end {
                if self.next >= chunks {
                    self.blank_rows = blank_rows;
                    self.done = true;
                    return Ok(None);
                }
            }
            let Some(rx) = &self.rx else {
                return Ok(None);
            };
            match rx.recv() {
                Ok(Out::Rows(seq, chunk)) => {
                    self.waiting.insert(seq, chunk);
                }
                Ok(Out::End { chunks, blank_rows }) => self.end = Some((chunks, blank_rows)),
                Ok(Out::Failed(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Err(EngineError::Interrupted("the reading threads"));
                }
            }
        }
    }

    /// Blank rows of the whole file, known once `next_chunk` has returned `None`.
    pub fn blank_rows(&self) -> u64 {
        self.blank_rows
    }
}

impl Drop for CheckedRows {
    fn drop(&mut self) {
        // Stop the stages: closing the output makes the checkers stop, which closes the
        // reader's channel.
        self.stop.store(true, Ordering::Relaxed);
        drop(self.rx.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn send(tx: &SyncSender<Read>, message: Read) -> bool {
    tx.send(message).is_ok()
}
