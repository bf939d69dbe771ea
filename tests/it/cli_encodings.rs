//! Files in legacy encodings, through the real binary: the encoding chardetng detects, how
//! sure the guess is, and the exact names and cities that reach the store.

use crate::common::{fixture, import, run, tempdir};

/// (first name, last name, city) of every stored contact, in the order they were created.
fn stored_people(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                text(&c["first_name"]),
                text(&c["last_name"]),
                text(&c["city"]),
            )
        })
        .collect()
}

fn people(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(f, l, c)| (f.to_string(), l.to_string(), c.to_string()))
        .collect()
}

/// Each export: its fixture, the encoding it must be detected as (WHATWG name), and the
/// contacts it must store. Their headers are in the file's language and mapped as they are,
/// without `--map`.
struct Export {
    file: &'static str,
    encoding: &'static str,
    expected: &'static [(&'static str, &'static str, &'static str)],
}

const EXPORTS: &[Export] = &[
    Export {
        file: "encodings/russian_windows_1251.csv",
        encoding: "windows-1251",
        expected: &[
            ("Иван", "Петров", "Москва"),
            ("Анна", "Смирнова", "Санкт-Петербург"),
            ("Дмитрий", "Кузнецов", "Новосибирск"),
            ("Ольга", "Волкова", "Екатеринбург"),
            ("Алексей", "Соколов", "Казань"),
            ("Татьяна", "Михайлова", "Нижний Новгород"),
            ("Сергей", "Фёдоров", "Ростов-на-Дону"),
        ],
    },
    Export {
        file: "encodings/polish_windows_1250.csv",
        encoding: "windows-1250",
        expected: &[
            ("Łukasz", "Wiśniewski", "Łódź"),
            ("Małgorzata", "Wójcik", "Kraków"),
            ("Paweł", "Kowalczyk", "Gdańsk"),
            ("Agnieszka", "Zielińska", "Wrocław"),
            ("Grzegorz", "Szymański", "Poznań"),
            ("Zofia", "Dąbrowska", "Białystok"),
            ("Krzysztof", "Woźniak", "Częstochowa"),
        ],
    },
    Export {
        file: "encodings/japanese_shift_jis.csv",
        encoding: "Shift_JIS",
        expected: &[
            ("太郎", "佐藤", "東京都千代田区"),
            ("花子", "鈴木", "大阪市北区"),
            ("健一", "高橋", "名古屋市中区"),
            ("美咲", "田中", "札幌市中央区"),
            ("翔太", "渡辺", "福岡市博多区"),
            ("由美", "伊藤", "京都市下京区"),
        ],
    },
    // GB18030's two-byte range is GBK: chardetng names it by its WHATWG name, GBK, whose
    // decoder reads GB18030's four-byte sequences too.
    Export {
        file: "encodings/chinese_gb18030.csv",
        encoding: "GBK",
        expected: &[
            ("王伟", "", "北京"),
            ("李娜", "", "上海"),
            ("张敏", "", "广州"),
            ("刘洋", "", "深圳"),
            ("陈静", "", "成都"),
            ("杨磊", "", "杭州"),
        ],
    },
    Export {
        file: "encodings/greek_iso_8859_7.csv",
        encoding: "ISO-8859-7",
        expected: &[
            ("Γιώργος", "Παπαδόπουλος", "Αθήνα"),
            ("Μαρία", "Κωνσταντίνου", "Θεσσαλονίκη"),
            ("Νίκος", "Γεωργίου", "Πάτρα"),
            ("Ελένη", "Δημητρίου", "Ηράκλειο"),
            ("Κώστας", "Αντωνίου", "Λάρισα"),
            ("Σοφία", "Οικονόμου", "Βόλος"),
            ("Άννα", "Αλεξίου", "Άργος"),
        ],
    },
];

