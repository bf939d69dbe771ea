//! One row in, one checked contact out: every cell cleaned, typed and normalized, every
//! problem recorded with its reason code, its column and a message in the user's words.
//! Pure: no store, no other rows. What the row means against the store is `resolve`'s job.

use std::collections::BTreeMap;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use rlibphonenumber::Region;

use super::contact::{Consent, Contact, CustomValue};
use super::country::normalize_country;
use super::date::{parse_date, unreadable_date, DateOrder};
use super::email::{normalize_email, split_emails};
use super::mapping::{CustomKind, Field, Mapping, Target};
use super::number::{normalize_number, normalize_website};
use super::opportunity::{parse_money, Opportunity, OpportunityStatus};
use super::phone::{normalize_phone, parse_region, split_phones, PhoneProblem};
use super::plan::Requirement;
use super::plan::{Identifier, ImportPlan};
use super::reason::{Issue, Reason};
use super::source::RawRow;
use super::team::{NoMember, Team};
use super::text::{clean_cell, clean_value, fold_key, folds_to, split_list, Layout, Removed};

pub use super::error::PlanError;

/// The longest first and last name together (SPEC §1).
pub const MAX_NAME: usize = 150;

/// A row after validation: the contact it would store and everything said about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowCheck {
    pub row: u64,
    pub line: u64,
    pub contact: Contact,
    /// Contact id given in the row, for `--identifier id`.
    pub match_id: Option<u64>,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    /// Set when the consent column says no: the row is skipped.
    pub no_consent: Option<Issue>,
    /// Set when another row of the file sharing an identifier is imported in this one's
    /// place (`--in-file-duplicates first|last`): the row is skipped.
    pub superseded: Option<Issue>,
    /// The row's opportunity, when its opportunity columns hold one and the import takes
    /// opportunities (`engine::opportunity`).
    pub opportunity: Option<Opportunity>,
}

impl RowCheck {
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// What the rows around a row say of it, decided before any row is checked: the verdicts
/// of `--in-file-duplicates` (`duplicates::InFileGroups`).
pub trait RowVerdicts: Send + Sync {
    fn apply(&self, check: &mut RowCheck);
}

/// Values that mean "yes, this person agreed" in a consent column.
const CONSENT_YES: &[&str] = &[
    "yes", "y", "true", "1", "consent", "optedin", "optin", "x", "checked",
];

/// Everything needed to check rows, computed once from the plan and the header.
#[derive(Clone)]
pub struct Validator {
    mapping: Mapping,
    header: Vec<String>,
    region: Region,
    consent_column: Option<usize>,
    date_orders: BTreeMap<usize, DateOrder>,
    require: Requirement,
    identifier: Identifier,
    update_only: bool,
    country_column: Option<usize>,
    /// The phone region of each country code, asked of the phone library once.
    regions: FxHashMap<&'static str, Region>,
    /// Check every value but keep only what matching and deciding read (see `keys_only`).
    keys_only: bool,
    /// The verdicts of rows sharing an identifier with other rows of the file, under
    /// `--in-file-duplicates first|last|error`.
    verdicts: Option<std::sync::Arc<dyn RowVerdicts>>,
    /// The members owner, followers and favorite agent cells are matched against, as the
    /// store's lookup gave them (`with_team`); none until then.
    team: Arc<Team>,
    /// Opportunity columns are read (`--objects both`), else passed over.
    opportunities: bool,
}

impl Validator {
    pub fn new(plan: &ImportPlan, header: &[String]) -> Result<Validator, PlanError> {
        let region = parse_region(&plan.options.region)
            .ok_or_else(|| PlanError::Region(plan.options.region.clone()))?;
        let consent_column = match &plan.options.consent_column {
            None => None,
            Some(name) => {
                Some(
                    find_header(header, name).ok_or_else(|| PlanError::NoConsentColumn {
                        name: name.clone(),
                        columns: header.to_vec(),
                    })?,
                )
            }
        };
        let country_column = plan
            .mapping
            .columns_for(Field::Country)
            .next()
            .map(|c| c.index);
        Ok(Validator {
            mapping: plan.mapping.clone(),
            header: header.to_vec(),
            region,
            consent_column,
            date_orders: plan.date_orders.clone(),
            require: plan.options.require,
            identifier: plan.options.identifier,
            update_only: plan.options.purpose == crate::engine::plan::Purpose::Update,
            country_column,
            regions: match country_column {
                Some(_) => crate::engine::country::codes()
                    .filter_map(|code| Some((code, parse_region(code)?)))
                    .collect(),
                None => FxHashMap::default(),
            },
            keys_only: false,
            verdicts: None,
            team: Arc::default(),
            opportunities: plan.options.objects.with_opportunities(),
        })
    }

