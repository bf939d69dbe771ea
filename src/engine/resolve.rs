//! What a checked row does: create, update, skip or fail, given what it matched. The same
//! decision serves the dry run (matches from the file so far and a read of the store) and
//! the import (matches from the store, which already holds this job's earlier rows).

use super::contact::Contact;
use super::merge::NameKey;
use super::plan::Requirement;
use super::plan::{Identifier, ImportOptions, InFileDuplicates, OnConflict, Purpose};
use super::reason::{Issue, Reason};
use super::validate::RowCheck;

/// A contact the row matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    /// Made or matched by an earlier row of this file (the row number).
    EarlierRow {
        row: u64,
        contact: Option<u64>,
        key: String,
        /// The row's name and email both differ from the contact's (`identity_conflict`).
        conflict: bool,
    },
    /// Already in the store before this import.
    Stored {
        id: u64,
        name: String,
        key: String,
        conflict: bool,
    },
}

impl Matched {
    /// Whether the row matched by phone a contact whose name and email both differ from
    /// the row's.
    pub fn conflicts(&self) -> bool {
        match self {
            Matched::EarlierRow { conflict, .. } | Matched::Stored { conflict, .. } => *conflict,
        }
    }

    /// The `identity_conflict` issue: which contact, by which key, and what to do.
    pub fn conflict_issue(&self, options: &ImportOptions) -> Issue {
        let (whom, key) = match self {
            Matched::Stored { id, name, key, .. } if name.is_empty() => (format!("#{id}"), key),
            Matched::Stored { id, name, key, .. } => (format!("#{id} {name}"), key),
            Matched::EarlierRow {
                row,
                contact: Some(id),
                key,
                ..
            } => (format!("#{id} (made by row {row})"), key),
            Matched::EarlierRow { row, key, .. } => (format!("the contact of row {row}"), key),
        };
        let then = match options.on_conflict {
            OnConflict::Merge => {
                "the row updates it; use --on-conflict separate if they are different people"
            }
            OnConflict::Separate => "the row is skipped, since an update never creates a contact",
            OnConflict::Skip => "the row is skipped (--on-conflict skip)",
        };
        Issue::new(
            Reason::IdentityConflict,
            None,
            format!("matches {whom} by {key}, but name and email differ; {then}"),
        )
    }
}

/// Whether a row matched by `key` is plainly another person than the contact it found:
/// the key is a phone, both have a name and the names differ, both have emails and the
/// contact has none of the row's (`shares_email`). A row without a name or an email is
/// never in conflict: nothing in it says it is someone else.
pub fn identity_conflict(
    row: &Contact,
    key: &MatchKey<'_>,
    contact_name: NameKey,
    contact_has_email: bool,
    shares_email: bool,
) -> bool {
    identity_conflict_by(
        row,
        key,
        |row| NameKey::of(row).differs(&contact_name),
        contact_has_email,
        shares_email,
    )
}

/// [`identity_conflict`], with the names compared by `names_differ` (the dry run compares
/// its narrower fingerprints), called last, only when nothing else has decided.
pub fn identity_conflict_by(
    row: &Contact,
    key: &MatchKey<'_>,
    names_differ: impl FnOnce(&Contact) -> bool,
    contact_has_email: bool,
    shares_email: bool,
) -> bool {
    matches!(key, MatchKey::Phone(_))
        && !row.emails.is_empty()
        && contact_has_email
        && !shares_email
        && names_differ(row)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    None,
    One(Matched),
    /// The identifier matched several contacts (their ids or rows).
    Many(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Create,
    Update(Matched),
    Skip(Issue),
    Fail(Issue),
}

impl Decision {
    pub fn status(&self) -> RowStatus {
        match self {
            Decision::Create => RowStatus::Imported,
            Decision::Update(_) => RowStatus::Updated,
            Decision::Skip(_) => RowStatus::Skipped,
            Decision::Fail(_) => RowStatus::Error,
        }
    }
}

/// A row's fate, as history and reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Imported,
    Updated,
    Skipped,
    Error,
}

