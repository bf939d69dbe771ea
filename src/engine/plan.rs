//! The import plan: everything the wizard or the flags decided, as one serializable value.
//! The wizard and the command line build the same plan; a job keeps it, and `resume` reads it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::date::DateOrder;
use super::mapping::{Field, Mapping};
use super::source::ReadOptions;

/// A word for one of the plan's options that the command line, the config file and the
/// wizard do not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}; use one of {names}", names = .names.join(", "))]
pub struct UnknownName {
    /// What the word names ("purpose", "dial mode").
    pub what: &'static str,
    /// The word as read, trimmed and lowercased.
    pub given: String,
    /// The words that are known.
    pub names: &'static [&'static str],
}

/// Implements `FromStr` and `Display` from a table of (name, value) pairs, so the command
/// line, the config file and the wizard accept the same words.
macro_rules! named_values {
    ($ty:ty, $what:literal, [$(($name:literal, $value:expr)),+ $(,)?]) => {
        impl $ty {
            pub const NAMES: &'static [&'static str] = &[$($name),+];
            pub fn name(self) -> &'static str {
                $(if self == $value { return $name; })+
                unreachable!()
            }
        }
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                let s = s.trim().to_ascii_lowercase();
                $(if s == $name { return Ok($value); })+
                Err(UnknownName { what: $what, given: s, names: Self::NAMES })
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Add new contacts only; existing ones are skipped.
    #[default]
    Create,
    /// Update existing contacts only.
    Update,
    /// Add new contacts and update existing ones.
    Upsert,
    /// Add every row, even duplicates.
    Always,
}
named_values!(
    Purpose,
    "purpose",
    [
        ("create", Purpose::Create),
        ("update", Purpose::Update),
        ("upsert", Purpose::Upsert),
        ("always", Purpose::Always)
    ]
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identifier {
    /// Any of the row's phones, then any of its emails.
    #[default]
    Any,
    Phone,
    Email,
    /// The store's contact id (updates only).
    Id,
}
named_values!(
    Identifier,
    "identifier",
    [
        ("any", Identifier::Any),
        ("phone", Identifier::Phone),
        ("email", Identifier::Email),
        ("id", Identifier::Id)
    ]
);

/// What a row does when it matches a contact by phone while its name and email both differ
/// from the contact's (`identity_conflict`): most often another person behind the same
/// number, such as a company's switchboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// The row updates the contact, as dialers that treat a phone as the person expect,
    /// with a warning.
    #[default]
    Merge,
    /// The row makes a new contact that shares the number.
    Separate,
    /// The row is skipped.
    Skip,
}
named_values!(
    OnConflict,
    "conflict choice",
    [
        ("merge", OnConflict::Merge),
        ("separate", OnConflict::Separate),
        ("skip", OnConflict::Skip)
    ]
);

/// What becomes of rows of one file that share an identifier — the same phone, email or id,
/// directly or through another row of the group (`--in-file-duplicates`). Unset, the
/// purpose decides, as it always did: under `create` the later rows are skipped, under
/// `update` and `upsert` they are merged into the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InFileDuplicates {
    /// The first row of the group is imported; the later ones are skipped.
    First,
    /// The last row of the group is imported; the earlier ones are skipped.
    Last,
    /// Every row of the group fails, naming the others (as messaging inboxes do).
    Error,
    /// The later rows are merged into the contact the first made or matched.
    Merge,
}
named_values!(
    InFileDuplicates,
    "in-file duplicate policy",
    [
        ("first", InFileDuplicates::First),
        ("last", InFileDuplicates::Last),
        ("error", InFileDuplicates::Error),
        ("merge", InFileDuplicates::Merge)
    ]
);

impl InFileDuplicates {
    /// Whether the rows sharing an identifier must be known before the first is imported:
    /// only `merge` decides a row from the rows before it.
    pub fn needs_groups(policy: Option<InFileDuplicates>) -> bool {
        matches!(
            policy,
            Some(InFileDuplicates::First | InFileDuplicates::Last | InFileDuplicates::Error)
        )
    }

    /// What the policy does, in the words of the Options screen and `--help`.
    pub fn explain(policy: Option<InFileDuplicates>, purpose: Purpose) -> &'static str {
        match policy {
            None => match purpose {
                Purpose::Create => "By purpose: rows sharing a phone, email or id with an earlier row are skipped.",
                Purpose::Always => "By purpose: every row is added, even rows sharing a phone or email.",
                _ => "By purpose: rows sharing a phone, email or id with an earlier row are merged into it.",
            },
            Some(InFileDuplicates::First) => "Rows sharing a phone, email or id: the first is imported, the later ones skipped.",
            Some(InFileDuplicates::Last) => "Rows sharing a phone, email or id: the last is imported, the earlier ones skipped.",
            Some(InFileDuplicates::Error) => "Rows sharing a phone, email or id all fail, each naming the others.",
            Some(InFileDuplicates::Merge) => "Rows sharing a phone, email or id are merged into one contact.",
        }
    }
}