    /// The same checks, matching owner, followers and favorite agent cells against `team`
    /// (what `ContactLookup::team` read from the store, so the dry run, the import and a
    /// row's recheck match against the same members).
    pub fn with_team(mut self, team: Arc<Team>) -> Validator {
        self.team = team;
        self
    }

    /// Whether a column names team members: the check then needs the store's team.
    pub fn names_members(&self) -> bool {
        self.mapping
            .columns
            .iter()
            .any(|c| matches!(c.target, Target::Field(f) if f.names_members()))
    }

    /// The same checks, with a contact that keeps only what matching a row and deciding
    /// its fate read: names, phones and their extensions, emails, country, consent and the
    /// id. Every value is still checked, so the row's errors and warnings are the same;
    /// the other fields are not copied into strings. The dry run checks every row this
    /// way and checks again in full the few rows it shows.
    pub fn keys_only(mut self) -> Validator {
        self.keys_only = true;
        self
    }

    fn phone_required(&self) -> bool {
        self.require == Requirement::Dialer || self.identifier == Identifier::Phone
    }

    fn email_required(&self) -> bool {
        self.identifier == Identifier::Email
    }

    /// Checks rows with `verdicts` too (the in-file groups of `--in-file-duplicates`,
    /// `duplicates::InFileGroups`): a row may be skipped or failed by the rows around it.
    pub fn with_verdicts<V: RowVerdicts + 'static>(mut self, verdicts: Option<V>) -> Validator {
        self.verdicts = verdicts.map(|v| std::sync::Arc::new(v) as std::sync::Arc<dyn RowVerdicts>);
        self
    }

    /// A row's problems and contact, with what `verdicts` say of it.
    pub fn check(&self, raw: &RawRow) -> RowCheck {
        let mut out = self.check_cells(raw);
        if let Some(verdicts) = &self.verdicts {
            verdicts.apply(&mut out);
        }
        out
    }

