//! One store test-suite, run against both backends: the redb file and PostgreSQL. Each
//! test is a function of a `Backend`; `both!` makes a `redb` and a `postgres` test of it.
//!
//! The PostgreSQL tests find the server through `ROLODEX_TEST_PG_URL` (`.ci/run` starts a
//! throwaway cluster and sets it; `source .ci/postgres.sh && pg_start` does the same by
//! hand). They fail when it is not set, and are skipped only with `ROLODEX_TEST_PG=skip`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rolodex::engine::apply::final_status;
use rolodex::engine::mapping::{CustomField, CustomKind, Mapping, Target};
use rolodex::engine::pipeline::Chunk;
use rolodex::engine::plan::{ImportOptions, ImportPlan, ListTarget, Purpose};
use rolodex::engine::resolve::RowStatus;
use rolodex::engine::source::{RawRow, Source};
use rolodex::engine::validate::{RowCheck, Validator};
use rolodex::store::backend::{self, ContactStore};
use rolodex::store::import::{BatchRows, NewJob};
use rolodex::store::jobs::{Job, JobStatus};
use rolodex::store::{Access, StoreError};

use crate::common::tempdir;

#[derive(Clone, Copy, Debug)]
enum Backend {
    Redb,
    Postgres,
}

/// A store of one test: a file in a temporary directory, or a schema of its own in the
/// test database (dropped at the end).
struct Fixture {
    db: PathBuf,
    schema: String,
    _dir: tempfile::TempDir,
    pg_url: Option<String>,
}

static SCHEMAS: AtomicUsize = AtomicUsize::new(0);

/// The test server's URL; `None` only when `ROLODEX_TEST_PG=skip` asks to skip.
pub fn test_pg_url() -> Option<String> {
    if std::env::var("ROLODEX_TEST_PG").as_deref() == Ok("skip") {
        eprintln!("PostgreSQL test skipped: ROLODEX_TEST_PG=skip");
        return None;
    }
    match std::env::var("ROLODEX_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => panic!(
            "this test needs a PostgreSQL server: set ROLODEX_TEST_PG_URL (`source .ci/postgres.sh && pg_start` starts a throwaway one), or ROLODEX_TEST_PG=skip to skip it"
        ),
    }
}

/// A schema name no other test (or run) uses.
pub fn fresh_schema() -> String {
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        SCHEMAS.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}

/// Runs `sql` on the test server (a test's own setup, outside rolodex).
pub fn pg_exec(url: &str, sql: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.batch_execute(sql).unwrap();
}

impl Fixture {
    fn new(backend: Backend) -> Option<Fixture> {
        let dir = tempdir();
        Some(match backend {
            Backend::Redb => Fixture {
                db: dir.path().join("store.redb"),
                schema: "rolodex".into(),
                _dir: dir,
                pg_url: None,
            },
            Backend::Postgres => {
                let url = test_pg_url()?;
                Fixture {
                    db: PathBuf::from(&url),
                    schema: fresh_schema(),
                    _dir: dir,
                    pg_url: Some(url),
                }
            }
        })
    }

    fn open(&self, access: Access) -> Result<Box<dyn ContactStore>, StoreError> {
        backend::open(&self.db, &self.schema, access)
    }

    fn sql(&self, sql: &str) {
        let url = self.pg_url.as_deref().expect("a PostgreSQL fixture");
        pg_exec(url, &format!("SET search_path TO {}; {sql}", self.schema));
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(url) = &self.pg_url {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
            }
        }
    }
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn redb() {
                super::$name(super::Backend::Redb)
            }
            #[test]
            fn postgres() {
                super::$name(super::Backend::Postgres)
            }
        }
    )+};
}

both!(
    a_new_store_is_empty,
    reading_a_missing_store_is_refused,
    jobs_are_numbered_and_kept,
    a_second_writer_is_refused_and_readers_are_not,
    a_reader_writes_nothing,
    a_remembered_mapping_is_replaced,
    an_import_creates_then_an_upsert_merges,
    history_keeps_every_rows_fate,
    a_revert_restores_and_leaves_conflicts,
    a_batch_not_committed_is_redone_by_resume,
);

