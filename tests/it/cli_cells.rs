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

/// The values a re-import compares: what the file said, not what the store stamps.
fn values(dir: &std::path::Path) -> Vec<Value> {
    let listed = run(dir, &["contacts", "--json"]).json();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let keep = [
                "first_name",
                "last_name",
                "company",
                "title",
                "note",
                "emails",
                "phones",
            ];
            keep.iter()
                .map(|k| (k.to_string(), c[*k].clone()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect()
}

/// Cells a spreadsheet would run (`-`, `+1 Club`, `@home`, `=…`) beside cells that truly
/// start with `'`, as an admin's file holds them.
const TRICKY: &str = "First Name,Last Name,Company,Title,Note,Email,Phone\n\
    Ada,-,+1 Club,'Tis,@home,ada@example.com,+1 613 555 1234\n\
    Bob,'-,=SUM(A1),'=not a formula,'@home,bob@example.com,+1-613-555-4321\n\
    Cy,'',-2+3,+Lead,'+1 Club,cy@example.com,+16135559876\n";

#[test]
fn re_importing_the_error_file_restores_every_neutralized_cell_and_no_other() {
    let first = tempdir();
    let file = write(first.path(), "people.csv", TRICKY);
    let out = import(first.path(), &file, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["created"], 3);
    let original = values(first.path());
    // `-` is a placeholder, read as no last name; read back as `'-` it would be a name.
    assert_eq!(original[0]["last_name"], Value::Null);
    assert_eq!(original[1]["last_name"], "'-");

    // The same file again, create only: every row is skipped into the error file.
    let errors = first.path().join("errors.csv");
    let out = import(first.path(), &file, &["--errors", errors.to_str().unwrap()]);
    assert_eq!(out.json()["skipped"], 3, "{}", out.stdout);
    let written = std::fs::read_to_string(&errors).unwrap();
    assert!(
        written.contains("Ada,'-,'+1 Club,'Tis,'@home,"),
        "{written}"
    );
    assert!(
        written.contains("Bob,''-,'=SUM(A1),''=not a formula,''@home,"),
        "{written}"
    );

    let fresh = tempdir();
    let out = import(fresh.path(), &errors, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["created"], 3, "{}", out.stdout);
    assert_eq!(values(fresh.path()), original);
}

#[test]
fn re_importing_the_results_file_restores_the_original_values() {
    let first = tempdir();
    let file = write(first.path(), "people.csv", TRICKY);
    let report = first.path().join("results.csv");
    let out = import(first.path(), &file, &["--report", report.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let original = values(first.path());

    // Into the same store as an upsert: every row finds its contact and changes nothing.
    let out = import(first.path(), &report, &["--purpose", "upsert"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["updated"], 3, "{}", out.stdout);
    assert_eq!(values(first.path()), original);

    let fresh = tempdir();
    let out = import(fresh.path(), &report, &[]);
    assert_eq!(out.json()["created"], 3, "{}", out.stdout);
    assert_eq!(values(fresh.path()), original);
}

#[test]
fn a_file_that_only_looks_neutralized_keeps_its_quotes() {
    // No `Import Status`/`Errors` or `Error` at the end: not rolodex's file, read as is.
    let dir = tempdir();
    let file = write(
        dir.path(),
        "people.csv",
        "First Name,Last Name,Email\nAda,'-,ada@example.com\n",
    );
    let out = import(dir.path(), &file, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(values(dir.path())[0]["last_name"], "'-");
}

#[test]
fn crm_export_columns_map_and_a_column_of_phones_is_suggested_as_phone() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "hubspot.csv",
        "Record ID,First Name,Email,Name2,State/Region,Website URL,Organization Title\n\
         51,Ada,ada@example.com,613-555-1234,ON,example.com,Engineer\n\
         52,Bob,bob@example.com,(613) 555-4321,QC,bob.example,Analyst\n",
    );
    let out = run(dir.path(), &["import", file.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in [
        "Record ID                    → custom:record_id:text\n",
        "State/Region                 → state\n",
        "Website URL                  → website\n",
        "Organization Title           → title\n",
        "Name2                        → ignore  (not recognised; did you mean phone? --map 'Name2=phone')\n",
    ] {
        assert!(out.stdout.contains(line), "{line:?} in\n{}", out.stdout);
    }

    let out = import(dir.path(), &file, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed = run(dir.path(), &["contacts", "--json"]).json();
    let ada = &listed[0];
    assert_eq!(
        (&ada["state"], &ada["website"], &ada["title"]),
        (
            &Value::from("ON"),
            &Value::from("example.com"),
            &Value::from("Engineer")
        ),
        "{ada}"
    );
    // HubSpot's own id stays with the contact, never taken for rolodex's contact id.
    assert_eq!(ada["custom"]["record_id"], "51", "{ada}");
    assert_ne!(ada["id"], 51, "{ada}");
}

#[test]
fn tags_and_options_take_the_dot_of_seed_004_as_a_separator_only_between_words() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "lists.csv",
        "Name,Phone,Tags,Colours\n\
         Ada Lovelace,+1 613 555 3011,vip.spring,Blue. Yellow. Green\n\
         Bo Berg,+1 613 555 3012,v2.0,Dr. Who\n",
    );
    let out = import(
        dir.path(),
        &file,
        &[
            "--map",
            "Colours=custom:colours:multi=Blue|Yellow|Green|Dr. Who",
            "--no-import-tag",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    let ada = &contacts[0];
    assert_eq!(
        ada["tags"],
        serde_json::json!(["spring", "vip"]),
        "{contacts}"
    );
    assert_eq!(
        ada["custom"]["colours"],
        serde_json::json!(["Blue", "Yellow", "Green"]),
        "{contacts}"
    );
    let bo = &contacts[1];
    assert_eq!(bo["tags"], serde_json::json!(["v2.0"]), "{contacts}");
    assert_eq!(
        bo["custom"]["colours"],
        serde_json::json!(["Dr. Who"]),
        "{contacts}"
    );
}

#[test]
fn columns_no_field_takes_are_listed_or_kept_as_custom_fields() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "crm.csv",
        "Name,Phone,Lead Source,Consent,Fav Colour\n\
         Ada Lovelace,+1 613 555 3011,web,yes,blue\n",
    );
    let p = file.to_str().unwrap();
    let dry = run(dir.path(), &["import", p, "--dry-run"]);
    assert!(
        dry.stdout.contains(
            "Not imported (2 columns no field takes): \"Lead Source\", \"Fav Colour\"; \
             --unmapped custom keeps them as custom fields"
        ),
        "{}",
        dry.stdout
    );
    let json = run(dir.path(), &["import", p, "--dry-run", "--json"]).json();
    assert_eq!(
        json["unmapped_columns"],
        serde_json::json!(["Lead Source", "Fav Colour"])
    );
    let out = import(dir.path(), &file, &[]);
    assert_eq!(
        out.json()["unmapped_columns"],
        serde_json::json!(["Lead Source", "Fav Colour"])
    );
    let out = import(
        dir.path(),
        &file,
        &["--unmapped", "custom", "--purpose", "upsert"],
    );
    assert_eq!(
        out.json()["unmapped_columns"],
        serde_json::json!([]),
        "{}",
        out.stdout
    );
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(
        contacts[0]["custom"],
        serde_json::json!({"fav_colour": "blue", "lead_source": "web"}),
        "{contacts}"
    );
}