    fn check_cells(&self, raw: &RawRow) -> RowCheck {
        let mut out = RowCheck {
            row: raw.row,
            line: raw.line,
            contact: Contact::default(),
            match_id: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            no_consent: None,
            superseded: None,
            opportunity: None,
        };
        let cell = |i: usize| raw.cells.get(i).map(clean_cell).unwrap_or_default();
        // Mapped columns that had control characters or escape sequences removed, each
        // warned about once, after the values (a Vec that allocates only when one has).
        let mut controls: Vec<(usize, Removed)> = Vec::new();
        let mut mapped = |i: usize, layout: Layout| {
            let mut removed = Removed::default();
            let value = raw
                .cells
                .get(i)
                .map(|c| clean_value(c, layout, &mut removed))
                .unwrap_or_default();
            if removed.any() {
                controls.push((i, removed));
            }
            value
        };

        self.check_extra_fields(raw, &mut out);
        if let Some(i) = self.consent_column {
            let value = cell(i);
            if CONSENT_YES.iter().any(|yes| folds_to(&value, yes)) {
                out.contact.consent = Consent::Yes;
            } else {
                out.contact.consent = Consent::No;
                let said = if value.is_empty() {
                    "empty".to_string()
                } else {
                    format!("{value:?}")
                };
                out.no_consent = Some(Issue::new(
                    Reason::NoConsent,
                    Some(&self.header[i]),
                    format!("consent is {said}: the contact did not agree to be contacted"),
                ));
            }
        }

        // The row's own country decides how its national phone numbers are read.
        let mut row_region = self.region;
        if let Some(i) = self.country_column {
            let value = mapped(i, Layout::Flatten);
            if !value.is_empty() {
                match normalize_country(&value) {
                    Some(code) => {
                        out.contact.country = Some(code.to_string());
                        if let Some(r) = self.regions.get(code) {
                            row_region = *r;
                        }
                    }
                    None => out.warnings.push(Issue::new(
                        Reason::InvalidCountry,
                        Some(&self.header[i]),
                        format!("{value}: not a country we know; use a country name or its ISO code (US, GB, DE)"),
                    )),
                }
            }
        }

        let mut phone_problems: Vec<(Reason, String, String)> = Vec::new();
        let mut email_problems: Vec<(String, String)> = Vec::new();
        let mut full_name: Option<(String, String)> = None;
        for column in &self.mapping.columns {
            // The country was read above, before the phones.
            if matches!(
                column.target,
                Target::Ignore | Target::Field(Field::Country)
            ) {
                continue;
            }
            // Notes keep their tabs and line breaks; phone and email cells are split on
            // them; every other field reads one line.
            let layout = match column.target {
                Target::Field(Field::Note | Field::Phone | Field::Email) => Layout::Keep,
                _ => Layout::Flatten,
            };
            let value = mapped(column.index, layout);
            let header = column.header.as_str();
            match &column.target {
                _ if value.is_empty() => {}
                Target::Field(Field::Phone) => {
                    for piece in split_phones(&value) {
                        match normalize_phone(piece, row_region) {
                            Ok(p) => {
                                if !out.contact.phones.contains(&p.e164) {
                                    if let Some(ext) = p.extension {
                                        out.contact.extensions.insert(p.e164.clone(), ext);
                                    }
                                    out.contact.phones.push(p.e164);
                                }
                            }
                            Err(PhoneProblem::Fake(m)) => {
                                phone_problems.push((Reason::FakePhone, header.into(), m))
                            }
                            Err(PhoneProblem::Invalid(m)) => {
                                phone_problems.push((Reason::InvalidPhone, header.into(), m))
                            }
                        }
                    }
                }
                Target::Field(Field::Email) => {
                    for piece in split_emails(&value) {
                        match normalize_email(piece) {
                            Ok(e) if !out.contact.emails.contains(&e) => out.contact.emails.push(e),
                            Ok(_) => {}
                            Err(e) => email_problems.push((header.into(), e.to_string())),
                        }
                    }
                }
                Target::Field(Field::Tags) if self.keys_only => {}
                Target::Field(Field::Tags) => {
                    for tag in split_list(&value) {
                        out.contact.tags.insert(tag.to_string());
                    }
                }
                Target::Field(field @ (Field::Owner | Field::Followers | Field::FavoriteAgent)) => {
                    self.assign(&mut out, *field, header, &value)
                }
                Target::Field(Field::FirstName) => {
                    out.contact.first_name = Some(value.into_owned())
                }
                Target::Field(Field::LastName) => out.contact.last_name = Some(value.into_owned()),
                Target::Field(Field::Name) => full_name = Some((header.into(), value.into_owned())),
                Target::Ignore | Target::Field(Field::Country) => {} // passed over above
                Target::Field(Field::Website) => match normalize_website(&value) {
                    Some(w) => self.set_text(&mut out, Field::Website, header, w),
                    None => out.warnings.push(Issue::new(
                        Reason::InvalidWebsite,
                        Some(header),
                        format!("{value}: not a website address (such as example.com)"),
                    )),
                },
                Target::Field(Field::Id) => match value.trim_start_matches('#').parse::<u64>() {
                    Ok(id) => out.match_id = Some(id),
                    Err(_) if self.identifier != Identifier::Id => {}
                    Err(_) => out.warnings.push(Issue::new(
                        Reason::InvalidNumber,
                        Some(header),
                        format!("{value}: not a contact id (a whole number)"),
                    )),
                },
                Target::Field(field) if field.is_opportunity() => {
                    if self.opportunities {
                        let order = self.date_orders.get(&column.index).copied();
                        self.set_opportunity(&mut out, *field, header, &value, order);
                    }
                }
                Target::Field(field) => self.set_text(&mut out, *field, header, value.into_owned()),
                Target::Custom(custom) => {
                    let order = self
                        .date_orders
                        .get(&column.index)
                        .copied()
                        .unwrap_or_default();
                    match custom_value(&custom.kind, &value, order) {
                        Ok(_) if self.keys_only => {}
                        Ok(v) => {
                            out.contact.custom.insert(custom.name.clone(), v);
                        }
                        Err((reason, message)) => {
                            out.warnings.push(Issue::new(reason, Some(header), message))
                        }
                    }
                }
            }
        }

        for (i, removed) in controls {
            self.warn_controls(&mut out, i, removed);
        }
        self.fill_names(&mut out, full_name);
        self.judge_phones(&mut out, phone_problems);
        self.judge_emails(&mut out, email_problems);
        self.judge_identifiers(&mut out);
        out
    }