/// A plan with a list and a custom field, as a job records them.
fn plan() -> ImportPlan {
    let header = vec!["Name".to_string(), "Phone".to_string(), "Tier".to_string()];
    let mut mapping = Mapping::auto(&header);
    mapping.columns[2].target = Target::Custom(CustomField {
        name: "tier".into(),
        kind: CustomKind::Number,
    });
    ImportPlan {
        file: PathBuf::from("/data/in.csv"),
        read: Default::default(),
        mapping,
        options: ImportOptions {
            list: Some(ListTarget {
                name: "Autumn fair".into(),
                dial: Default::default(),
            }),
            ..Default::default()
        },
        date_orders: Default::default(),
    }
}

fn new_job(plan: &ImportPlan) -> NewJob<'_> {
    NewJob {
        file: plan.file.display().to_string(),
        size: 42,
        checksum: "abc".into(),
        header: vec!["Name".into(), "Phone".into(), "Tier".into()],
        plan,
        import_tag: Some("import-1".into()),
        retry_of: None,
    }
}

fn a_new_store_is_empty(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let store = f.open(Access::Create).unwrap();
    assert!(store.is_writable());
    assert_eq!(store.contact_count().unwrap(), 0);
    assert!(store.contacts().unwrap().is_empty());
    assert!(store.contact(1).unwrap().is_none());
    assert!(store.find_by_phone("+12125550001").unwrap().is_empty());
    assert!(store.find_by_email("a@example.com").unwrap().is_empty());
    assert!(store.jobs().unwrap().is_empty());
    assert!(matches!(store.job(1), Err(StoreError::NoSuchJob(1))));
    assert!(store.tags().unwrap().is_empty());
    assert!(store.lists().unwrap().is_empty());
    assert!(store.custom_fields().unwrap().is_empty());
    assert!(store.remembered_mapping("sig").unwrap().is_none());
    assert!(store.take_damage().is_empty());
    // Opening it again (a second run) finds it as it was left.
    drop(store);
    let again = f.open(Access::Create).unwrap();
    assert_eq!(again.contact_count().unwrap(), 0);
}

fn reading_a_missing_store_is_refused(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    for access in [Access::Read, Access::Write] {
        let e = f.open(access).err().expect("refused");
        assert!(matches!(e, StoreError::Missing(_)), "{e:?}");
        assert!(e.to_string().contains("an import creates it"), "{e}");
    }
}

