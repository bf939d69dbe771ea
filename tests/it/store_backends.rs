//! One store test-suite, run against both backends: the redb file and PostgreSQL. Each
//! test is a function of a `Backend`; `both!` makes a `redb` and a `postgres` test of it.
//!
//! The PostgreSQL tests find the server through `ROLODEX_TEST_PG_URL` (`.ci/run` starts a
//! throwaway cluster and sets it; `source .ci/postgres.sh && pg_start` does the same by
//! hand). They fail when it is not set, and are skipped only with `ROLODEX_TEST_PG=skip`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rolodex::engine::mapping::{CustomField, CustomKind, Mapping, Target};
use rolodex::engine::plan::{ImportOptions, ImportPlan, ListTarget};
use rolodex::store::backend::{self, ContactStore};
use rolodex::store::import::NewJob;
use rolodex::store::jobs::JobStatus;
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

// PostgreSQL only: the schema's life, and what is not built yet.

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
    assert_eq!(applied, [(1, "init".to_string())]);
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
fn postgres_parts_not_built_yet_say_so() {
    let Some(f) = pg_fixture() else { return };
    let store = f.open(Access::Create).unwrap();
    let plan = plan();
    let mut job = store.start_job(new_job(&plan)).unwrap();
    let mut rows = rolodex::store::import::InMemory {
        rows: Some(Vec::new()),
        blank_rows: 0,
    };
    let Err(e) = store.write_batch(&mut job, &mut rows, 10) else {
        panic!("the batch writer is not built on PostgreSQL yet")
    };
    assert!(
        e.to_string().starts_with("not yet supported on PostgreSQL"),
        "{e}"
    );
    let Err(e) = store.revert_job(job.id, false, &mut |_| {}) else {
        panic!("revert is not built on PostgreSQL yet")
    };
    assert!(
        e.to_string().starts_with("not yet supported on PostgreSQL"),
        "{e}"
    );
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
