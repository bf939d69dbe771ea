//! The review (SPEC §6): a full dry run over the whole file that writes nothing, and the
//! checks a mapping gets before it: phone-column health and the order of date columns.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::contact::Contact;
use super::date::{DateColumn, DateOrder};
use rustc_hash::FxHashMap;

use super::duplicates::InFileGroups;
pub use super::error::LookupError;
use super::error::{EngineError, Result};
use super::in_file::{InFileIndex, LeadsTo};
use super::mapping::{CustomField, CustomKind, Field, Mapping, Target};
use super::merge::{too_many_values, NameKey, MAX_VALUES};
use super::opportunity::{decide_opportunity, Opportunity, OpportunityDecision};
use super::phone::{normalize_phone, parse_region, split_phones};
use super::pipeline::CheckedRows;
use super::plan::ImportPlan;
use super::plan::{InFileDuplicates, OnConflict, Purpose, Requirement};
use super::reason::{Issue, Reason};
use super::resolve::needs_lookup;
use super::resolve::{
    decide_and_warn, first_match, identity_conflict_by, issues_of, match_keys, Decision, Lookup,
    MatchKey, Matched, RowStatus,
};
use super::source::Cells;
use super::source::{RawRow, Source};
use super::team::{MemberColumn, Team};
use super::text::clean_cell;
use super::validate::{RowCheck, Validator};

/// How many clean rows, changes and problems the review shows as samples.
const SAMPLES: usize = 5;
/// How many rows the phone-column health check reads.
pub const HEALTH_SAMPLE: usize = 200;

/// A read of the store for matching rows to stored contacts. The dry run without a store
/// uses [`NoStore`].
pub trait ContactLookup {
    /// The stored contacts one key finds.
    fn ids(&self, key: &MatchKey) -> std::result::Result<Vec<u64>, LookupError>;
    fn contact(&self, id: u64) -> Option<Contact>;

    /// The team members owner, followers and favorite agent cells name (none without a
    /// store: every such value is then unknown).
    fn team(&self) -> std::result::Result<std::sync::Arc<Team>, LookupError> {
        Ok(std::sync::Arc::default())
    }

    /// Whether the store holds an opportunity the row's finds: by its external id, else
    /// by `contact` (a stored contact's id) and its name. A dry run without a store has none.
    fn opportunity_stored(&self, _contact: Option<u64>, _o: &Opportunity) -> bool {
        false
    }

    /// The lowest id of the contacts carrying `phone`: reads one however many share it.
    fn first_phone_holder(&self, phone: &str) -> std::result::Result<Option<u64>, LookupError> {
        Ok(self.ids(&MatchKey::Phone(phone))?.into_iter().min())
    }

    /// What a row's keys match among stored contacts (SPEC §5's order); `row` is the row's
    /// contact, whose name and emails tell an identity conflict.
    fn lookup(
        &self,
        keys: &[MatchKey],
        row: &Contact,
        on_conflict: OnConflict,
    ) -> std::result::Result<Lookup, LookupError> {
        let nothing = Known::default();
        dry_run_lookup(
            keys,
            row,
            on_conflict,
            &InFileIndex::default(),
            &nothing,
            self,
        )
    }
}

/// What the dry run knows of a contact the file makes or updates: its name and how many
/// phones and emails it holds, to tell identity conflicts and full contacts as the import
/// does, which reads them from the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: NameKey,
    pub phones: usize,
    pub emails: usize,
}

impl Identity {
    pub fn of(c: &Contact) -> Identity {
        Identity {
            name: NameKey::of(c),
            phones: c.phones.len(),
            emails: c.emails.len(),
        }
    }

    /// The identity in 64 bits: each name part as a 25-bit fingerprint (0 still "no
    /// part"), each count in 7 bits (saturated above [`MAX_VALUES`], which is all a count
    /// is compared with). The dry run compares names at this width on both sides, so two
    /// different names agree only once in 2^25 comparisons, at worst one row's warning.
    fn pack(self) -> u64 {
        let count = |n: usize| n.min(COUNT_MASK as usize) as u64;
        let name = self.name.narrowed();
        count(self.phones)
            | count(self.emails) << 7
            | name.first << 14
            | name.last << (14 + NAME_BITS)
    }

    fn unpack(v: u64) -> Identity {
        Identity {
            name: NameKey {
                first: (v >> 14) & NAME_MASK,
                last: (v >> (14 + NAME_BITS)) & NAME_MASK,
            },
            phones: (v & COUNT_MASK) as usize,
            emails: ((v >> 7) & COUNT_MASK) as usize,
        }
    }
}

