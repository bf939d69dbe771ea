//! vCard address books (`.vcf`) through the real binary: exports the way Apple Contacts,
//! Google Contacts and Outlook write them (vCard 3.0, 3.0, 2.1) and a 4.0 file, with the
//! exact contacts each stores; broken cards named by card and line; preview; resume.

use std::path::Path;

use serde_json::Value;

use crate::common::{fixture, import, run, tempdir, write};

/// What a test compares of a stored contact.
#[derive(Debug, PartialEq, Eq)]
struct Person {
    first: String,
    last: String,
    phones: Vec<String>,
    emails: Vec<String>,
    tags: Vec<String>,
    company: String,
    city: String,
    country: String,
}

fn person(
    (first, last): (&str, &str),
    phones: &[&str],
    emails: &[&str],
    tags: &[&str],
    (company, city, country): (&str, &str, &str),
) -> Person {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Person {
        first: first.into(),
        last: last.into(),
        phones: strings(phones),
        emails: strings(emails),
        tags: strings(tags),
        company: company.into(),
        city: city.into(),
        country: country.into(),
    }
}

fn contacts(dir: &Path) -> Vec<Value> {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json().as_array().expect("a list of contacts").clone()
}

fn stored(dir: &Path) -> Vec<Person> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default()
    };
    contacts(dir)
        .iter()
        .map(|c| Person {
            first: text(&c["first_name"]),
            last: text(&c["last_name"]),
            phones: list(&c["phones"]),
            emails: list(&c["emails"]),
            tags: list(&c["tags"]),
            company: text(&c["company"]),
            city: text(&c["city"]),
            country: text(&c["country"]),
        })
        .collect()
}

fn vcard(name: &str) -> String {
    fixture(&format!("vcards/{name}"))
        .to_string_lossy()
        .into_owned()
}

/// Imports `file` headless without the automatic tag (so tags are the cards' own).
fn import_book(dir: &Path, file: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--no-import-tag"];
    args.extend_from_slice(extra);
    let out = import(dir, Path::new(file), &args);
    assert!(out.code == 0, "{}\n{}", out.stdout, out.stderr);
    out.json()
}