    /// Matches an owner, followers or favorite agent cell to team members: each value names
    /// one member by email or "First Last", or the row fails naming it (seed 001: no match,
    /// no import). Followers are a list (seed 004: `Adam Smith, David Lee`).
    fn assign(&self, out: &mut RowCheck, field: Field, header: &str, value: &str) {
        let values = match field {
            Field::Followers => split_list(value),
            _ => vec![value.trim()],
        };
        for v in values {
            let member = match self.team.find(v) {
                Ok(m) => m,
                Err(NoMember::Unknown) => {
                    let add = if v.contains('@') {
                        format!("rolodex team add {v} --name \"First Last\"")
                    } else {
                        format!("rolodex team add EMAIL --name \"{v}\"")
                    };
                    out.errors.push(Issue::new(
                        Reason::UnknownMember,
                        Some(header),
                        format!(
                            "{v:?} is no team member; add them with `{add}`, or correct the value"
                        ),
                    ));
                    continue;
                }
                Err(NoMember::Ambiguous(emails)) => {
                    out.errors.push(Issue::new(
                        Reason::AmbiguousMember,
                        Some(header),
                        format!(
                            "{v:?} is the name of {} team members ({}); write the member's email instead",
                            emails.len(),
                            emails.join(", ")
                        ),
                    ));
                    continue;
                }
            };
            if self.keys_only {
                continue;
            }
            let team = &mut out.contact.team;
            let email = member.email.clone();
            match field {
                Field::Owner => team.owner = Some(email),
                Field::FavoriteAgent => team.favorite_agent = Some(email),
                _ if !team.followers.contains(&email) => team.followers.push(email),
                _ => {}
            }
        }
    }

    /// `control_characters`: what was removed from the column's value, never the value
    /// itself (it may be the escape sequence). Each column is read once per row.
    fn warn_controls(&self, out: &mut RowCheck, index: usize, removed: Removed) {
        out.warnings.push(Issue::new(
            Reason::ControlCharacters,
            self.header.get(index).map(String::as_str),
            format!(
                "{} removed; the rest of the value was kept",
                removed.describe()
            ),
        ));
    }

