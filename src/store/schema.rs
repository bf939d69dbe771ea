//! Every table of the store, in one place. Nothing outside `store/` opens a table.

use redb::TableDefinition;

use super::index::Index;

/// Bumped when a table's layout changes; a store from a newer rolodex is refused.
/// Version 3 replaced the string-keyed phone and email indexes of version 2 by the
/// fixed-width ones of `index.rs`; version 4 sealed every record with a checksum (see
/// `codec.rs`); version 5 added the contact search index (`SEARCH`); version 6 keeps only
/// name and company words in it (emails and phones are searched through their indexes);
/// version 7 keeps them as posting lists (`WORDS`, see `search.rs`) in place of one entry a
/// word of a contact (`contact_search`). An older store is
/// upgraded when it is first opened for writing; until then a version 3 or 4 store is read
/// as it is (and searched contact by contact).
pub const SCHEMA_VERSION: u64 = 7;

/// `schema_version`, `next_contact_id`, `next_job_id`.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Contact id → contact (postcard).
pub const CONTACTS: TableDefinition<u64, &[u8]> = TableDefinition::new("contacts");
/// (E.164 phone as a number, contact id): see `index.rs`.
pub const BY_PHONE: Index = TableDefinition::new("phone_index");
/// (hash of the lowercased email, contact id): see `index.rs`.
pub const BY_EMAIL: Index = TableDefinition::new("email_index");
/// Tag → number of contacts carrying it (for the wizard's list of existing tags).
pub const TAGS: TableDefinition<&str, u64> = TableDefinition::new("tags");
/// List name → list (JSON: dial mode, shared, creating job).
pub const LISTS: TableDefinition<&str, &[u8]> = TableDefinition::new("lists");
/// Custom field name → its definition (JSON).
pub const CUSTOM_FIELDS: TableDefinition<&str, &[u8]> = TableDefinition::new("custom_fields");
/// Header signature → remembered mapping (JSON).
pub const MAPPINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("mappings");
/// Job id → job (JSON: plan, counts, status, resume point).
pub const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("jobs");
/// (job, first spreadsheet row of a chunk, piece) → the chunk's rows, cells and fates, in
/// pieces of at most `rows::PIECE` bytes: see `rows.rs`.
pub const JOB_ROWS: TableDefinition<(u64, u64, u32), &[u8]> =
    TableDefinition::new("job_row_pieces");
/// (job, contact id) → the contact before the job updated it (postcard).
pub const UNDO: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("undo");
/// (job, first contact id) → last contact id: the ids a job created, as ranges (a job's
/// contacts get consecutive ids, so a batch creates one range).
pub const CREATED: TableDefinition<(u64, u64), u64> = TableDefinition::new("created");
/// (contact id, job) → (the job's last row that matched the contact, what it did: a
/// `revert::Touch` code): every job that updated a contact stored before it, or skipped a
/// row as its duplicate, so a revert of the job that made the contact leaves it in place.
/// Stores from before this table get it, empty, when they are opened.
pub const MATCHED_BY: TableDefinition<(u64, u64), (u64, u8)> = TableDefinition::new("matched_by");
/// Member email → team member (JSON: name, role). Contacts name members by email.
/// Stores from before this table get it, empty, when they are opened for writing.
pub const TEAM: TableDefinition<&str, &[u8]> = TableDefinition::new("team");
/// Opportunity id → opportunity (postcard): see `opportunities.rs`. Stores from before
/// opportunities get these tables, empty, when they are opened for writing; readers of
/// such a store find none.
pub const OPPORTUNITIES: TableDefinition<u64, &[u8]> = TableDefinition::new("opportunities");
/// `id␟EXTERNAL ID` or `name␟CONTACT␟FOLDED NAME` → opportunity id: how a row's
/// opportunity finds the stored one.
pub const OPPORTUNITY_KEYS: TableDefinition<&str, u64> = TableDefinition::new("opportunity_keys");
/// (job, opportunity id) → the opportunity before the job updated it (postcard).
pub const OPPORTUNITY_UNDO: TableDefinition<(u64, u64), &[u8]> =
    TableDefinition::new("opportunity_undo");
/// (job, opportunity id): the opportunities a job created.
pub const OPPORTUNITIES_CREATED: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("opportunities_created");
/// (word key, first contact id of a chunk) → the chunk's later ids as varint gaps: the
/// name and company words contacts are found by, see `search.rs`. Built from the contacts
/// when a writer first opens a store from before it.
pub const WORDS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("contact_words");
/// The name index of versions 5 and 6, one entry (word key, contact id) each: deleted when
/// such a store is upgraded.
pub const LEGACY_SEARCH: Index = TableDefinition::new("contact_search");
/// (job, row) → (follow-up job, its row): the rows of a job fixed in the wizard and
/// imported again by a follow-up job (`Job::retry_of`), with the row of the follow-up's
/// file that holds each. Written when the follow-up's first batch is committed. Stores
/// from before this table get it, empty, when they are opened for writing; readers of
/// such a store find no row retried.
pub const RETRIED: TableDefinition<(u64, u64), (u64, u64)> = TableDefinition::new("retried_rows");
/// (follow-up job, i) → row of the job it retries: the rows a retry's file holds, in its
/// order (the `i`th at `retried::retry_file_row(i)`), noted when the retry is recorded and
/// moved into `RETRIED` in the commit after its first batch — by the retry's first run or,
/// when that was interrupted or cancelled before its first batch, by its resume.
pub const RETRY_PENDING: TableDefinition<(u64, u64), u64> = TableDefinition::new("retry_pending");
