//! The phone module agrees with Google's libphonenumber on every number of
//! fixtures/phones/libphonenumber_reference.csv (made by make_reference.py beside it).

use rolodex::engine::phone::{parse_e164, parse_region};

#[test]
fn agrees_with_libphonenumber() {
    let path = crate::common::fixture("phones/libphonenumber_reference.csv");
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let mut regions = std::collections::BTreeSet::new();
    let mut disagreements = Vec::new();
    let mut n = 0;
    for record in rdr.records() {
        let record = record.unwrap();
        let (input, region, expected) = (&record[0], &record[1], &record[2]);
        regions.insert(region.to_string());
        let region = parse_region(region).unwrap_or_else(|| panic!("region {region}"));
        let got = match parse_e164(input, region) {
            Ok(p) => p.e164,
            Err(_) => "invalid".to_string(),
        };
        if got != expected {
            disagreements.push(format!(
                "{input:?} in {region}: libphonenumber {expected}, rolodex {got}"
            ));
        }
        n += 1;
    }
    assert!(n >= 200, "{n} numbers");
    assert!(regions.len() >= 20, "{} regions", regions.len());
    assert!(
        disagreements.is_empty(),
        "{} of {n} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