    fn check_extra_fields(&self, raw: &RawRow, out: &mut RowCheck) {
        if raw.cells.len() <= self.header.len() {
            return;
        }
        let extra: Vec<String> = raw
            .cells
            .iter()
            .skip(self.header.len())
            .filter(|c| !c.trim().is_empty())
            .map(|c| format!("{:?}", c.trim()))
            .collect();
        if !extra.is_empty() {
            out.warnings.push(Issue::new(
                Reason::ExtraFields,
                None,
                format!(
                    "{} value(s) beyond the last column ({}); the row's values may have shifted",
                    extra.len(),
                    extra.join(", ")
                ),
            ));
        }
    }

    /// One cell of the row's opportunity. A value that cannot be what its column says
    /// (money, a status, a date) fails the row: an opportunity stored with a wrong amount
    /// or stage misleads more than one not stored, and the error file brings it back.
    fn set_opportunity(
        &self,
        out: &mut RowCheck,
        field: Field,
        header: &str,
        value: &str,
        order: Option<DateOrder>,
    ) {
        let o = out.opportunity.get_or_insert_with(Opportunity::default);
        let text = Some(value.to_string());
        match field {
            Field::OpportunityName => o.name = text,
            Field::OpportunityPipeline => o.pipeline = text,
            Field::OpportunityStage => o.stage = text,
            Field::OpportunityOwner => o.owner = text,
            Field::OpportunityId => o.external_id = text,
            Field::OpportunityValue => match parse_money(value) {
                Ok(m) => o.value = Some(m),
                Err(message) => {
                    out.errors
                        .push(Issue::new(Reason::InvalidMoney, Some(header), message))
                }
            },
            Field::OpportunityStatus => match OpportunityStatus::parse(value) {
                Some(st) => o.status = Some(st),
                None => out.errors.push(Issue::new(
                    Reason::InvalidOption,
                    Some(header),
                    format!("{value}: not an opportunity status; use open, won, lost or abandoned"),
                )),
            },
            Field::OpportunityCloseDate => {
                let order = order.unwrap_or_default();
                match parse_date(value, order) {
                    Some(d) => o.close_date = Some(d.format("%Y-%m-%d").to_string()),
                    None => out.errors.push(Issue::new(
                        Reason::InvalidDate,
                        Some(header),
                        unreadable_date(value, order),
                    )),
                }
            }
            _ => {}
        }
    }

    fn set_text(&self, out: &mut RowCheck, field: Field, header: &str, value: String) {
        if let Some(max) = field.max_len() {
            // A value of no more bytes than `max` has no more characters either.
            let len = if value.len() <= max {
                value.len()
            } else {
                value.chars().count()
            };
            if len > max {
                out.warnings.push(Issue::new(
                    Reason::TooLong,
                    Some(header),
                    format!(
                        "{len} characters, {} keeps at most {max}; value dropped",
                        field.name()
                    ),
                ));
                return;
            }
        }
        if self.keys_only {
            return;
        }
        let c = &mut out.contact;
        let slot = match field {
            Field::Company => &mut c.company,
            Field::Title => &mut c.title,
            Field::Address => &mut c.address,
            Field::City => &mut c.city,
            Field::State => &mut c.state,
            Field::Zip => &mut c.zip,
            Field::Website => &mut c.website,
            Field::Industry => &mut c.industry,
            Field::Note => &mut c.note,
            _ => return,
        };
        *slot = Some(value);
    }

    /// A full name fills first and last name when they are empty, split on its last space.
    fn fill_names(&self, out: &mut RowCheck, full_name: Option<(String, String)>) {
        let c = &mut out.contact;
        if let Some((_, full)) = &full_name {
            if c.first_name.is_none() && c.last_name.is_none() {
                match full.rsplit_once(' ') {
                    Some((first, last)) => {
                        c.first_name = Some(first.trim().to_string());
                        c.last_name = Some(last.trim().to_string());
                    }
                    None => c.first_name = Some(full.clone()),
                }
            }
        }
        let len = c.first_name.as_deref().map_or(0, |s| s.chars().count())
            + c.last_name.as_deref().map_or(0, |s| s.chars().count());
        if len > MAX_NAME {
            let column = full_name.map(|(h, _)| h).or_else(|| {
                self.mapping
                    .columns_for(Field::FirstName)
                    .next()
                    .map(|c| c.header.clone())
            });
            out.warnings.push(Issue::new(
                Reason::TooLong,
                column.as_deref(),
                format!("name is {len} characters, first and last name keep at most {MAX_NAME} together; name dropped"),
            ));
            c.first_name = None;
            c.last_name = None;
        }
    }

