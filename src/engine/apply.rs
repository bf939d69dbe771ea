//! The rules a job follows as it applies rows to the stored contacts: when it stops, when a
//! row is matched and how it is decided, what a created or updated contact is stamped with,
//! which contact a skipped row names, and the status the job ends with. The store's batch
//! writer calls these for every row and only reads and writes its tables; the wizard's row
//! editor re-checks a fixed row with the same rules (`recheck_row`), so what it shows is
//! what the retry does.
//!
//! The writer runs these a million times in an import: they allocate nothing the writer did
//! not allocate before, and the small ones are `#[inline]` so that they cost no call.

use serde::{Deserialize, Serialize};

use super::contact::{Consent, Contact};
use super::merge::{merge_counted, Left, NameKey};
use super::plan::{ImportOptions, OnConflict};
use super::reason::Issue;
use super::resolve::{
    decide_and_warn, first_match, identity_conflict, issues_of, match_keys, needs_lookup, Decision,
    Lookup, MatchKey, Matched, RowStatus,
};
use super::review::ContactLookup;
use super::source::RawRow;
use super::validate::{RowCheck, Validator};

/// Where a job is, or how it ended, as history, `show` and the exit status name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Recorded the moment the import started; its first batch waits for the whole-file
    /// check (a quote never closed, bytes that are not the file's encoding).
    Checking,
    /// Being written: `resume` finishes it once its process is gone.
    Running,
    /// Never stored: how a `checking`, `running` or `reverting` job whose process is gone
    /// is shown (`Job::effective_status`). `resume` (or, for a revert, `revert`) finishes it.
    Interrupted,
    Completed,
    CompletedWithErrors,
    /// The failure threshold was reached.
    Stopped,
    Cancelled,
    Failed,
    /// Being reverted, or killed while it was: `revert` finishes it.
    Reverting,
    Reverted,
}

impl JobStatus {
    /// The machine value: what JSON, the results file and `--json` scripts read. Stable;
    /// people read `label` and `words` instead.
    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Checking => "checking",
            JobStatus::Running => "running",
            JobStatus::Interrupted => "interrupted",
            JobStatus::Completed => "completed",
            JobStatus::CompletedWithErrors => "completed_with_errors",
            JobStatus::Stopped => "stopped",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Failed => "failed",
            JobStatus::Reverting => "reverting",
            JobStatus::Reverted => "reverted",
        }
    }
}

impl JobStatus {
    /// The status in a word or two, for a column of statuses (history in the wizard and on
    /// the command line): plain words, never the machine value.
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Checking => "checking",
            JobStatus::Running => "importing",
            JobStatus::Interrupted => "interrupted",
            JobStatus::Completed => "done",
            JobStatus::CompletedWithErrors => "done, errors",
            JobStatus::Stopped => "stopped",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Failed => "failed",
            JobStatus::Reverting => "reverting",
            JobStatus::Reverted => "reverted",
        }
    }

    /// The status as a sentence's worth of plain words, for a job's summary (the wizard's
    /// Done, `rolodex show`, the end of a headless import): "done", "done, 13 rows
    /// failed", "stopped after 1,000 failed rows". `failed` is the job's failed rows.
    /// "Failed" is the word of the counts beside it (`91 skipped, 2 failed`); "not
    /// imported" is kept for failed and skipped rows together (Review's reasons), so the
    /// status never names a number the counts below it do not show.
    pub fn words(self, failed: u64) -> String {
        let rows = |n: u64| {
            if n == 1 {
                "1 row".to_string()
            } else {
                format!("{} rows", super::number::group_digits(n))
            }
        };
        match self {
            JobStatus::Checking => "checking the file".into(),
            JobStatus::Running => "importing".into(),
            JobStatus::Interrupted => "interrupted before it ended".into(),
            JobStatus::Completed => "done".into(),
            JobStatus::CompletedWithErrors => format!("done, {} failed", rows(failed)),
            JobStatus::Stopped => format!(
                "stopped after {} failed {}",
                super::number::group_digits(failed),
                if failed == 1 { "row" } else { "rows" }
            ),
            JobStatus::Cancelled => "cancelled before it ended".into(),
            JobStatus::Failed => "failed".into(),
            JobStatus::Reverting => "being reverted".into(),
            JobStatus::Reverted => "reverted".into(),
        }
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The status of a job that went through its whole file: any failed row makes it
/// `completed_with_errors`.
pub fn final_status(failed: u64) -> JobStatus {
    if failed > 0 {
        JobStatus::CompletedWithErrors
    } else {
        JobStatus::Completed
    }
}

/// One job as it applies rows: what it brings to every row and what it stamps on the
/// contacts it writes. Built from the stored job by the writer, borrowing its plan.
#[derive(Debug, Clone, Copy)]
pub struct Applying<'a> {
    /// The job's id: stamped on the contacts it creates or updates and on the consent it
    /// records.
    pub job: u64,
    pub options: &'a ImportOptions,
    /// The tag naming this import, put on every contact it writes, when the plan asks for one.
    pub import_tag: Option<&'a str>,
    /// Failed rows already counted when the job was last resumed: the failure threshold
    /// counts from there, so a stopped job can go on.
    pub failure_base: u64,
}