const COUNT_MASK: u64 = (1 << 7) - 1;
const NAME_BITS: u32 = 25;
const NAME_MASK: u64 = (1 << NAME_BITS) - 1;
const _: () = assert!(MAX_VALUES as u64 <= COUNT_MASK && 14 + 2 * NAME_BITS == 64);

impl NameKey {
    /// Each part in [`NAME_BITS`] bits, 0 kept for a missing part: how the dry run
    /// remembers and compares names.
    fn narrowed(self) -> NameKey {
        let part = |p: u64| if p == 0 { 0 } else { (p & NAME_MASK).max(1) };
        NameKey {
            first: part(self.first),
            last: part(self.last),
        }
    }
}

/// Contacts the dry run has made or updated so far, by what their keys lead to, each
/// [`Identity`] packed in 64 bits: 16 bytes a contact, up to [`KNOWN_CONTACTS`]. Past
/// that, a contact an earlier row of a very long file makes is matched without its
/// identity (no `identity_conflict` or `too_many_values` in the dry run for it; the
/// import still tells them).
#[derive(Default)]
pub struct Known(rustc_hash::FxHashMap<u64, u64>);

/// Contacts whose identity the dry run remembers: as many as fill 2^20 slots of the map
/// (it keeps an eighth free), 17 MB, which 2^19 contacts took already. A 1M-row file makes
/// 720k contacts: with 2^19 remembered, its dry run missed 728 of the import's 130,034
/// identity conflicts.
pub const KNOWN_CONTACTS: usize = (1 << 20) / 8 * 7;

impl Known {
    fn get(&self, target: LeadsTo) -> Option<Identity> {
        self.0.get(&target.encode()).copied().map(Identity::unpack)
    }

    fn set(&mut self, target: LeadsTo, identity: Identity) {
        if self.0.len() < KNOWN_CONTACTS || self.0.contains_key(&target.encode()) {
            self.0.insert(target.encode(), identity.pack());
        }
    }
}

/// The row's match as the import would find it: stored contacts, and the contacts this
/// file's earlier rows create or update — the same answer the store gives the import,
/// which holds those rows already (`store::import`'s lookup, rule for rule):
///
/// 1. the contacts the row's emails find that carry one of its phones (a number several
///    contacts share is told apart by the email, without reading them all);
/// 2. under `--on-conflict separate`, a row with an email: its phones' first holder;
/// 3. otherwise SPEC §5's order, phones then emails.
pub fn dry_run_lookup<S: ContactLookup + ?Sized>(
    keys: &[MatchKey],
    row: &Contact,
    on_conflict: OnConflict,
    in_file: &InFileIndex,
    known: &Known,
    store: &S,
) -> std::result::Result<Lookup, LookupError> {
    let label = |id: u64| match LeadsTo::decode(id) {
        LeadsTo::Row(row) => format!("row {row}"),
        LeadsTo::Contact(id) => format!("#{id}"),
    };
    let phones: Vec<&MatchKey> = keys
        .iter()
        .filter(|k| matches!(k, MatchKey::Phone(_)))
        .collect();
    if !row.emails.is_empty() && !phones.is_empty() {
        // 1. Stored contacts and earlier rows side by side, as `LeadsTo` encodes them.
        let mut mine: Vec<(u64, &MatchKey)> = Vec::new();
        for e in &row.emails {
            let email = MatchKey::Email(e);
            let mut targets: Vec<u64> = store.ids(&email)?;
            targets.extend(in_file.get(&email)?.map(LeadsTo::encode));
            for t in targets {
                if mine.iter().any(|&(m, _)| m == t) {
                    continue;
                }
                if let Some(key) = carried_phone(&phones, t, in_file, store)? {
                    mine.push((t, key));
                }
            }
        }
        mine.sort_unstable_by_key(|&(t, _)| t);
        match mine.as_slice() {
            [(t, key)] => return one_match(*t, key, row, in_file, known, store),
            [_, _, ..] => return Ok(Lookup::Many(mine.iter().map(|&(t, _)| label(t)).collect())),
            [] => {}
        }
        // 2. The first holder of the row's numbers.
        if on_conflict == OnConflict::Separate {
            let mut first: Option<(u64, &MatchKey)> = None;
            for key in &phones {
                let MatchKey::Phone(p) = key else { continue };
                let holders = [
                    store.first_phone_holder(p)?,
                    in_file.get(key)?.map(LeadsTo::encode),
                ];
                for t in holders.into_iter().flatten() {
                    if first.is_none_or(|(f, _)| t < f) {
                        first = Some((t, *key));
                    }
                }
            }
            if let Some((t, key)) = first {
                return one_match(t, key, row, in_file, known, store);
            }
        }
    }
    // 3. Stored contacts and earlier rows side by side.
    let found = first_match(keys, |key| -> std::result::Result<Vec<u64>, LookupError> {
        let mut ids = store.ids(key)?;
        ids.extend(in_file.get(key)?.map(LeadsTo::encode));
        Ok(ids)
    })?;
    match found {
        None => Ok(Lookup::None),
        Some((ids, key)) if ids.len() == 1 => one_match(ids[0], key, row, in_file, known, store),
        Some((ids, _)) => Ok(Lookup::Many(ids.into_iter().map(label).collect())),
    }
}

