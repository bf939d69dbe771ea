//! One benchmark per stage of an import, on rows of `fixtures/contacts.csv` (a messy
//! export: mixed phone formats and regions, invalid and fake numbers, duplicates, quoted
//! line breaks) repeated into a larger file:
//! read · check (map + validate + normalize; and keys only, as the dry run checks) · phone
//! alone · dedupe · store batch write ·
//! render of the progress and review screens on `TestBackend`.
//!
//! cargo bench --bench stages
//!
//! The end-to-end figures (1M rows, peak RSS) come from the commands in the README.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rolodex::engine::in_file::{InFileIndex, LeadsTo};
use rolodex::engine::mapping::Mapping;
use rolodex::engine::phone::{normalize_phone, parse_region};
use rolodex::engine::plan::{ImportOptions, ImportPlan};
use rolodex::engine::resolve::match_keys;
use rolodex::engine::source::{RawRow, ReadOptions, Source};
use rolodex::engine::validate::{RowCheck, Validator};

const ROWS: usize = 20_000;

/// `fixtures/contacts.csv` repeated to about ROWS rows, in a temporary file.
fn sample_file(dir: &tempfile::TempDir) -> PathBuf {
    let text = std::fs::read_to_string("fixtures/contacts.csv").expect("fixtures/contacts.csv");
    let (header, body) = text.split_once('\n').expect("a header line");
    let mut out = format!("{header}\n");
    while out.len() < ROWS * 140 {
        out.push_str(body);
    }
    let path = dir.path().join("bench.csv");
    std::fs::write(&path, out).expect("a temporary file");
    path
}

fn plan(path: &std::path::Path, source: &Source) -> ImportPlan {
    ImportPlan {
        file: path.to_path_buf(),
        read: Default::default(),
        mapping: Mapping::auto(source.header()),
        options: ImportOptions {
            max_failures: u64::MAX,
            consent_confirmed: true,
            ..Default::default()
        },
        date_orders: Default::default(),
    }
}

fn all_rows(source: &Source) -> Vec<RawRow> {
    let mut rows = source.rows().expect("rows");
    let mut out = Vec::new();
    while let Some(r) = rows.next_row().expect("a row") {
        out.push(r);
    }
    out
}

fn stages(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = sample_file(&dir);
    let source = Source::open(&path, &ReadOptions::default()).expect("the sample opens");
    let rows = all_rows(&source);
    let plan = plan(&path, &source);
    let validator = Validator::new(&plan, source.header()).expect("a validator");
    let checked: Vec<(RawRow, RowCheck)> = rows
        .iter()
        .map(|r| (r.clone(), validator.check(r)))
        .collect();

    let mut g = c.benchmark_group("stages");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("read", |b| b.iter(|| black_box(all_rows(&source).len())));
    g.bench_function("check", |b| {
        b.iter(|| rows.iter().filter(|r| validator.check(r).failed()).count())
    });
    // The dry run's check: every value checked, only the keys kept.
    let keys_only = validator.clone().keys_only();
    g.bench_function("check_keys_only", |b| {
        b.iter(|| rows.iter().filter(|r| keys_only.check(r).failed()).count())
    });
    let us = parse_region("US").expect("US");
    let phones: Vec<String> = rows
        .iter()
        .filter_map(|r| r.cells.get(3).map(str::to_string))
        .collect();
    g.bench_function("phone", |b| {
        b.iter(|| {
            phones
                .iter()
                .filter(|p| normalize_phone(p, us).is_ok())
                .count()
        })
    });
    g.bench_function("dedupe", |b| {
        b.iter(|| {
            let mut index = InFileIndex::default();
            for (raw, check) in &checked {
                let keys = match_keys(check, plan.options.identifier);
                if index
                    .get(
                        keys.first()
                            .unwrap_or(&rolodex::engine::resolve::MatchKey::Id(0)),
                    )
                    .expect("a lookup")
                    .is_none()
                {
                    index
                        .remember(&keys, LeadsTo::Row(raw.row))
                        .expect("remembered");
                }
            }
            index.len()
        })
    });
    g.bench_function("store_batch_write", |b| {
        b.iter_with_setup(
            || {
                let d = tempfile::tempdir().expect("a temporary directory");
                let store =
                    rolodex::store::Store::open(&d.path().join("bench.redb")).expect("a store");
                let job = store
                    .start_job(rolodex::store::import::NewJob {
                        file: path.display().to_string(),
                        size: 0,
                        checksum: String::new(),
                        header: source.header().to_vec(),
                        plan: &plan,
                        import_tag: Some("import-bench".into()),
                        retry_of: None,
                    })
                    .expect("a job");
                let rows = rolodex::store::import::InMemory {
                    rows: Some(checked.clone()),
                    blank_rows: 0,
                };
                (d, store, job, rows)
            },
            |(_d, store, mut job, mut rows)| {
                store
                    .write_batch(&mut job, &mut rows, usize::MAX)
                    .expect("a batch")
            },
        )
    });
    g.finish();

    let mut g = c.benchmark_group("render");
    let (tx, _rx) = mpsc::channel();
    let store_dir = tempfile::tempdir().expect("a temporary directory");
    let store = rolodex::store::Store::open(&store_dir.path().join("r.redb")).map_err(Into::into);
    let ctx = rolodex::tui::context::Ctx::new(
        rolodex::tui::theme::Theme::plain(),
        store,
        tx,
        chrono::Local::now,
        store_dir.path().to_path_buf(),
    );
    let mut app = rolodex::tui::app::App::new(ctx, Some(path.as_path()));
    app.ctx.progress = Some(rolodex::engine::review::Progress {
        rows: 412_000,
        created: 398_210,
        updated: 0,
        skipped: 11_090,
        failed: 2_700,
        approx_total: 1_000_000,
        elapsed: Duration::from_secs(4),
    });
    let review = rolodex::engine::review::review(
        &plan,
        &source,
        &rolodex::engine::review::NoStore,
        &Default::default(),
        &mut |_, _, _| Ok(()),
        &mut |_| {},
    )
    .expect("a review");
    app.ctx.review = Some(review);
    for (name, view) in [
        ("progress", rolodex::tui::screens::View::Progress),
        ("review", rolodex::tui::screens::View::Review),
    ] {
        app.view = view;
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("a terminal");
        g.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|f| f.render_widget(&app, f.area()))
                    .map(|_| ())
                    .expect("a frame")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
