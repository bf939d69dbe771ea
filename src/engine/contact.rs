//! The contact as the store keeps it (SPEC §1).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Yes,
    No,
    #[default]
    Unknown,
}

/// A typed custom value, stored in its normal form (dates as ISO 8601, numbers as plain
/// decimal text, options as given in the definition). JSON output flattens it (`as_json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomValue {
    Text(String),
    Many(Vec<String>),
    Flag(bool),
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contact {
    pub id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phones: Vec<String>,
    pub extensions: BTreeMap<String, String>,
    pub emails: Vec<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub note: Option<String>,
    pub tags: BTreeSet<String>,
    pub lists: BTreeSet<String>,
    pub custom: BTreeMap<String, CustomValue>,
    pub consent: Consent,
    pub consent_job: Option<u64>,
    pub shared: bool,
    pub created_by: Option<u64>,
    /// The row of the creating job's file that made this contact.
    pub created_row: Option<u64>,
    pub updated_by: Option<u64>,
    /// The team members assigned (owner, followers, favorite agent). Last, so a contact
    /// stored before it reads as one without (see `store::codec::decode_contact_as`).
    pub team: super::team::Assignments,
}

/// A contact as schema 4 stored it, before assignments: read, never written.
#[derive(Deserialize)]
pub struct ContactWithoutTeam {
    id: u64,
    first_name: Option<String>,
    last_name: Option<String>,
    phones: Vec<String>,
    extensions: BTreeMap<String, String>,
    emails: Vec<String>,
    company: Option<String>,
    title: Option<String>,
    address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    country: Option<String>,
    website: Option<String>,
    industry: Option<String>,
    note: Option<String>,
    tags: BTreeSet<String>,
    lists: BTreeSet<String>,
    custom: BTreeMap<String, CustomValue>,
    consent: Consent,
    consent_job: Option<u64>,
    shared: bool,
    created_by: Option<u64>,
    created_row: Option<u64>,
    updated_by: Option<u64>,
}

impl From<ContactWithoutTeam> for Contact {
    fn from(c: ContactWithoutTeam) -> Contact {
        Contact {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            phones: c.phones,
            extensions: c.extensions,
            emails: c.emails,
            company: c.company,
            title: c.title,
            address: c.address,
            city: c.city,
            state: c.state,
            zip: c.zip,
            country: c.country,
            website: c.website,
            industry: c.industry,
            note: c.note,
            tags: c.tags,
            lists: c.lists,
            custom: c.custom,
            consent: c.consent,
            consent_job: c.consent_job,
            shared: c.shared,
            created_by: c.created_by,
            created_row: c.created_row,
            updated_by: c.updated_by,
            team: Default::default(),
        }
    }
}

impl CustomValue {
    pub fn as_json(&self) -> serde_json::Value {
        match self {
            CustomValue::Text(t) => serde_json::Value::String(t.clone()),
            CustomValue::Many(v) => serde_json::Value::from(v.clone()),
            CustomValue::Flag(b) => serde_json::Value::Bool(*b),
        }
    }

    /// The value as one cell of a CSV file.
    pub fn as_cell(&self) -> String {
        match self {
            CustomValue::Text(t) => t.clone(),
            CustomValue::Many(v) => v.join(", "),
            CustomValue::Flag(b) => if *b { "yes" } else { "no" }.to_string(),
        }
    }
}

impl Contact {
    /// "Jane Doe", or the first email or phone when the contact has no name.
    pub fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            return name;
        }
        self.emails
            .first()
            .or(self.phones.first())
            .cloned()
            .unwrap_or_default()
    }

    /// True when the contact matches a search: name, company, emails, tags, or the digits
    /// of a phone.
    pub fn matches_search(&self, text: &str) -> bool {
        // Case and accents do not count: `jurgen` finds `Jürgen`.
        let needle = super::text::fold_text(text.trim());
        if needle.is_empty() {
            return true;
        }
        let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
        let hay = [
            self.display_name(),
            self.company.clone().unwrap_or_default(),
            self.emails.join(" "),
            self.tags.iter().cloned().collect::<Vec<_>>().join(" "),
        ]
        .join(" ");
        super::text::fold_text(&hay).contains(&needle)
            || (digits.len() >= 3 && self.phones.iter().any(|p| p.contains(&digits)))
    }

    pub fn has_name(&self) -> bool {
        self.first_name.is_some() || self.last_name.is_some()
    }
}