/// The first of `phones` the contact `target` (a stored id or an earlier row, encoded)
/// carries: stored with it, or given it by an earlier row of the file.
fn carried_phone<'p, 'k, S: ContactLookup + ?Sized>(
    phones: &[&'p MatchKey<'k>],
    target: u64,
    in_file: &InFileIndex,
    store: &S,
) -> std::result::Result<Option<&'p MatchKey<'k>>, LookupError> {
    let to = LeadsTo::decode(target);
    let stored = match to {
        LeadsTo::Contact(id) => store.contact(id),
        LeadsTo::Row(_) => None,
    };
    for key in phones {
        let MatchKey::Phone(p) = key else { continue };
        if in_file.holds(p, to)?
            || stored
                .as_ref()
                .is_some_and(|c| c.phones.iter().any(|s| s == p))
        {
            return Ok(Some(*key));
        }
    }
    Ok(None)
}

/// The one contact (or earlier row) a row matched by `key`, and whether the row is in
/// identity conflict with it.
fn one_match<S: ContactLookup + ?Sized>(
    id: u64,
    key: &MatchKey,
    row: &Contact,
    in_file: &InFileIndex,
    known: &Known,
    store: &S,
) -> std::result::Result<Lookup, LookupError> {
    let target = LeadsTo::decode(id);
    let stored = match target {
        LeadsTo::Contact(id) => store.contact(id),
        LeadsTo::Row(_) => None,
    };
    let identity = known.get(target).or(stored.as_ref().map(Identity::of));
    let conflict = match identity {
        Some(identity) => {
            let mut shares_email = false;
            for e in &row.emails {
                let email = MatchKey::Email(e);
                let leads = in_file.get(&email)? == Some(target)
                    || match target {
                        LeadsTo::Contact(id) => store.ids(&email)?.contains(&id),
                        LeadsTo::Row(_) => false,
                    };
                if leads {
                    shares_email = true;
                    break;
                }
            }
            // At the width `Known` remembers names, whichever side they come from.
            identity_conflict_by(
                row,
                key,
                |row| {
                    NameKey::of(row)
                        .narrowed()
                        .differs(&identity.name.narrowed())
                },
                identity.emails > 0,
                shares_email,
            )
        }
        None => false,
    };
    Ok(Lookup::One(match target {
        LeadsTo::Row(row) => Matched::EarlierRow {
            row,
            contact: None,
            key: key.describe(),
            conflict,
        },
        LeadsTo::Contact(id) => Matched::Stored {
            id,
            name: stored.map(|c| c.display_name()).unwrap_or_default(),
            key: key.describe(),
            conflict,
        },
    }))
}

pub struct NoStore;

