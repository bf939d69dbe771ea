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
/// The most bits a filter takes (4 MiB): a 10M-row import would otherwise hold 25 MB of
/// filter, most of what its memory grows by beyond a 1M-row one (8 MiB left it 12% above).
/// Past about 3.3M keys the filter has fewer bits a key and says "maybe" more often (at
/// 14M keys, about one key in three, each then a B-tree search): time, not memory.
const MAX_BITS: usize = 4 << 23;
/// Room always made for keys to come, beyond those stored and those expected.
const HEADROOM_KEYS: usize = 1 << 16;

pub struct KeyFilter {
    bloom: BloomFilter<KeyHash>,
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
        let stored = phones.len()? + emails.len()?;
        let mut filter = KeyFilter::empty(stored, expected);
        for (kind, index) in [(Kind::Phone, phones), (Kind::Email, emails)] {
            for entry in index.iter()? {
                filter.add(kind, entry?.0.value().0);
            }
        }
        Ok(filter)
    }

    /// A filter holding no key yet, sized for `stored` keys and `expected` more: a backend
    /// that reads its indexes itself (PostgreSQL) adds every stored key to it.
    pub fn empty(stored: u64, expected: u64) -> KeyFilter {
        let capacity = (stored + expected) as usize + HEADROOM_KEYS;
        KeyFilter {
            bloom: BloomFilter::with_num_bits(bits_for(capacity))
                .hasher(KeyHash)
                .expected_items(capacity),
            keys: 0,
            capacity,
        }
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

/// Hashes a (kind, key) pair with two multiply-xorshift rounds: the keys are numbers
/// already (E.164 digits, or an email's xxh3), and the default SipHash took a tenth of the
/// writer's time in the filter.
#[derive(Clone, Copy, Default)]
struct KeyHash;

#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::BuildHasher for KeyHash {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0x9E37_79B9_7F4A_7C15)
    }
}

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        // splitmix64's finalizer: every bit of the input moves every bit of the output.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(29) ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The filter's size for `capacity` keys: [`BITS_PER_KEY`] each, up to [`MAX_BITS`].
fn bits_for(capacity: usize) -> usize {
    capacity.saturating_mul(BITS_PER_KEY).min(MAX_BITS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_for_ten_million_rows_stays_within_its_memory_and_never_misses_a_key() {
        assert_eq!(bits_for(1_000), 10_000);
        assert_eq!(bits_for(20_000_000), MAX_BITS);
        let capacity = 20_000_000;
        let mut filter = KeyFilter {
            bloom: BloomFilter::with_num_bits(bits_for(capacity))
                .hasher(KeyHash)
                .expected_items(capacity),
            keys: 0,
            capacity,
        };
        assert!(
            filter.bloom.num_bits() <= 4 << 23,
            "{} bits",
            filter.bloom.num_bits()
        );
        for key in 0..100_000 {
            filter.add(Kind::Phone, 33_100_000_000 + key * 7);
        }
        assert!((0..100_000).all(|key| filter.may_hold(Kind::Phone, 33_100_000_000 + key * 7)));
    }

    #[test]
    fn close_numbers_are_told_apart_as_often_as_a_filter_of_their_size_can() {
        // E.164 numbers come in runs of neighbours: the hash must scatter them.
        let capacity = 200_000;
        let mut filter = KeyFilter {
            bloom: BloomFilter::with_num_bits(bits_for(capacity))
                .hasher(KeyHash)
                .expected_items(capacity),
            keys: 0,
            capacity,
        };
        for key in 0..capacity as u64 {
            filter.add(Kind::Phone, 16_135_550_000 + key);
        }
        let unseen = 16_135_550_000 + capacity as u64..16_135_550_000 + 3 * capacity as u64;
        let maybe = unseen.filter(|&k| filter.may_hold(Kind::Phone, k)).count();
        // 10 bits a key: about 1% say "maybe"; 3% leaves room for chance.
        assert!(maybe < 3 * capacity * 2 / 100, "{maybe} false positives");
        // The other kind under the same number is another key.
        let other = (0..capacity as u64)
            .filter(|&k| filter.may_hold(Kind::Email, 16_135_550_000 + k))
            .count();
        assert!(
            other < capacity * 3 / 100,
            "{other} false positives across kinds"
        );
    }
}
