//! `rolodex preview --json` reads the csv-spectrum conformance vectors exactly as their
//! JSON says (fixtures/conformance/README.md has the rule and the attribution).

use serde_json::Value;

use crate::common::{fixture, run, tempdir};

fn vector(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let dir = tempdir();
    let csv = fixture(&format!("conformance/csv-spectrum/csvs/{name}.csv"));
    let out = run(
        dir.path(),
        &["preview", "--json", "--rows", "1000", csv.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{name}: {}", out.stderr);
    let json = out.json();
    let header: Vec<String> = serde_json::from_value(json["header"].clone()).unwrap();
    let rows: Vec<Vec<String>> = serde_json::from_value(json["rows"].clone()).unwrap();
    (header, rows)
}

fn expected(name: &str) -> Vec<serde_json::Map<String, Value>> {
    let path = fixture(&format!("conformance/csv-spectrum/json/{name}.json"));
    let text = std::fs::read_to_string(path).unwrap();
    match serde_json::from_str::<Value>(&text).unwrap() {
        Value::Array(items) => items
            .into_iter()
            .map(|v| v.as_object().unwrap().clone())
            .collect(),
        // location_coordinates ships one object, not a list (upstream issue #22).
        Value::Object(o) => vec![o],
        other => panic!("{name}: unexpected JSON {other}"),
    }
}

fn check(name: &str) {
    let (header, rows) = vector(name);
    let want = expected(name);
    assert_eq!(rows.len(), want.len(), "{name}: number of records");
    for (row, object) in rows.iter().zip(&want) {
        let keys: Vec<&String> = object.keys().collect();
        let mut sorted_header: Vec<&String> = header.iter().collect();
        sorted_header.sort();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort();
        assert_eq!(sorted_header, sorted_keys, "{name}: header");
        for (i, h) in header.iter().enumerate() {
            assert_eq!(
                Some(row[i].as_str()),
                object[h].as_str(),
                "{name}: field {h}"
            );
        }
    }
}

macro_rules! vectors {
    ($($name:ident),+) => {$(
        #[test]
        fn $name() {
            check(stringify!($name));
        }
    )+};
}

vectors!(
    simple,
    simple_crlf,
    comma_in_quotes,
    escaped_quotes,
    quotes_and_newlines,
    newlines,
    newlines_crlf,
    empty,
    empty_crlf,
    json,
    utf8
);

/// The defective upstream pair (see the README): one record, the four header keys, the
/// coordinates verbatim (a lenient parse keeps the unquoted `"` literally); the phone value
/// is wrong upstream and not compared.
#[test]
fn location_coordinates_lenient() {
    let (header, rows) = vector("location_coordinates");
    assert_eq!(
        header,
        [
            "Contact Phone Number",
            "Location Coordinates",
            "Cities",
            "Counties"
        ]
    );
    assert_eq!(rows.len(), 1);
    let want = expected("location_coordinates");
    assert_eq!(
        Some(rows[0][1].as_str()),
        want[0]["Location Coordinates"].as_str()
    );
    assert_eq!(rows[0][2], "Modesto");
    assert_eq!(rows[0][3], "Stanislaus");
}

#[test]
fn preview_reports_encoding_delimiter_and_blank_rows() {
    let dir = tempdir();
    let path = dir.path().join("semi.csv");
    std::fs::write(
        &path,
        b"Export of 2024-01-01\n\nName;Phone\n\nAda;+1 212 334 5678\n;\nGrace;+1 212 334 5679\n",
    )
    .unwrap();
    let out = run(dir.path(), &["preview", "--json", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["encoding"], "UTF-8");
    assert_eq!(j["delimiter"], ";");
    assert_eq!(j["header_row"], 3);
    assert_eq!(j["header"], serde_json::json!(["Name", "Phone"]));
    assert_eq!(
        j["rows"],
        serde_json::json!([["Ada", "+1 212 334 5678"], ["Grace", "+1 212 334 5679"]])
    );
    assert_eq!(j["row_numbers"], serde_json::json!([5, 7]));
    assert_eq!(j["blank_rows"], 2);
}

#[test]
fn preview_decodes_utf16_and_windows_1252() {
    let dir = tempdir();
    let text = "Name,City\nZoë,Köln\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let mut bom8 = vec![0xEF, 0xBB, 0xBF];
    bom8.extend(text.as_bytes());
    let no_bom_le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    for (name, bytes, encoding) in [
        ("le.csv", le, "UTF-16LE"),
        ("be.csv", be, "UTF-16BE"),
        ("cp.csv", cp1252.into_owned(), "windows-1252"),
        ("bom.csv", bom8, "UTF-8"),
        ("nobom16.csv", no_bom_le, "UTF-16LE"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(dir.path(), &["preview", "--json", path.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let j = out.json();
        assert_eq!(j["encoding"], encoding, "{name}");
        assert_eq!(j["header"], serde_json::json!(["Name", "City"]), "{name}");
        assert_eq!(j["rows"], serde_json::json!([["Zoë", "Köln"]]), "{name}");
    }
}

#[test]
fn preview_human_output_shows_control_characters_as_placeholders() {
    let dir = tempdir();
    let path = dir.path().join("evil.csv");
    std::fs::write(
        &path,
        "Name,Phone\n\"Ev\u{1b}[31mil\u{7}\u{202e}\",+1 212 334 5678\n",
    )
    .unwrap();
    let out = run(dir.path(), &["preview", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stdout.contains('\u{1b}'),
        "escape reached stdout: {:?}",
        out.stdout
    );
    assert!(!out.stdout.contains('\u{7}'));
    assert!(!out.stdout.contains('\u{202e}'));
    assert!(out.stdout.contains("Ev␛[31mil␇<U+202E>"), "{}", out.stdout);
}
