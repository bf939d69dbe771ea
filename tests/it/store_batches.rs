//! The store's batch writer through the library: rows split over many small batches and
//! several jobs on one open store must find each other exactly as one batch would — the
//! key filter kept between batches must never hide a stored key.

use rolodex::engine::apply::final_status;
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
