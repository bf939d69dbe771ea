-- rolodex's PostgreSQL store, version 4: the words a contact search finds names and
-- companies by, as redb's name index keeps them (`engine::search`): each folded word of a
-- contact's first name, last name and company, once. Written by the import's writer in the
-- batch's transaction and by revert; filled from the contacts already stored when this
-- migration is applied (by rolodex, after this file). Collation "C" orders words by code
-- point, so a word prefix is one range of the primary key.
--
-- No foreign key: a contact's words are removed by their pairs (the writer and revert know
-- them), so the table needs no second index by contact for a cascade.

CREATE TABLE words (
    word       text COLLATE "C" NOT NULL,
    contact_id bigint           NOT NULL,
    PRIMARY KEY (word, contact_id)
);