/// What a mapping needs before an import may start (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A name, and a phone or an email.
    #[default]
    Contact,
    /// A phone.
    Dialer,
    /// Any one of name, phone, email.
    Any,
}

named_values!(
    Requirement,
    "requirement preset",
    [
        ("contact", Requirement::Contact),
        ("dialer", Requirement::Dialer),
        ("any", Requirement::Any)
    ]
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialMode {
    #[default]
    Ai,
    Manual,
}
named_values!(
    DialMode,
    "dial mode",
    [("ai", DialMode::Ai), ("manual", DialMode::Manual)]
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTarget {
    pub name: String,
    pub dial: DialMode,
}

/// Columns no field takes: left out (seed 004's "Don't import data for unmapped
/// columns", listed in the review and the summary), or kept as text custom fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmapped {
    #[default]
    Ignore,
    Custom,
}

impl ImportPlan {
    /// The columns this plan leaves out: mapped to nothing, and not the consent column.
    pub fn not_imported(&self) -> Vec<String> {
        self.mapping
            .not_imported(self.options.consent_column.as_deref())
    }

    /// The columns mapped to an opportunity's fields that `--objects contacts` leaves out.
    pub fn opportunity_columns_left_out(&self) -> Vec<String> {
        if self.options.objects.with_opportunities() {
            return Vec::new();
        }
        self.opportunity_columns()
    }

    /// The headers of the columns mapped to an opportunity's fields.
    pub fn opportunity_columns(&self) -> Vec<String> {
        self.mapping
            .columns
            .iter()
            .filter(|c| matches!(c.target, crate::engine::mapping::Target::Field(f) if f.is_opportunity()))
            .map(|c| c.header.clone())
            .collect()
    }
}

/// Which objects an import writes (seed 004: "Choose to import only Contacts or both").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objects {
    /// Contacts only: opportunity columns are left out (and said so).
    Contacts,
    /// Contacts, and the opportunity of each row whose opportunity columns hold one. The
    /// default: a file with deal columns mapped is imported with its deals, as a CRM admin
    /// moving a CRM export expects; a file without them imports contacts as before.
    #[default]
    Both,
}

impl Objects {
    pub const NAMES: [&'static str; 2] = ["contacts", "both"];

    pub fn name(self) -> &'static str {
        match self {
            Objects::Contacts => "contacts",
            Objects::Both => "both",
        }
    }

    /// The words of the wizard's Options row.
    pub fn label(self) -> &'static str {
        match self {
            Objects::Contacts => "contacts only",
            Objects::Both => "contacts and opportunities",
        }
    }

    pub fn parse(s: &str) -> Option<Objects> {
        match super::text::fold_key(s).as_str() {
            "contacts" | "contact" | "contactsonly" => Some(Objects::Contacts),
            "both" | "all" | "contactsandopportunities" | "opportunities" => Some(Objects::Both),
            _ => None,
        }
    }

    pub fn with_opportunities(self) -> bool {
        self == Objects::Both
    }
}

/// The options of SPEC §5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    pub purpose: Purpose,
    pub identifier: Identifier,
    pub keep_existing: bool,
    /// What a row whose name and email differ from the contact its phone matches does.
    /// Jobs stored before it existed merged.
    #[serde(default)]
    pub on_conflict: OnConflict,
    /// ISO region used for numbers written without a country code.
    pub region: String,
    pub require: Requirement,
    /// Header of the column that says whether the contact agreed to be contacted.
    pub consent_column: Option<String>,
    pub consent_confirmed: bool,
    pub tags: Vec<String>,
    pub import_tag: bool,
    pub list: Option<ListTarget>,
    pub shared: bool,
    pub max_failures: u64,
    /// What becomes of the columns mapped to no field (`--unmapped`).
    #[serde(default)]
    pub unmapped: Unmapped,
    /// The day/month order of every date column, when the user chose it; otherwise each
    /// column's values decide (`date::DateColumn::order`).
    #[serde(default)]
    pub date_order: Option<DateOrder>,
    /// What rows of the file sharing an identifier do; unset, the purpose decides.
    #[serde(default)]
    pub in_file_duplicates: Option<InFileDuplicates>,
    /// Contacts only, or contacts and their opportunities (`--objects`). Jobs stored
    /// before it existed had no opportunities to import.
    #[serde(default)]
    pub objects: Objects,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            purpose: Purpose::Create,
            identifier: Identifier::Any,
            keep_existing: false,
            on_conflict: OnConflict::Merge,
            region: "US".into(),
            require: Requirement::Contact,
            consent_column: None,
            consent_confirmed: false,
            tags: Vec::new(),
            import_tag: true,
            list: None,
            shared: false,
            max_failures: 1000,
            date_order: None,
            unmapped: Unmapped::Ignore,
            in_file_duplicates: None,
            objects: Objects::Both,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub file: PathBuf,
    pub read: ReadOptions,
    pub mapping: Mapping,
    pub options: ImportOptions,
    /// Day or month first, per date column (by index), decided from the whole column.
    pub date_orders: BTreeMap<usize, DateOrder>,
}