    fn judge_phones(&self, out: &mut RowCheck, problems: Vec<(Reason, String, String)>) {
        let required = self.phone_required();
        let none_valid = out.contact.phones.is_empty();
        if none_valid && required {
            match problems.into_iter().next() {
                Some((reason, column, message)) => {
                    out.errors.push(Issue::new(reason, Some(&column), message))
                }
                None => out.errors.push(Issue::new(
                    Reason::MissingPhone,
                    self.first_header(Field::Phone).as_deref(),
                    "no phone number; this import needs one on every row",
                )),
            }
            return;
        }
        for (reason, column, message) in problems {
            let message = format!("{message}; number dropped");
            out.warnings
                .push(Issue::new(reason, Some(&column), message));
        }
        if none_valid
            && self.mapping.has(Field::Phone)
            && !required
            && out
                .warnings
                .iter()
                .all(|w| !matches!(w.reason, Reason::InvalidPhone | Reason::FakePhone))
        {
            out.warnings.push(Issue::new(
                Reason::MissingPhone,
                self.first_header(Field::Phone).as_deref(),
                "no phone number",
            ));
        }
    }

    fn judge_emails(&self, out: &mut RowCheck, problems: Vec<(String, String)>) {
        let required = self.email_required();
        if out.contact.emails.is_empty() && required {
            match problems.into_iter().next() {
                Some((column, message)) => {
                    out.errors
                        .push(Issue::new(Reason::InvalidEmail, Some(&column), message))
                }
                None => out.errors.push(Issue::new(
                    Reason::MissingEmail,
                    self.first_header(Field::Email).as_deref(),
                    "no email address; contacts are matched by email in this import",
                )),
            }
            return;
        }
        let none_valid = out.contact.emails.is_empty();
        let any_invalid = !problems.is_empty();
        for (column, message) in problems {
            out.warnings.push(Issue::new(
                Reason::InvalidEmail,
                Some(&column),
                format!("{message}; address dropped"),
            ));
        }
        // As for phones: a mapped email column left empty is worth a warning.
        if none_valid && !any_invalid && self.mapping.has(Field::Email) {
            out.warnings.push(Issue::new(
                Reason::MissingEmail,
                self.first_header(Field::Email).as_deref(),
                "no email address",
            ));
        }
    }

    fn judge_identifiers(&self, out: &mut RowCheck) {
        if !out.errors.is_empty() {
            return;
        }
        let c = &out.contact;
        let reachable = !c.phones.is_empty() || !c.emails.is_empty();
        // An update-only import creates nothing: it needs only what it matches by.
        let require = if self.update_only {
            Requirement::Any
        } else {
            self.require
        };
        match (require, self.identifier) {
            (_, Identifier::Id) if out.match_id.is_none() => out.errors.push(Issue::new(
                Reason::MissingIdentifier,
                self.first_header(Field::Id).as_deref(),
                "no contact id; this import matches contacts by id",
            )),
            (_, Identifier::Id) => {}
            (Requirement::Any, Identifier::Any) if self.update_only && !reachable => {
                out.errors.push(Issue::new(
                    Reason::MissingIdentifier,
                    None,
                    "no valid phone and no valid email to find the contact by",
                ))
            }
            (Requirement::Contact, _) if !reachable => {
                let why = dropped_identifiers(&out.warnings);
                out.errors.push(Issue::new(
                    Reason::MissingIdentifier,
                    None,
                    format!("no valid phone and no valid email; a contact needs at least one{why}"),
                ))
            }
            (Requirement::Any, _) if !reachable && !c.has_name() => out.errors.push(Issue::new(
                Reason::MissingIdentifier,
                None,
                "no name, no valid phone and no valid email; a contact needs at least one",
            )),
            _ => {}
        }
    }

