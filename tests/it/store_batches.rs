//! The store's batch writer through the library: rows split over many small batches and
//! several jobs on one open store must find each other exactly as one batch would — the
//! key filter kept between batches must never hide a stored key.

use rolodex::engine::apply::{final_status, recheck_row};
use rolodex::engine::mapping::Mapping;
use rolodex::engine::pipeline::Chunk;
use rolodex::engine::plan::{ImportOptions, ImportPlan, Purpose};
use rolodex::engine::source::{RawRow, Source};
use rolodex::engine::validate::{RowCheck, Validator};
use rolodex::store::import::{BatchRows, NewJob};
use rolodex::store::jobs::Job;
use rolodex::store::{Result, Store};

use crate::common::tempdir;

/// Rows handed over in chunks of `chunk`.
struct Chunks {
    rows: std::vec::IntoIter<(RawRow, RowCheck)>,
    chunk: usize,
}

impl BatchRows for Chunks {
    fn next_chunk(&mut self, _job: &Job) -> Result<Option<Chunk>> {
        let rows: Vec<_> = self.rows.by_ref().take(self.chunk).collect();
        Ok((!rows.is_empty()).then_some(Chunk::new(rows, None)))
    }
    fn blank_rows(&self) -> u64 {
        0
    }
}

fn import(store: &Store, dir: &std::path::Path, csv: &str, purpose: Purpose, limit: usize) -> Job {
    let (source, plan) = plan(dir, csv, purpose);
    let path = plan.file.clone();
    let validator = Validator::new(&plan, source.header()).unwrap();
    let mut reader = source.rows().unwrap();
    let mut rows = Vec::new();
    while let Some(raw) = reader.next_row().unwrap() {
        let check = validator.check(&raw);
        rows.push((raw, check));
    }
    let mut job = store
        .start_job(NewJob {
            file: path.display().to_string(),
            size: 0,
            checksum: String::new(),
            header: source.header().to_vec(),
            plan: &plan,
            import_tag: None,
            retry_of: None,
        })
        .unwrap();
    let mut feed = Chunks {
        rows: rows.into_iter(),
        chunk: 3,
    };
    while !store.write_batch(&mut job, &mut feed, limit).unwrap().ended {}
    let status = final_status(job.counts.failed);
    store.finish_job(&mut job, status).unwrap();
    job
}

/// `csv` written to in.csv in `dir`, and the plan that imports it.
fn plan(dir: &std::path::Path, csv: &str, purpose: Purpose) -> (Source, ImportPlan) {
    let path = dir.join("in.csv");
    std::fs::write(&path, csv).unwrap();
    let source = Source::open(&path, &Default::default()).unwrap();
    let plan = ImportPlan {
        file: path.clone(),
        read: Default::default(),
        mapping: Mapping::auto(source.header()),
        options: ImportOptions {
            purpose,
            max_failures: u64::MAX,
            consent_confirmed: true,
            import_tag: false,
            ..Default::default()
        },
        date_orders: Default::default(),
    };
    (source, plan)
}

fn people(n: usize, offset: usize) -> String {
    let mut csv = String::from("Name,Phone,Email\n");
    for i in offset..offset + n {
        csv.push_str(&format!(
            "Person {i},+1 212 555 {:04},p{i}@example.com\n",
            i % 10_000
        ));
    }
    csv
}

#[test]
fn duplicates_are_found_across_batches_jobs_and_a_revert() {
    let dir = tempdir();
    let store = Store::open(&dir.path().join("test.redb")).unwrap();
    // 40 rows, the last 10 repeating the first 10: batches of 4 rows.
    let mut csv = people(30, 0);
    csv.push_str(people(10, 0).trim_start_matches("Name,Phone,Email\n"));
    let job = import(&store, dir.path(), &csv, Purpose::Create, 4);
    assert_eq!((job.counts.created, job.counts.skipped), (30, 10));
    // A second job on the same open store sees every stored key.
    let job2 = import(&store, dir.path(), &people(35, 0), Purpose::Create, 5);
    assert_eq!((job2.counts.created, job2.counts.skipped), (5, 30));
    // After a revert of the second job and a re-import of its new rows, they are found.
    store.revert_job(job2.id, false, &mut |_| {}).unwrap();
    let job3 = import(&store, dir.path(), &people(5, 30), Purpose::Update, 2);
    assert_eq!((job3.counts.updated, job3.counts.skipped), (0, 5));
    let job4 = import(&store, dir.path(), &people(35, 0), Purpose::Create, 7);
    assert_eq!((job4.counts.created, job4.counts.skipped), (5, 30));
    assert_eq!(store.contact_count().unwrap(), 35);
    assert_eq!(store.check_invariants().unwrap(), Vec::<String>::new());
}