/// `import-20241121-2155-leads`: the automatic tag of one import.
pub fn import_tag(file: &std::path::Path, at: chrono::DateTime<chrono::Local>) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("import-{}-{}", at.format("%Y%m%d-%H%M"), stem)
}

/// What the import still needs mapped, in words; `None` when satisfied. Matching by id
/// needs an id column; an update-only import needs the columns it matches by; anything
/// that may create contacts needs what the requirement preset asks.
pub fn unmapped(
    mapping: &Mapping,
    requirement: Requirement,
    purpose: Purpose,
    identifier: Identifier,
) -> Option<String> {
    let name =
        mapping.has(Field::FirstName) || mapping.has(Field::LastName) || mapping.has(Field::Name);
    let phone = mapping.has(Field::Phone);
    let email = mapping.has(Field::Email);
    match (purpose, identifier) {
        (_, Identifier::Id) if !mapping.has(Field::Id) => return Some("an id column (id)".into()),
        (_, Identifier::Id) => return None,
        (_, Identifier::Phone) if !phone => {
            return Some("a phone column (contacts are matched by phone)".into())
        }
        (_, Identifier::Email) if !email => {
            return Some("an email column (contacts are matched by email)".into())
        }
        (Purpose::Update, Identifier::Any) if !phone && !email => {
            return Some("a phone or an email column (contacts are matched by them)".into())
        }
        (Purpose::Update, _) => return None,
        _ => {}
    }
    match requirement {
        Requirement::Contact if !name => {
            Some("a name column (first_name, last_name or name)".into())
        }
        Requirement::Contact if !phone && !email => Some("a phone or an email column".into()),
        Requirement::Dialer if !phone => Some("a phone column".into()),
        Requirement::Any if !name && !phone && !email => {
            Some("a name, phone or email column".into())
        }
        _ => None,
    }
}

impl ImportOptions {
    /// What these options still need mapped in `mapping`, in words; `None` when satisfied.
    pub fn unmapped(&self, mapping: &Mapping) -> Option<String> {
        unmapped(mapping, self.require, self.purpose, self.identifier)
    }
}

/// What `--consent-column` says: `none` turns the consent filter off.
pub const NO_CONSENT_COLUMN: &str = "none";

/// The consent column an import uses, decided once for both front ends (SPEC §5): the column
/// a flag or the config names (`none` for no filter), else a column that looks like consent.
/// A named column missing from the file is kept, so that the check of the plan names it.
pub fn consent_column_for(named: Option<&str>, header: &[String]) -> Option<String> {
    match named {
        Some(n) if n.trim().eq_ignore_ascii_case(NO_CONSENT_COLUMN) => None,
        Some(n) => Some(n.to_string()),
        None => super::mapping::guess_consent_column(header).map(|i| header[i].clone()),
    }
}

#[cfg(test)]
mod consent_tests {
    use super::*;
    use crate::engine::mapping::Mapping;

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_column_that_looks_like_consent_is_used_unless_turned_off() {
        let h = header(&["Name", "Phone", "Consent"]);
        assert_eq!(consent_column_for(None, &h).as_deref(), Some("Consent"));
        assert_eq!(consent_column_for(Some("none"), &h), None);
        assert_eq!(consent_column_for(Some("NONE"), &h), None);
        assert_eq!(
            consent_column_for(Some("Phone"), &h).as_deref(),
            Some("Phone")
        );
        assert_eq!(consent_column_for(None, &header(&["Name", "Phone"])), None);
    }

    #[test]
    fn requirements() {
        let m = Mapping::auto(&header(&["Email"]));
        let new = |r| unmapped(&m, r, Purpose::Create, Identifier::Any);
        assert!(new(Requirement::Contact).is_some());
        assert!(new(Requirement::Dialer).is_some());
        assert!(new(Requirement::Any).is_none());
        assert!(unmapped(&m, Requirement::Contact, Purpose::Update, Identifier::Any).is_none());
        assert!(unmapped(&m, Requirement::Contact, Purpose::Update, Identifier::Phone).is_some());
        assert!(unmapped(&m, Requirement::Contact, Purpose::Update, Identifier::Id).is_some());
    }
}

#[cfg(test)]
mod name_tests {
    use super::{DialMode, Purpose, UnknownName};

    #[test]
    fn an_unknown_word_says_which_words_are_known() {
        assert_eq!(" Upsert ".parse::<Purpose>(), Ok(Purpose::Upsert));
        let err = "Merge".parse::<Purpose>().unwrap_err();
        assert_eq!(
            err,
            UnknownName {
                what: "purpose",
                given: "merge".into(),
                names: Purpose::NAMES
            }
        );
        assert_eq!(
            err.to_string(),
            "unknown purpose \"merge\"; use one of create, update, upsert, always"
        );
        assert_eq!(
            "auto".parse::<DialMode>().unwrap_err().to_string(),
            "unknown dial mode \"auto\"; use one of ai, manual"
        );
    }
}
