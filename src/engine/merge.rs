//! How an update changes a stored contact (SPEC §5): phones, emails and tags are added to
//! the contact's lists; other fields take the row's non-empty values, or with
//! keep-existing only fill the empty ones. An empty cell never blanks a stored value.

use super::contact::{Consent, Contact};

pub fn merge(before: &Contact, incoming: &Contact, keep_existing: bool) -> Contact {
    let mut after = before.clone();
    for p in &incoming.phones {
        if !after.phones.contains(p) {
            after.phones.push(p.clone());
        }
    }
    for (number, ext) in &incoming.extensions {
        if keep_existing {
            after
                .extensions
                .entry(number.clone())
                .or_insert_with(|| ext.clone());
        } else {
            after.extensions.insert(number.clone(), ext.clone());
        }
    }
    for e in &incoming.emails {
        if !after.emails.contains(e) {
            after.emails.push(e.clone());
        }
    }
    after.tags.extend(incoming.tags.iter().cloned());
    after.lists.extend(incoming.lists.iter().cloned());
    let take = |slot: &mut Option<String>, value: &Option<String>| {
        if let Some(v) = value {
            if !keep_existing || slot.is_none() {
                *slot = Some(v.clone());
            }
        }
    };
    take(&mut after.first_name, &incoming.first_name);
    take(&mut after.last_name, &incoming.last_name);
    take(&mut after.company, &incoming.company);
    take(&mut after.title, &incoming.title);
    take(&mut after.address, &incoming.address);
    take(&mut after.city, &incoming.city);
    take(&mut after.state, &incoming.state);
    take(&mut after.zip, &incoming.zip);
    take(&mut after.country, &incoming.country);
    take(&mut after.website, &incoming.website);
    take(&mut after.industry, &incoming.industry);
    take(&mut after.note, &incoming.note);
    for (name, value) in &incoming.custom {
        if !keep_existing || !after.custom.contains_key(name) {
            after.custom.insert(name.clone(), value.clone());
        }
    }
    if incoming.consent != Consent::Unknown && (!keep_existing || after.consent == Consent::Unknown)
    {
        after.consent = incoming.consent;
        after.consent_job = incoming.consent_job;
    }
    after.shared = after.shared || incoming.shared;
    after
}

/// Every field of a contact as (name, text), in a fixed order, to compare and display.
pub fn field_texts(c: &Contact) -> Vec<(&'static str, String)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut out = vec![
        ("first_name", opt(&c.first_name)),
        ("last_name", opt(&c.last_name)),
        ("phones", c.phones.join(", ")),
        ("emails", c.emails.join(", ")),
        ("company", opt(&c.company)),
        ("title", opt(&c.title)),
        ("address", opt(&c.address)),
        ("city", opt(&c.city)),
        ("state", opt(&c.state)),
        ("zip", opt(&c.zip)),
        ("country", opt(&c.country)),
        ("website", opt(&c.website)),
        ("industry", opt(&c.industry)),
        ("note", opt(&c.note)),
        (
            "tags",
            c.tags.iter().cloned().collect::<Vec<_>>().join(", "),
        ),
    ];
    let custom: Vec<String> = c
        .custom
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_cell()))
        .collect();
    out.push(("custom", custom.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(first: &str, phone: &str, company: Option<&str>) -> Contact {
        Contact {
            first_name: Some(first.into()),
            phones: vec![phone.into()],
            company: company.map(str::to_string),
            ..Contact::default()
        }
    }

    #[test]
    fn update_adds_phones_and_takes_non_empty_values() {
        let before = contact("Ann", "+16135551234", Some("Acme"));
        let incoming = contact("Anne", "+16135554321", None);
        let after = merge(&before, &incoming, false);
        assert_eq!(after.first_name.as_deref(), Some("Anne"));
        assert_eq!(
            after.company.as_deref(),
            Some("Acme"),
            "an empty cell never blanks a value"
        );
        assert_eq!(after.phones, ["+16135551234", "+16135554321"]);
    }

    #[test]
    fn keep_existing_only_fills_empty_fields() {
        let before = contact("Ann", "+16135551234", None);
        let incoming = contact("Anne", "+16135551234", Some("Acme"));
        let after = merge(&before, &incoming, true);
        assert_eq!(after.first_name.as_deref(), Some("Ann"));
        assert_eq!(after.company.as_deref(), Some("Acme"));
    }
}
