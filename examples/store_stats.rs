//! Where a store's bytes go, table by table, for the store-size figures in the README:
//!
//! cargo run --release --example store_stats -- STORE.redb [--compact]
//!
//! With `--compact`, the file is compacted first (on a copy, if you want to keep it).

use std::error::Error;

use redb::{
    Database, MultimapTableHandle, ReadableDatabase, ReadableTableMetadata, TableHandle, TableStats,
};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: store_stats STORE.redb [--compact]")?;
    let compact = args.next().as_deref() == Some("--compact");
    let mut db = Database::builder().create(&path)?;
    if compact {
        let started = std::time::Instant::now();
        db.compact()?;
        println!("compacted in {:.2?}", started.elapsed());
    }
    let txn = db.begin_read()?;
    println!(
        "{:<14} {:>9} {:>12} {:>12} {:>12}",
        "table", "entries", "stored", "metadata", "fragmented"
    );
    let line = |name: &str, len: u64, s: TableStats| {
        println!(
            "{name:<14} {len:>9} {:>12} {:>12} {:>12}",
            s.stored_bytes(),
            s.metadata_bytes(),
            s.fragmented_bytes()
        )
    };
    for t in txn.list_tables()? {
        let name = t.name().to_string();
        let table = txn.open_untyped_table(t)?;
        line(&name, table.len()?, table.stats()?);
    }
    for t in txn.list_multimap_tables()? {
        let name = t.name().to_string();
        let table = txn.open_untyped_multimap_table(t)?;
        line(&name, table.len()?, table.stats()?);
    }
    let size = std::fs::metadata(&path)?.len();
    println!("file {size} bytes");
    Ok(())
}
