//! The dry run's memory of what this file's rows would store: a fingerprint of each match
//! key and what it leads to — the row that would create a contact, or the stored contact an
//! earlier row would update. It answers "which earlier row already brought this phone?"
//! exactly as the store answers the import, which holds those rows already.
//!
//! The newest keys live in a table in memory. When it holds `memory_keys`, they are
//! written, sorted, as one run to an unnamed temporary file (the operating system removes
//! it however the process ends), with a Bloom filter and the first key of every 4 KiB
//! block kept in memory. A key never seen costs a few Bloom probes; a key in a run costs
//! one 4 KiB read the first time, and is then kept at hand. Memory stays flat however
//! long the file.

use std::io::Write;
use std::os::unix::fs::FileExt;

use fastbloom::BloomFilter;

pub use super::error::ScratchError;
use super::resolve::MatchKey;

/// What a key of the file leads to, in the dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadsTo {
    /// The contact an earlier row creates.
    Row(u64),
    /// A stored contact an earlier row updates.
    Contact(u64),
}

const ROW_BIT: u64 = 1 << 63;

impl LeadsTo {
    /// One u64 for both kinds: the high bit marks a row.
    pub(crate) fn encode(self) -> u64 {
        match self {
            LeadsTo::Row(r) => r | ROW_BIT,
            LeadsTo::Contact(id) => id & !ROW_BIT,
        }
    }

    pub(crate) fn decode(v: u64) -> LeadsTo {
        if v & ROW_BIT != 0 {
            LeadsTo::Row(v & !ROW_BIT)
        } else {
            LeadsTo::Contact(v)
        }
    }
}

/// Keys held in memory before they move to a run on disk (about 10 MB of map).
pub const MEMORY_KEYS: usize = 1 << 19;

/// A 64-bit fingerprint of a key (XXH3): two keys of one file share one with a chance of
/// about one in three million for a file of six million keys.
fn fingerprint(key: &MatchKey<'_>) -> u64 {
    use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};
    match key {
        MatchKey::Phone(p) => xxh3_64_with_seed(p.as_bytes(), 1),
        MatchKey::Email(e) => xxh3_64_with_seed(e.as_bytes(), 2),
        MatchKey::Id(id) => xxh3_64(&id.to_le_bytes()),
    }
}

/// The fingerprint of "this contact carries this phone", apart from every key's.
fn holder_fingerprint(phone: &str, target: LeadsTo) -> u64 {
    let mut bytes = Vec::with_capacity(phone.len() + 8);
    bytes.extend_from_slice(&target.encode().to_le_bytes());
    bytes.extend_from_slice(phone.as_bytes());
    xxhash_rust::xxh3::xxh3_64_with_seed(&bytes, 3)
}

/// The newest keys: fingerprints and what they lead to side by side in one table, found
/// by linear probing from the fingerprint's low bits (fingerprints are uniform already).
/// A look-up costs one cache miss, where a general hash map, which keeps its control bytes
/// apart from its entries, costs two; the dry run looks up every key of every row.
struct Recent {
    /// (fingerprint, value) pairs; a fingerprint of 0 marks a free slot.
    slots: Vec<(u64, u64)>,
    /// The value of the one fingerprint that is 0, which cannot live in `slots`.
    zero: Option<u64>,
    len: usize,
    /// At most this many keys, at most half the slots.
    capacity: usize,
}

impl Recent {
    fn with_capacity(capacity: usize) -> Recent {
        Recent {
            slots: Vec::new(),
            zero: None,
            len: 0,
            capacity,
        }
    }

