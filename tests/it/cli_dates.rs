//! Date columns on the command line: the order assumed is said in the review and in the
//! import's summary, a value that contradicts it gets its own message, and `--date-order`
//! chooses it.

use crate::common::{import, run, tempdir, write};

const FILE: &str = "First Name,Last Name,Phone,Birthday\n\
Ada,One,+1 613 555 3011,13/04/1990\n\
Bo,Two,+1 613 555 3012,04/25/1991\n\
Cy,Three,+1 613 555 3013,03/04/1992\n\
Di,Four,+1 613 555 3014,14/05/1993\n";

const MAP: &str = "Birthday=custom:birthday:date";

#[test]
fn the_dry_run_says_the_order_and_names_the_value_that_contradicts_it() {
    let dir = tempdir();
    let file = write(dir.path(), "birthdays.csv", FILE);
    let out = run(
        dir.path(),
        &["import", file.to_str().unwrap(), "--map", MAP, "--dry-run"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "Dates in \"Birthday\" read day first (31/12/2024): 2 values can only be read so; \
             1 of 4 ambiguous; 1 reads only the other way round"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "04/25/1991: reads only month first (April 25, 1991), but this column's dates \
             are read day first"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn the_import_summary_says_which_order_it_read() {
    let dir = tempdir();
    let file = write(dir.path(), "birthdays.csv", FILE);
    let args = ["import", file.to_str().unwrap(), "--map", MAP, "--yes"];
    let out = run(
        dir.path(),
        &[
            &args[..],
            &["--consent-confirmed", "--consent-column", "none"],
        ]
        .concat(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Dates in \"Birthday\" were read day first (31/12/2024)"),
        "{}",
        out.stdout
    );
}

#[test]
fn date_order_chooses_the_order_of_every_date_column() {
    let dir = tempdir();
    let file = write(dir.path(), "birthdays.csv", FILE);
    let out = import(
        dir.path(),
        &file,
        &[
            "--map",
            MAP,
            "--date-order",
            "month-first",
            "--consent-column",
            "none",
        ],
    );
    let json = out.json();
    assert_eq!(json["reasons"]["invalid_date"], 2, "{}", out.stdout);
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    let birthdays: Vec<&str> = contacts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["custom"]["birthday"].as_str())
        .collect();
    assert_eq!(birthdays, ["1991-04-25", "1992-03-04"], "{contacts}");
}
