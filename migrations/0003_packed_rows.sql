-- rolodex's PostgreSQL store, version 3: a job's rows kept as the redb store keeps them,
-- one record per chunk of the file (about a thousand rows): the rows' original cells and
-- their fates (status, reasons, contact), packed by rolodex (postcard, then zstd, sealed
-- with a 64-bit checksum) — the same bytes a store file holds, written by the same code.
--
-- Why: version 2 kept a jsonb record per row. For a 1M-row import the server spent most
-- of the import building those million jsonb values (and their index entries and
-- foreign-key checks); a packed chunk is one index entry and no parsing for a thousand
-- rows. What a DBA loses is querying rows in SQL: `rolodex show N --json`, `trace` and
-- `--report`/`--errors` give them, whole, and the chunk's rows are named by
-- (job_id, first_row .. last_row).
--
-- Contacts (and the undo records, which are contacts as they were) are packed the same
-- way: the record redb stores (postcard, sealed with a checksum), in `body`. With job rows
-- packed, building the 720k contacts' jsonb was the largest part of the server's work.
-- What a DBA queries most stays in plain columns, written with every contact: first_name,
-- last_name and company here, and every phone and email in `phones` and `emails` (join
-- on contact_id). `rolodex contacts --json` and `show` give the whole contact.
--
-- The records of a store at version 2 are converted by rolodex right after this file runs
-- (`src/store/pg/migrate.rs`, `after`), in the same transaction: job_rows, contacts and
-- undo are renamed here (…_v2), read into the new tables, then dropped.

ALTER TABLE job_rows RENAME TO job_rows_v2;

CREATE TABLE job_row_chunks (
    job_id    bigint NOT NULL REFERENCES jobs (id),
    first_row bigint NOT NULL,
    last_row  bigint NOT NULL,
    packed    bytea  NOT NULL,
    PRIMARY KEY (job_id, first_row),
    CHECK (last_row >= first_row)
);
-- Already compressed: stored out of line as it is, never recompressed by the server.
ALTER TABLE job_row_chunks ALTER COLUMN packed SET STORAGE EXTERNAL;

ALTER TABLE contacts RENAME TO contacts_v2;
ALTER INDEX contacts_pkey RENAME TO contacts_v2_pkey;
CREATE TABLE contacts (
    id         bigint PRIMARY KEY,
    first_name text,
    last_name  text,
    company    text,
    body       bytea  NOT NULL
);

ALTER TABLE undo RENAME TO undo_v2;
ALTER INDEX undo_pkey RENAME TO undo_v2_pkey;
CREATE TABLE undo (
    job_id     bigint NOT NULL REFERENCES jobs (id),
    contact_id bigint NOT NULL,
    body       bytea  NOT NULL,
    PRIMARY KEY (job_id, contact_id)
);

-- The identifier tables lose their foreign keys to contacts: a check per inserted row
-- took about a third of the time the server spent inserting a 1M-row import's phones and
-- emails. rolodex is their only writer and keeps them in step (a revert deletes a
-- contact's phones and emails with it); `rolodex migrate` verifies the counts.
ALTER TABLE phones DROP CONSTRAINT phones_contact_id_fkey;
ALTER TABLE emails DROP CONSTRAINT emails_contact_id_fkey;

-- What a store file keeps that the PostgreSQL store had no table for, so that
-- `rolodex migrate` copies a whole store either way: team members, opportunities (with
-- their undo records and keys), and the rows a follow-up job retried.
CREATE TABLE team (
    email text  PRIMARY KEY,
    body  jsonb NOT NULL
);
CREATE TABLE opportunities (
    id   bigint PRIMARY KEY,
    body bytea  NOT NULL
);
CREATE TABLE opportunity_keys (
    key            text   PRIMARY KEY,
    opportunity_id bigint NOT NULL
);
CREATE TABLE opportunity_undo (
    job_id         bigint NOT NULL REFERENCES jobs (id),
    opportunity_id bigint NOT NULL,
    body           bytea  NOT NULL,
    PRIMARY KEY (job_id, opportunity_id)
);
CREATE TABLE opportunities_created (
    job_id         bigint NOT NULL REFERENCES jobs (id),
    opportunity_id bigint NOT NULL,
    PRIMARY KEY (job_id, opportunity_id)
);
CREATE TABLE retried_rows (
    job_id    bigint NOT NULL REFERENCES jobs (id),
    row       bigint NOT NULL,
    by_job    bigint NOT NULL,
    by_row    bigint NOT NULL,
    PRIMARY KEY (job_id, row)
);
