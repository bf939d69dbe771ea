//! Team members (issue 18, seeds 001 and 004): `rolodex team add/list/remove`, and imports
//! whose owner, followers and favorite agent cells name them by email or "First Last".

use std::path::Path;

use serde_json::{json, Value};

use crate::common::{fixture, run, tempdir};

/// The members `fixtures/team/contacts.csv` names, two of them sharing a name.
fn add_team(dir: &Path) {
    for (email, name, role) in [
        ("logan@team.example", "Logan Paul", "owner"),
        ("david@team.example", "David Lee", "agent"),
        ("jurgen@team.example", "Jürgen Weiß", "agent"),
        ("adam.smith@team.example", "Adam Smith", "agent"),
        ("adam.s@team.example", "adam  smith", "agent"),
    ] {
        let out = run(dir, &["team", "add", email, "--name", name, "--role", role]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
}

fn import(dir: &Path, file: &str, extra: &[&str]) -> Value {
    let path = fixture(file);
    let mut args = vec![
        "import",
        path.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--no-import-tag",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = run(dir, &args);
    assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
    out.json()
}

fn contacts(dir: &Path) -> Vec<Value> {
    let out = run(dir, &["contacts", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json().as_array().unwrap().clone()
}

/// (first name, owner, followers, favorite agent) of every contact.
fn assignments(dir: &Path) -> Vec<(String, Value, Value, Value)> {
    contacts(dir)
        .iter()
        .map(|c| {
            (
                c["first_name"].as_str().unwrap().to_string(),
                c["owner"].clone(),
                c["followers"].clone(),
                c["favorite_agent"].clone(),
            )
        })
        .collect()
}

#[test]
fn team_members_are_added_listed_changed_and_removed() {
    let dir = tempdir();
    let d = dir.path();
    let empty = run(d, &["team", "list"]);
    assert_eq!(empty.code, 0, "{}", empty.stderr);
    assert!(
        empty.stdout.contains("No team members yet"),
        "{}",
        empty.stdout
    );

    add_team(d);
    let list = run(d, &["team", "list", "--json"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(list.json().as_array().unwrap().len(), 5);
    assert_eq!(
        list.json()[4],
        json!({"email": "logan@team.example", "name": "Logan Paul", "role": "owner"})
    );
    let text = run(d, &["team", "list"]);
    assert!(text.stdout.contains("Jürgen Weiß"), "{}", text.stdout);
    assert!(text.stdout.contains("5 team members"), "{}", text.stdout);

    // The same email again changes the member; the address is kept lowercased.
    let again = run(
        d,
        &[
            "team",
            "add",
            "LOGAN@team.example",
            "--name",
            "Logan  Paul Jr",
            "--json",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["added"], false);
    assert_eq!(again.json()["member"]["name"], "Logan Paul Jr");

    let bad = run(d, &["team", "add", "not-an-address", "--name", "X Y"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("cannot add \"not-an-address\" to the team"),
        "{}",
        bad.stderr
    );

    let unknown = run(d, &["team", "remove", "nobody@team.example"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("\"nobody@team.example\" is no team member"),
        "{}",
        unknown.stderr
    );

    let gone = run(d, &["team", "remove", "adam.s@team.example", "--json"]);
    assert_eq!(gone.code, 0, "{}", gone.stderr);
    assert_eq!(gone.json()["contacts_reassigned"], 0);
    assert_eq!(
        run(d, &["team", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn owners_followers_and_favorite_agents_are_matched_by_email_or_name() {
    let dir = tempdir();
    let d = dir.path();
    add_team(d);
    let job = import(d, "team/contacts.csv", &[]);
    assert_eq!(
        (job["created"].clone(), job["failed"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(
        job["reasons"],
        json!({"ambiguous_member": 1, "unknown_member": 1})
    );

    // By name whatever the case and accents, by email whatever the case.
    assert_eq!(
        assignments(d),
        vec![
            (
                "Ada".into(),
                json!("logan@team.example"),
                json!(["david@team.example", "jurgen@team.example"]),
                json!("david@team.example")
            ),
            (
                "Grace".into(),
                json!("logan@team.example"),
                json!([]),
                json!("jurgen@team.example")
            ),
            ("Barbara".into(), json!(null), json!([]), json!(null)),
        ]
    );

    let failed = run(d, &["show", "1", "--failed", "--json"]).json();
    let rows = failed["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["row"], 4);
    assert_eq!(
        rows[0]["reasons"],
        json!([{
            "code": "unknown_member",
            "column": "Contact Owner",
            "message": "\"Ann Lee\" is no team member; add them with `rolodex team add EMAIL --name \"Ann Lee\"`, or correct the value"
        }])
    );
    assert_eq!(rows[1]["row"], 5);
    assert_eq!(
        rows[1]["reasons"],
        json!([{
            "code": "ambiguous_member",
            "column": "Contact Followers",
            "message": "\"Adam Smith\" is the name of 2 team members (adam.s@team.example, adam.smith@team.example); write the member's email instead"
        }])
    );

    // The error file names the reason, for the admin to fix and retry.
    let csv = run(d, &["show", "1", "--failed", "--csv"]);
    assert!(csv.stdout.contains("Ann Lee"), "{}", csv.stdout);
    assert!(csv.stdout.contains("unknown_member"), "{}", csv.stdout);

    // contacts --csv carries the assignments too.
    let csv = run(d, &["contacts", "--csv"]).stdout;
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with("owner,followers,favorite_agent"),
        "{header}"
    );
    assert!(
        csv.contains(
            "logan@team.example,\"david@team.example, jurgen@team.example\",david@team.example"
        ),
        "{csv}"
    );
}

#[test]
fn the_dry_run_agrees_with_the_import_and_a_member_added_since_is_found() {
    let dir = tempdir();
    let d = dir.path();
    add_team(d);
    let path = fixture("team/contacts.csv");
    let dry = run(
        d,
        &["import", path.to_str().unwrap(), "--dry-run", "--json"],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let dry = dry.json();
    assert_eq!(
        dry["reasons"],
        json!({"ambiguous_member": 1, "unknown_member": 1})
    );
    assert_eq!(
        (dry["created"].clone(), dry["failed"].clone()),
        (json!(3), json!(2))
    );

    // Without the store's team, every value is unknown.
    let other = tempdir();
    let none = run(
        other.path(),
        &["import", path.to_str().unwrap(), "--dry-run", "--json"],
    );
    assert_eq!(
        none.json()["reasons"]["unknown_member"],
        4,
        "{}",
        none.stdout
    );

    // Adding Ann Lee is what the message says to do; the row then imports.
    let add = run(d, &["team", "add", "ann@team.example", "--name", "Ann Lee"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    let dry = run(
        d,
        &["import", path.to_str().unwrap(), "--dry-run", "--json"],
    )
    .json();
    assert_eq!(dry["reasons"], json!({"ambiguous_member": 1}));
}

#[test]
fn an_update_changes_the_owner_and_a_revert_puts_it_back() {
    let dir = tempdir();
    let d = dir.path();
    add_team(d);
    import(d, "team/contacts.csv", &[]);
    let job = import(
        d,
        "team/changes.csv",
        &["--purpose", "update", "--identifier", "email"],
    );
    assert_eq!(job["updated"], 1, "{job}");
    let ada = &assignments(d)[0];
    assert_eq!(ada.1, json!("david@team.example"));
    // Followers join the ones the contact had.
    assert_eq!(
        ada.2,
        json!([
            "david@team.example",
            "jurgen@team.example",
            "logan@team.example"
        ])
    );
    let reverted = run(d, &["revert", "2", "--yes", "--json"]);
    assert_eq!(reverted.code, 0, "{}", reverted.stderr);
    let ada = &assignments(d)[0];
    assert_eq!(ada.1, json!("logan@team.example"));
    assert_eq!(ada.2, json!(["david@team.example", "jurgen@team.example"]));
}

#[test]
fn a_member_contacts_name_is_removed_only_with_reassign() {
    let dir = tempdir();
    let d = dir.path();
    add_team(d);
    import(d, "team/contacts.csv", &[]);
    let refused = run(d, &["team", "remove", "logan@team.example"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains(
            "2 contacts name Logan Paul <logan@team.example> as owner, follower or favorite agent; give them to another member with `rolodex team remove logan@team.example --reassign OTHER_EMAIL`"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(
        run(d, &["team", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        5
    );

    let to_self = run(
        d,
        &[
            "team",
            "remove",
            "logan@team.example",
            "--reassign",
            "LOGAN@team.example",
        ],
    );
    assert_eq!(to_self.code, 2, "{}", to_self.stderr);

    let moved = run(
        d,
        &[
            "team",
            "remove",
            "david@team.example",
            "--reassign",
            "jurgen@team.example",
            "--json",
        ],
    );
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    assert_eq!(moved.json()["contacts_reassigned"], 1);
    let ada = &assignments(d)[0];
    // A follower who already followed stays once; the favorite agent moves too.
    assert_eq!(ada.2, json!(["jurgen@team.example"]));
    assert_eq!(ada.3, json!("jurgen@team.example"));
    assert_eq!(
        run(d, &["team", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        4
    );
}