impl Applying<'_> {
    /// Whether the job must stop before its next row, having failed `failed` rows in all.
    #[inline]
    pub fn threshold_reached(&self, failed: u64) -> bool {
        failed.saturating_sub(self.failure_base) >= self.options.max_failures
    }

    /// The row's contact as this job writes it: the job's tags and import tag, its list,
    /// its sharing, and the consent it records — a row that says yes, or says nothing when
    /// the user confirmed consent for the whole file, is stamped with this job.
    #[inline]
    pub fn with_extras(&self, mut c: Contact) -> Contact {
        let options = self.options;
        c.tags.extend(options.tags.iter().cloned());
        if let Some(tag) = self.import_tag {
            c.tags.insert(tag.to_string());
        }
        if let Some(list) = &options.list {
            c.lists.insert(list.name.clone());
        }
        c.shared = options.shared;
        if c.consent == Consent::Yes || (c.consent == Consent::Unknown && options.consent_confirmed)
        {
            c.consent = Consent::Yes;
            c.consent_job = Some(self.job);
        }
        c
    }

    /// A new contact from row `row`, under the id the store gives it: it remembers the job
    /// and row that made it (for `revert`, and to tell a later row of the same file that
    /// matches it from a contact stored before).
    #[inline]
    pub fn created(&self, mut c: Contact, id: u64, row: u64) -> Contact {
        c.id = id;
        c.created_by = Some(self.job);
        c.created_row = Some(row);
        c
    }

    /// Contact `id` after this job's update: `before` merged with the row's contact by the
    /// plan's keep-existing rule, and marked as updated by this job; and the row's values
    /// the contact had no room for (`too_many_values`).
    #[inline]
    pub fn updated(&self, before: &Contact, incoming: &Contact, id: u64) -> (Contact, Left) {
        let (mut after, left) = merge_counted(before, incoming, self.options.keep_existing);
        after.id = id;
        after.updated_by = Some(self.job);
        (after, left)
    }
}

/// A row's decision and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// What the row matched (`Lookup::None` when it was not looked up).
    pub lookup: Lookup,
    pub decision: Decision,
    /// The issues kept with the row: the error or skip reason first, then the others.
    pub issues: Vec<Issue>,
}