    /// The slot that holds `fp`, or the free slot where it would go.
    fn slot(&self, fp: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = fp as usize & mask;
        loop {
            let key = self.slots[i].0;
            if key == fp || key == 0 {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    fn get(&self, fp: u64) -> Option<u64> {
        if fp == 0 {
            return self.zero;
        }
        if self.slots.is_empty() {
            return None;
        }
        let (key, value) = self.slots[self.slot(fp)];
        (key == fp).then_some(value)
    }

    /// Adds `fp` unless it is there already (the first value stays).
    fn insert(&mut self, fp: u64, value: u64) {
        if fp == 0 {
            if self.zero.is_none() {
                self.zero = Some(value);
                self.len += 1;
            }
            return;
        }
        // At most half full: the table doubles as it fills, up to room for `capacity`.
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let i = self.slot(fp);
        if self.slots[i].0 == 0 {
            self.slots[i] = (fp, value);
            self.len += 1;
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    /// Holds as many keys as it may before they move to disk.
    fn is_full(&self) -> bool {
        self.len >= self.capacity
    }

    fn grow(&mut self) {
        let most = (self.capacity * 2).next_power_of_two().max(2);
        let size = (self.slots.len() * 2).clamp(1024.min(most), most);
        if size <= self.slots.len() {
            return;
        }
        let old = std::mem::replace(&mut self.slots, vec![(0, 0); size]);
        for (fp, value) in old.into_iter().filter(|&(fp, _)| fp != 0) {
            let i = self.slot(fp);
            self.slots[i] = (fp, value);
        }
    }

    /// Every entry, in fingerprint order, leaving the table empty.
    fn drain_sorted(&mut self) -> Vec<(u64, u64)> {
        let mut entries: Vec<(u64, u64)> = Vec::with_capacity(self.len);
        entries.extend(self.zero.take().map(|v| (0, v)));
        for slot in &mut self.slots {
            if slot.0 != 0 {
                entries.push(std::mem::take(slot));
            }
        }
        self.len = 0;
        entries.sort_unstable();
        entries
    }
}

/// Keys found on disk, kept in memory for the next time: a key in an old run is most often
/// a common address that comes back again and again, and each read of a run's block costs
/// a system call. What a key leads to never changes once stored, so a copy is exact.
const HOT_KEYS: usize = 1 << 16;

pub struct InFileIndex {
    recent: Recent,
    hot: std::cell::RefCell<rustc_hash::FxHashMap<u64, u64>>,
    spilled: Option<Spill>,
    len: usize,
}

impl Default for InFileIndex {
    fn default() -> Self {
        InFileIndex::with_memory_keys(MEMORY_KEYS)
    }
}

impl InFileIndex {
    /// An index that keeps `memory_keys` keys in memory before writing them to disk.
    pub fn with_memory_keys(memory_keys: usize) -> InFileIndex {
        InFileIndex {
            recent: Recent::with_capacity(memory_keys.max(1)),
            hot: Default::default(),
            spilled: None,
            len: 0,
        }
    }

    pub fn get(&self, key: &MatchKey<'_>) -> Result<Option<LeadsTo>, ScratchError> {
        self.lookup(fingerprint(key))
    }

    fn lookup(&self, fp: u64) -> Result<Option<LeadsTo>, ScratchError> {
        if let Some(v) = self.recent.get(fp) {
            return Ok(Some(LeadsTo::decode(v)));
        }
        let Some(spill) = &self.spilled else {
            return Ok(None);
        };
        if let Some(&v) = self.hot.borrow().get(&fp) {
            return Ok(Some(LeadsTo::decode(v)));
        }
        let found = spill.get(fp)?;
        if let Some(v) = found {
            let mut hot = self.hot.borrow_mut();
            if hot.len() >= HOT_KEYS {
                hot.clear();
            }
            hot.insert(fp, v);
        }
        Ok(found.map(LeadsTo::decode))
    }

    /// Remembers where a row's keys lead once it creates or updates a contact (the first
    /// row to bring a key keeps it).
    pub fn remember(&mut self, keys: &[MatchKey<'_>], target: LeadsTo) -> Result<(), ScratchError> {
        for key in keys {
            let fp = fingerprint(key);
            if self.lookup(fp)?.is_none() {
                self.add(fp, target);
            }
        }
        self.spill_if_full()
    }

    /// `remember` of keys that `get` has just found nowhere (a row that creates a contact):
    /// they are added without being looked up a second time.
    pub fn remember_unseen(
        &mut self,
        keys: &[MatchKey<'_>],
        target: LeadsTo,
    ) -> Result<(), ScratchError> {
        for key in keys {
            let fp = fingerprint(key);
            debug_assert!(matches!(self.lookup(fp), Ok(None)), "{key:?} was seen");
            self.add(fp, target);
        }
        self.spill_if_full()
    }

    /// Remembers that the contact `target` leads to carries each of `phones` (a number
    /// several contacts may share: the in-file key leads to its first holder only).
    pub fn remember_holder(
        &mut self,
        phones: &[MatchKey<'_>],
        target: LeadsTo,
    ) -> Result<(), ScratchError> {
        for key in phones {
            if let MatchKey::Phone(p) = key {
                let fp = holder_fingerprint(p, target);
                if self.lookup(fp)?.is_none() {
                    self.add(fp, target);
                }
            }
        }
        self.spill_if_full()
    }

    /// Whether an earlier row gave the contact `target` leads to the phone `phone`.
    pub fn holds(&self, phone: &str, target: LeadsTo) -> Result<bool, ScratchError> {
        Ok(self.lookup(holder_fingerprint(phone, target))?.is_some())
    }

    fn add(&mut self, fp: u64, target: LeadsTo) {
        // The first of two keys of one row that share a fingerprint keeps it.
        self.recent.insert(fp, target.encode());
        self.len += 1;
    }

    fn spill_if_full(&mut self) -> Result<(), ScratchError> {
        if self.recent.is_full() {
            let entries = self.recent.drain_sorted();
            let spill = match &mut self.spilled {
                Some(s) => s,
                None => self.spilled.insert(Spill::create()?),
            };
            spill.add_run(&entries)?;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[cfg(test)]
    fn runs(&self) -> usize {
        self.spilled.as_ref().map_or(0, |s| s.runs.len())
    }
}

/// Entries per block: 256 × 16 bytes, one 4 KiB read.
const BLOCK: usize = 256;
const ENTRY: usize = 16;

/// Older keys on disk: sorted runs of (fingerprint, target) pairs in one temporary file.
struct Spill {
    file: std::fs::File,
    end: u64,
    runs: Vec<Run>,
}

struct Run {
    /// Byte offset of the run's first entry.
    start: u64,
    len: usize,
    /// The first fingerprint of each block.
    fences: Vec<u64>,
    bloom: BloomFilter,
}

fn scratch_error(source: std::io::Error) -> ScratchError {
    ScratchError {
        folder: std::env::temp_dir(),
        source,
    }
}

impl Spill {
    fn create() -> Result<Spill, ScratchError> {
        Ok(Spill {
            file: tempfile::tempfile().map_err(scratch_error)?,
            end: 0,
            runs: Vec::new(),
        })
    }

    /// Writes sorted entries as a new run.
    fn add_run(&mut self, entries: &[(u64, u64)]) -> Result<(), ScratchError> {
        let mut bloom = BloomFilter::with_false_pos(0.01).expected_items(entries.len().max(1));
        let mut fences = Vec::with_capacity(entries.len() / BLOCK + 1);
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &self.file);
        for (i, &(fp, value)) in entries.iter().enumerate() {
            if i % BLOCK == 0 {
                fences.push(fp);
            }
            bloom.insert_hash(fp);
            out.write_all(&fp.to_le_bytes()).map_err(scratch_error)?;
            out.write_all(&value.to_le_bytes()).map_err(scratch_error)?;
        }
        out.flush().map_err(scratch_error)?;
        drop(out);
        self.runs.push(Run {
            start: self.end,
            len: entries.len(),
            fences,
            bloom,
        });
        self.end += (entries.len() * ENTRY) as u64;
        Ok(())
    }

    fn get(&self, fp: u64) -> Result<Option<u64>, ScratchError> {
        for run in &self.runs {
            if !run.bloom.contains_hash(fp) {
                continue;
            }
            let Some(block) = run.fences.partition_point(|&f| f <= fp).checked_sub(1) else {
                continue;
            };
            let first = block * BLOCK;
            let n = BLOCK.min(run.len - first);
            let mut buf = [0u8; BLOCK * ENTRY];
            let bytes = &mut buf[..n * ENTRY];
            self.file
                .read_exact_at(bytes, run.start + (first * ENTRY) as u64)
                .map_err(scratch_error)?;
            let entry = |i: usize| {
                let at = i * ENTRY;
                let word = |o: usize| {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(&bytes[at + o..at + o + 8]);
                    u64::from_le_bytes(w)
                };
                (word(0), word(8))
            };
            let (mut lo, mut hi) = (0, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                let (key, value) = entry(mid);
                match key.cmp(&fp) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => return Ok(Some(value)),
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(i: u64) -> String {
        format!("+1212{i:07}")
    }

    fn email(i: u64) -> String {
        format!("p{i}@x.com")
    }

    #[test]
    fn the_table_of_recent_keys_keeps_the_first_value_and_drains_in_order() {
        let mut recent = Recent::with_capacity(8);
        assert_eq!(recent.get(7), None);
        // 0 cannot mark a free slot and hold a key at once; colliding slots probe on.
        for (fp, value) in [(0, 1), (16, 2), (32, 3), (7, 4), (0, 5), (16, 6)] {
            recent.insert(fp, value);
        }
        assert_eq!(recent.len(), 4);
        assert_eq!(
            [recent.get(0), recent.get(16), recent.get(32), recent.get(7)],
            [Some(1), Some(2), Some(3), Some(4)]
        );
        assert_eq!(recent.get(48), None);
        assert_eq!(recent.drain_sorted(), [(0, 1), (7, 4), (16, 2), (32, 3)]);
        assert_eq!(
            (recent.len(), recent.get(16), recent.get(0)),
            (0, None, None)
        );
    }

    #[test]
    fn keys_on_disk_are_found_and_the_first_row_keeps_its_key() {
        let mut index = InFileIndex::with_memory_keys(1000);
        for i in 0..10_000u64 {
            let (p, e) = (phone(i), email(i));
            index
                .remember(
                    &[MatchKey::Phone(&p), MatchKey::Email(&e)],
                    LeadsTo::Row(i + 2),
                )
                .unwrap();
        }
        // A later row with an old key does not take it over.
        index
            .remember(&[MatchKey::Phone(&phone(5))], LeadsTo::Contact(99))
            .unwrap();
        assert_eq!(
            index.runs(),
            20,
            "older keys moved to disk, a run each time"
        );
        assert_eq!(index.len(), 20_000);
        for i in 0..10_000u64 {
            let (p, e) = (phone(i), email(i));
            assert_eq!(
                index.get(&MatchKey::Phone(&p)).unwrap(),
                Some(LeadsTo::Row(i + 2)),
                "{i}"
            );
            assert_eq!(
                index.get(&MatchKey::Email(&e)).unwrap(),
                Some(LeadsTo::Row(i + 2)),
                "{i}"
            );
        }
        for i in 10_000..20_000u64 {
            assert_eq!(index.get(&MatchKey::Phone(&phone(i))).unwrap(), None, "{i}");
        }
    }

    #[test]
    fn a_phone_and_an_email_with_the_same_text_are_different_keys() {
        let mut index = InFileIndex::default();
        index
            .remember(&[MatchKey::Phone("same")], LeadsTo::Row(2))
            .unwrap();
        assert_eq!(index.get(&MatchKey::Email("same")).unwrap(), None);
    }

    #[test]
    fn leads_to_round_trips() {
        for l in [
            LeadsTo::Row(2),
            LeadsTo::Row(u64::MAX >> 1),
            LeadsTo::Contact(0),
            LeadsTo::Contact(7),
        ] {
            assert_eq!(LeadsTo::decode(l.encode()), l);
        }
    }
}
