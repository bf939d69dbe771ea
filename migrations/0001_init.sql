-- rolodex's PostgreSQL store, version 1. Applied by rolodex itself (never by hand), inside
-- one transaction, with `search_path` set to the store's schema (`--pg-schema`, default
-- `rolodex`): names here are unqualified so the same file serves any schema name.
-- Records a rolodex reads whole (a contact, a job) are jsonb, so a DBA can query them.

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO meta (key, value) VALUES ('next_job_id', 1), ('next_contact_id', 1);

CREATE TABLE contacts (
    id   bigint PRIMARY KEY,
    body jsonb  NOT NULL
);

-- One row per identifier a contact carries: the exact, normalized value (E.164 phone,
-- lower-cased email), so a lookup needs no hash and no confirming read.
CREATE TABLE phones (
    value      text   NOT NULL,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (value, contact_id)
);
CREATE INDEX phones_contact ON phones (contact_id);

CREATE TABLE emails (
    value      text   NOT NULL,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (value, contact_id)
);
CREATE INDEX emails_contact ON emails (contact_id);

CREATE TABLE tags (
    name  text   PRIMARY KEY,
    count bigint NOT NULL
);

CREATE TABLE lists (
    name text  PRIMARY KEY,
    body jsonb NOT NULL
);

CREATE TABLE custom_fields (
    name text  PRIMARY KEY,
    kind jsonb NOT NULL
);

CREATE TABLE mappings (
    signature text  PRIMARY KEY,
    mapping   jsonb NOT NULL
);

CREATE TABLE jobs (
    id         bigint      PRIMARY KEY,
    body       jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every row's fate, kept forever: what history, show, reports and trace read.
CREATE TABLE job_rows (
    job_id bigint NOT NULL REFERENCES jobs (id),
    row    bigint NOT NULL,
    body   jsonb  NOT NULL,
    PRIMARY KEY (job_id, row)
);