impl RowStatus {
    pub fn name(self) -> &'static str {
        match self {
            RowStatus::Imported => "imported",
            RowStatus::Updated => "updated",
            RowStatus::Skipped => "skipped",
            RowStatus::Error => "error",
        }
    }

    /// The row's outcome in the words people read (the machine value `name` stays in the
    /// results file and JSON): "failed" where the results file says `error`.
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Imported => "created",
            RowStatus::Updated => "updated",
            RowStatus::Skipped => "skipped",
            RowStatus::Error => "failed",
        }
    }

    /// A row the user may want to look at again: it failed or was skipped.
    pub fn is_problem(self) -> bool {
        matches!(self, RowStatus::Error | RowStatus::Skipped)
    }
}

/// The issues kept with a row: the error or skip reason first, then the other errors and
/// the warnings.
pub fn issues_of(check: &RowCheck, decision: &Decision) -> Vec<Issue> {
    let mut issues = Vec::new();
    if let Decision::Skip(i) | Decision::Fail(i) = decision {
        issues.push(i.clone());
    }
    issues.extend(check.errors.iter().skip(1).cloned());
    issues.extend(check.warnings.iter().cloned());
    issues
}

/// The keys a row is matched by, in the order SPEC §5 tries them.
pub fn match_keys(check: &RowCheck, identifier: Identifier) -> Vec<MatchKey<'_>> {
    let phones = check.contact.phones.iter().map(|p| MatchKey::Phone(p));
    let emails = check.contact.emails.iter().map(|e| MatchKey::Email(e));
    match identifier {
        Identifier::Any => phones.chain(emails).collect(),
        Identifier::Phone => phones.collect(),
        Identifier::Email => emails.collect(),
        Identifier::Id => check.match_id.map(MatchKey::Id).into_iter().collect(),
    }
}

/// A key a row is matched by, borrowed from the row's contact (the writer and the dry run
/// look up every row's keys; copying them cost an allocation each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKey<'a> {
    Phone(&'a str),
    Email(&'a str),
    Id(u64),
}

impl MatchKey<'_> {
    pub fn describe(&self) -> String {
        match self {
            MatchKey::Phone(p) => format!("phone {p}"),
            MatchKey::Email(e) => format!("email {e}"),
            MatchKey::Id(i) => format!("id {i}"),
        }
    }
}

/// Decides a row's fate from its check and what it matched.
pub fn decide(check: &RowCheck, options: &ImportOptions, lookup: &Lookup) -> Decision {
    if let Some(first) = check.errors.first() {
        return Decision::Fail(first.clone());
    }
    if let Some(no) = &check.no_consent {
        return Decision::Skip(no.clone());
    }
    if let Some(superseded) = &check.superseded {
        return Decision::Skip(superseded.clone());
    }
    // `--in-file-duplicates merge`: a row matching a contact an earlier row of the file
    // made is merged into it, whatever the purpose.
    if let (Some(InFileDuplicates::Merge), Lookup::One(matched @ Matched::EarlierRow { .. })) =
        (options.in_file_duplicates, lookup)
    {
        if !matched.conflicts() || options.on_conflict == OnConflict::Merge {
            return Decision::Update(matched.clone());
        }
    }
    let create = |check: &RowCheck| {
        if options.require == Requirement::Contact && !check.contact.has_name() {
            Decision::Fail(Issue::new(
                Reason::MissingName,
                None,
                "no first, last or full name; a new contact needs a name",
            ))
        } else {
            Decision::Create
        }
    };
    if options.purpose == Purpose::Always {
        return create(check);
    }
    if let Lookup::One(matched) = lookup {
        if matched.conflicts() {
            match (options.on_conflict, options.purpose) {
                (OnConflict::Merge, _) => {}
                (OnConflict::Separate, Purpose::Update) | (OnConflict::Skip, _) => {
                    return Decision::Skip(matched.conflict_issue(options))
                }
                (OnConflict::Separate, _) => return create(check),
            }
        }
    }
    match lookup {
        // Under create, a row matching several contacts is a duplicate all the same.
        Lookup::Many(which) if options.purpose == Purpose::Create => Decision::Skip(Issue::new(
            Reason::DuplicateExisting,
            None,
            format!(
                "already stored, as {} contacts ({})",
                which.len(),
                which.join(", ")
            ),
        )),
        Lookup::Many(which) => Decision::Fail(Issue::new(
            Reason::AmbiguousMatch,
            None,
            format!(
                "matches {} contacts ({}); make the row's phone or email unique, or match by id",
                which.len(),
                which.join(", ")
            ),
        )),
        Lookup::None => match options.purpose {
            Purpose::Update => Decision::Skip(Issue::new(
                Reason::NotFound,
                None,
                format!(
                    "no stored contact has this row's {}",
                    identifier_words(options.identifier)
                ),
            )),
            _ => create(check),
        },
        Lookup::One(matched) => match options.purpose {
            Purpose::Update | Purpose::Upsert => Decision::Update(matched.clone()),
            _ => Decision::Skip(match matched {
                Matched::EarlierRow { row, key, .. } => Issue::new(
                    Reason::DuplicateInFile,
                    None,
                    format!("same {key} as row {row}"),
                ),
                Matched::Stored { id, name, key, .. } => Issue::new(
                    Reason::DuplicateExisting,
                    None,
                    format!("already stored as contact #{id} ({name}) with {key}"),
                ),
            }),
        },
    }
}

