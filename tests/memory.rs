#![allow(clippy::unwrap_used)]
//! `contacts --json` holds one contact at a time, however large the store: its listing
//! path (the store's `for_each_contact` and the JSON a contact is written as) run over a
//! 100,000-contact store into a sink, with every allocation counted by this test binary's
//! own allocator. A binary of its own, so no other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use rolodex::cli::output::ContactJson;
use rolodex::engine::apply::final_status;
use rolodex::engine::mapping::Mapping;
use rolodex::engine::pipeline::Chunk;
use rolodex::engine::plan::{ImportOptions, ImportPlan};
use rolodex::engine::source::{RawRow, Source};
use rolodex::engine::validate::{RowCheck, Validator};
use rolodex::store::import::{BatchRows, NewJob};
use rolodex::store::jobs::Job;
use rolodex::store::{Result, Store};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

struct Rows(std::vec::IntoIter<(RawRow, RowCheck)>);

impl BatchRows for Rows {
    fn next_chunk(&mut self, _job: &Job) -> Result<Option<Chunk>> {
        let rows: Vec<_> = self.0.by_ref().take(1000).collect();
        Ok((!rows.is_empty()).then_some(Chunk::new(rows, None)))
    }
    fn blank_rows(&self) -> u64 {
        0
    }
}

const CONTACTS: usize = 100_000;

/// A store of `CONTACTS` contacts, written through the library in batches.
fn big_store(dir: &std::path::Path) -> Store {
    let path = dir.join("in.csv");
    let mut csv = String::from("First name,Last name,Phone,Email,Company\n");
    for i in 0..CONTACTS {
        csv.push_str(&format!(
            "Jürgen{i},Weiß{i},+1 613 {} {:04},p{i}@example.com,Company {i}\n",
            969 - i / 10_000,
            i % 10_000
        ));
    }
    std::fs::write(&path, csv).unwrap();
    let source = Source::open(&path, &Default::default()).unwrap();
    let plan = ImportPlan {
        file: path.clone(),
        read: Default::default(),
        mapping: Mapping::auto(source.header()),
        options: ImportOptions {
            max_failures: u64::MAX,
            consent_confirmed: true,
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
    let store = Store::open(&dir.join("big.redb")).unwrap();
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
    let mut feed = Rows(rows.into_iter());
    while !store
        .write_batch(&mut job, &mut feed, 50_000)
        .unwrap()
        .ended
    {}
    let status = final_status(job.counts.failed);
    store.finish_job(&mut job, status).unwrap();
    store
}

#[test]
fn contacts_json_streams_in_memory_that_does_not_grow_with_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.redb");
    drop(big_store(dir.path()));
    let store = Store::open_read_only(&path).unwrap();
    assert_eq!(store.contact_count().unwrap(), CONTACTS as u64);
    let mut out = std::io::BufWriter::new(std::io::sink());
    let mut text = Vec::new();
    let mut listed = 0;
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    store
        .for_each_contact(&mut |c| {
            text.clear();
            serde_json::to_writer_pretty(&mut text, &ContactJson(&c)).unwrap();
            out.write_all(&text).unwrap();
            listed += 1;
            true
        })
        .unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(listed, CONTACTS);
    // The reader's page cache (8 MiB) and a few pages of redb's own; the contacts
    // themselves (about 30 MB as JSON) never are held at once.
    const CEILING: usize = 16 << 20;
    assert!(peak < CEILING, "peak {peak} bytes for {listed} contacts");
    eprintln!("peak {peak} bytes allocated while listing {listed} contacts");
    // A search finds through the index, holding only the ids it found.
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let found = store
        .search_contacts(&rolodex::engine::search::Query::parse("jurgen12345"))
        .unwrap();
    assert!(found.indexed);
    assert_eq!(found.ids.len(), 1);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert!(peak < CEILING, "search peak {peak} bytes");
}
