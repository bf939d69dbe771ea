//! Any cells in a row: validation, normalization (phones, emails, countries, dates,
//! numbers, options) and the decision must never panic. cargo fuzz run validate_row
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rolodex::engine::mapping::Mapping;
use rolodex::engine::plan::{ImportOptions, ImportPlan};
use rolodex::engine::resolve::{decide, Lookup};
use rolodex::engine::source::{Cells, RawRow};
use rolodex::engine::validate::Validator;

const HEADER: [&str; 9] = ["Name", "Phone", "Email", "Country", "Website", "Birthday", "Stage", "Tags", "Company"];

fn plan() -> ImportPlan {
    let header: Vec<String> = HEADER.iter().map(|s| s.to_string()).collect();
    let mut mapping = Mapping::auto(&header);
    let _ = mapping.apply_override("Birthday=custom:birthday:date");
    let _ = mapping.apply_override("Stage=custom:stage:option=lead|customer");
    ImportPlan {
        file: "fuzz.csv".into(),
        read: Default::default(),
        mapping,
        options: ImportOptions { consent_column: None, ..Default::default() },
        date_orders: Default::default(),
    }
}

fuzz_target!(|data: &[u8]| {
    static SETUP: OnceLock<(ImportPlan, Validator)> = OnceLock::new();
    let (plan, validator) = SETUP.get_or_init(|| {
        let plan = plan();
        let header: Vec<String> = HEADER.iter().map(|s| s.to_string()).collect();
        let validator = Validator::new(&plan, &header).expect("a validator");
        (plan, validator)
    });
    let text = String::from_utf8_lossy(data);
    let cells: Vec<&str> = text.split('\u{1f}').take(12).collect();
    let raw = RawRow { row: 2, line: 2, cells: Cells::from_strings(&cells) };
    let check = validator.check(&raw);
    let _ = decide(&check, &plan.options, &Lookup::None);
});