#[test]
fn legacy_exports_are_detected_and_imported_with_exact_names() {
    for export in EXPORTS {
        let dir = tempdir();
        let path = fixture(export.file);
        let path = path.to_str().unwrap();
        let out = run(dir.path(), &["preview", "--json", path]);
        assert_eq!(out.code, 0, "{}: {}", export.file, out.stderr);
        let j = out.json();
        assert_eq!(j["encoding"], export.encoding, "{}", export.file);
        assert_eq!(j["encoding_confident"], true, "{}", export.file);
        assert_eq!(
            j["encoding_warning"],
            serde_json::Value::Null,
            "{}",
            export.file
        );

        let out = import(dir.path(), &fixture(export.file), &[]);
        assert_eq!(out.code, 0, "{}: {}", export.file, out.stderr);
        assert_eq!(
            out.json()["created"],
            export.expected.len(),
            "{}",
            export.file
        );
        assert!(
            !out.stderr.contains("warning"),
            "{}: {}",
            export.file,
            out.stderr
        );
        assert_eq!(
            stored_people(dir.path()),
            people(export.expected),
            "{}",
            export.file
        );
    }
}

#[test]
fn windows_1252_files_are_still_read_as_windows_1252() {
    let dir = tempdir();
    let path = fixture("differential/cp1252.csv");
    let out = run(dir.path(), &["preview", "--json", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["encoding"], "windows-1252");
    assert_eq!(j["encoding_confident"], true);
    assert_eq!(j["rows"][1][3], "café – “quoted”");
    assert_eq!(j["rows"][2][3], "€5 deposit");

    let out = import(dir.path(), &path, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        stored_people(dir.path()),
        people(&[
            ("Jürgen", "Müller", "Köln"),
            ("François", "Côté", "Montréal"),
            ("Zoë", "Brontë", "Haworth"),
        ])
    );
    // One accented name is too little to be sure of, but still read as windows-1252.
    let out = run(
        dir.path(),
        &[
            "preview",
            "--json",
            fixture("bad/invalid_utf8_middle.csv").to_str().unwrap(),
        ],
    );
    assert_eq!(out.json()["encoding"], "windows-1252");
    assert_eq!(out.json()["rows"][1][0], "Jürgen");
}

/// A short windows-1252 file with a couple of accented names: the guess rests on too little
/// text, so every front end says so and names the values as they were decoded.
fn doubtful_file(dir: &std::path::Path) -> std::path::PathBuf {
    let text = "Name,Phone,City\nRenée Dupont,+33 1 42 68 53 00,Paris\nAda Lovelace,+44 20 7946 0018,London\nJosé Silva,+351 21 343 2148,Lisboa\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let path = dir.join("short.csv");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_doubtful_guess_is_a_review_warning_naming_decoded_values() {
    let dir = tempdir();
    let path = doubtful_file(dir.path());
    let p = path.to_str().unwrap();

    let out = run(dir.path(), &["import", p, "--dry-run", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["encoding"], "windows-1252");
    assert_eq!(j["encoding_confident"], false);
    let warning = j["encoding_warning"].as_str().unwrap();
    assert!(
        warning.contains("guessed as windows-1252 with low confidence"),
        "{warning}"
    );
    assert!(
        warning.contains(r#""Renée Dupont", "José Silva""#),
        "{warning}"
    );
    assert!(warning.contains("--encoding"), "{warning}");

    let out = run(dir.path(), &["import", p, "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("windows-1252 (guessed, low confidence)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(r#"Warning: "#), "{}", out.stdout);
    assert!(out.stdout.contains(r#""Renée Dupont""#), "{}", out.stdout);

    let out = run(dir.path(), &["preview", p]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("windows-1252 (guessed, low confidence)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(r#""José Silva""#), "{}", out.stdout);

    // The import goes ahead, saying the doubt before anything is written.
    let out = import(dir.path(), &path, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("rolodex: warning:"), "{}", out.stderr);
    assert!(out.stderr.contains(r#""Renée Dupont""#), "{}", out.stderr);
}

#[test]
fn encoding_flag_overrides_detection_and_is_not_doubted() {
    let dir = tempdir();
    let path = doubtful_file(dir.path());
    let out = run(
        dir.path(),
        &[
            "import",
            path.to_str().unwrap(),
            "--dry-run",
            "--json",
            "--encoding",
            "windows-1252",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["encoding_confident"], true);
    assert_eq!(out.json()["encoding_warning"], serde_json::Value::Null);

    // Forced to read a Russian export as windows-1252: the user's word is taken.
    let russian = fixture("encodings/russian_windows_1251.csv");
    let out = run(
        dir.path(),
        &[
            "preview",
            "--json",
            russian.to_str().unwrap(),
            "--encoding",
            "windows-1252",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["encoding"], "windows-1252");
    assert_eq!(out.json()["rows"][0][2], "Ìîñêâà");
}
