//! `contacts --search` through the indexes: folded name words from the name index, numbers
//! by their leading digits (international, or national in the config's region) from the
//! phone index, whole addresses from the email index; the name index follows imports and
//! reverts, and a store written before it (or with the version 5 index, which held emails
//! and phone endings too) is searched all the same and gets it from the next writer.

use std::collections::BTreeSet;

use crate::common::{import, run, tempdir, write};

const PEOPLE: &str = "first_name,last_name,phone,email,company
Jürgen,Weiß,+1 613 969 0710,jurgen@example.com,Łódź Tools
Ann,Lee,+44 20 7946 0958,ann.lee@example.org,Acme
Annabelle,Ortiz,+1 514 720 9963,bella@example.net,Globex
";

/// The ids `contacts --search TEXT --json` lists.
fn found(dir: &std::path::Path, text: &str) -> BTreeSet<u64> {
    let out = run(dir, &["contacts", "--search", text, "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect()
}

fn ids(list: &[u64]) -> BTreeSet<u64> {
    list.iter().copied().collect()
}

#[test]
fn search_finds_folded_words_numbers_and_whole_addresses() {
    let dir = tempdir();
    let file = write(dir.path(), "people.csv", PEOPLE);
    assert_eq!(import(dir.path(), &file, &[]).code, 0);
    let d = dir.path();
    assert_eq!(found(d, "jurgen"), ids(&[1]), "accents fold");
    assert_eq!(
        found(d, "WEISS"),
        ids(&[1]),
        "ß folds to ss, case does not count"
    );
    assert_eq!(found(d, "lodz"), ids(&[1]), "company words");
    assert_eq!(found(d, "ann"), ids(&[2, 3]), "a word's start");
    assert_eq!(found(d, "ann lee"), ids(&[2]), "every word in one contact");
    assert_eq!(found(d, "annabell"), ids(&[3]), "longer than a key holds");
    assert_eq!(found(d, "annabelx"), ids(&[]));
    assert_eq!(
        found(d, "Ann.Lee@Example.org"),
        ids(&[2]),
        "a whole address"
    );
    assert_eq!(
        found(d, "ann.lee@ex"),
        ids(&[]),
        "the email index holds addresses whole"
    );
    assert_eq!(
        found(d, "bella"),
        ids(&[]),
        "nor their pieces (bella@example.net)"
    );
    assert_eq!(found(d, "(613) 969-0710"), ids(&[1]), "the national number");
    assert_eq!(found(d, "613 969"), ids(&[1]), "a national number's start");
    assert_eq!(
        found(d, "514 720"),
        ids(&[3]),
        "read in the config's region, US"
    );
    assert_eq!(
        found(d, "001 514 720"),
        ids(&[3]),
        "00 is the international prefix"
    );
    assert_eq!(found(d, "0014 720"), ids(&[]), "00, 1 (the US), then 4…");
    assert_eq!(
        found(d, "969 07"),
        ids(&[]),
        "digits in the middle of a number"
    );
    assert_eq!(
        found(d, "+1 514"),
        ids(&[3]),
        "an international number's start"
    );
    assert_eq!(found(d, "+1"), ids(&[]), "one digit is a word, not a phone");
    assert_eq!(found(d, "nobody"), ids(&[]));
    let table = run(d, &["contacts", "--search", "ann"]);
    assert!(table.stdout.contains("2 of 3 contacts"), "{}", table.stdout);
}

#[test]
fn the_index_follows_updates_and_reverts() {
    let dir = tempdir();
    let d = dir.path();
    let file = write(d, "people.csv", PEOPLE);
    assert_eq!(import(d, &file, &[]).code, 0);
    // The same phone with a new email: an update of contact 1.
    let more = write(
        d,
        "more.csv",
        "first_name,last_name,phone,email\nJürgen,Weiß,+16139690710,jw@newmail.example\nZoë,Kim,+14163917710,zoe@example.com\n",
    );
    let second = import(d, &more, &["--purpose", "upsert"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(
        found(d, "jw@newmail.example"),
        ids(&[1]),
        "an email an update added"
    );
    assert_eq!(found(d, "zoe"), ids(&[4]));
    assert_eq!(
        run(d, &["revert", "2", "--yes"]).code,
        0,
        "reverting the second import"
    );
    assert_eq!(
        found(d, "jw@newmail.example"),
        ids(&[]),
        "the update undone"
    );
    assert_eq!(found(d, "zoe"), ids(&[]), "the contact it made deleted");
    assert_eq!(
        found(d, "jurgen@example.com weiss"),
        ids(&[1]),
        "what was there before kept"
    );
}

/// Takes the search index out of a store and marks it schema 4, as rolodex before the
/// index left it.
fn as_schema_4(store: &std::path::Path) {
    let db = redb::Database::open(store).unwrap();
    let txn = db.begin_write().unwrap();
    assert!(txn.delete_table(rolodex::store::schema::WORDS).unwrap());
    {
        let meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
        txn.open_table(meta)
            .unwrap()
            .insert("schema_version", 4)
            .unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn a_store_from_before_the_index_is_searched_and_indexed_by_its_next_writer() {
    let dir = tempdir();
    let d = dir.path();
    let file = write(d, "people.csv", PEOPLE);
    assert_eq!(import(d, &file, &[]).code, 0);
    as_schema_4(&d.join("test.redb"));
    let read = run(d, &["contacts", "--search", "jurgen", "--json"]);
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert_eq!(read.json().as_array().unwrap().len(), 1);
    assert!(
        read.stderr.contains("has no search index yet") && read.stderr.contains("builds the index"),
        "{}",
        read.stderr
    );
    let more = write(d, "more.csv", "first_name,phone\nZoë,+14163917710\n");
    assert_eq!(import(d, &more, &[]).code, 0);
    let read = run(d, &["contacts", "--search", "jurgen", "--json"]);
    assert_eq!(read.json().as_array().unwrap().len(), 1);
    assert!(!read.stderr.contains("search index"), "{}", read.stderr);
    assert_eq!(found(d, "zoe"), ids(&[4]));
}

/// Marks a store schema 6: its index (one entry a word of a contact, in `contact_search`)
/// is not read by this version, so the store is searched contact by contact until its next
/// writer builds the posting lists and drops the old table. (A version 5 index, which also
/// held emails and phone endings as words, is dropped the same way.)
#[test]
fn a_version_6_store_is_searched_whole_and_reindexed_by_its_next_writer() {
    let dir = tempdir();
    let d = dir.path();
    let file = write(d, "people.csv", PEOPLE);
    assert_eq!(import(d, &file, &[]).code, 0);
    let store = d.join("test.redb");
    {
        let db = redb::Database::open(&store).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
            txn.open_table(meta)
                .unwrap()
                .insert("schema_version", 6)
                .unwrap();
            txn.delete_table(rolodex::store::schema::WORDS).unwrap();
            // The old kind of index: every contact under the word "stale".
            let search: redb::TableDefinition<(u64, u64), ()> =
                redb::TableDefinition::new("contact_search");
            let mut index = txn.open_table(search).unwrap();
            let stale = u64::from_be_bytes(*b"\x01stale\0\0");
            for id in 1..=3 {
                index.insert((stale, id), ()).unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let read = run(d, &["contacts", "--search", "stale", "--json"]);
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert!(
        read.json().as_array().unwrap().is_empty(),
        "{}",
        read.stdout
    );
    assert!(
        read.stderr.contains("has no search index yet"),
        "{}",
        read.stderr
    );
    let more = write(d, "more.csv", "first_name,phone\nZoë,+14163917710\n");
    assert_eq!(import(d, &more, &[]).code, 0);
    assert_eq!(found(d, "stale"), ids(&[]), "the old entries are gone");
    let db = redb::Database::open(&store).unwrap();
    let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
    let old: redb::TableDefinition<(u64, u64), ()> = redb::TableDefinition::new("contact_search");
    assert!(
        matches!(
            txn.open_table(old),
            Err(redb::TableError::TableDoesNotExist(_))
        ),
        "the version 6 table is dropped"
    );
    drop(txn);
    drop(db);
    assert_eq!(found(d, "jurgen"), ids(&[1]));
    assert_eq!(found(d, "zoe"), ids(&[4]));
}