/// Decides a checked row: a failed row or one without consent is decided by its own cells
/// and never looked up; any other is matched by the plan's identifier through `find` (the
/// store's index for the import, a read of the store for a re-check), which is given the
/// row's keys and its contact (whose name and emails tell an identity conflict). The
/// row's `identity_conflict` warning, when it has one, is added to its warnings.
#[inline]
pub fn decide_row<E>(
    check: &mut RowCheck,
    options: &ImportOptions,
    find: impl FnOnce(&[MatchKey<'_>], &Contact) -> Result<Lookup, E>,
) -> Result<Decided, E> {
    let lookup = if needs_lookup(check, options) {
        find(&match_keys(check, options.identifier), &check.contact)?
    } else {
        Lookup::None
    };
    let decision = decide_and_warn(check, options, &lookup);
    let issues = issues_of(check, &decision);
    Ok(Decided {
        lookup,
        decision,
        issues,
    })
}

/// The contact an update writes: the one stored before, or the one an earlier row of the
/// file made. `None` for an earlier row whose contact is not known, which only the dry run
/// gives (the import's store holds every earlier row's contact).
#[inline]
pub fn update_target(matched: &Matched) -> Option<u64> {
    match matched {
        Matched::Stored { id, .. } => Some(*id),
        Matched::EarlierRow { contact, .. } => *contact,
    }
}

/// What a skipped row points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped<'l> {
    /// The contact the row duplicates, named in its history for `show` and `trace`.
    pub contact: Option<u64>,
    /// The contacts the row was skipped for that the store notes as matched: a contact
    /// stored before this job, or every contact of an ambiguous match. Reverting the job
    /// that made one of them then knows a later row counted on it.
    pub noted: &'l [u64],
}

/// What a row skipped after `lookup` points at; `several` are the ids of an ambiguous match
/// (`Lookup::Many`), which names them only as text.
#[inline]
pub fn skipped_for<'l>(lookup: &'l Lookup, several: &'l [u64]) -> Skipped<'l> {
    match lookup {
        Lookup::One(Matched::Stored { id, .. }) => Skipped {
            contact: Some(*id),
            noted: std::slice::from_ref(id),
        },
        Lookup::One(Matched::EarlierRow { contact, .. }) => Skipped {
            contact: *contact,
            noted: &[],
        },
        Lookup::Many(_) => Skipped {
            contact: several.first().copied(),
            noted: several,
        },
        Lookup::None => Skipped {
            contact: None,
            noted: &[],
        },
    }
}

/// What the import's writer reads of its store, inside the batch it writes, to match a
/// row: every backend answers these, and `writer_lookup` decides from them. The answers
/// include what the batch wrote so far (an earlier row of the same file).
pub trait WriterIndex {
    type Error;
    /// The contacts one key finds.
    fn ids(&self, key: &MatchKey<'_>) -> Result<Vec<u64>, Self::Error>;
    fn contact(&self, id: u64) -> Result<Option<Contact>, Self::Error>;
    /// Whether contact `id` carries `phone` (by the index, not by reading the contact).
    fn carries_phone(&self, id: u64, phone: &str) -> Result<bool, Self::Error>;
    /// The lowest id of the contacts carrying `phone`.
    fn first_phone_holder(&self, phone: &str) -> Result<Option<u64>, Self::Error> {
        Ok(self.ids(&MatchKey::Phone(phone))?.into_iter().min())
    }
}

/// The store's answer for a row as the import writes it: a contact this job made (an
/// earlier row of the same file), a contact stored before, several (and their ids), or
/// none. `row` is the row's contact, whose name and emails tell whether it is the person
/// its phone found. The order is the dry run's (`review::dry_run_lookup`): the contacts
/// the row's emails find that carry one of its phones; under `separate`, its phones' first
/// holder; then SPEC §5's order.
pub fn writer_lookup<S: WriterIndex + ?Sized>(
    store: &S,
    keys: &[MatchKey<'_>],
    row: &Contact,
    job: u64,
    on_conflict: OnConflict,
) -> Result<(Lookup, Vec<u64>), S::Error> {
    if let Some(found) = by_email_and_phone(store, keys, row, job, on_conflict)? {
        return Ok(found);
    }
    let Some((ids, key)) = first_match(keys, |k| store.ids(k))? else {
        return Ok((Lookup::None, Vec::new()));
    };
    if ids.len() > 1 {
        let many = Lookup::Many(ids.iter().map(|i| format!("#{i}")).collect());
        return Ok((many, ids));
    }
    Ok((one_stored(store, ids[0], key, row, job)?, Vec::new()))
}

/// The one contact a row matched, and whether the row is in conflict with it: a contact
/// this job created (at an earlier row) is that row's, any other one stored before.
fn one_stored<S: WriterIndex + ?Sized>(
    store: &S,
    id: u64,
    key: &MatchKey<'_>,
    row: &Contact,
    job: u64,
) -> Result<Lookup, S::Error> {
    let contact = store.contact(id)?.unwrap_or_default();
    let conflict = identity_conflict(
        row,
        key,
        NameKey::of(&contact),
        !contact.emails.is_empty(),
        row.emails.iter().any(|e| contact.emails.contains(e)),
    );
    Ok(Lookup::One(
        match (contact.created_by, contact.created_row) {
            (Some(j), Some(created_row)) if j == job => Matched::EarlierRow {
                row: created_row,
                contact: Some(id),
                key: key.describe(),
                conflict,
            },
            _ => Matched::Stored {
                id,
                name: contact.display_name(),
                key: key.describe(),
                conflict,
            },
        },
    ))
}

/// A row with an email and a phone, when a number may be shared by several contacts (a
/// switchboard's staff): the contact among them that the row's email finds; else, under
/// `--on-conflict separate`, the number's first holder (its lowest id), which a row with
/// another name and email is in conflict with, and so becomes one more contact sharing the
/// number. Reads the contacts the row's emails find and the first holder of each phone, so
/// a number thousands share costs no more than one. `None` when this does not decide: the
/// usual lookup answers then.
fn by_email_and_phone<S: WriterIndex + ?Sized>(
    store: &S,
    keys: &[MatchKey<'_>],
    row: &Contact,
    job: u64,
    on_conflict: OnConflict,
) -> Result<Option<(Lookup, Vec<u64>)>, S::Error> {
    let phones: Vec<&MatchKey> = keys
        .iter()
        .filter(|k| matches!(k, MatchKey::Phone(_)))
        .collect();
    if row.emails.is_empty() || phones.is_empty() {
        return Ok(None);
    }
    let mut mine: Vec<(u64, &MatchKey)> = Vec::new();
    for e in &row.emails {
        for id in store.ids(&MatchKey::Email(e))? {
            if mine.iter().any(|&(m, _)| m == id) {
                continue;
            }
            let mut carried = None;
            for key in &phones {
                let MatchKey::Phone(p) = key else { continue };
                if store.carries_phone(id, p)? {
                    carried = Some(*key);
                    break;
                }
            }
            if let Some(key) = carried {
                mine.push((id, key));
            }
        }
    }
    mine.sort_unstable_by_key(|&(id, _)| id);
    match mine.as_slice() {
        [(id, key)] => return Ok(Some((one_stored(store, *id, key, row, job)?, Vec::new()))),
        [_, _, ..] => {
            let ids: Vec<u64> = mine.iter().map(|&(id, _)| id).collect();
            let many = Lookup::Many(ids.iter().map(|i| format!("#{i}")).collect());
            return Ok(Some((many, ids)));
        }
        [] => {}
    }
    if on_conflict != OnConflict::Separate {
        return Ok(None);
    }
    let mut first: Option<(u64, &MatchKey)> = None;
    for key in &phones {
        let MatchKey::Phone(p) = key else { continue };
        if let Some(id) = store.first_phone_holder(p)? {
            if first.is_none_or(|(f, _)| id < f) {
                first = Some((id, *key));
            }
        }
    }
    match first {
        Some((id, key)) => Ok(Some((one_stored(store, id, key, row, job)?, Vec::new()))),
        None => Ok(None),
    }
}

/// A row checked again after the user edited it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rechecked {
    pub status: RowStatus,
    pub issues: Vec<Issue>,
}

/// The status and issues an import would give a row with these cells, in a job of its own
/// (a retry): `validator`'s checks, then the match among `store`'s contacts — all of them
/// stored before that job. The wizard's row editor shows it as the user types. Fails only
/// when the store cannot be read.
pub fn recheck_row<L: ContactLookup + ?Sized>(
    validator: &Validator,
    options: &ImportOptions,
    raw: &RawRow,
    store: &L,
) -> Result<Rechecked, super::error::LookupError> {
    let mut check = if validator.names_members() {
        validator.clone().with_team(store.team()?).check(raw)
    } else {
        validator.check(raw)
    };
    let decided = decide_row(&mut check, options, |keys, row| {
        store.lookup(keys, row, options.on_conflict)
    })?;
    Ok(Rechecked {
        status: decided.decision.status(),
        issues: decided.issues,
    })
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::BTreeMap;

    use super::*;
    use crate::engine::mapping::Mapping;
    use crate::engine::plan::{ImportPlan, ListTarget, Purpose};
    use crate::engine::reason::Reason;
    use crate::engine::records::Cells;
    use crate::engine::review::NoStore;

    #[test]
    fn statuses_read_as_plain_words_and_keep_their_machine_names() {
        assert_eq!(JobStatus::Completed.words(0), "done");
        assert_eq!(
            JobStatus::CompletedWithErrors.words(13),
            "done, 13 rows failed"
        );
        assert_eq!(
            JobStatus::CompletedWithErrors.words(1),
            "done, 1 row failed"
        );
        assert_eq!(
            JobStatus::Stopped.words(1000),
            "stopped after 1,000 failed rows"
        );
        assert_eq!(JobStatus::CompletedWithErrors.label(), "done, errors");
        // JSON and scripts read the machine names: they do not change with the words.
        assert_eq!(
            JobStatus::CompletedWithErrors.name(),
            "completed_with_errors"
        );
        assert_eq!(JobStatus::Completed.name(), "completed");
    }

    fn options() -> ImportOptions {
        ImportOptions {
            max_failures: 3,
            ..Default::default()
        }
    }

    fn applying(options: &ImportOptions) -> Applying<'_> {
        Applying {
            job: 7,
            options,
            import_tag: None,
            failure_base: 0,
        }
    }

    fn with_consent(consent: Consent) -> Contact {
        Contact {
            consent,
            ..Contact::default()
        }
    }

    #[test]
    fn the_threshold_counts_failures_since_the_last_resume() {
        let options = options();
        let fresh = applying(&options);
        assert!(!fresh.threshold_reached(2));
        assert!(
            fresh.threshold_reached(3),
            "three failures of three allowed stop"
        );
        let resumed = Applying {
            failure_base: 5,
            ..fresh
        };
        assert!(!resumed.threshold_reached(5), "a resumed job goes on");
        assert!(!resumed.threshold_reached(7));
        assert!(resumed.threshold_reached(8));
        assert!(!resumed.threshold_reached(0), "never below zero");
    }

    #[test]
    fn consent_is_stamped_for_yes_and_for_unknown_only_when_confirmed() {
        let unconfirmed = options();
        let confirmed = ImportOptions {
            consent_confirmed: true,
            ..options()
        };
        let cases = [
            (&unconfirmed, Consent::Yes, Consent::Yes, Some(7)),
            (&unconfirmed, Consent::Unknown, Consent::Unknown, None),
            (&unconfirmed, Consent::No, Consent::No, None),
            (&confirmed, Consent::Yes, Consent::Yes, Some(7)),
            (&confirmed, Consent::Unknown, Consent::Yes, Some(7)),
            (&confirmed, Consent::No, Consent::No, None),
        ];
        for (options, given, consent, job) in cases {
            let c = applying(options).with_extras(with_consent(given));
            assert_eq!(
                (c.consent, c.consent_job),
                (consent, job),
                "{given:?}, confirmed: {}",
                options.consent_confirmed
            );
        }
    }

    #[test]
    fn a_jobs_tags_list_and_sharing_are_put_on_every_contact() {
        let options = ImportOptions {
            tags: vec!["vip".into(), "2024".into()],
            list: Some(ListTarget {
                name: "Calls".into(),
                dial: Default::default(),
            }),
            shared: true,
            ..options()
        };
        let job = Applying {
            import_tag: Some("import-20241121-2155-leads"),
            ..applying(&options)
        };
        let mut given = Contact::default();
        given.tags.insert("from-the-file".into());
        let c = job.with_extras(given);
        assert_eq!(
            c.tags.iter().map(String::as_str).collect::<Vec<_>>(),
            ["2024", "from-the-file", "import-20241121-2155-leads", "vip"]
        );
        assert!(c.lists.contains("Calls"));
        assert!(c.shared);

        let plain = options.clone();
        let without = Applying {
            options: &ImportOptions {
                shared: false,
                list: None,
                tags: Vec::new(),
                ..plain
            },
            ..applying(&options)
        }
        .with_extras(Contact::default());
        assert!(without.tags.is_empty() && without.lists.is_empty() && !without.shared);
    }

    #[test]
    fn a_created_contact_remembers_its_job_and_row_and_an_update_its_job() {
        let keep = ImportOptions {
            keep_existing: true,
            ..options()
        };
        let job = applying(&keep);
        let created = job.created(with_consent(Consent::Yes), 41, 12);
        assert_eq!(
            (created.id, created.created_by, created.created_row),
            (41, Some(7), Some(12))
        );
        assert_eq!(created.updated_by, None);

        let before = Contact {
            id: 3,
            first_name: Some("Ann".into()),
            created_by: Some(2),
            created_row: Some(5),
            ..Contact::default()
        };
        let incoming = Contact {
            first_name: Some("Anne".into()),
            company: Some("Acme".into()),
            ..Contact::default()
        };
        let (after, _) = job.updated(&before, &incoming, 3);
        assert_eq!((after.id, after.updated_by), (3, Some(7)));
        assert_eq!(
            (after.created_by, after.created_row),
            (Some(2), Some(5)),
            "the job that made it stays"
        );
        assert_eq!(after.first_name.as_deref(), Some("Ann"), "keep-existing");
        assert_eq!(after.company.as_deref(), Some("Acme"));
        let replace = options();
        let (after, _) = applying(&replace).updated(&before, &incoming, 3);
        assert_eq!(after.first_name.as_deref(), Some("Anne"));
    }

    #[test]
    fn a_job_with_a_failed_row_completes_with_errors() {
        assert_eq!(final_status(0), JobStatus::Completed);
        assert_eq!(final_status(1), JobStatus::CompletedWithErrors);
        assert_eq!(final_status(250), JobStatus::CompletedWithErrors);
    }

    fn checked(cells: &[&str], options: &ImportOptions) -> RowCheck {
        validator(options).check(&raw(cells))
    }

    const HEADER: [&str; 4] = ["Name", "Phone", "Email", "Consent"];

    fn validator(options: &ImportOptions) -> Validator {
        let header: Vec<String> = HEADER.iter().map(|h| h.to_string()).collect();
        let plan = ImportPlan {
            file: "t.csv".into(),
            read: Default::default(),
            mapping: Mapping::auto(&header),
            options: options.clone(),
            date_orders: Default::default(),
        };
        Validator::new(&plan, &header).unwrap()
    }

    fn raw(cells: &[&str]) -> RawRow {
        RawRow {
            row: 2,
            line: 2,
            cells: Cells::from_strings(cells),
        }
    }

    fn consent_options() -> ImportOptions {
        ImportOptions {
            consent_column: Some("Consent".into()),
            ..options()
        }
    }

    #[test]
    fn failed_and_refused_rows_are_never_looked_up() {
        let options = consent_options();
        let asked = Cell::new(0);
        let find = |keys: &[MatchKey<'_>], _: &Contact| -> Result<Lookup, ()> {
            asked.set(asked.get() + 1);
            assert_eq!(
                keys,
                [
                    MatchKey::Phone("+12123345601"),
                    MatchKey::Email("ann@example.com")
                ]
            );
            Ok(Lookup::None)
        };
        let mut failed = checked(&["Ann", "", "", "yes"], &options);
        let d = decide_row(&mut failed, &options, find).unwrap();
        assert_eq!(d.decision.status(), RowStatus::Error);
        assert_eq!(d.issues[0].reason, Reason::MissingIdentifier);
        let mut refused = checked(&["Ann", "+1 212 334 5601", "", "no"], &options);
        let d = decide_row(&mut refused, &options, find).unwrap();
        assert_eq!(d.issues[0].reason, Reason::NoConsent);
        assert_eq!(asked.get(), 0);
        let mut clean = checked(
            &["Ann", "+1 212 334 5601", "ann@example.com", "yes"],
            &options,
        );
        let d = decide_row(&mut clean, &options, find).unwrap();
        assert_eq!((d.decision, d.lookup), (Decision::Create, Lookup::None));
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn rows_imported_always_are_never_looked_up() {
        // Whatever a row matches, `always` creates it: a lookup would only cost a read of
        // every holder of its number (cubic in the rows of a file sharing one).
        let options = ImportOptions {
            purpose: Purpose::Always,
            ..consent_options()
        };
        let find = |_: &[MatchKey<'_>], _: &Contact| -> Result<Lookup, ()> {
            panic!("an `always` row was looked up")
        };
        let mut clean = checked(
            &["Ann", "+1 212 334 5601", "ann@example.com", "yes"],
            &options,
        );
        let d = decide_row(&mut clean, &options, find).unwrap();
        assert_eq!((d.decision, d.lookup), (Decision::Create, Lookup::None));
    }

    #[test]
    fn a_skipped_row_names_what_it_duplicates_and_notes_stored_matches() {
        let stored = Lookup::One(Matched::Stored {
            id: 4,
            name: "Ann".into(),
            key: "phone +12123345601".into(),
            conflict: false,
        });
        assert_eq!(
            skipped_for(&stored, &[]),
            Skipped {
                contact: Some(4),
                noted: &[4]
            }
        );
        let earlier = Lookup::One(Matched::EarlierRow {
            row: 3,
            contact: Some(9),
            key: "phone +12123345601".into(),
            conflict: false,
        });
        assert_eq!(
            skipped_for(&earlier, &[]),
            Skipped {
                contact: Some(9),
                noted: &[]
            },
            "a contact of this job is not noted"
        );
        let many = Lookup::Many(vec!["#4".into(), "#6".into()]);
        assert_eq!(
            skipped_for(&many, &[4, 6]),
            Skipped {
                contact: Some(4),
                noted: &[4, 6]
            }
        );
        assert_eq!(
            skipped_for(&Lookup::None, &[]),
            Skipped {
                contact: None,
                noted: &[]
            }
        );
        assert_eq!(update_target(&stored_match(4)), Some(4));
        assert_eq!(
            update_target(&Matched::EarlierRow {
                row: 3,
                contact: None,
                key: String::new(),
                conflict: false,
            }),
            None
        );
    }

    fn stored_match(id: u64) -> Matched {
        Matched::Stored {
            id,
            name: String::new(),
            key: String::new(),
            conflict: false,
        }
    }

    /// Stored contacts by phone, as a store would answer.
    struct Phones(BTreeMap<String, Vec<u64>>);

    impl ContactLookup for Phones {
        fn ids(&self, key: &MatchKey) -> Result<Vec<u64>, crate::engine::error::LookupError> {
            Ok(match key {
                MatchKey::Phone(p) => self.0.get(*p).cloned().unwrap_or_default(),
                _ => Vec::new(),
            })
        }
        fn contact(&self, id: u64) -> Option<Contact> {
            Some(Contact {
                id,
                first_name: Some(format!("Stored {id}")),
                ..Contact::default()
            })
        }
    }

    #[test]
    fn a_rechecked_row_gets_the_decision_and_issues_of_the_import() {
        let store = Phones(BTreeMap::from([
            ("+12123345601".to_string(), vec![4]),
            ("+12123345602".to_string(), vec![5, 6]),
        ]));
        let rows: [&[&str]; 5] = [
            &["Ann", "+1 212 334 5601", "ann@example.com", "yes"],
            &["Bob", "+1 212 334 5699", "bob@example.com", "yes"],
            &["Cy", "+1 212 334 5602", "", "yes"],
            &["", "+1 212 334 5603", "", "yes"],
            &["Di", "+1 212 334 5601", "", "no"],
        ];
        for purpose in [Purpose::Create, Purpose::Upsert, Purpose::Update] {
            let options = ImportOptions {
                purpose,
                ..consent_options()
            };
            let validator = validator(&options);
            for cells in rows {
                let again = recheck_row(&validator, &options, &raw(cells), &store).unwrap();
                // The writer's way: check, look up in the store, decide.
                let mut check = validator.check(&raw(cells));
                let lookup = if needs_lookup(&check, &options) {
                    store
                        .lookup(
                            &match_keys(&check, options.identifier),
                            &check.contact,
                            options.on_conflict,
                        )
                        .unwrap()
                } else {
                    Lookup::None
                };
                let decision = decide_and_warn(&mut check, &options, &lookup);
                assert_eq!(
                    again,
                    Rechecked {
                        status: decision.status(),
                        issues: issues_of(&check, &decision),
                    },
                    "{purpose:?} {cells:?}"
                );
            }
        }
        let options = consent_options();
        let validator = validator(&options);
        let status = |cells: &[&str], store: &dyn ContactLookup| -> (RowStatus, Option<Reason>) {
            let r = recheck_row(&validator, &options, &raw(cells), store).unwrap();
            (r.status, r.issues.first().map(|i| i.reason))
        };
        assert_eq!(
            status(rows[0], &store),
            (RowStatus::Skipped, Some(Reason::DuplicateExisting))
        );
        assert_eq!(status(rows[0], &NoStore), (RowStatus::Imported, None));
        assert_eq!(
            status(rows[3], &store),
            (RowStatus::Error, Some(Reason::MissingName))
        );
        assert_eq!(
            status(rows[4], &store),
            (RowStatus::Skipped, Some(Reason::NoConsent))
        );
    }
}