/// Decides a row as `decide` does, and adds to its warnings the `identity_conflict` of a
/// row that goes on with the contact it conflicts with (`--on-conflict merge`), so that it
/// is counted, sampled and kept with the row like any other warning.
pub fn decide_and_warn(check: &mut RowCheck, options: &ImportOptions, lookup: &Lookup) -> Decision {
    let decision = decide(check, options, lookup);
    if let (Lookup::One(matched), Decision::Update(_) | Decision::Skip(_)) = (lookup, &decision) {
        let skipped_for_it =
            matches!(&decision, Decision::Skip(i) if i.reason == Reason::IdentityConflict);
        if matched.conflicts() && !skipped_for_it {
            check.warnings.push(matched.conflict_issue(options));
        }
    }
    decision
}

fn identifier_words(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::Any => "phone numbers or emails",
        Identifier::Phone => "phone numbers",
        Identifier::Email => "emails",
        Identifier::Id => "contact id",
    }
}

/// The contacts (or rows) the row's keys find, by SPEC §5's order: phones first, emails only
/// when no phone matched. Returns every distinct match of the first kind that matched, and
/// the key that found the first one.
pub fn first_match<'k, 'a, E>(
    keys: &'k [MatchKey<'a>],
    mut find: impl FnMut(&MatchKey<'a>) -> Result<Vec<u64>, E>,
) -> Result<Option<(Vec<u64>, &'k MatchKey<'a>)>, E> {
    let mut found: Vec<u64> = Vec::new();
    // Distinct by a set, not a scan of `found`: a number thousands of contacts share made
    // every row's lookup quadratic in them (an `always` import cubic in its rows).
    let mut seen = rustc_hash::FxHashSet::default();
    let mut first_key: Option<&MatchKey> = None;
    for key in keys {
        if first_key.is_some_and(|k| !same_kind(k, key)) {
            break;
        }
        for id in find(key)? {
            if seen.insert(id) {
                found.push(id);
            }
            first_key.get_or_insert(key);
        }
    }
    Ok(first_key.map(|k| (found, k)))
}

pub fn same_kind(a: &MatchKey<'_>, b: &MatchKey<'_>) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Whether a row is matched against stored contacts at all: a failed row, or one whose
/// consent column says no, is decided before any match could count, and under `always`
/// every row is created whatever it matches (looking it up anyway read every holder of a
/// number thousands of its rows share, for each row).
#[inline]
pub fn needs_lookup(check: &RowCheck, options: &ImportOptions) -> bool {
    // Under `always` a row is created whatever it matches, unless the file's own rows
    // are merged (`--in-file-duplicates merge`).
    let creates_anyway = options.purpose == Purpose::Always
        && options.in_file_duplicates != Some(InFileDuplicates::Merge);
    !(check.failed() || check.no_consent.is_some() || check.superseded.is_some() || creates_anyway)
}