fn jobs_are_numbered_and_kept(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let plan = plan();
    {
        let store = f.open(Access::Create).unwrap();
        let mut first = store.start_job(new_job(&plan)).unwrap();
        let second = store.start_job(new_job(&plan)).unwrap();
        assert_eq!((first.id, second.id), (1, 2));
        assert_eq!(first.status, JobStatus::Checking);
        assert!(first.owner.is_some());
        first.counts.created = 7;
        first.resume_after = 9;
        store.save_job(&first).unwrap();
        store.finish_job(&mut first, JobStatus::Completed).unwrap();
        assert!(first.finished.is_some());
    }
    let store = f.open(Access::Read).unwrap();
    let jobs = store.jobs().unwrap();
    assert_eq!(jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [1, 2]);
    let first = store.job(1).unwrap();
    assert_eq!(first, jobs[0]);
    assert_eq!(
        (first.status, first.counts.created, first.resume_after),
        (JobStatus::Completed, 7, 9)
    );
    assert_eq!(first.plan, plan);
    assert_eq!(first.import_tag.as_deref(), Some("import-1"));
    // The job's list and custom field, defined by the first job that named them.
    let lists = store.lists().unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(
        (lists[0].name.as_str(), lists[0].created_by),
        ("Autumn fair", 1)
    );
    let fields = store.custom_fields().unwrap();
    assert_eq!(fields.get("tier"), Some(&CustomKind::Number));
    // The mapping is remembered for the header's signature.
    let signature = rolodex::engine::mapping::header_signature(&new_job(&plan).header);
    assert_eq!(
        store.remembered_mapping(&signature).unwrap(),
        Some(plan.mapping.clone())
    );
    // A job's rows, when none are written yet: none, from anywhere.
    let mut rows = 0;
    store
        .job_rows(1, &mut |_| {
            rows += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(rows, 0);
    assert!(store.job_rows_from(1, 5, 10).unwrap().is_empty());
}

fn a_second_writer_is_refused_and_readers_are_not(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let writer = f.open(Access::Create).unwrap();
    let e = f
        .open(Access::Write)
        .err()
        .expect("a second writer is refused");
    assert!(matches!(e, StoreError::Busy(_)), "{e:?}");
    assert!(
        e.to_string().contains("is in use by another rolodex"),
        "{e}"
    );
    let reader = f.open(Access::Read).unwrap();
    let plan = plan();
    writer.start_job(new_job(&plan)).unwrap();
    // The reader sees the writer's commits.
    assert_eq!(reader.jobs().unwrap().len(), 1);
    drop(writer);
    // Once the writer is gone, another may write.
    f.open(Access::Write).unwrap();
}

fn a_reader_writes_nothing(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    drop(f.open(Access::Create).unwrap());
    let reader = f.open(Access::Read).unwrap();
    assert!(!reader.is_writable());
    let plan = plan();
    assert!(reader.remember_mapping("sig", &plan.mapping).is_err());
    assert!(reader.start_job(new_job(&plan)).is_err());
    assert!(reader.jobs().unwrap().is_empty());
}

fn a_remembered_mapping_is_replaced(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let store = f.open(Access::Create).unwrap();
    let a = Mapping::auto(&["Name".to_string(), "Phone".to_string()]);
    let b = Mapping::auto(&["Phone".to_string(), "Name".to_string()]);
    store.remember_mapping("sig", &a).unwrap();
    assert_eq!(store.remembered_mapping("sig").unwrap(), Some(a));
    store.remember_mapping("sig", &b).unwrap();
    assert_eq!(store.remembered_mapping("sig").unwrap(), Some(b));
    assert!(store.remembered_mapping("other").unwrap().is_none());
}

// PostgreSQL only: the schema's life.

fn pg_fixture() -> Option<Fixture> {
    Fixture::new(Backend::Postgres)
}

#[test]
fn postgres_schema_is_created_once_and_recorded() {
    let Some(f) = pg_fixture() else { return };
    // Several rolodex starting at once on an empty database: one creates the schema, the
    // others wait for it under the migration lock, then find it made.
    std::thread::scope(|s| {
        let opened: Vec<_> = (0..4)
            .map(|_| s.spawn(|| f.open(Access::Create).map(|_| ())))
            .collect();
        for o in opened {
            let r = o.join().unwrap();
            // All but one are refused as second writers, none fails otherwise.
            assert!(matches!(r, Ok(()) | Err(StoreError::Busy(_))), "{r:?}");
        }
    });
    let url = f.pg_url.clone().unwrap();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let rows = c
        .query(
            &format!(
                "SELECT version, name FROM {}.schema_migrations ORDER BY version",
                f.schema
            ),
            &[],
        )
        .unwrap();
    let applied: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let every: Vec<(i32, String)> = rolodex::store::pg::migrate::MIGRATIONS
        .iter()
        .map(|m| (m.0, m.1.to_string()))
        .collect();
    assert_eq!(applied, every);
    assert_eq!(
        &applied[..2],
        [(1, "init".to_string()), (2, "writer".to_string())]
    );
}

#[test]
fn postgres_store_of_a_newer_rolodex_is_refused() {
    let Some(f) = pg_fixture() else { return };
    drop(f.open(Access::Create).unwrap());
    f.sql("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
    for access in [Access::Read, Access::Write, Access::Create] {
        let e = f.open(access).err().expect("refused");
        assert!(
            matches!(e, StoreError::NewerSchema { found: 999, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("written by a newer rolodex"), "{e}");
    }
}

#[test]
fn postgres_schema_of_another_application_is_left_alone() {
    let Some(f) = pg_fixture() else { return };
    pg_exec(
        f.pg_url.as_deref().unwrap(),
        &format!(
            "CREATE SCHEMA {0}; CREATE TABLE {0}.invoices (id int)",
            f.schema
        ),
    );
    let e = f.open(Access::Create).err().expect("refused");
    assert!(matches!(e, StoreError::NotAStore { .. }), "{e:?}");
    assert!(e.to_string().contains("--pg-schema"), "{e}");
}

#[test]
fn postgres_unreachable_server_is_named_without_its_password() {
    let url = "postgresql://alice:s3cret@%2Fnonexistent%2Fdir/crm";
    let e = backend::open(std::path::Path::new(url), "rolodex", Access::Read)
        .err()
        .expect("no server there");
    let text = e.to_string();
    assert!(matches!(e, StoreError::Postgres { .. }), "{e:?}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(
        text.contains("postgres://alice@%2Fnonexistent%2Fdir/crm"),
        "{text}"
    );
}

// Imports through the store interface: the same rows, the same decisions, the same
// history and the same reverts on both backends.

/// Rows handed over in chunks of `chunk`; with `fail_after`, the feed breaks (a read
/// error, a killed client) once that many chunks were handed over.
struct Chunks {
    rows: std::vec::IntoIter<(RawRow, RowCheck)>,
    chunk: usize,
    fail_after: Option<usize>,
    handed: usize,
}

impl BatchRows for Chunks {
    fn next_chunk(&mut self, _job: &Job) -> rolodex::store::Result<Option<Chunk>> {
        if self.fail_after == Some(self.handed) {
            return Err(StoreError::Codec("the feed broke".into()));
        }
        self.handed += 1;
        let rows: Vec<_> = self.rows.by_ref().take(self.chunk).collect();
        Ok((!rows.is_empty()).then_some(Chunk::new(rows, None)))
    }
    fn blank_rows(&self) -> u64 {
        0
    }
}

/// `csv` written to a file in `dir`, checked, and a job started for it.
fn checked(
    store: &dyn ContactStore,
    dir: &std::path::Path,
    csv: &str,
    purpose: Purpose,
) -> (Job, Vec<(RawRow, RowCheck)>) {
    let path = dir.join(format!("in{}.csv", store.jobs().unwrap().len()));
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
            tags: ["fair".to_string()].into_iter().collect(),
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
    let job = store
        .start_job(NewJob {
            file: path.display().to_string(),
            size: 0,
            checksum: String::new(),
            header: source.header().to_vec(),
            plan: &plan,
            import_tag: Some(format!("import-{}", store.jobs().unwrap().len() + 1)),
            retry_of: None,
        })
        .unwrap();
    (job, rows)
}

/// Imports `csv` in batches of `limit` rows, chunks of 3.
fn import(
    store: &dyn ContactStore,
    dir: &std::path::Path,
    csv: &str,
    purpose: Purpose,
    limit: usize,
) -> Job {
    let (mut job, rows) = checked(store, dir, csv, purpose);
    let mut feed = Chunks {
        rows: rows.into_iter(),
        chunk: 3,
        fail_after: None,
        handed: 0,
    };
    while !store.write_batch(&mut job, &mut feed, limit).unwrap().ended {}
    let status = final_status(job.counts.failed);
    store.finish_job(&mut job, status).unwrap();
    job
}

const FIRST: &str = "Name,Phone,Email\n\
    Ada Lovelace,+1 212 736 0100,ada@example.com\n\
    Alan Turing,+1 212 736 0101,\n\
    Grace Hopper,,grace@example.com\n\
    Ada L.,+1 212 736 0100,\n\
    Nobody,not a phone,\n\
    Edsger Dijkstra,+1 212 736 0103,ewd@example.com\n\
    Barbara Liskov,+1 212 736 0104,\n";

const SECOND: &str = "Name,Phone,Email,Company\n\
    Alan Turing,+1 212 736 0101,alan@example.com,Bletchley\n\
    Grace Hopper,+1 212 736 0102,grace@example.com,Navy\n\
    Donald Knuth,+1 212 736 0105,,Stanford\n";

/// Everything a store says about its contacts and jobs, in one comparable value.
fn dump(store: &dyn ContactStore) -> serde_json::Value {
    let jobs: Vec<serde_json::Value> = store
        .jobs()
        .unwrap()
        .into_iter()
        .map(|j| {
            let mut rows = Vec::new();
            store
                .job_rows(j.id, &mut |r| {
                    rows.push(serde_json::to_value(&r).unwrap());
                    Ok(())
                })
                .unwrap();
            serde_json::json!({
                "id": j.id, "status": j.status, "counts": j.counts,
                "resume_after": j.resume_after, "revert_conflicts": j.revert_conflicts,
                "rows": rows,
            })
        })
        .collect();
    serde_json::json!({
        "contacts": store.contacts().unwrap(),
        "tags": store.tags().unwrap(),
        "jobs": jobs,
    })
}

fn an_import_creates_then_an_upsert_merges(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let dir = tempdir();
    let store = f.open(Access::Create).unwrap();
    let first = import(&*store, dir.path(), FIRST, Purpose::Create, 2);
    assert_eq!(first.status, JobStatus::CompletedWithErrors);
    let c = &first.counts;
    assert_eq!(
        (c.created, c.updated, c.skipped, c.failed),
        (5, 0, 1, 1),
        "{c:?}"
    );
    assert_eq!(store.contact_count().unwrap(), 5);
    assert_eq!(store.find_by_phone("+12127360100").unwrap(), [1]);
    assert_eq!(store.find_by_email("grace@example.com").unwrap(), [3]);
    let ada = store.contact(1).unwrap().unwrap();
    assert_eq!(ada.created_by, Some(1));
    assert!(
        ada.tags.contains("fair") && ada.tags.contains("import-1"),
        "{:?}",
        ada.tags
    );

    let second = import(&*store, dir.path(), SECOND, Purpose::Upsert, 2);
    let c = &second.counts;
    assert_eq!(
        (c.created, c.updated, c.skipped, c.failed),
        (1, 2, 0, 0),
        "{c:?}"
    );
    // Alan gained an email and a company; Grace a phone; Knuth is new.
    let alan = store.contact(2).unwrap().unwrap();
    assert_eq!(alan.emails, ["alan@example.com"]);
    assert_eq!(alan.company.as_deref(), Some("Bletchley"));
    assert_eq!((alan.created_by, alan.updated_by), (Some(1), Some(2)));
    assert_eq!(store.find_by_email("alan@example.com").unwrap(), [2]);
    assert_eq!(store.find_by_phone("+12127360102").unwrap(), [3]);
    assert_eq!(store.find_by_phone("+12127360105").unwrap(), [6]);
    assert_eq!(store.contact_count().unwrap(), 6);
    let tags = store.tags().unwrap();
    assert!(tags.contains(&("fair".to_string(), 6)), "{tags:?}");
    assert!(tags.contains(&("import-1".to_string(), 5)), "{tags:?}");
    assert!(tags.contains(&("import-2".to_string(), 3)), "{tags:?}");
}

fn history_keeps_every_rows_fate(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let dir = tempdir();
    let store = f.open(Access::Create).unwrap();
    let job = import(&*store, dir.path(), FIRST, Purpose::Create, 4);
    drop(store);
    let reader = f.open(Access::Read).unwrap();
    let stored = reader.job(job.id).unwrap();
    assert_eq!(stored.counts, job.counts);
    assert_eq!(stored.resume_after, 8);
    let rows = reader.job_rows_from(job.id, 0, 100).unwrap();
    let fates: Vec<(u64, RowStatus, Option<u64>)> =
        rows.iter().map(|r| (r.row, r.status, r.contact)).collect();
    assert_eq!(
        fates,
        [
            (2, RowStatus::Imported, Some(1)),
            (3, RowStatus::Imported, Some(2)),
            (4, RowStatus::Imported, Some(3)),
            (5, RowStatus::Skipped, Some(1)),
            (6, RowStatus::Error, None),
            (7, RowStatus::Imported, Some(4)),
            (8, RowStatus::Imported, Some(5)),
        ]
    );
    assert_eq!(rows[1].cells.get(0), Some("Alan Turing"));
    assert_eq!(reader.job_rows_from(job.id, 6, 2).unwrap().len(), 2);
    let mut found = Vec::new();
    reader
        .trace(
            &rolodex::engine::trace::Needle::new("Dijkstra").unwrap(),
            &mut |j, r| found.push((j.id, r.row)),
        )
        .unwrap();
    assert_eq!(found, [(1, 7)]);
}

fn a_revert_restores_and_leaves_conflicts(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let dir = tempdir();
    let store = f.open(Access::Create).unwrap();
    let first = import(&*store, dir.path(), FIRST, Purpose::Create, 3);
    let second = import(&*store, dir.path(), SECOND, Purpose::Upsert, 3);
    // Job 1 made Alan and Grace, which job 2 updated: they stay; the rest go.
    let report = store.revert_job(first.id, false, &mut |_| {}).unwrap();
    assert_eq!((report.deleted, report.restored), (3, 0), "{report:?}");
    assert_eq!(report.conflicts, [2, 3]);
    assert!(
        report.describe().contains("#2 (job 2 updated it at row 2)"),
        "{}",
        report.describe()
    );
    assert_eq!(store.job(first.id).unwrap().status, JobStatus::Reverted);
    assert_eq!(store.contact_count().unwrap(), 3);
    assert!(store.find_by_phone("+12127360100").unwrap().is_empty());
    // Reverting job 2 puts Alan and Grace back as job 1 left them.
    let report = store.revert_job(second.id, false, &mut |_| {}).unwrap();
    assert_eq!((report.deleted, report.restored), (1, 2), "{report:?}");
    assert!(report.conflicts.is_empty());
    let alan = store.contact(2).unwrap().unwrap();
    assert!(alan.emails.is_empty() && alan.company.is_none(), "{alan:?}");
    assert!(store.find_by_email("alan@example.com").unwrap().is_empty());
    assert!(store.find_by_phone("+12127360102").unwrap().is_empty());
    assert_eq!(store.find_by_email("grace@example.com").unwrap(), [3]);
    // Forced, job 1's revert finishes the conflicts it left.
    let report = store.revert_job(first.id, true, &mut |_| {}).unwrap();
    assert_eq!(report.deleted, 2, "{report:?}");
    assert_eq!(store.contact_count().unwrap(), 0);
    assert!(
        store.tags().unwrap().is_empty(),
        "{:?}",
        store.tags().unwrap()
    );
    assert!(store.job(first.id).unwrap().revert_conflicts.is_empty());
    let again = store.revert_job(second.id, false, &mut |_| {}).unwrap_err();
    assert!(again.to_string().contains("already reverted"), "{again}");
}

fn a_batch_not_committed_is_redone_by_resume(backend: Backend) {
    let Some(f) = Fixture::new(backend) else {
        return;
    };
    let dir = tempdir();
    let store = f.open(Access::Create).unwrap();
    let (mut job, rows) = checked(&*store, dir.path(), FIRST, Purpose::Create);
    // The first batch (2 rows) commits; the second breaks part-way (a killed client).
    let mut feed = Chunks {
        rows: rows.clone().into_iter(),
        chunk: 2,
        fail_after: Some(2),
        handed: 0,
    };
    assert!(!store.write_batch(&mut job, &mut feed, 2).unwrap().ended);
    assert!(store.write_batch(&mut job, &mut feed, 4).is_err());
    assert_eq!(
        job.resume_after, 3,
        "the job is where its last commit left it"
    );
    drop(store);
    let store = f.open(Access::Write).unwrap();
    let mut job = store.job(job.id).unwrap();
    assert_eq!((job.resume_after, job.counts.created), (3, 2));
    assert_eq!(store.contact_count().unwrap(), 2);
    // Resumed: the whole file again, rows already committed are passed over.
    let mut feed = Chunks {
        rows: rows.into_iter(),
        chunk: 2,
        fail_after: None,
        handed: 0,
    };
    while !store.write_batch(&mut job, &mut feed, 3).unwrap().ended {}
    let status = final_status(job.counts.failed);
    store.finish_job(&mut job, status).unwrap();
    // The same store as an import never interrupted.
    let g = Fixture::new(backend).unwrap();
    let clean = g.open(Access::Create).unwrap();
    import(&*clean, dir.path(), FIRST, Purpose::Create, 100);
    let (mut a, mut b) = (dump(&*store), dump(&*clean));
    for d in [&mut a, &mut b] {
        for j in d["jobs"].as_array_mut().unwrap() {
            j["rows"] = serde_json::Value::Null; // resumed rows differ only by
        }
    }
    assert_eq!(a["contacts"], b["contacts"]);
    assert_eq!(a["tags"], b["tags"]);
    assert_eq!(a["jobs"][0]["counts"], b["jobs"][0]["counts"]);
    assert_eq!(store.job_rows_from(job.id, 0, 100).unwrap().len(), 7);
}

#[test]
fn postgres_and_redb_agree_on_a_whole_story() {
    let Some(pg) = pg_fixture() else { return };
    let redb = Fixture::new(Backend::Redb).unwrap();
    let dir = tempdir();
    let mut dumps = Vec::new();
    for f in [&redb, &pg] {
        let store = f.open(Access::Create).unwrap();
        let first = import(&*store, dir.path(), FIRST, Purpose::Create, 2);
        let mut after = vec![dump(&*store)];
        import(&*store, dir.path(), SECOND, Purpose::Upsert, 2);
        after.push(dump(&*store));
        let report = store.revert_job(first.id, false, &mut |_| {}).unwrap();
        after.push(serde_json::to_value(&report).unwrap());
        after.push(dump(&*store));
        import(&*store, dir.path(), FIRST, Purpose::Upsert, 5);
        after.push(dump(&*store));
        // Rows of job 1 retried by job 3 (as a retry from the wizard marks them).
        store.mark_retried(first.id, &[6, 8], 3).unwrap();
        let fates = store.retried_fates(first.id).unwrap();
        assert_eq!(fates.len(), 2, "{fates:?}");
        after.push(serde_json::json!(format!("{fates:?}")));
        dumps.push(after);
    }
    for (i, (r, p)) in dumps[0].iter().zip(&dumps[1]).enumerate() {
        assert_eq!(r, p, "step {i}: redb and PostgreSQL differ");
    }
}

/// A store at schema 2 kept a jsonb record per job row, contact and undo record; the
/// upgrade packs them (schema 3) in its transaction, and the store answers as before —
/// its revert too, from the converted undo records.
#[test]
fn postgres_records_of_schema_2_are_packed_by_the_upgrade() {
    let Some(f) = pg_fixture() else { return };
    let g = pg_fixture().unwrap();
    let dir = tempdir();
    let mut after_first = serde_json::Value::Null;
    for fixture in [&f, &g] {
        let store = fixture.open(Access::Create).unwrap();
        import(&*store, dir.path(), FIRST, Purpose::Create, 2);
        after_first = dump(&*store);
        import(&*store, dir.path(), SECOND, Purpose::Upsert, 2);
    }
    let before = dump(&*g.open(Access::Read).unwrap());
    // `f` as schema 2 laid it out; job 2 updated Alan (2) and Grace (3) as job 1 left them.
    let quote = |v: &serde_json::Value| v.to_string().replace('\'', "''");
    let mut sql = String::from(
        "DROP TABLE job_row_chunks, contacts, undo, team, opportunities, opportunity_keys,
             opportunity_undo, opportunities_created, retried_rows;
         CREATE TABLE contacts (id bigint PRIMARY KEY, body jsonb NOT NULL);
         CREATE TABLE undo (job_id bigint NOT NULL REFERENCES jobs (id),
             contact_id bigint NOT NULL, body jsonb NOT NULL, PRIMARY KEY (job_id, contact_id));
         CREATE TABLE job_rows (job_id bigint NOT NULL REFERENCES jobs (id), row bigint NOT NULL,
             body jsonb NOT NULL, PRIMARY KEY (job_id, row));",
    );
    for job in before["jobs"].as_array().unwrap() {
        for row in job["rows"].as_array().unwrap() {
            sql.push_str(&format!(
                "INSERT INTO job_rows VALUES ({}, {}, '{}');",
                job["id"],
                row["row"],
                quote(row)
            ));
        }
    }
    for c in before["contacts"].as_array().unwrap() {
        sql.push_str(&format!(
            "INSERT INTO contacts VALUES ({}, '{}');",
            c["id"],
            quote(c)
        ));
    }
    for c in after_first["contacts"].as_array().unwrap() {
        if c["id"] == 2 || c["id"] == 3 {
            sql.push_str(&format!(
                "INSERT INTO undo VALUES (2, {}, '{}');",
                c["id"],
                quote(c)
            ));
        }
    }
    sql.push_str(
        "DELETE FROM schema_migrations WHERE version >= 3;
         DROP TABLE words;
         ALTER TABLE phones ADD FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE;
         ALTER TABLE emails ADD FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE;",
    );
    f.sql(&sql);
    // A reader is told what upgrades it; a writer upgrades it.
    let e = f.open(Access::Read).err().expect("schema 2 is not read");
    assert!(e.to_string().contains("an import upgrades it"), "{e}");
    let upgraded = f.open(Access::Create).unwrap();
    assert_eq!(dump(&*upgraded), before);
    let chunks: i64 = {
        let url = f.pg_url.as_deref().unwrap();
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        c.query_one(
            &format!("SELECT count(*) FROM {}.job_row_chunks", f.schema),
            &[],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(chunks, 2, "one chunk per job: its rows fit in one");
    let same = g.open(Access::Write).unwrap();
    for store in [&upgraded, &same] {
        let report = store.revert_job(2, false, &mut |_| {}).unwrap();
        assert_eq!((report.deleted, report.restored), (1, 2), "{report:?}");
    }
    assert_eq!(dump(&*upgraded), dump(&*same));
}