#[test]
fn an_apple_contacts_export_stores_its_people_and_names_the_company_card_that_fails() {
    let dir = tempdir();
    let file = vcard("apple_contacts.vcf");
    let json = import_book(dir.path(), &file, &[]);
    assert_eq!(
        (json["created"].as_u64(), json["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        stored(dir.path()),
        [
            person(
                ("Uwe", "Köhler"),
                &["+4915141239876", "+493026393847"],
                &["uwe.koehler@koehler-soehne.de", "uwe.k@posteo.de"],
                &[],
                ("Köhler & Söhne GmbH", "Berlin", "DE"),
            ),
            // The iPhone label makes a mobile; the HomeFAX is a fax, not a number to call.
            person(
                ("Shōhei", "Ōtani"),
                &["+819038172645"],
                &["shohei@example.jp"],
                &[],
                ("", "", ""),
            ),
        ]
    );
    let uwe = &contacts(dir.path())[0];
    assert_eq!(uwe["title"], "Geschäftsführer");
    assert_eq!(uwe["address"], "Friedrichstraße 112");
    assert_eq!(uwe["zip"], "10117");
    assert_eq!(uwe["website"], "https://koehler-soehne.de");
    assert_eq!(
        uwe["note"],
        "Met at the Hannover fair, 2023.\nPrefers email."
    );

    // The company's card has no person's name: it fails, named by card and line, rather
    // than inventing a "Boulangerie Dupré" person.
    let out = run(
        dir.path(),
        &["import", &file, "--dry-run", "--consent-confirmed"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("card 3 (line 88)  failed   missing_name"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("apple_contacts.vcf: vCard address book, UTF-8, 3 cards"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_google_contacts_export_stores_its_people_with_their_labels_as_tags() {
    let dir = tempdir();
    let json = import_book(dir.path(), &vcard("google_contacts.vcf"), &[]);
    assert_eq!(
        (json["created"].as_u64(), json["failed"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(
        stored(dir.path()),
        [
            // Google's system group myContacts is no tag; a number without + is read in
            // the card's own country.
            person(
                ("Renée", "Dubois"),
                &["+33647832196", "+33142685392"],
                &["renee.dubois@example.fr", "r.dubois@cabinet-dubois.fr"],
                &["Clients", "Paris"],
                ("Cabinet Dubois", "Paris", "FR"),
            ),
            person(
                ("José", "García-Núñez"),
                &["+34612843927", "+34915321847"],
                &["jm.garcia@example.es"],
                &["Proveedores"],
                ("", "", ""),
            ),
            person(
                ("Priya", "Raman"),
                &["+14159632741"],
                &["priya.raman@example.com"],
                &[],
                ("Northwind Traders", "San Francisco", "US"),
            ),
        ]
    );
    let renee = &contacts(dir.path())[0];
    assert_eq!(renee["website"], "https://cabinet-dubois.fr");
    assert_eq!(renee["note"], "Rencontrée au salon; rappeler en mars.");
    assert_eq!(renee["state"], "Île-de-France");
}

#[test]
fn an_outlook_export_in_windows_1252_and_quoted_printable_stores_its_people() {
    let dir = tempdir();
    let file = vcard("outlook_contacts.vcf");
    let json = import_book(dir.path(), &file, &[]);
    assert_eq!(
        (json["created"].as_u64(), json["failed"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(
        stored(dir.path()),
        [
            person(
                ("Jürgen", "Müller"),
                &["+491728364915", "+498941732958"],
                &["j.mueller@baeckerei-mueller.de"],
                &["Lieferanten"],
                ("Bäckerei Müller KG", "München", "DE"),
            ),
            person(
                ("Zoë", "Lefèvre"),
                &["+33478621935"],
                &["zoe.lefevre@example.fr", "zoe@lefevre.fr"],
                &[],
                ("", "", ""),
            ),
        ]
    );
    let jurgen = &contacts(dir.path())[0];
    // Quoted-printable across a soft line break, in windows-1252.
    assert_eq!(jurgen["address"], "Schleißheimer Straße 41");
    assert_eq!(jurgen["note"], "Liefert montags; Rückruf vor 10 Uhr.");
    let preview = run(dir.path(), &["preview", &file, "--json"]);
    assert_eq!(preview.json()["encoding"], "windows-1252");
}

#[test]
fn a_vcard_4_file_stores_tel_uris_with_their_extension() {
    let dir = tempdir();
    let json = import_book(dir.path(), &vcard("rfc6350_v4.vcf"), &[]);
    assert_eq!(
        (json["created"].as_u64(), json["failed"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(
        stored(dir.path()),
        [
            person(
                ("Αλέξανδρος", "Παπαδόπουλος"),
                &["+306941238765", "+302103258741"],
                &["alexandros@example.gr"],
                &["VIP", "Συνεργάτες"],
                ("Ελληνικά Ταχυδρομεία", "Athina", "GR"),
            ),
            person(
                ("Mei", "Chen"),
                &["+861065529183"],
                &["mei.chen@example.cn"],
                &[],
                ("", "", ""),
            ),
        ]
    );
    let alexandros = &contacts(dir.path())[0];
    assert_eq!(alexandros["extensions"]["+302103258741"], "204");
    assert_eq!(alexandros["title"], "Διευθυντής");
}

#[test]
fn preview_shows_the_columns_the_cards_fill_numbered_by_card() {
    let dir = tempdir();
    // Recognised by its content, whatever it is called.
    let bytes = std::fs::read(fixture("vcards/google_contacts.vcf")).unwrap();
    let file = dir.path().join("contacts export.txt");
    std::fs::write(&file, bytes).unwrap();
    let file = file.to_str().unwrap();
    let out = run(dir.path(), &["preview", file, "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(
        json["header"],
        serde_json::json!([
            "First Name",
            "Middle Name",
            "Last Name",
            "Company",
            "Job Title",
            "Mobile Phone",
            "Work Phone",
            "Phone",
            "Email",
            "Website",
            "Street",
            "City",
            "State",
            "Postal Code",
            "Country",
            "Notes",
            "Categories"
        ])
    );
    assert_eq!(json["row_numbers"], serde_json::json!([1, 2, 3]));
    assert_eq!(
        json["rows"][0][8],
        "renee.dubois@example.fr; r.dubois@cabinet-dubois.fr"
    );
    assert_eq!(json["rows"][1][7], "+34 915 32 18 47");
    let out = run(dir.path(), &["preview", file]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].ends_with("contacts export.txt: vCard address book, UTF-8, 3 cards"),
        "{}",
        out.stdout
    );
    assert!(
        lines[1].starts_with("card  First Name  Middle Name  Last Name "),
        "{}",
        out.stdout
    );
    assert!(lines[2].starts_with("   1  Renée "), "{}", out.stdout);
}

/// A file that cannot be read is refused whole, before anything is written: exit 1, one
/// line naming the file, the card, its line, and what to do.
fn refused(dir: &Path, name: &str, text: &str, expected: &str) {
    let file = write(dir, name, text);
    let file = file.to_str().unwrap();
    for args in [
        vec!["preview", file],
        vec!["import", file, "--yes", "--consent-confirmed"],
    ] {
        let out = run(dir, &args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(file), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
    }
    // Nothing was written: no store, or one without contacts.
    assert!(!dir.join("test.redb").exists() || contacts(dir).is_empty());
}

#[test]
fn a_broken_card_is_named_by_card_and_line() {
    let dir = tempdir();
    refused(
        dir.path(),
        "unclosed.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEND:VCARD\r\n\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo Park\r\n\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cy Diaz\r\nEND:VCARD\r\n",
        "card 2 (line 6) has no END:VCARD before the next BEGIN:VCARD on line 10; add END:VCARD where the card ends",
    );
    refused(
        dir.path(),
        "truncated.vcf",
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\n",
        "card 1 (line 1) has no END:VCARD before the end of the file",
    );
    refused(
        dir.path(),
        "bad_qp.vcf",
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Lee;Ann\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nN:Park;Bo\r\nNOTE;ENCODING=QUOTED-PRINTABLE:10=% off\r\nEND:VCARD\r\n",
        "card 2 (line 5): NOTE on line 8 is marked QUOTED-PRINTABLE but \"=% \" is not a valid =XX escape",
    );
}

#[test]
fn a_stopped_vcard_import_resumes_to_the_end_and_refuses_a_changed_book() {
    let dir = tempdir();
    let mut book = String::new();
    for i in 1..=8 {
        let email = if i == 3 {
            "broken at example".to_string()
        } else {
            format!("ann{i}@example.com")
        };
        book.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee{i};Ann;;;\r\nEMAIL:{email}\r\nEND:VCARD\r\n"
        ));
    }
    let file = write(dir.path(), "book.vcf", &book);
    let path = file.to_str().unwrap();
    let args = [
        "import",
        path,
        "--yes",
        "--consent-confirmed",
        "--json",
        "--max-failures",
        "1",
    ];
    let stop = |dir: &Path| {
        let out = crate::common::rolodex(dir)
            .env("ROLODEX_BATCH_ROWS", "2")
            .args(args)
            .output()
            .unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["status"], "stopped", "{json}");
        assert_eq!(json["created"], 2, "{json}");
    };
    stop(dir.path());
    let out = run(dir.path(), &["resume", "1", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.json()["status"],
        "completed_with_errors",
        "{}",
        out.stdout
    );
    let last_names: Vec<String> = stored(dir.path()).into_iter().map(|p| p.last).collect();
    assert_eq!(
        last_names,
        ["Lee1", "Lee2", "Lee4", "Lee5", "Lee6", "Lee7", "Lee8"]
    );
    let rows: Vec<u64> = contacts(dir.path())
        .iter()
        .map(|c| c["created_row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [1, 2, 4, 5, 6, 7, 8], "each contact names its card");

    // The same stop, then the address book changes: resume refuses it.
    let dir = tempdir();
    let file = write(dir.path(), "book.vcf", &book);
    let path = file.to_str().unwrap();
    let args = [
        "import",
        path,
        "--yes",
        "--consent-confirmed",
        "--json",
        "--max-failures",
        "1",
    ];
    let out = crate::common::rolodex(dir.path())
        .env("ROLODEX_BATCH_ROWS", "2")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    std::fs::write(&file, book.replace("Lee8", "Leigh8")).unwrap();
    let out = run(dir.path(), &["resume", "1"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stderr.contains("changed"), "{}", out.stderr);
    assert_eq!(contacts(dir.path()).len(), 2);
}

/// Every column a card can fill is mapped by its name alone, to the field it holds; those
/// the store has no field for (middle name, department, fax, pager, birthday) are shown and
/// left for the user to map.
#[test]
fn every_column_of_a_card_maps_to_its_field_by_name() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "all.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;Marie;;\r\nORG:Acme;Sales\r\nTITLE:Buyer\r\n\
TEL;TYPE=CELL:+1 415 963 2741\r\nTEL;TYPE=WORK:+1 415 963 2742\r\nTEL;TYPE=HOME:+1 415 963 2743\r\n\
TEL:+1 415 963 2744\r\nTEL;TYPE=FAX:+1 415 963 2745\r\nTEL;TYPE=PAGER:+1 415 963 2746\r\n\
EMAIL:ann@example.com\r\nURL:https://example.com\r\nADR:;;1 Main St;Springfield;IL;62701;USA\r\n\
BDAY:1980-01-02\r\nNOTE:hi\r\nCATEGORIES:VIP\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Prince\r\nEMAIL:prince@example.com\r\nEND:VCARD\r\n",
    );
    let out = run(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--dry-run",
            "--json",
            "--consent-confirmed",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let mapping: Vec<(String, String)> = json["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["column"].as_str().unwrap().to_string(),
                m["field"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let expected = [
        ("First Name", "first_name"),
        ("Middle Name", "ignore"),
        ("Last Name", "last_name"),
        ("Full Name", "name"),
        ("Company", "company"),
        ("Department", "ignore"),
        ("Job Title", "title"),
        ("Mobile Phone", "phone"),
        ("Work Phone", "phone"),
        ("Home Phone", "phone"),
        ("Phone", "phone"),
        ("Fax", "ignore"),
        ("Pager", "ignore"),
        ("Email", "email"),
        ("Website", "website"),
        ("Street", "address"),
        ("City", "city"),
        ("State", "state"),
        ("Postal Code", "zip"),
        ("Country", "country"),
        ("Birthday", "ignore"),
        ("Notes", "note"),
        ("Categories", "tags"),
    ]
    .map(|(c, f)| (c.to_string(), f.to_string()));
    assert_eq!(mapping, expected);
    assert_eq!(json["created"], 2, "{json}");
}
