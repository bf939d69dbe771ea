//! How an update changes a stored contact (SPEC §5): phones, emails and tags are added to
//! the contact's lists; other fields take the row's non-empty values, or with
//! keep-existing only fill the empty ones. An empty cell never blanks a stored value.
//!
//! A name is one unit: first and last name are replaced together, and only by a row whose
//! name is at least as complete as the stored one — a row with a first name alone fills an
//! empty name but never turns "Uwe Köhler" into "Nana Köhler", a person who does not exist.
//!
//! A contact keeps at most [`MAX_VALUES`] phones and as many emails: a switchboard number
//! that every row of a company's export shares would otherwise gather thousands of emails
//! into one contact, each update rewriting them all. What does not fit is said as a
//! warning (`too_many_values`) and left out.

use rustc_hash::FxHashSet;

use super::contact::{Consent, Contact};
use super::reason::{Issue, Reason};
use super::text::fold_text;

/// The most phones, and the most emails, one contact keeps.
pub const MAX_VALUES: usize = 100;

/// What an update did beyond the contact: the row's values left out because the contact
/// holds [`MAX_VALUES`] of their kind already.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Left {
    pub phones: Vec<String>,
    pub emails: Vec<String>,
}

impl Left {
    pub fn is_empty(&self) -> bool {
        self.phones.is_empty() && self.emails.is_empty()
    }

    /// The warning a row gets for values its contact had no room for.
    pub fn warning(&self, contact: u64) -> Option<Issue> {
        too_many_values(
            &format!("contact #{contact}"),
            self.phones.len(),
            self.emails.len(),
            |kind| {
                match kind {
                    "phone" => self.phones.first(),
                    _ => self.emails.first(),
                }
                .cloned()
            },
        )
    }
}