/// The contact a row's opportunity belongs to: the contact the row created or updated,
/// or the one it was skipped as a duplicate of (the de-duplication finds the contact, as
/// seed 004 says); none for a failed row or one skipped for another reason.
pub fn opportunity_contact(decision: &Decision, contact: Option<u64>) -> Option<u64> {
    match decision {
        Decision::Create | Decision::Update(_) => contact,
        Decision::Skip(issue)
            if matches!(
                issue.reason,
                Reason::DuplicateExisting | Reason::DuplicateInFile
            ) =>
        {
            contact
        }
        Decision::Skip(_) | Decision::Fail(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(first: &str, email: &str) -> RowCheck {
        RowCheck {
            row: 3,
            line: 3,
            contact: Contact {
                first_name: Some(first.into()),
                phones: vec!["+16135551234".into()],
                emails: vec![email.into()],
                ..Contact::default()
            },
            match_id: None,
            opportunity: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            no_consent: None,
            superseded: None,
        }
    }

    fn stored(conflict: bool) -> Lookup {
        Lookup::One(Matched::Stored {
            id: 412,
            name: "Jean-Luc Haddad".into(),
            key: "phone +16135551234".into(),
            conflict,
        })
    }

    #[test]
    fn a_conflict_is_a_phone_match_whose_name_and_email_both_differ() {
        let jl = Contact {
            first_name: Some("Jean-Luc".into()),
            last_name: Some("Haddad".into()),
            ..Contact::default()
        };
        let name = NameKey::of(&jl);
        let priya = row("Priya", "priya@x.com").contact;
        let phone = MatchKey::Phone("+16135551234");
        assert!(identity_conflict(&priya, &phone, name, true, false));
        assert!(
            !identity_conflict(&priya, &phone, name, true, true),
            "shares an email"
        );
        assert!(
            !identity_conflict(&priya, &phone, name, false, false),
            "the contact has no email"
        );
        assert!(!identity_conflict(
            &priya,
            &MatchKey::Email("priya@x.com"),
            name,
            true,
            false
        ));
        let same = row("Jean-Luc", "other@x.com").contact;
        assert!(
            !identity_conflict(&same, &phone, name, true, false),
            "same first name"
        );
        let mut no_email = priya.clone();
        no_email.emails.clear();
        assert!(!identity_conflict(&no_email, &phone, name, true, false));
    }

    #[test]
    fn on_conflict_decides_by_purpose() {
        use Decision::*;
        let cases = [
            (OnConflict::Merge, Purpose::Upsert, "updated", true),
            (OnConflict::Merge, Purpose::Update, "updated", true),
            (OnConflict::Merge, Purpose::Create, "skipped", true),
            (OnConflict::Separate, Purpose::Upsert, "imported", false),
            (OnConflict::Separate, Purpose::Create, "imported", false),
            (OnConflict::Separate, Purpose::Update, "skipped", false),
            (OnConflict::Skip, Purpose::Upsert, "skipped", false),
            (OnConflict::Merge, Purpose::Always, "imported", false),
        ];
        for (on_conflict, purpose, status, warned) in cases {
            let options = ImportOptions {
                on_conflict,
                purpose,
                ..ImportOptions::default()
            };
            let mut check = row("Priya", "priya@x.com");
            let decision = decide_and_warn(&mut check, &options, &stored(true));
            assert_eq!(
                decision.status().name(),
                status,
                "{on_conflict:?} {purpose:?}"
            );
            assert_eq!(
                check
                    .warnings
                    .iter()
                    .any(|w| w.reason == Reason::IdentityConflict),
                warned,
                "{on_conflict:?} {purpose:?}"
            );
            if let Skip(issue) = &decision {
                if purpose != Purpose::Create {
                    assert_eq!(issue.reason, Reason::IdentityConflict);
                    assert!(issue.message.starts_with(
                        "matches #412 Jean-Luc Haddad by phone +16135551234, but name and email differ"
                    ));
                }
            }
        }
        // No conflict: the usual decision, no warning.
        let options = ImportOptions {
            purpose: Purpose::Upsert,
            on_conflict: OnConflict::Skip,
            ..ImportOptions::default()
        };
        let mut check = row("Jean-Luc", "jl@x.com");
        assert!(matches!(
            decide_and_warn(&mut check, &options, &stored(false)),
            Update(_)
        ));
        assert!(check.warnings.is_empty());
    }
}
