-- rolodex's PostgreSQL store, version 2: what an import's writer keeps beside the contacts
-- so that `revert` can undo a job, as the redb store keeps it (UNDO, CREATED, MATCHED_BY).

-- The contacts a job updated, as they were before its first update of them.
CREATE TABLE undo (
    job_id     bigint NOT NULL REFERENCES jobs (id),
    contact_id bigint NOT NULL,
    body       jsonb  NOT NULL,
    PRIMARY KEY (job_id, contact_id)
);

-- The ids a job gave the contacts it created: one range per batch.
CREATE TABLE created_ranges (
    job_id   bigint NOT NULL REFERENCES jobs (id),
    first_id bigint NOT NULL,
    last_id  bigint NOT NULL,
    PRIMARY KEY (job_id, first_id)
);

-- The last row of each job that matched a contact stored before it, and what it did
-- (1 skipped it as a duplicate, 2 updated it): a revert's conflict check reads it.
CREATE TABLE matched_by (
    contact_id bigint   NOT NULL,
    job_id     bigint   NOT NULL,
    row        bigint   NOT NULL,
    did        smallint NOT NULL,
    PRIMARY KEY (contact_id, job_id)
);
