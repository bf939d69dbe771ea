//! `contacts --search` on PostgreSQL gives redb's answers: the same store built by the same
//! commands on both backends, then the same queries — folded words (accents, case, a
//! word's start, one longer than redb's keys hold), whole addresses, numbers by their
//! leading digits (international and national), nothing found — after an import, an
//! upsert that renames contacts, and a revert of it.

use crate::common::{rolodex, tempdir, write};
use crate::store_backends::{fresh_schema, pg_exec, test_pg_url};

const PEOPLE: &str = "first_name,last_name,phone,email,company
Jürgen,Weiß,+1 613 969 0710,jurgen@example.com,Łódź Tools
Ann,Lee,+44 20 7946 0958,ann.lee@example.org,Acme
Annabelle,Ortiz,+1 514 720 9963,bella@example.net,Globex
ZOË,Kim-Ng,+1 613 555 0123,zoe@corp.example.com,ACME widgets
Çelik,O'Brien,+33 1 42 68 53 00,celik@example.fr,Société Générale
";

/// The same contacts renamed: an upsert matched by email changes their words.
const RENAMED: &str = "first_name,last_name,email,company
Jurgen,Weiss,jurgen@example.com,Nordwind
Annie,Lee,ann.lee@example.org,Initech
";

const QUERIES: &[&str] = &[
    "jurgen",
    "JÜRGEN",
    "weiss",
    "WEISS",
    "lodz",
    "ann",
    "ann lee",
    "annabell",
    "annabelx",
    "zoe",
    "kim",
    "ng",
    "acme",
    "acme wid",
    "celik",
    "o'brien",
    "societe generale",
    "nordwind",
    "initech",
    "annie",
    "Ann.Lee@Example.org",
    "ann.lee@ex",
    "example.com",
    "+1 613",
    "+1613969",
    "613 969",
    "(613) 555-0123",
    "+44 20 7946",
    "0044 20",
    "+33 1 42",
    "0123",
    "+9999",
    "jurgen +1 613",
    "nobody",
    "",
];

#[test]
fn a_search_on_postgres_finds_what_it_finds_on_redb() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let people = write(dir.path(), "people.csv", PEOPLE);
    let renamed = write(dir.path(), "renamed.csv", RENAMED);
    let on = |pg: bool, args: &[&str]| -> String {
        let mut cmd = rolodex(dir.path());
        if pg {
            cmd.env("ROLODEX_DB", &url)
                .env("ROLODEX_PG_SCHEMA", &schema);
        }
        let out = cmd.args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{args:?} on {}: {stderr}",
            if pg { "PostgreSQL" } else { "redb" }
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let both = |args: &[&str]| {
        on(false, args);
        on(true, args);
    };
    let compare = |stage: &str, expect_some: &[&str]| {
        for q in QUERIES {
            let args = ["contacts", "--search", q, "--json"];
            let (r, p) = (on(false, &args), on(true, &args));
            let (r, p): (serde_json::Value, serde_json::Value) = (
                serde_json::from_str(&r).unwrap(),
                serde_json::from_str(&p).unwrap(),
            );
            assert_eq!(r, p, "{stage}: {q:?}");
            if expect_some.contains(q) {
                assert!(
                    !r.as_array().unwrap().is_empty(),
                    "{stage}: {q:?} finds someone"
                );
            }
        }
    };
    let imported = [
        "import",
        people.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
    ];
    both(&imported);
    compare(
        "imported",
        &[
            "JÜRGEN",
            "WEISS",
            "lodz",
            "ann lee",
            "annabell",
            "acme wid",
            "celik",
            "+1 613",
            "613 969",
            "Ann.Lee@Example.org",
            "jurgen +1 613",
        ],
    );
    let upsert = [
        "import",
        renamed.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
        "--purpose",
        "upsert",
    ];
    both(&upsert);
    compare("renamed", &["nordwind", "initech", "annie", "jurgen"]);
    both(&["revert", "2", "--yes"]);
    compare("reverted", &["lodz", "acme"]);
    both(&["revert", "1", "--yes"]);
    compare("all reverted", &[]);
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

/// A store written before the words table (schema version 3) gets it filled from its
/// contacts when an import upgrades it, so a search finds the contacts stored before.
#[test]
fn an_older_postgres_store_gets_its_words_when_upgraded() {
    let Some(url) = test_pg_url() else { return };
    let dir = tempdir();
    let schema = fresh_schema();
    let people = write(dir.path(), "people.csv", PEOPLE);
    let pg = |args: &[&str]| {
        let out = rolodex(dir.path())
            .env("ROLODEX_DB", &url)
            .env("ROLODEX_PG_SCHEMA", &schema)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    pg(&[
        "import",
        people.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
    ]);
    // As a rolodex before the words table left it.
    pg_exec(
        &url,
        &format!(
            "DROP TABLE {schema}.words; DELETE FROM {schema}.schema_migrations WHERE version > 3"
        ),
    );
    let empty = write(
        dir.path(),
        "one.csv",
        "first_name,phone\nNew,+1 212 736 0100\n",
    );
    pg(&[
        "import",
        empty.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
    ]);
    let found: serde_json::Value =
        serde_json::from_str(&pg(&["contacts", "--search", "lodz", "--json"])).unwrap();
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    pg_exec(&url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}