impl ContactLookup for NoStore {
    fn ids(&self, _: &MatchKey) -> std::result::Result<Vec<u64>, LookupError> {
        Ok(Vec::new())
    }
    fn contact(&self, _: u64) -> Option<Contact> {
        None
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub total_rows: u64,
    pub blank_rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Warnings raised (one row may raise several).
    pub warnings: u64,
    pub reasons: BTreeMap<Reason, u64>,
    /// What became of the rows' opportunities, counted apart from their contacts.
    pub opportunities: crate::engine::opportunity::OpportunityCounts,
}

impl Counts {
    pub fn add(&mut self, check: &RowCheck, decision: &Decision) {
        self.total_rows += 1;
        match decision.status() {
            RowStatus::Imported => self.created += 1,
            RowStatus::Updated => self.updated += 1,
            RowStatus::Skipped => self.skipped += 1,
            RowStatus::Error => self.failed += 1,
        }
        if let Decision::Skip(issue) | Decision::Fail(issue) = decision {
            *self.reasons.entry(issue.reason).or_default() += 1;
        }
        for w in &check.warnings {
            *self.reasons.entry(w.reason).or_default() += 1;
            self.warnings += 1;
        }
    }
}

/// Reason counts, most frequent first (ties in code order): how every summary lists them.
pub fn by_frequency<K: Ord + Clone>(reasons: &BTreeMap<K, u64>) -> Vec<(K, u64)> {
    let mut out: Vec<(K, u64)> = reasons.iter().map(|(k, n)| (k.clone(), *n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// One field of one contact before and after an update.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldChange {
    pub row: u64,
    pub contact: u64,
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowProblem {
    pub row: u64,
    /// The line of the file where the row starts (a vCard's `BEGIN:VCARD`).
    pub line: u64,
    pub status: RowStatus,
    pub issues: Vec<Issue>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DateColumnReport {
    pub column: String,
    pub order: DateOrder,
    /// True when `--date-order` (or the wizard) chose the order, not the values.
    pub chosen: bool,
    pub values: u64,
    pub ambiguous: u64,
    /// Values that can be read only in `order`.
    pub proving: u64,
    /// Values that can be read only in the other order: each such row gets a warning.
    pub contradicting: u64,
}

impl DateColumnReport {
    /// One sentence, the same in the wizard and on the command line: the order assumed,
    /// why, and what the values say of it.
    pub fn describe(&self) -> String {
        let why = if self.chosen {
            "as chosen".to_string()
        } else if self.proving > 0 {
            format!(
                "{} {} can only be read so",
                self.proving,
                plural(self.proving, "value", "values")
            )
        } else {
            "no value proves either order".to_string()
        };
        let mut text = format!(
            "Dates in {:?} read {}: {why}; {} of {} ambiguous",
            self.column,
            self.order.describe(),
            self.ambiguous,
            self.values
        );
        if self.contradicting > 0 {
            text.push_str(&format!(
                "; {} {} only the other way round (warned on {}; --date-order {} reads the column so)",
                self.contradicting,
                plural(self.contradicting, "reads", "read"),
                plural(self.contradicting, "its row", "their rows"),
                self.order.other().flag()
            ));
        }
        text
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnHealth {
    pub column: String,
    pub sampled: u64,
    pub valid: u64,
    pub share_valid: f64,
    /// A better column for phones, when this one is mostly invalid.
    pub suggestion: Option<String>,
}

impl ColumnHealth {
    /// The warning as the command line says it: the better column with its `--map` flag.
    pub fn warning(&self) -> Option<String> {
        self.warning_with(|s| format!("--map '{s}=phone'"))
    }

    /// The warning with the way a front end maps the better column, `how(column)`
    /// (the wizard's Map has no flags: it names its own keys).
    pub fn warning_with(&self, how: impl Fn(&str) -> String) -> Option<String> {
        if self.sampled == 0 || self.share_valid >= 0.5 {
            return None;
        }
        let mut w = format!(
            "only {} of {} sampled values in {:?} are valid phone numbers",
            self.valid, self.sampled, self.column
        );
        if let Some(s) = &self.suggestion {
            w.push_str(&format!("; {s:?} looks like the phone column ({})", how(s)));
        }
        Some(w)
    }
}

/// The whole review, as the wizard shows it and `--dry-run --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    #[serde(flatten)]
    pub counts: Counts,
    pub samples: Vec<Contact>,
    pub changes: Vec<FieldChange>,
    pub problems: Vec<RowProblem>,
    pub custom_fields: Vec<CustomField>,
    pub date_columns: Vec<DateColumnReport>,
    /// Set when the file's encoding is a doubtful guess: what was assumed, values as
    /// decoded, and how to choose another (`Source::encoding_doubt`).
    pub encoding_warning: Option<String>,
    /// Each owner, followers or favorite agent column: how many of its values name a team
    /// member, and the ones that do not, for the admin to add before importing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberColumn>,
    pub elapsed_ms: u128,
}

/// Progress of a pass over the file, for the wizard's gauge and the headless bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
    pub approx_total: u64,
    pub elapsed: Duration,
}

/// The groups of `source`'s rows under `plan`, when its policy needs them before the
/// import (`first`, `last`, `error`); `None` otherwise. A cancel gives an error: an
/// import must not start on half the groups.
pub fn in_file_groups(
    plan: &ImportPlan,
    source: &Source,
    team: std::sync::Arc<Team>,
    cancel: &AtomicBool,
) -> Result<Option<InFileGroups>> {
    let Some(policy) = plan
        .options
        .in_file_duplicates
        .filter(|_| InFileDuplicates::needs_groups(plan.options.in_file_duplicates))
    else {
        return Ok(None);
    };
    // Every row that would make or update a contact, merged as `merge` merges them;
    // the purpose and the store play no part in which rows share an identifier.
    let mut alone = plan.clone();
    alone.options.in_file_duplicates = Some(InFileDuplicates::Merge);
    alone.options.purpose = Purpose::Upsert;
    alone.options.max_failures = u64::MAX;
    // A row the import would accept must not fail here for want of a name: the
    // loosest requirement fails the fewest rows (a row failing the real checks keeps
    // its own reason whatever its group).
    alone.options.require = Requirement::Any;
    // (group's first row, row), in file order; the key that joined a later row.
    let mut members: Vec<(u64, u64)> = Vec::new();
    let mut joined_by: FxHashMap<u64, String> = FxHashMap::default();
    review(
        &alone,
        source,
        // No contacts, but the team: a row naming a member is checked as the import
        // checks it.
        &TeamOnly(team),
        cancel,
        &mut |raw, _, decision| {
            match decision {
                Decision::Create => members.push((raw.row, raw.row)),
                Decision::Update(Matched::EarlierRow { row, key, .. }) => {
                    members.push((*row, raw.row));
                    joined_by.insert(raw.row, key.clone());
                }
                _ => {}
            }
            Ok(())
        },
        &mut |_| {},
    )?;
    if cancel.load(Ordering::Relaxed) {
        return Err(EngineError::Interrupted(
            "finding the rows of the file that share an identifier",
        ));
    }
    Ok(Some(InFileGroups::from_members(
        policy, members, &joined_by,
    )))
}

/// A store with no contacts but a team, for finding the file's own groups.
struct TeamOnly(std::sync::Arc<Team>);

impl ContactLookup for TeamOnly {
    fn ids(&self, _: &MatchKey) -> std::result::Result<Vec<u64>, LookupError> {
        Ok(Vec::new())
    }

    fn contact(&self, _: u64) -> Option<Contact> {
        None
    }

    fn team(&self) -> std::result::Result<std::sync::Arc<Team>, LookupError> {
        Ok(self.0.clone())
    }
}

/// Runs the dry run over every row. `each` sees every row, its problems and its decision
/// (to write an error file, say; the check's contact holds only the row's keys, see
/// `Validator::keys_only`); `progress` is called about ten times a second.
pub fn review(
    plan: &ImportPlan,
    source: &Source,
    store: &dyn ContactLookup,
    cancel: &AtomicBool,
    each: &mut dyn FnMut(&RawRow, &RowCheck, &Decision) -> std::io::Result<()>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Review> {
    let started = Instant::now();
    // Every row is checked for its keys and problems; the few rows shown are checked again
    // in full.
    let team = store.team()?;
    let full = Validator::new(plan, source.header())?
        .with_team(team.clone())
        .with_verdicts(in_file_groups(plan, source, team.clone(), cancel)?);
    let mut members = MemberColumn::of(&plan.mapping);
    let mut rows = CheckedRows::start(
        source,
        std::sync::Arc::new(full.clone().keys_only()),
        0,
        None,
        super::pipeline::Cores::All,
    )?;
    let mut in_file = InFileIndex::default();
    let mut known = Known::default();
    let mut counts = Counts::default();
    let mut samples = Vec::new();
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    let mut last_tick = Instant::now();
    let identifier = plan.options.identifier;
    let on_conflict = plan.options.on_conflict;
    // The opportunities earlier rows of the file would make, by their keys.
    let mut opportunities_seen: std::collections::HashSet<String> = Default::default();
    'file: while let Some(mut chunk) = rows.next_chunk()? {
        for (raw, check) in &mut chunk.rows {
            if cancel.load(Ordering::Relaxed) {
                break 'file;
            }
            for column in &mut members {
                column.count_row(&team, &raw.cells);
            }
            let looked_up = needs_lookup(check, &plan.options);
            let lookup = if looked_up {
                let keys = match_keys(check, identifier);
                dry_run_lookup(&keys, &check.contact, on_conflict, &in_file, &known, store)?
            } else {
                Lookup::None
            };
            let decision = decide_and_warn(check, &plan.options, &lookup);
            let keys = match_keys(check, identifier);
            match &decision {
                Decision::Create => {
                    // Keys looked up and found nowhere need not be looked up again (a
                    // row that creates whatever it matches, `always`, may bring known ones).
                    if looked_up && matches!(lookup, Lookup::None) {
                        in_file.remember_unseen(&keys, LeadsTo::Row(raw.row))
                    } else {
                        in_file.remember(&keys, LeadsTo::Row(raw.row))
                    }
                    .map_err(LookupError::from)?;
                    in_file
                        .remember_holder(&keys, LeadsTo::Row(raw.row))
                        .map_err(LookupError::from)?;
                    known.set(LeadsTo::Row(raw.row), Identity::of(&check.contact));
                    if samples.len() < SAMPLES {
                        samples.push(full.check(raw).contact);
                    }
                }
                Decision::Update(matched) => {
                    let target = match matched {
                        Matched::Stored { id, .. } => LeadsTo::Contact(*id),
                        Matched::EarlierRow { row, .. } => LeadsTo::Row(*row),
                    };
                    let (kept, warning) = dry_run_update(
                        &check.contact,
                        &keys,
                        target,
                        &in_file,
                        &mut known,
                        store,
                        plan.options.keep_existing,
                    )?;
                    in_file.remember(&kept, target).map_err(LookupError::from)?;
                    in_file
                        .remember_holder(&kept, target)
                        .map_err(LookupError::from)?;
                    check.warnings.extend(warning);
                    if changes.len() < SAMPLES * 4 {
                        if let Matched::Stored { id, .. } = matched {
                            if let Some(before) = store.contact(*id) {
                                changes.extend(field_changes(
                                    raw.row,
                                    &before,
                                    &full.check(raw).contact,
                                    plan.options.keep_existing,
                                ));
                            }
                        }
                    }
                }
                Decision::Skip(_) | Decision::Fail(_) => {}
            }
            if problems.len() < SAMPLES * 4
                && (!check.warnings.is_empty()
                    || matches!(decision, Decision::Skip(_) | Decision::Fail(_)))
            {
                problems.push(RowProblem {
                    row: raw.row,
                    line: raw.line,
                    status: decision.status(),
                    issues: issues_of(check, &decision),
                });
            }
            counts.add(check, &decision);
            if let Some(o) = &check.opportunity {
                if let Some(did) = dry_run_opportunity(
                    o,
                    raw.row,
                    &decision,
                    &lookup,
                    plan,
                    store,
                    &mut opportunities_seen,
                ) {
                    counts.opportunities.add(did);
                }
            }
            each(raw, check, &decision).map_err(|e| EngineError::Io {
                path: plan.file.clone(),
                source: e,
            })?;
        }
        // Once a chunk (a few milliseconds of rows): reading the clock for every row cost
        // more than the counting.
        if last_tick.elapsed() >= Duration::from_millis(100) {
            last_tick = Instant::now();
            progress(progress_of(&counts, source, started));
        }
    }
    counts.blank_rows = rows.blank_rows();
    progress(progress_of(&counts, source, started));
    let custom_fields = plan
        .mapping
        .custom_fields()
        .map(|(_, f)| f.clone())
        .collect();
    Ok(Review {
        counts,
        samples,
        changes,
        problems,
        custom_fields,
        date_columns: Vec::new(),
        encoding_warning: source.encoding_doubt(),
        members,
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// An update as the dry run sees it: the contact's identity after the row (its name taken
/// whole or not at all, its new phones and emails up to [`MAX_VALUES`]), the
/// `too_many_values` warning the import would give, and the row's keys the contact keeps
/// (the ones left out lead nowhere, as in the store's index).
fn dry_run_update<'k, S: ContactLookup + ?Sized>(
    row: &Contact,
    keys: &[MatchKey<'k>],
    target: LeadsTo,
    in_file: &InFileIndex,
    known: &mut Known,
    store: &S,
    keep_existing: bool,
) -> std::result::Result<(Vec<MatchKey<'k>>, Option<Issue>), LookupError> {
    let stored = match target {
        LeadsTo::Contact(id) => store.contact(id),
        LeadsTo::Row(_) => None,
    };
    let Some(mut identity) = known.get(target).or(stored.as_ref().map(Identity::of)) else {
        // An earlier row whose contact the dry run no longer remembers.
        return Ok((keys.to_vec(), None));
    };
    let name = NameKey::of(row);
    let takes = !name.is_empty()
        && (identity.name.is_empty()
            || (!keep_existing
                && (identity.name.first == 0 || name.first != 0)
                && (identity.name.last == 0 || name.last != 0)));
    if takes {
        identity.name = name;
    }
    // Whether the contact has the value already: stored with it, or given it by an
    // earlier row (a phone by its holder pair, as a number may lead to another contact).
    let holds = |key: &MatchKey| -> std::result::Result<bool, LookupError> {
        let (earlier, stored_values) = match key {
            MatchKey::Phone(p) => (
                in_file.holds(p, target)?,
                stored.as_ref().map(|c| (&c.phones, *p)),
            ),
            MatchKey::Email(e) => (
                in_file.get(key)? == Some(target),
                stored.as_ref().map(|c| (&c.emails, *e)),
            ),
            MatchKey::Id(_) => (false, None),
        };
        Ok(earlier || stored_values.is_some_and(|(values, v)| values.iter().any(|s| s == v)))
    };
    let mut kept = Vec::with_capacity(keys.len());
    let (mut phones_left, mut emails_left) = (Vec::new(), Vec::new());
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].contains(key) {
            continue;
        }
        let (count, left, value) = match key {
            MatchKey::Phone(p) => (&mut identity.phones, &mut phones_left, *p),
            MatchKey::Email(e) => (&mut identity.emails, &mut emails_left, *e),
            MatchKey::Id(_) => {
                kept.push(*key);
                continue;
            }
        };
        if holds(key)? {
            kept.push(*key);
        } else if *count >= MAX_VALUES {
            left.push(value.to_string());
        } else {
            *count += 1;
            kept.push(*key);
        }
    }
    let whom = match target {
        LeadsTo::Contact(id) => format!("contact #{id}"),
        LeadsTo::Row(row) => format!("the contact of row {row}"),
    };
    let warning = too_many_values(
        &whom,
        phones_left.len(),
        emails_left.len(),
        |kind| match kind {
            "phone" => phones_left.first().cloned(),
            _ => emails_left.first().cloned(),
        },
    );
    known.set(target, identity);
    Ok((kept, warning))
}

fn progress_of(counts: &Counts, source: &Source, started: Instant) -> Progress {
    Progress {
        rows: counts.total_rows,
        created: counts.created,
        updated: counts.updated,
        skipped: counts.skipped,
        failed: counts.failed,
        approx_total: source.info.approx_rows,
        elapsed: started.elapsed(),
    }
}

/// The fields an update would change, as before → after text.
pub fn field_changes(
    row: u64,
    before: &Contact,
    incoming: &Contact,
    keep_existing: bool,
) -> Vec<FieldChange> {
    let after = super::merge::merge(before, incoming, keep_existing);
    let mut out = Vec::new();
    let pairs = super::merge::field_texts(before)
        .into_iter()
        .zip(super::merge::field_texts(&after));
    for ((field, b), (_, a)) in pairs {
        if a != b {
            out.push(FieldChange {
                row,
                contact: before.id,
                field: field.to_string(),
                before: b,
                after: a,
            });
        }
    }
    out
}

/// What the import would do with a row's opportunity, as the writer decides it
/// (`store::opportunities`): found among the store's or an earlier row's by its external
/// id, else by its contact and name. `None` for a failed row, which writes nothing.
fn dry_run_opportunity(
    o: &Opportunity,
    row: u64,
    decision: &Decision,
    lookup: &Lookup,
    plan: &ImportPlan,
    store: &dyn ContactLookup,
    seen: &mut std::collections::HashSet<String>,
) -> Option<OpportunityDecision> {
    if matches!(decision, Decision::Fail(_)) {
        return None;
    }
    // The contact it would belong to: this row's new one, or the one it matched.
    let matched = match (decision, lookup) {
        (Decision::Update(m), _) => Some(m),
        (Decision::Skip(_), Lookup::One(m)) => Some(m),
        _ => None,
    };
    let (label, stored) = match (decision, matched) {
        (Decision::Create, _) => (format!("r{row}"), None),
        (Decision::Update(_) | Decision::Skip(_), Some(Matched::Stored { id, .. })) => {
            (format!("c{id}"), Some(*id))
        }
        (Decision::Update(_) | Decision::Skip(_), Some(Matched::EarlierRow { row, .. })) => {
            (format!("r{row}"), None)
        }
        _ => return Some(OpportunityDecision::Skip),
    };
    if super::resolve::opportunity_contact(decision, Some(0)).is_none() {
        return Some(OpportunityDecision::Skip);
    }
    let external = o
        .external_id
        .as_deref()
        .map(|i| format!("id\u{1f}{}", i.trim()));
    let named = o.name_key().map(|n| format!("{label}\u{1f}{n}"));
    let in_file = external.iter().chain(&named).any(|k| seen.contains(k));
    let found = in_file || store.opportunity_stored(stored, o);
    let did = decide_opportunity(plan.options.purpose, found, o);
    if did != OpportunityDecision::Skip {
        seen.extend(external.into_iter().chain(named));
    }
    Some(did)
}

/// Reads the date columns once to decide day-first or month-first for each (SPEC §4),
/// unless the plan's options chose the order for all of them.
pub fn scan_date_columns(
    source: &Source,
    plan: &ImportPlan,
) -> Result<(BTreeMap<usize, DateOrder>, Vec<DateColumnReport>)> {
    let Some(mut scan) = DateScan::new(&plan.mapping) else {
        return Ok((BTreeMap::new(), Vec::new()));
    };
    source.read_through(&mut |cells| scan.observe(cells))?;
    Ok(scan.finish(plan.options.date_order))
}

/// Decides each date column's day/month order from all its values, fed one row at a time.
struct DateScan {
    dates: Vec<(usize, String)>,
    columns: Vec<DateColumn>,
}

impl DateScan {
    /// `None` when no column is mapped to a date.
    fn new(mapping: &Mapping) -> Option<DateScan> {
        let dates: Vec<(usize, String)> = mapping
            .custom_fields()
            .filter(|(_, f)| f.kind == CustomKind::Date)
            .map(|(c, _)| (c.index, c.header.clone()))
            // An opportunity's close date follows the same day/month order logic.
            .chain(
                mapping
                    .columns_for(crate::engine::mapping::Field::OpportunityCloseDate)
                    .map(|c| (c.index, c.header.clone())),
            )
            .collect();
        (!dates.is_empty()).then(|| DateScan {
            columns: vec![DateColumn::default(); dates.len()],
            dates,
        })
    }

    fn observe(&mut self, cells: &Cells) {
        for (slot, (index, _)) in self.columns.iter_mut().zip(&self.dates) {
            if let Some(cell) = cells.get(*index) {
                let value = clean_cell(cell);
                if !value.is_empty() {
                    slot.observe(&value);
                }
            }
        }
    }

    fn finish(
        self,
        chosen: Option<DateOrder>,
    ) -> (BTreeMap<usize, DateOrder>, Vec<DateColumnReport>) {
        let order_of = |c: &DateColumn| chosen.unwrap_or_else(|| c.order());
        let orders = self
            .dates
            .iter()
            .zip(&self.columns)
            .map(|((i, _), c)| (*i, order_of(c)))
            .collect();
        let reports = self
            .dates
            .into_iter()
            .zip(self.columns)
            .map(|((_, header), c)| {
                let order = order_of(&c);
                let (proving, contradicting) = match order {
                    DateOrder::DayFirst => (c.prove_day_first, c.prove_month_first),
                    DateOrder::MonthFirst => (c.prove_month_first, c.prove_day_first),
                };
                DateColumnReport {
                    column: header,
                    order,
                    chosen: chosen.is_some(),
                    values: c.values,
                    ambiguous: c.ambiguous,
                    proving,
                    contradicting,
                }
            })
            .collect();
        (orders, reports)
    }
}

/// The share of valid numbers in each phone column, over the first rows, with a better
/// column suggested when one is mostly invalid (SPEC §3).
pub fn phone_column_health(
    source: &Source,
    mapping: &Mapping,
    region: &str,
) -> Result<Vec<ColumnHealth>> {
    let Some(region) = parse_region(region) else {
        return Ok(Vec::new());
    };
    let width = source.header().len();
    let mut sampled = vec![0u64; width];
    let mut valid = vec![0u64; width];
    let mut rows = source.rows()?;
    let mut n = 0;
    while let Some(raw) = rows.next_row()? {
        n += 1;
        if n > HEALTH_SAMPLE {
            break;
        }
        for (i, cell) in raw.cells.iter().enumerate().take(width) {
            let value = clean_cell(cell);
            if value.is_empty() {
                continue;
            }
            sampled[i] += 1;
            if split_phones(&value)
                .iter()
                .any(|p| normalize_phone(p, region).is_ok())
            {
                valid[i] += 1;
            }
        }
    }
    let share = |i: usize| {
        if n == 0 {
            0.0
        } else {
            valid[i] as f64 / (n.min(HEALTH_SAMPLE)) as f64
        }
    };
    let phone_columns: BTreeSet<usize> =
        mapping.columns_for(Field::Phone).map(|c| c.index).collect();
    let best_other = (0..width)
        .filter(|i| !phone_columns.contains(i))
        .filter(|&i| !matches!(mapping.columns[i].target, Target::Field(Field::Email)))
        .max_by(|&a, &b| share(a).total_cmp(&share(b)))
        .filter(|&i| share(i) >= 0.5);
    Ok(phone_columns
        .iter()
        .map(|&i| {
            let s = sampled[i];
            let share_valid = if s == 0 {
                0.0
            } else {
                valid[i] as f64 / s as f64
            };
            ColumnHealth {
                column: source.header()[i].clone(),
                sampled: s,
                valid: valid[i],
                share_valid,
                suggestion: best_other
                    .filter(|_| share_valid < 0.5)
                    .map(|b| source.header()[b].clone()),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_identity_keeps_its_counts_and_its_names_at_the_width_compared() {
        let full = NameKey {
            first: u64::MAX,
            last: 1 << 40, // low bits all 0: narrowed, still a part
        };
        for (name, phones, emails) in [
            (full, MAX_VALUES, 0),
            (NameKey::default(), 0, MAX_VALUES),
            (NameKey { first: 7, last: 0 }, 1, 3),
        ] {
            let identity = Identity {
                name,
                phones,
                emails,
            };
            let back = Identity::unpack(identity.pack());
            assert_eq!((back.phones, back.emails), (phones, emails));
            assert_eq!(back.name, name.narrowed());
            assert_eq!(back.name.first == 0, name.first == 0);
            assert_eq!(back.name.last == 0, name.last == 0);
        }
        // Counts past the limit stay past it.
        let many = Identity {
            name: full,
            phones: 1000,
            emails: 0,
        };
        assert!(Identity::unpack(many.pack()).phones >= MAX_VALUES);
    }
}
