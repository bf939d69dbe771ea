//! The stable reason codes of every row outcome, and the issue that carries one.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    MissingPhone,
    InvalidPhone,
    FakePhone,
    MissingEmail,
    InvalidEmail,
    MissingIdentifier,
    MissingName,
    NoConsent,
    DuplicateInFile,
    DuplicateExisting,
    NotFound,
    AmbiguousMatch,
    TooLong,
    InvalidCountry,
    InvalidDate,
    InvalidNumber,
    InvalidOption,
    InvalidWebsite,
    ExtraFields,
    ControlCharacters,
    /// A row matched a contact by phone while its name and email both differ from the
    /// contact's: most likely another person sharing the number.
    IdentityConflict,
    /// A contact already holds the most phones or emails it keeps.
    TooManyValues,
    /// An owner, follower or favorite agent that is no team member (seed 001: "if no
    /// match is found, the import of this row will fail").
    UnknownMember,
    /// A name that several team members share: the row cannot say which.
    AmbiguousMember,
    /// An opportunity's value is not an amount of money.
    InvalidMoney,
}

impl Reason {
    pub const ALL: [Reason; 25] = [
        Reason::MissingPhone,
        Reason::InvalidPhone,
        Reason::FakePhone,
        Reason::MissingEmail,
        Reason::InvalidEmail,
        Reason::MissingIdentifier,
        Reason::MissingName,
        Reason::NoConsent,
        Reason::DuplicateInFile,
        Reason::DuplicateExisting,
        Reason::NotFound,
        Reason::AmbiguousMatch,
        Reason::TooLong,
        Reason::InvalidCountry,
        Reason::InvalidDate,
        Reason::InvalidNumber,
        Reason::InvalidOption,
        Reason::InvalidWebsite,
        Reason::ExtraFields,
        Reason::ControlCharacters,
        Reason::IdentityConflict,
        Reason::TooManyValues,
        Reason::UnknownMember,
        Reason::AmbiguousMember,
        Reason::InvalidMoney,
    ];

    /// The snake_case code used in reports, JSON and the wizard.
    pub fn code(self) -> &'static str {
        match self {
            Reason::MissingPhone => "missing_phone",
            Reason::InvalidPhone => "invalid_phone",
            Reason::FakePhone => "fake_phone",
            Reason::MissingEmail => "missing_email",
            Reason::InvalidEmail => "invalid_email",
            Reason::MissingIdentifier => "missing_identifier",
            Reason::MissingName => "missing_name",
            Reason::NoConsent => "no_consent",
            Reason::DuplicateInFile => "duplicate_in_file",
            Reason::DuplicateExisting => "duplicate_existing",
            Reason::NotFound => "not_found",
            Reason::AmbiguousMatch => "ambiguous_match",
            Reason::TooLong => "too_long",
            Reason::InvalidCountry => "invalid_country",
            Reason::InvalidDate => "invalid_date",
            Reason::InvalidNumber => "invalid_number",
            Reason::InvalidOption => "invalid_option",
            Reason::InvalidWebsite => "invalid_website",
            Reason::ExtraFields => "extra_fields",
            Reason::ControlCharacters => "control_characters",
            Reason::IdentityConflict => "identity_conflict",
            Reason::TooManyValues => "too_many_values",
            Reason::UnknownMember => "unknown_member",
            Reason::AmbiguousMember => "ambiguous_member",
            Reason::InvalidMoney => "invalid_money",
        }
    }

    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One thing wrong with a row: its code, the column it came from, and a message that says
/// exactly what is wrong with the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub reason: Reason,
    pub column: Option<String>,
    pub message: String,
}

impl Issue {
    pub fn new(reason: Reason, column: Option<&str>, message: impl Into<String>) -> Self {
        Issue {
            reason,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }

    /// `Phone: 613-555-12: too short …` — the column first, as reports show it.
    pub fn describe(&self) -> String {
        match &self.column {
            Some(c) => format!("{c}: {}", self.message),
            None => self.message.clone(),
        }
    }
}
