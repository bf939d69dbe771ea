//! The phone and email indexes. Each entry is a fixed-width pair (key, contact id) with no
//! value: a phone's key is its E.164 digits as a number (exact), an email's key is a
//! 64-bit xxh3 hash of the normalized address. Sixteen-byte entries pack a leaf page
//! densely, so a million-contact index stays small enough to sit in the page cache while
//! an import inserts into it at random. A hashed key can, very rarely, be shared by two
//! addresses, so the ids found under it are checked against the contacts themselves.

use redb::{ReadableTable, Table, TableDefinition};

use super::codec::{self, Format};
use super::error::Result;
use crate::engine::contact::Contact;

pub type Index = TableDefinition<'static, (u64, u64), ()>;

/// Which identifier an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Phone,
    Email,
}

/// Phone keys above this are hashes (for a stored phone that is not plain E.164);
/// E.164 has at most 15 digits, far below.
const HASHED: u64 = 1 << 63;

impl Kind {
    /// The key a value is indexed under, and whether the key is exact (one value only).
    pub fn key(self, value: &str) -> (u64, bool) {
        match self {
            Kind::Phone => match value.strip_prefix('+') {
                Some(digits)
                    if (1..=18).contains(&digits.len())
                        && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    match digits.parse::<u64>() {
                        Ok(n) => (n, true),
                        Err(_) => (hash(value) | HASHED, false),
                    }
                }
                _ => (hash(value) | HASHED, false),
            },
            Kind::Email => (hash(value), false),
        }
    }

    /// Whether the contact carries the value (to confirm a hashed key).
    fn held_by(self, contact: &Contact, value: &str) -> bool {
        match self {
            Kind::Phone => contact.phones.iter().any(|p| p == value),
            Kind::Email => contact.emails.iter().any(|e| e == value),
        }
    }

    /// The contact's values this index holds.
    pub fn values(self, contact: &Contact) -> &[String] {
        match self {
            Kind::Phone => &contact.phones,
            Kind::Email => &contact.emails,
        }
    }
}

fn hash(value: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(value.as_bytes()) & !HASHED
}

/// The ids of the contacts carrying `value`, in a snapshot whose records are `format`.
pub fn find<I, C>(
    index: &I,
    contacts: &C,
    kind: Kind,
    value: &str,
    format: Format,
) -> Result<Vec<u64>>
where
    I: ReadableTable<(u64, u64), ()>,
    C: ReadableTable<u64, &'static [u8]>,
{
    let (key, exact) = kind.key(value);
    let ids = under(index, key)?;
    if exact {
        return Ok(ids);
    }
    confirmed_as(contacts, kind, value, ids, format)
}

/// The ids stored under `key`, unconfirmed.
pub fn under<I>(index: &I, key: u64) -> Result<Vec<u64>>
where
    I: ReadableTable<(u64, u64), ()>,
{
    index
        .range((key, 0)..=(key, u64::MAX))?
        .map(|entry| Ok(entry?.0.value().1))
        .collect()
}

/// The lowest id stored under `key`, unconfirmed: one read however many contacts share it.
pub fn first_under<I>(index: &I, key: u64) -> Result<Option<u64>>
where
    I: ReadableTable<(u64, u64), ()>,
{
    match index.range((key, 0)..=(key, u64::MAX))?.next() {
        Some(entry) => Ok(Some(entry?.0.value().1)),
        None => Ok(None),
    }
}

/// The ids among `ids` whose contact really carries `value` (what a hashed key cannot
/// tell alone).
pub fn confirmed<C>(contacts: &C, kind: Kind, value: &str, ids: Vec<u64>) -> Result<Vec<u64>>
where
    C: ReadableTable<u64, &'static [u8]>,
{
    confirmed_as(contacts, kind, value, ids, Format::Checked)
}

fn confirmed_as<C>(
    contacts: &C,
    kind: Kind,
    value: &str,
    ids: Vec<u64>,
    format: Format,
) -> Result<Vec<u64>>
where
    C: ReadableTable<u64, &'static [u8]>,
{
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if confirm(contacts, kind, value, id, format)? {
            out.push(id);
        }
    }
    Ok(out)
}

fn confirm<C>(contacts: &C, kind: Kind, value: &str, id: u64, format: Format) -> Result<bool>
where
    C: ReadableTable<u64, &'static [u8]>,
{
    let Some(stored) = contacts.get(id)? else {
        return Ok(false);
    };
    let contact: Contact =
        codec::decode_contact_as(stored.value(), format).map_err(|e| e.at("contacts", id))?;
    Ok(kind.held_by(&contact, value))
}

pub fn insert(index: &mut Table<(u64, u64), ()>, kind: Kind, value: &str, id: u64) -> Result<()> {
    index.insert((kind.key(value).0, id), ())?;
    Ok(())
}

pub fn remove(index: &mut Table<(u64, u64), ()>, kind: Kind, value: &str, id: u64) -> Result<()> {
    index.remove((kind.key(value).0, id))?;
    Ok(())
}

/// Whether the index holds `value` for contact `id`.
pub fn holds<I>(index: &I, kind: Kind, value: &str, id: u64) -> Result<bool>
where
    I: ReadableTable<(u64, u64), ()>,
{
    Ok(index.get((kind.key(value).0, id))?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_phones_are_their_own_exact_keys() {
        assert_eq!(Kind::Phone.key("+16135550123"), (16135550123, true));
        assert_eq!(Kind::Phone.key("+442079460958"), (442079460958, true));
    }

    #[test]
    fn anything_else_is_hashed_apart_from_every_exact_key() {
        for odd in ["", "+", "16135550123", "+1 613", "+12345678901234567890"] {
            let (key, exact) = Kind::Phone.key(odd);
            assert!(!exact, "{odd}");
            assert!(key >= HASHED, "{odd}");
        }
        let (a, exact) = Kind::Email.key("ann@example.com");
        assert!(!exact);
        assert_ne!(a, Kind::Email.key("ann@example.org").0);
        // Stable across runs, releases and platforms: stores keep these keys on disk. The
        // value is XXH3-64 from the reference implementation (Python's xxhash), top bit
        // cleared.
        assert_eq!(a, 1529586403950173578);
    }
}
