//! Any bytes as a file: detection (encoding, delimiter, header) and reading every row
//! must never panic. cargo fuzz run read_file
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolodex::engine::source::{ReadOptions, Source};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("rolodex-fuzz-{}.csv", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(mut source) = Source::open(&path, &ReadOptions::default()) {
        if let Ok(mut rows) = source.rows() {
            while let Ok(Some(row)) = rows.next_row() {
                let _ = row.cells.iter().count();
            }
        }
        let _ = source.check_whole_file(&mut |_| {});
    }
});
