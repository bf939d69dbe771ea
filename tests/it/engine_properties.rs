//! Properties: no input panics the reader or a normalizer; what we write reads back; a
//! normalized value normalizes to itself.

use proptest::prelude::*;
use rolodex::engine::email::normalize_email;
use rolodex::engine::phone::{normalize_phone, parse_region};
use rolodex::engine::source::{ReadOptions, Source};
use rolodex::engine::text::{
    clean_cell, clean_value, sanitize_for_terminal, strip_controls, Layout, Removed,
};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(source) = Source::open(&path, &ReadOptions::default()) {
            let mut read = 0;
            if let Ok(mut rows) = source.rows() {
                while let Ok(Some(_)) = rows.next_row() {
                    read += 1;
                }
            }
            // The whole-file check sees the same rows and sums the very bytes of the file.
            if let Ok((sum, rows)) = source.verify() {
                prop_assert_eq!(sum, rolodex::engine::source::file_checksum(&path).unwrap());
                prop_assert_eq!(rows, read);
            }
        }
    }

    #[test]
    fn written_records_read_back(records in proptest::collection::vec(
        proptest::collection::vec("[a-zA-Z0-9 ,\"\n;|éü\t]{0,12}", 3), 1..20)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(["Name", "Phone", "Email"]).unwrap();
        for r in &records {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        let want: Vec<Vec<String>> = records.into_iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).collect();
        let opened = Source::open(&path, &ReadOptions { delimiter: Some(b','), ..Default::default() });
        if want.is_empty() {
            // Only blank rows under the header: refused as a file with no data (SPEC §1).
            prop_assert!(matches!(opened, Err(rolodex::engine::EngineError::HeaderOnly(_))));
            return Ok(());
        }
        let source = opened.unwrap();
        prop_assert_eq!(source.header(), &["Name", "Phone", "Email"]);
        let mut rows = source.rows().unwrap();
        let mut got = Vec::new();
        while let Some(r) = rows.next_row().unwrap() {
            got.push(r.cells.to_vec());
        }
        prop_assert_eq!(got, want);
    }

    #[test]
    fn phones_never_panic_and_normalize_to_themselves(text in "\\PC{0,30}", digits in "[+]?[0-9 ()-]{0,20}") {
        let us = parse_region("US").unwrap();
        let _ = normalize_phone(&text, us);
        if let Ok(p) = normalize_phone(&digits, us) {
            prop_assert_eq!(normalize_phone(&p.e164, us).map(|q| q.e164), Ok(p.e164.clone()));
            let gb = parse_region("GB").unwrap();
            prop_assert_eq!(normalize_phone(&p.e164, gb).map(|q| q.e164), Ok(p.e164));
        }
    }

    #[test]
    fn emails_normalize_to_themselves(text in "\\PC{0,40}", local in "[a-zA-Z0-9._+-]{1,20}", domain in "[a-z]{1,10}\\.[a-z]{2,4}") {
        let _ = normalize_email(&text);
        if let Ok(e) = normalize_email(&format!("{local}@{domain}")) {
            prop_assert_eq!(normalize_email(&e), Ok(e.clone()));
        }
    }

    #[test]
    fn cleaned_values_never_hold_a_control_character(
        pieces in proptest::collection::vec(
            prop_oneof![
                any::<char>().prop_map(String::from),
                prop::sample::select(vec![
                    "\u{1b}", "[", "]", "P", "\\", "\u{7}", "\u{9b}", "\u{9d}", "\u{90}", "\u{9c}",
                    "\u{0}", "\r", "\n", "\r\n", "\t", "\u{7f}", "\u{85}", "2J", ";", "0", "m",
                    "Ada", " ", "\u{a0}", "\u{200b}", "\u{202e}", "=",
                ]).prop_map(String::from),
            ],
            0..40,
        )
    ) {
        let text: String = pieces.concat();
        let forbidden = |c: char, keep: &[char]| {
            matches!(c, '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}') && !keep.contains(&c)
        };
        let mut removed = Removed::default();
        let flat = clean_value(&text, Layout::Flatten, &mut removed);
        prop_assert!(!flat.chars().any(|c| forbidden(c, &[])), "{:?} -> {:?}", text, flat);
        let mut again = Removed::default();
        prop_assert_eq!(clean_value(&flat, Layout::Flatten, &mut again), flat.clone());
        prop_assert!(!again.any(), "cleaning twice finds nothing more in {:?}", flat);
        let mut kept = Removed::default();
        let note = clean_value(&text, Layout::Keep, &mut kept);
        prop_assert!(!note.chars().any(|c| forbidden(c, &['\n', '\t'])), "{:?} -> {:?}", text, note);
        let stripped = strip_controls(&text);
        prop_assert!(!stripped.chars().any(|c| forbidden(c, &['\n', '\t'])), "{:?} -> {:?}", text, stripped);
        if !text.chars().any(|c| forbidden(c, &['\n', '\t'])) {
            prop_assert!(!removed.any() && !kept.any(), "nothing to remove in {:?}", text);
        }
        let safe = sanitize_for_terminal(&text);
        prop_assert!(!safe.chars().any(|c| forbidden(c, &[])), "{:?} -> {:?}", text, safe);
    }

    #[test]
    fn cells_and_terminal_text_never_panic(text in "\\PC{0,60}") {
        let cleaned = clean_cell(&text);
        prop_assert_eq!(clean_cell(&cleaned).into_owned(), cleaned.into_owned());
        let safe = sanitize_for_terminal(&text);
        prop_assert!(!safe.chars().any(|c| c.is_control()));
    }
}

/// A name part as rows bring them: missing, or a short word (few letters, so that the two
/// rows often share a part).
fn name_part() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[A-Za-zÉéÖö]{1,3}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Issue 15: for any two rows merged into one contact — the first makes it, the second
    /// updates it, with or without keep-existing — the stored name is one of the rows'
    /// names, never a mix such as "Nana Köhler" from "Uwe Köhler" and "Nana".
    #[test]
    fn two_rows_merged_store_one_of_their_names(
        first in (name_part(), name_part()),
        second in (name_part(), name_part()),
        keep_existing in any::<bool>(),
    ) {
        use rolodex::engine::contact::Contact;
        let row = |(first_name, last_name): &(Option<String>, Option<String>)| Contact {
            first_name: first_name.clone(),
            last_name: last_name.clone(),
            phones: vec!["+16135551234".into()],
            ..Contact::default()
        };
        let made = row(&first);
        let stored = rolodex::engine::merge::merge(&made, &row(&second), keep_existing);
        let name = (stored.first_name.clone(), stored.last_name.clone());
        prop_assert!(
            name == first || name == second,
            "{:?} from {:?} and {:?}", name, first, second
        );
    }
}