    fn first_header(&self, field: Field) -> Option<String> {
        self.mapping
            .columns_for(field)
            .next()
            .map(|c| c.header.clone())
    }
}

/// " (Phone: 613-555-12: too short …)": the phone and email problems behind a missing
/// identifier, so the message says what to fix.
fn dropped_identifiers(warnings: &[Issue]) -> String {
    let problems: Vec<String> = warnings
        .iter()
        .filter(|w| {
            matches!(
                w.reason,
                Reason::InvalidPhone | Reason::FakePhone | Reason::InvalidEmail
            )
        })
        .map(|w| {
            w.describe()
                .trim_end_matches("; number dropped")
                .trim_end_matches("; address dropped")
                .to_string()
        })
        .collect();
    if problems.is_empty() {
        String::new()
    } else {
        format!(" ({})", problems.join("; "))
    }
}

fn find_header(header: &[String], name: &str) -> Option<usize> {
    header
        .iter()
        .position(|h| h.trim() == name.trim())
        .or_else(|| header.iter().position(|h| fold_key(h) == fold_key(name)))
}

/// Applies a custom field's type to a cell.
pub fn custom_value(
    kind: &CustomKind,
    value: &str,
    order: DateOrder,
) -> Result<CustomValue, (Reason, String)> {
    match kind {
        CustomKind::Text => Ok(CustomValue::Text(value.to_string())),
        CustomKind::Number | CustomKind::Money => {
            let money = *kind == CustomKind::Money;
            normalize_number(value, money)
                .map(CustomValue::Text)
                .ok_or_else(|| {
                    let example = if money { "1,234.50" } else { "1234 or 1.23" };
                    (
                        Reason::InvalidNumber,
                        format!("{value}: not a number (such as {example})"),
                    )
                })
        }
        CustomKind::Date => parse_date(value, order)
            .map(|d| CustomValue::Text(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| (Reason::InvalidDate, unreadable_date(value, order))),
        CustomKind::Checkbox => match fold_key(value).as_str() {
            "yes" | "y" | "true" | "1" | "x" | "checked" | "on" => Ok(CustomValue::Flag(true)),
            "no" | "n" | "false" | "0" | "unchecked" | "off" => Ok(CustomValue::Flag(false)),
            _ => Err((Reason::InvalidOption, format!("{value}: not yes or no"))),
        },
        CustomKind::Option(options) => match_option(options, value)
            .map(CustomValue::Text)
            .ok_or_else(|| {
                (
                    Reason::InvalidOption,
                    format!("{value}: not one of {}", options.join(", ")),
                )
            }),
        CustomKind::Multi(options) => {
            let mut chosen = Vec::new();
            // An option with a `.` in it ("Dr. Who") is taken whole before the cell is
            // split on `.`.
            let pieces = match match_option(options, value.trim()) {
                Some(_) => vec![value.trim()],
                None => split_list(value),
            };
            for piece in pieces {
                match match_option(options, piece) {
                    Some(o) if !chosen.contains(&o) => chosen.push(o),
                    Some(_) => {}
                    None => {
                        return Err((
                            Reason::InvalidOption,
                            format!("{piece}: not one of {}", options.join(", ")),
                        ))
                    }
                }
            }
            Ok(CustomValue::Many(chosen))
        }
    }
}

fn match_option(options: &[String], value: &str) -> Option<String> {
    options
        .iter()
        .find(|o| fold_key(o) == fold_key(value))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::records::Cells;

    fn check(header: &[&str], cells: &[&str]) -> RowCheck {
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let plan = ImportPlan {
            file: "t.csv".into(),
            read: Default::default(),
            mapping: Mapping::auto(&header),
            options: Default::default(),
            date_orders: Default::default(),
        };
        let validator = Validator::new(&plan, &header).unwrap();
        validator.check(&RawRow {
            row: 2,
            line: 2,
            cells: Cells::from_strings(cells),
        })
    }

    #[test]
    fn a_plan_that_does_not_fit_the_file_names_the_flag_and_the_choices() {
        let header: Vec<String> = ["Name", "Phone", "OK to call"].map(String::from).to_vec();
        let mut plan = ImportPlan {
            file: "t.csv".into(),
            read: Default::default(),
            mapping: Mapping::auto(&header),
            options: Default::default(),
            date_orders: Default::default(),
        };
        plan.options.region = "ZZ".into();
        let err = Validator::new(&plan, &header).err().unwrap();
        assert_eq!(err, PlanError::Region("ZZ".into()));
        assert_eq!(
            err.to_string(),
            "--region \"ZZ\": not a country code with phone numbers; use a two-letter code such as US, GB or DE"
        );
        plan.options.region = "US".into();
        plan.options.consent_column = Some("Consent".into());
        assert_eq!(
            Validator::new(&plan, &header).err().unwrap().to_string(),
            "--consent-column \"Consent\": no such column; the columns are: Name, Phone, OK to call"
        );
        plan.options.consent_column = Some("ok to call".into());
        assert!(Validator::new(&plan, &header).is_ok());
    }

    #[test]
    fn control_characters_are_removed_with_a_warning_naming_the_column() {
        let row = check(
            &["First Name", "Last Name", "Phone", "Notes", "Comment"],
            &[
                "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}Ada",
                "Love\u{0}lace\u{1b}[2J",
                "+1 212 334\u{9b}31m 5678",
                "line one\r\nline\ttwo",
                "\u{1b}]0;ignored column\u{7}",
            ],
        );
        assert!(row.errors.is_empty(), "{:?}", row.errors);
        let c = &row.contact;
        assert_eq!(c.first_name.as_deref(), Some("Ada"));
        assert_eq!(c.last_name.as_deref(), Some("Lovelace"));
        assert_eq!(c.phones, ["+12123345678"]);
        assert_eq!(c.note.as_deref(), Some("line one\nline\ttwo"));
        let warned: Vec<(&str, &str)> = row
            .warnings
            .iter()
            .filter(|w| w.reason == Reason::ControlCharacters)
            .map(|w| (w.column.as_deref().unwrap(), w.message.as_str()))
            .collect();
        assert_eq!(
            warned,
            [
                (
                    "First Name",
                    "escape sequences removed; the rest of the value was kept"
                ),
                (
                    "Last Name",
                    "escape sequences and NUL bytes removed; the rest of the value was kept"
                ),
                (
                    "Phone",
                    "escape sequences removed; the rest of the value was kept"
                ),
            ],
            "a note's line breaks and an unmapped column are not warned about"
        );
    }

    #[test]
    fn other_fields_read_one_line_and_keep_bidi_controls() {
        let row = check(
            &["Name", "Email", "Company", "Address"],
            &[
                "Ada\u{202E}evil Lovelace",
                "ada@example.com\nada@work.example",
                "Analytical\tEngines",
                "1 Main St\r\nSuite 4",
            ],
        );
        let c = &row.contact;
        assert_eq!(c.first_name.as_deref(), Some("Ada\u{202E}evil"));
        assert_eq!(c.emails, ["ada@example.com", "ada@work.example"]);
        assert_eq!(c.company.as_deref(), Some("Analytical Engines"));
        assert_eq!(c.address.as_deref(), Some("1 Main St Suite 4"));
        assert!(row
            .warnings
            .iter()
            .all(|w| w.reason != Reason::ControlCharacters));
    }
}
