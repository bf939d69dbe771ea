//! Times the contact search the wizard runs on every keystroke, on an existing store:
//! cargo run --example search_timing -- STORE QUERY…
//! Each query is typed one character at a time, as in the wizard; prints each prefix's
//! time and how many contacts it found.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: search_timing STORE QUERY…")?;
    let store = rolodex::store::Store::open_read_only(std::path::Path::new(&path))?;
    println!("{} contacts", store.contact_count()?);
    for query in args {
        let mut typed = String::new();
        for c in query.chars() {
            typed.push(c);
            let start = Instant::now();
            let found = store.search_contacts(&rolodex::engine::search::Query::parse_in(
                &typed,
                rolodex::engine::phone::parse_region("US"),
            ))?;
            let page = store.contacts_by_id(&found.ids[..found.ids.len().min(200)])?;
            println!(
                "{typed:>24}  {:>8} found  {:>7.2} ms (with the first page of {})",
                found.ids.len(),
                start.elapsed().as_secs_f64() * 1000.0,
                page.len()
            );
        }
    }
    Ok(())
}
