//! What a cell holds, as exports write it: several addresses in one cell, `tel:` and
//! `mailto:` links, rolodex's own neutralized cells read back, and columns named or filled
//! the way CRMs export them.

use serde_json::Value;

use crate::common::{import, run, tempdir, write};

/// `(emails, phones)` of every stored contact, in id order.
fn stored(dir: &std::path::Path) -> Vec<(Value, Value)> {
    let listed = run(dir, &["contacts", "--json"]).json();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["emails"].clone(), c["phones"].clone()))
        .collect()
}

#[test]
fn email_cells_split_on_colons_but_a_cell_with_spaces_is_one_invalid_address() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "people.csv",
        "Name,Email,Phone\n\
         Priya Raman,priya at example.com,tel:+1 613 555 1234\n\
         Ada Lovelace,\"ada@x.com:ADA@work.example; \"\"Doe, A\"\" <a2@x.com>\",callto:+1 613 555 4321\n\
         Sam Vimes,Sam Vimes <mailto:sam@watch.example>,TEL:+16135559876\n",
    );
    let report = dir.path().join("report.csv");
    let out = import(dir.path(), &file, &["--report", report.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let summary = out.json();
    // One message for Priya's cell, none for the `tel:` and `callto:` numbers.
    assert_eq!(summary["reasons"], serde_json::json!({"invalid_email": 1}));
    assert_eq!(summary["warnings"], 1);
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(
        written.contains(
            "Priya Raman,priya at example.com,tel:+1 613 555 1234,imported,\
             Email: priya at example.com: no @ in the address; address dropped\n"
        ),
        "{written}"
    );
    assert_eq!(
        stored(dir.path()),
        [
            (serde_json::json!([]), serde_json::json!(["+16135551234"])),
            (
                serde_json::json!(["ada@x.com", "ada@work.example", "a2@x.com"]),
                serde_json::json!(["+16135554321"])
            ),
            (
                serde_json::json!(["sam@watch.example"]),
                serde_json::json!(["+16135559876"])
            ),
        ]
    );
}
