//! A Bloom filter of every key the phone and email indexes hold, kept in memory while the
//! store is open. Most rows of an import bring keys the store has never seen; the filter
//! answers those without a B-tree search. It may say "maybe" for a key that is not there
//! (the index is then searched), never "no" for one that is: every key an import inserts
//! is added, a key removed is simply left in, and whatever else rebuilds indexes drops the
//! filter so the next import builds it again from the tables.

use fastbloom::BloomFilter;
use redb::ReadableTable;

use super::error::Result;
use super::index::Kind;

/// Bits per key: about 1% false positives.
const BITS_PER_KEY: usize = 10;
/// Room always made for keys to come, beyond those stored and those expected.
const HEADROOM_KEYS: usize = 1 << 16;

pub struct KeyFilter {
    bloom: BloomFilter,
    keys: usize,
    capacity: usize,
}

impl KeyFilter {
    /// A filter of every key of both indexes, with room for `expected` more (sized to
    /// what is stored and expected, its memory stays flat however large the file).
    pub fn build<I>(phones: &I, emails: &I, expected: u64) -> Result<KeyFilter>
    where
        I: ReadableTable<(u64, u64), ()>,
    {
        let stored = (phones.len()? + emails.len()?) as usize;
        let capacity = stored + expected as usize + HEADROOM_KEYS;
        let mut filter = KeyFilter {
            bloom: BloomFilter::with_num_bits(capacity * BITS_PER_KEY).expected_items(capacity),
            keys: 0,
            capacity,
        };
        for (kind, index) in [(Kind::Phone, phones), (Kind::Email, emails)] {
            for entry in index.iter()? {
                filter.add(kind, entry?.0.value().0);
            }
        }
        Ok(filter)
    }

    /// False when the index certainly has no entry under `key`.
    pub fn may_hold(&self, kind: Kind, key: u64) -> bool {
        self.bloom.contains(&(kind as u8, key))
    }

    pub fn add(&mut self, kind: Kind, key: u64) {
        self.bloom.insert(&(kind as u8, key));
        self.keys += 1;
    }

    /// Past its capacity the filter stays correct but grows vague: time to rebuild it.
    pub fn is_full(&self) -> bool {
        self.keys > self.capacity
    }
}