/// `too_many_values`: `phones` phones and `emails` emails of the row were not added to
/// the contact `whom` names (`contact #12`), which keeps at most [`MAX_VALUES`] of each. `first` names the first
/// value left out of a kind, when it is known.
pub fn too_many_values(
    whom: &str,
    phones: usize,
    emails: usize,
    first: impl Fn(&str) -> Option<String>,
) -> Option<Issue> {
    let mut parts = Vec::new();
    for (kind, n) in [("phone", phones), ("email", emails)] {
        if n == 0 {
            continue;
        }
        let plural = if n == 1 { "" } else { "s" };
        let named = first(kind).map(|v| format!(" ({v})")).unwrap_or_default();
        parts.push(format!(
            "{n} {kind}{plural}{named} not added: {whom} already has {MAX_VALUES} {kind}s, the most it keeps"
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(Issue::new(
        Reason::TooManyValues,
        None,
        format!(
            "{}; a number many people share (a switchboard) is better imported with --on-conflict separate",
            parts.join("; ")
        ),
    ))
}

pub fn merge(before: &Contact, incoming: &Contact, keep_existing: bool) -> Contact {
    merge_counted(before, incoming, keep_existing).0
}

/// `merge`, and the row's values left out for want of room. Costs the size of the two
/// contacts, however many values the stored one holds.
pub fn merge_counted(before: &Contact, incoming: &Contact, keep_existing: bool) -> (Contact, Left) {
    let mut after = before.clone();
    let mut left = Left::default();
    add_values(&mut after.phones, &incoming.phones, &mut left.phones);
    for (number, ext) in &incoming.extensions {
        // The extension of a number the contact has no room for goes with it.
        if left.phones.contains(number) {
            continue;
        }
        if keep_existing {
            after
                .extensions
                .entry(number.clone())
                .or_insert_with(|| ext.clone());
        } else {
            after.extensions.insert(number.clone(), ext.clone());
        }
    }
    add_values(&mut after.emails, &incoming.emails, &mut left.emails);
    after.tags.extend(incoming.tags.iter().cloned());
    after.lists.extend(incoming.lists.iter().cloned());
    if takes_name(before, incoming, keep_existing) {
        after.first_name = incoming.first_name.clone();
        after.last_name = incoming.last_name.clone();
    }
    let take = |slot: &mut Option<String>, value: &Option<String>| {
        if let Some(v) = value {
            if !keep_existing || slot.is_none() {
                *slot = Some(v.clone());
            }
        }
    };
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
    after.team.merge(&incoming.team, keep_existing);
    (after, left)
}

/// Adds the values of `new` that `values` lacks, up to [`MAX_VALUES`]; the others go to
/// `left`. A set of the stored values makes it cost their number once, not once per value.
fn add_values(values: &mut Vec<String>, new: &[String], left: &mut Vec<String>) {
    if new.is_empty() {
        return;
    }
    let mut seen: FxHashSet<String> = values.iter().cloned().collect();
    for v in new {
        if seen.contains(v) {
            continue;
        }
        if values.len() >= MAX_VALUES {
            left.push(v.clone());
        } else {
            values.push(v.clone());
        }
        seen.insert(v.clone());
    }
}

/// Whether an update takes the row's name, first and last together: a stored name that is
/// empty is filled by any; with keep-existing nothing else changes it; otherwise the row's
/// name replaces it when it has every part the stored one has (a first name alone never
/// replaces half of "Uwe Köhler").
pub fn takes_name(before: &Contact, incoming: &Contact, keep_existing: bool) -> bool {
    if !incoming.has_name() {
        return false;
    }
    if !before.has_name() {
        return true;
    }
    !keep_existing
        && (before.first_name.is_none() || incoming.first_name.is_some())
        && (before.last_name.is_none() || incoming.last_name.is_some())
}

/// A name as identity checks compare it: each part folded (case and accents aside) and
/// fingerprinted, 0 for a part that is missing. Fingerprints let the dry run remember the
/// name of every contact a file makes in a few bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NameKey {
    pub first: u64,
    pub last: u64,
}

impl NameKey {
    pub fn of(c: &Contact) -> NameKey {
        let part = |p: &Option<String>| match p {
            Some(v) => {
                let folded = fold_text(v.trim());
                // Never 0, which means "no part".
                xxhash_rust::xxh3::xxh3_64(folded.as_bytes()).max(1)
            }
            None => 0,
        };
        NameKey {
            first: part(&c.first_name),
            last: part(&c.last_name),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.first == 0 && self.last == 0
    }

    /// Whether two names are plainly of different people: both are given, and they share
    /// no part, or a part both have differs ("Uwe" agrees with "Uwe Köhler"; "Nana" does
    /// not, nor does "Uwe Schmidt").
    pub fn differs(&self, other: &NameKey) -> bool {
        if self.is_empty() || other.is_empty() {
            return false;
        }
        let mut shared = false;
        for (a, b) in [(self.first, other.first), (self.last, other.last)] {
            if a != 0 && b != 0 {
                if a != b {
                    return true;
                }
                shared = true;
            }
        }
        !shared
    }
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
    out.push(("owner", opt(&c.team.owner)));
    out.push(("followers", c.team.followers.join(", ")));
    out.push(("favorite_agent", opt(&c.team.favorite_agent)));
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

    fn named(first: Option<&str>, last: Option<&str>) -> Contact {
        Contact {
            first_name: first.map(str::to_string),
            last_name: last.map(str::to_string),
            ..Contact::default()
        }
    }

    #[test]
    fn a_name_is_replaced_whole_or_not_at_all() {
        let uwe = named(Some("Uwe"), Some("Köhler"));
        let cases = [
            // (stored, row, keep_existing, expected)
            (
                &uwe,
                named(Some("Nana"), None),
                false,
                (Some("Uwe"), Some("Köhler")),
            ),
            (
                &uwe,
                named(None, Some("Schmidt")),
                false,
                (Some("Uwe"), Some("Köhler")),
            ),
            (
                &uwe,
                named(Some("Nana"), Some("Mensah")),
                false,
                (Some("Nana"), Some("Mensah")),
            ),
            (
                &uwe,
                named(Some("Nana"), Some("Mensah")),
                true,
                (Some("Uwe"), Some("Köhler")),
            ),
            (
                &uwe,
                named(None, None),
                false,
                (Some("Uwe"), Some("Köhler")),
            ),
        ];
        for (before, row, keep, (first, last)) in cases {
            let after = merge(before, &row, keep);
            assert_eq!(
                (after.first_name.as_deref(), after.last_name.as_deref()),
                (first, last),
                "{row:?} keep_existing={keep}"
            );
        }
        // A name with one part is replaced by a row with that part; an empty one by any.
        let ann = named(Some("Ann"), None);
        assert_eq!(
            merge(&ann, &named(Some("Anne"), None), false)
                .first_name
                .as_deref(),
            Some("Anne")
        );
        let after = merge(&ann, &named(None, Some("Lee")), false);
        assert_eq!(
            (after.first_name.as_deref(), after.last_name),
            (Some("Ann"), None)
        );
        let nobody = named(None, None);
        let after = merge(&nobody, &named(Some("Nana"), None), true);
        assert_eq!(
            after.first_name.as_deref(),
            Some("Nana"),
            "fills an empty name"
        );
    }

    #[test]
    fn a_contact_keeps_at_most_a_hundred_emails_and_says_which_were_left() {
        let mut before = contact("Ann", "+16135551234", None);
        before.emails = (0..MAX_VALUES).map(|i| format!("e{i}@x.com")).collect();
        let incoming = Contact {
            emails: vec!["e3@x.com".into(), "new@x.com".into()],
            phones: vec!["+16135559999".into()],
            extensions: [("+16135559999".to_string(), "12".to_string())].into(),
            ..Contact::default()
        };
        let (after, left) = merge_counted(&before, &incoming, false);
        assert_eq!(after.emails.len(), MAX_VALUES);
        assert_eq!(left.emails, ["new@x.com"], "a known email is no new value");
        assert!(left.phones.is_empty());
        assert_eq!(after.phones.len(), 2);
        let warning = left.warning(7).unwrap();
        assert_eq!(warning.reason, Reason::TooManyValues);
        assert!(
            warning.message.starts_with(
                "1 email (new@x.com) not added: contact #7 already has 100 emails, the most it keeps"
            ),
            "{}",
            warning.message
        );
        assert_eq!(Left::default().warning(7), None);

        // A phone left out takes its extension with it.
        let mut full = before.clone();
        full.phones = (0..MAX_VALUES).map(|i| format!("+1613555{i:04}")).collect();
        let (after, left) = merge_counted(&full, &incoming, false);
        assert_eq!(left.phones, ["+16135559999"]);
        assert!(!after.extensions.contains_key("+16135559999"));
    }

    #[test]
    fn names_differ_only_when_both_are_given_and_a_shared_part_differs() {
        let key = |first: Option<&str>, last: Option<&str>| NameKey::of(&named(first, last));
        let uwe = key(Some("Uwe"), Some("Köhler"));
        assert!(
            !uwe.differs(&key(Some("uwe"), Some("KOHLER"))),
            "case and accents aside"
        );
        assert!(!uwe.differs(&key(Some("Uwe"), None)), "a part agrees");
        assert!(!uwe.differs(&key(None, None)), "no name says nothing");
        assert!(uwe.differs(&key(Some("Nana"), None)));
        assert!(uwe.differs(&key(Some("Uwe"), Some("Schmidt"))));
        assert!(
            key(Some("Nana"), None).differs(&key(None, Some("Köhler"))),
            "no part in common"
        );
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
