//! Opportunities imported beside contacts (seed 004: "Choose to import only Contacts or
//! both"), through the real binary: created, updated by id and by contact + name, reverted,
//! left out with `--objects contacts`, and a row failed by a cell that is not money.

use serde_json::Value;

use crate::common::{fixture, import, run, tempdir};

fn opportunities(dir: &std::path::Path) -> Vec<Value> {
    let out = run(dir, &["opportunities", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json().as_array().expect("an array").clone()
}

fn named<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no opportunity {name:?} in {list:#?}"))
}

#[test]
fn contacts_are_imported_with_their_opportunities() {
    let dir = tempdir();
    let out = import(dir.path(), &fixture("opportunities/deals.csv"), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let job = out.json();
    assert_eq!(job["created"], 4, "{job:#}");
    assert_eq!(job["objects"], "both");
    assert_eq!(
        job["opportunities"],
        serde_json::json!({"created": 3, "updated": 0, "skipped": 0}),
        "{job:#}"
    );

    let list = opportunities(dir.path());
    assert_eq!(list.len(), 3, "{list:#?}");
    let engine = named(&list, "Analytical Engine");
    assert_eq!(engine["pipeline"], "Sales");
    assert_eq!(engine["stage"], "Proposal");
    assert_eq!(
        engine["value"],
        serde_json::json!({"amount": "1200.50", "currency": null})
    );
    assert_eq!(engine["status"], "open");
    assert_eq!(engine["close_date"], "2024-10-28");
    assert_eq!(engine["owner"], "Logan Paul");
    assert_eq!(engine["opportunity_id"], "D-1");
    let licence = named(&list, "Compiler licence");
    assert_eq!(licence["value"]["currency"], "USD");
    assert_eq!(licence["close_date"], "2024-10-28");
    let bombe = named(&list, "Bombe upkeep");
    assert_eq!(
        bombe["value"],
        serde_json::json!({"amount": "1200.50", "currency": "EUR"})
    );
    assert_eq!(bombe["status"], "won");

    // Each belongs to the contact of its row.
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    let id_of = |email: &str| {
        contacts
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["emails"][0] == email)
            .map(|c| c["id"].clone())
            .unwrap_or_else(|| panic!("no contact {email}"))
    };
    assert_eq!(engine["contact"], id_of("jergen.patel@corp.example.net"));
    assert_eq!(bombe["contact"], id_of("arjun.jackson@example.co.uk"));

    // `--contact` lists one contact's; text and CSV list the same.
    let patel = id_of("jergen.patel@corp.example.net").to_string();
    let one = run(
        dir.path(),
        &["opportunities", "--json", "--contact", &patel],
    )
    .json();
    assert_eq!(one.as_array().unwrap().len(), 1);
    let text = run(dir.path(), &["opportunities"]);
    assert!(text.stdout.contains("Analytical Engine"), "{}", text.stdout);
    assert!(text.stdout.contains("3 opportunities"), "{}", text.stdout);
    let csv = run(dir.path(), &["opportunities", "--csv"]);
    assert!(
        csv.stdout.starts_with("id,contact,name,pipeline,stage,value,currency,status,close_date,owner,opportunity_id,created_by\n"),
        "{}",
        csv.stdout
    );
    assert!(
        csv.stdout
            .contains("Bombe upkeep,Partners,Won,1200.50,EUR,won,2024-10-28"),
        "{}",
        csv.stdout
    );

    // The summary counts them apart from the contacts.
    let show = run(dir.path(), &["show", "1"]);
    assert!(
        show.stdout
            .contains("opportunities   3 created, 0 updated, 0 skipped"),
        "{}",
        show.stdout
    );
}

#[test]
fn an_update_finds_opportunities_by_id_and_by_contact_and_name_and_revert_undoes_each() {
    let dir = tempdir();
    assert_eq!(
        import(dir.path(), &fixture("opportunities/deals.csv"), &[]).code,
        0
    );
    let out = import(
        dir.path(),
        &fixture("opportunities/deals_update.csv"),
        &["--purpose", "update"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let job = out.json();
    assert_eq!(job["updated"], 2, "{job:#}");
    assert_eq!(
        job["opportunities"],
        serde_json::json!({"created": 0, "updated": 2, "skipped": 0}),
        "{job:#}"
    );
    let list = opportunities(dir.path());
    assert_eq!(list.len(), 3, "an update creates none: {list:#?}");
    // By its id D-1: renamed, a new stage and value; the owner the row left empty is kept.
    let engine = named(&list, "Analytical Engine (renewed)");
    assert_eq!(engine["opportunity_id"], "D-1");
    assert_eq!(engine["stage"], "Negotiation");
    assert_eq!(engine["value"]["amount"], "2400.00");
    assert_eq!(engine["close_date"], "2024-11-30");
    assert_eq!(engine["owner"], "Logan Paul");
    assert_eq!(engine["updated_by"], 2);
    // By its contact and name (no id in either file).
    let bombe = named(&list, "Bombe upkeep");
    assert_eq!(bombe["stage"], "Closed");
    assert_eq!(bombe["value"]["amount"], "1500.00");

    // Reverting the update restores both as they were.
    let reverted = run(dir.path(), &["revert", "2", "--yes", "--json"]);
    assert_eq!(reverted.code, 0, "{}", reverted.stderr);
    assert_eq!(
        reverted.json()["opportunities"],
        serde_json::json!({"deleted": 0, "restored": 2})
    );
    let list = opportunities(dir.path());
    let engine = named(&list, "Analytical Engine");
    assert_eq!(engine["stage"], "Proposal");
    assert_eq!(engine["value"]["amount"], "1200.50");
    assert_eq!(named(&list, "Bombe upkeep")["stage"], "Won");

    // Found again by its restored keys: the same update matches the same two.
    let again = import(
        dir.path(),
        &fixture("opportunities/deals_update.csv"),
        &["--purpose", "update"],
    );
    assert_eq!(
        again.json()["opportunities"]["updated"],
        2,
        "{}",
        again.stdout
    );

    // Reverting the import that made them deletes them with their contacts.
    let first = run(dir.path(), &["revert", "1", "--yes", "--force", "--json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(
        first.json()["opportunities"]["deleted"],
        3,
        "{}",
        first.stdout
    );
    assert!(opportunities(dir.path()).is_empty());
}

#[test]
fn an_upsert_creates_the_missing_and_updates_the_found() {
    let dir = tempdir();
    assert_eq!(
        import(dir.path(), &fixture("opportunities/deals.csv"), &[]).code,
        0
    );
    let again = import(
        dir.path(),
        &fixture("opportunities/deals.csv"),
        &["--purpose", "upsert"],
    );
    assert_eq!(
        again.json()["opportunities"],
        serde_json::json!({"created": 0, "updated": 3, "skipped": 0})
    );
    // Under create, the contacts are duplicates and their opportunities exist: skipped.
    let create = import(dir.path(), &fixture("opportunities/deals.csv"), &[]);
    assert_eq!(
        create.json()["opportunities"],
        serde_json::json!({"created": 0, "updated": 0, "skipped": 3})
    );
    assert_eq!(opportunities(dir.path()).len(), 3);
}

#[test]
fn objects_contacts_leaves_the_opportunity_columns_out_and_says_so() {
    let dir = tempdir();
    let out = import(
        dir.path(),
        &fixture("opportunities/deals.csv"),
        &["--objects", "contacts"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let job = out.json();
    assert_eq!(job["created"], 4);
    assert_eq!(job["objects"], "contacts");
    assert_eq!(
        job["opportunity_columns_not_imported"],
        serde_json::json!([
            "Deal Name",
            "Pipeline",
            "Deal Stage",
            "Amount",
            "Opportunity Status",
            "Close Date",
            "Deal Owner",
            "Deal ID"
        ])
    );
    assert!(opportunities(dir.path()).is_empty());
    let show = run(dir.path(), &["show", "1"]);
    assert!(
        show.stdout
            .contains("opportunities   not imported (--objects contacts): \"Deal Name\""),
        "{}",
        show.stdout
    );

    // config.toml says the same as the flag; the flag wins over it.
    let other = tempdir();
    std::fs::create_dir_all(other.path().join("config/rolodex")).unwrap();
    std::fs::write(
        other.path().join("config/rolodex/config.toml"),
        "objects = \"contacts\"\n",
    )
    .unwrap();
    let by_config = import(other.path(), &fixture("opportunities/deals.csv"), &[]);
    assert_eq!(
        by_config.json()["objects"],
        "contacts",
        "{}",
        by_config.stderr
    );
    let by_flag = import(
        other.path(),
        &fixture("opportunities/deals.csv"),
        &["--objects", "both", "--purpose", "upsert"],
    );
    assert_eq!(by_flag.json()["opportunities"]["created"], 3);
}

#[test]
fn a_cell_that_is_not_money_fails_its_row() {
    let dir = tempdir();
    let out = import(dir.path(), &fixture("opportunities/bad_money.csv"), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let job = out.json();
    assert_eq!(job["created"], 1, "{job:#}");
    assert_eq!(job["failed"], 1);
    assert_eq!(job["reasons"]["invalid_money"], 1);
    assert_eq!(job["opportunities"]["created"], 1);
    let failed = run(dir.path(), &["show", "1", "--failed"]);
    assert!(
        failed
            .stdout
            .contains("Amount: lots: not an amount of money"),
        "{}",
        failed.stdout
    );
    assert_eq!(opportunities(dir.path()).len(), 1);
}

#[test]
fn opportunity_headers_are_mapped_and_status_or_owner_alone_are_not() {
    let dir = tempdir();
    let file = crate::common::write(
        dir.path(),
        "crm.csv",
        "Name,Email,Status,Owner,Opportunity Name,Opportunity Value,Pipeline Stage,Opportunity ID\n\
         Ada Lovelace,ada@example.com,Active,Logan Paul,Engine,500,Lead,O-1\n",
    );
    let out = run(
        dir.path(),
        &["import", file.to_str().unwrap(), "--dry-run", "--json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mapping = out.json()["mapping"].clone();
    let field = |column: &str| {
        mapping
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["column"] == column)
            .map(|m| m["field"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(field("Opportunity Name"), "opportunity.name");
    assert_eq!(field("Opportunity Value"), "opportunity.value");
    assert_eq!(field("Pipeline Stage"), "opportunity.stage");
    assert_eq!(field("Opportunity ID"), "opportunity.id");
    assert!(!field("Status").starts_with("opportunity."));
    assert!(!field("Owner").starts_with("opportunity."));
}

#[test]
fn the_dry_run_counts_opportunities_apart_from_contacts() {
    let dir = tempdir();
    let deals = fixture("opportunities/deals.csv");
    let first = run(
        dir.path(),
        &["import", deals.to_str().unwrap(), "--dry-run", "--json"],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(
        first.json()["opportunities"],
        serde_json::json!({"created": 3, "updated": 0, "skipped": 0})
    );
    assert_eq!(import(dir.path(), &deals, &[]).code, 0);
    let update = fixture("opportunities/deals_update.csv");
    let args = [
        "import",
        update.to_str().unwrap(),
        "--dry-run",
        "--purpose",
        "update",
    ];
    let text = run(dir.path(), &args);
    assert!(
        text.stdout
            .contains("opportunities   would create 0, would update 2, skip 0"),
        "{}",
        text.stdout
    );
    let mut json = args.to_vec();
    json.push("--json");
    assert_eq!(
        run(dir.path(), &json).json()["opportunities"],
        serde_json::json!({"created": 0, "updated": 2, "skipped": 0})
    );
}
