//! A row's country, written by its formal or native name, decides how its national phone
//! numbers are read — through the real binary.

use serde_json::Value;

use crate::common::{import, run, tempdir, write};

fn contact<'a>(all: &'a Value, first: &str) -> &'a Value {
    all.as_array()
        .unwrap()
        .iter()
        .find(|c| c["first_name"] == first)
        .unwrap_or_else(|| panic!("no contact {first} in {all}"))
}

#[test]
fn formal_country_names_set_the_region_of_numbers_written_without_plus() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "korea.csv",
        "First Name,Last Name,Phone,Country\n\
         Minjun,Kim,02-312-3456,Republic of Korea\n\
         Seoyeon,Lee,02-312-3457,\"Korea, Republic of\"\n\
         Wei,Zhang,010 6552 9988,People's Republic of China\n\
         Lena,Vogel,030 1234567,Federal Republic of Germany\n\
         Anh,Nguyen,024 3825 3536,Viet Nam\n",
    );
    let out = import(dir.path(), &file, &["--region", "US"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let j = out.json();
    assert_eq!(j["created"], 5, "{j}");
    let listed = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let all = listed.json();
    for (first, want, country) in [
        ("Minjun", "+8223123456", "KR"),
        ("Seoyeon", "+8223123457", "KR"),
        ("Wei", "+861065529988", "CN"),
        ("Lena", "+49301234567", "DE"),
        ("Anh", "+842438253536", "VN"),
    ] {
        let contact = contact(&all, first);
        assert_eq!(contact["phones"], serde_json::json!([want]), "{first}");
        assert_eq!(contact["country"], country, "{first}");
    }
}

#[test]
fn uk_is_accepted_as_the_region_of_numbers_without_plus() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "london.csv",
        "First Name,Last Name,Phone\nOlive,Hart,020 3123 4567\n",
    );
    let out = import(dir.path(), &file, &["--region", "UK"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let listed = run(dir.path(), &["contacts", "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let all = listed.json();
    assert_eq!(
        contact(&all, "Olive")["phones"],
        serde_json::json!(["+442031234567"])
    );
}