/// The wizard's row editor re-checks a fixed row with `recheck_row` against the store as it
/// is: what it shows must be what the retry's import then does to that row.
#[test]
fn a_rechecked_row_gets_what_its_import_gives_it() {
    // Stored first: persons 0 to 4, and person 3's phone once more under another name,
    // so that it matches two contacts.
    let mut stored = people(5, 0);
    stored.push_str("Other,+1 212 555 0003,other@example.com\n");
    // The rows to re-check and then import: no two of them match each other.
    let rows = "Name,Phone,Email\n\
        Person 1,+1 212 555 0001,p1@example.com\n\
        Person 99,+1 212 555 0099,p99@example.com\n\
        ,+1 212 555 0077,p77@example.com\n\
        Person 88,,\n\
        Person 66,+1 212 555 0066,p2@example.com\n\
        Person 33,+1 212 555 0003,\n\
        Person 44,12,p44@example.com\n";
    for purpose in [Purpose::Create, Purpose::Upsert, Purpose::Update] {
        let dir = tempdir();
        let store = Store::open(&dir.path().join("test.redb")).unwrap();
        import(&store, dir.path(), &stored, Purpose::Always, 100);
        let (source, plan) = plan(dir.path(), rows, purpose);
        let validator = Validator::new(&plan, source.header()).unwrap();
        let lookup = store.lookup().unwrap();
        let mut reader = source.rows().unwrap();
        let mut rechecked = Vec::new();
        while let Some(raw) = reader.next_row().unwrap() {
            let again = recheck_row(&validator, &plan.options, &raw, &lookup).unwrap();
            rechecked.push((raw.row, again.status, again.issues));
        }
        drop(lookup);
        let job = import(&store, dir.path(), rows, purpose, 100);
        let mut imported = Vec::new();
        store
            .job_rows(job.id, &mut |row| {
                imported.push((row.row, row.status, row.issues));
                Ok(())
            })
            .unwrap();
        assert_eq!(rechecked, imported, "{purpose:?}");
        // Every kind of fate is met, so the comparison means something.
        let statuses: std::collections::BTreeSet<_> = imported
            .iter()
            .map(|(_, status, _)| status.name())
            .collect();
        let expected: &[&str] = match purpose {
            Purpose::Create => &["error", "imported", "skipped"],
            Purpose::Upsert => &["error", "imported", "updated"],
            _ => &["error", "skipped", "updated"],
        };
        assert_eq!(
            statuses.into_iter().collect::<Vec<_>>(),
            expected,
            "{purpose:?}"
        );
    }
}

/// A page of a job's rows read from the chunks that hold it equals the same rows of the
/// whole job read through: whatever the page's start (inside a chunk, on its first row,
/// past the end) and size.
#[test]
fn a_page_of_a_jobs_rows_is_the_same_rows_as_the_whole_job_read_through() {
    let dir = tempdir();
    let store = Store::open(&dir.path().join("test.redb")).unwrap();
    let mut csv = people(30, 0);
    csv.push_str(people(10, 0).trim_start_matches("Name,Phone,Email\n"));
    let job = import(&store, dir.path(), &csv, Purpose::Create, 4);
    let mut all = Vec::new();
    store
        .job_rows(job.id, &mut |row| {
            all.push(row);
            Ok(())
        })
        .unwrap();
    assert_eq!(all.len(), 40);
    let first = all[0].row;
    for (from, limit) in [
        (0, 5),
        (first, 3),
        (first + 1, 7),
        (first + 20, 100),
        (first + 39, 2),
        (first + 40, 5),
        (first + 5, 0),
    ] {
        let page = store.job_rows_from(job.id, from, limit).unwrap();
        let want: Vec<_> = all
            .iter()
            .filter(|r| r.row >= from)
            .take(limit)
            .cloned()
            .collect();
        assert_eq!(page, want, "from {from}, limit {limit}");
    }
}
