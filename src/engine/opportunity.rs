//! Opportunities (deals) imported beside contacts, as CRMs export them (seed 004): what one
//! is, how its cells are read (money, status, close date), how a row's opportunity finds
//! the one stored, and what the import's purpose makes of it. Pure: the store follows these
//! rules.

use serde::{Deserialize, Serialize};

use super::plan::Purpose;
use super::text::fold_key;

pub use super::plan::Objects;

/// Where an opportunity is in its pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    Won,
    Lost,
    Abandoned,
}

impl OpportunityStatus {
    pub fn name(self) -> &'static str {
        match self {
            OpportunityStatus::Open => "open",
            OpportunityStatus::Won => "won",
            OpportunityStatus::Lost => "lost",
            OpportunityStatus::Abandoned => "abandoned",
        }
    }

    /// The status a CRM's export writes, in its words: `Closed Won`, `In progress`,
    /// `Cancelled`… (case, spaces and accents do not count).
    pub fn parse(raw: &str) -> Option<OpportunityStatus> {
        let key = fold_key(raw);
        let status = match key.as_str() {
            "open" | "opened" | "active" | "inprogress" | "new" | "pending" | "ongoing"
            | "offen" | "ouvert" | "abierto" => OpportunityStatus::Open,
            "won" | "closedwon" | "win" | "success" | "successful" | "gagne" | "gewonnen"
            | "ganado" => OpportunityStatus::Won,
            "lost" | "closedlost" | "lose" | "perdu" | "verloren" | "perdido" => {
                OpportunityStatus::Lost
            }
            "abandoned" | "abandon" | "cancelled" | "canceled" | "dropped" | "dead"
            | "closedabandoned" | "abandonne" | "abgebrochen" | "abandonado" => {
                OpportunityStatus::Abandoned
            }
            _ => return None,
        };
        Some(status)
    }
}

/// An amount of money: the amount as plain decimal text (`1200.50`, as written: no
/// rounding), and its currency (ISO 4217) when the cell names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: String,
    pub currency: Option<String>,
}

impl Money {
    /// `1200.50 EUR`, or the amount alone.
    pub fn describe(&self) -> String {
        match &self.currency {
            Some(c) => format!("{} {c}", self.amount),
            None => self.amount.clone(),
        }
    }
}

/// Currency signs and the code each stands for.
const SIGNS: &[(&str, &str)] = &[
    ("US$", "USD"),
    ("CA$", "CAD"),
    ("A$", "AUD"),
    ("R$", "BRL"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₽", "RUB"),
    ("₩", "KRW"),
    ("zł", "PLN"),
    ("kr", "SEK"),
    ("CHF", "CHF"),
];

/// Reads a money cell strictly: `1,200.50`, `1.200,50 €`, `$1200`, `USD 1,200`, `-75`,
/// `1 200,50 EUR`. The separator followed by one or two digits (or the last of two kinds)
/// is the decimal one; thousands groups must hold three digits. Anything else — words, two
/// amounts, `12,34,5` — is not money, and the message says what is.
pub fn parse_money(raw: &str) -> Result<Money, String> {
    let not_money = |why: &str| {
        format!("{raw}: not an amount of money ({why}); write it as 1200.50, 1,200.50, 1.200,50 € or $1200")
    };
    let mut s = raw.trim().replace(['\u{a0}', '\u{202f}'], " ");
    let mut currency: Option<String> = None;
    let mut take_currency = |s: &mut String| -> Result<bool, String> {
        let t = s.trim().to_string();
        for (sign, code) in SIGNS {
            if let Some(rest) = t.strip_prefix(sign).or_else(|| t.strip_suffix(sign)) {
                set_currency(&mut currency, code, raw)?;
                *s = rest.trim().to_string();
                return Ok(true);
            }
        }
        // An ISO code before or after the amount: three capital letters.
        let code_at = |c: &str| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase());
        if let Some((code, rest)) = t.split_once(' ').filter(|(c, _)| code_at(c)) {
            set_currency(&mut currency, code, raw)?;
            *s = rest.trim().to_string();
            return Ok(true);
        }
        if let Some((rest, code)) = t.rsplit_once(' ').filter(|(_, c)| code_at(c)) {
            set_currency(&mut currency, code, raw)?;
            *s = rest.trim().to_string();
            return Ok(true);
        }
        if t.len() > 3 && t.is_char_boundary(3) && code_at(&t[..3]) {
            set_currency(&mut currency, &t[..3], raw)?;
            *s = t[3..].trim().to_string();
            return Ok(true);
        }
        Ok(false)
    };
    // A sign and a code may both be written (`$1200 USD`); at most two are taken.
    let negative_first = s.trim_start().starts_with('-');
    if negative_first {
        s = s.trim_start()[1..].to_string();
    }
    for _ in 0..2 {
        if !take_currency(&mut s)? {
            break;
        }
    }
    let mut negative = negative_first;
    if let Some(rest) = s.strip_prefix('-') {
        if negative {
            return Err(not_money("two minus signs"));
        }
        negative = true;
        s = rest.trim().to_string();
    }
    let body: String = s.chars().filter(|c| *c != ' ' && *c != '\'').collect();
    if body.is_empty() {
        return Err(not_money("no digits"));
    }
    if let Some(bad) = body
        .chars()
        .find(|c| !c.is_ascii_digit() && *c != ',' && *c != '.')
    {
        return Err(not_money(&format!(
            "{bad:?} is neither a digit nor a separator"
        )));
    }
    let last_sep = body.rfind([',', '.']);
    let (int, frac) = match last_sep {
        None => (body.as_str(), ""),
        Some(at) => {
            let sep = &body[at..=at];
            let after = &body[at + 1..];
            let other = if sep == "," { '.' } else { ',' };
            let once = body.matches(sep).count() == 1;
            // The last separator is the decimal one when the other kind comes before it,
            // or when it comes once and is followed by one or two digits; a lone one
            // before three digits groups thousands (`1,200`, `1.200`).
            let decimal = body[..at].contains(other) || (once && (1..=2).contains(&after.len()));
            if decimal {
                (&body[..at], after)
            } else {
                (body.as_str(), "")
            }
        }
    };
    if !frac.is_empty() && !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(not_money("more than one decimal separator"));
    }
    let seps: Vec<char> = int.chars().filter(|c| !c.is_ascii_digit()).collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return Err(not_money("mixed thousands separators"));
    }
    let groups: Vec<&str> = int.split([',', '.']).collect();
    let grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped {
        return Err(not_money(
            "thousands separators must come every three digits",
        ));
    }
    let mut digits: String = groups.concat();
    if digits.is_empty() {
        if frac.is_empty() {
            return Err(not_money("no digits"));
        }
        digits.push('0');
    }
    let digits = digits.trim_start_matches('0');
    let mut amount = String::new();
    if negative {
        amount.push('-');
    }
    amount.push_str(if digits.is_empty() { "0" } else { digits });
    if !frac.is_empty() {
        amount.push('.');
        amount.push_str(frac);
    }
    Ok(Money { amount, currency })
}

fn set_currency(currency: &mut Option<String>, code: &str, raw: &str) -> Result<(), String> {
    match currency {
        Some(had) if had != code => Err(format!(
            "{raw}: two currencies ({had} and {code}); write one amount in one currency"
        )),
        _ => {
            *currency = Some(code.to_string());
            Ok(())
        }
    }
}

/// An opportunity as the store keeps it, and as a row brings it (`id` and `contact` 0).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: u64,
    /// The contact it belongs to: the contact of the row that brought it.
    pub contact: u64,
    pub name: Option<String>,
    pub pipeline: Option<String>,
    pub stage: Option<String>,
    pub value: Option<Money>,
    pub status: Option<OpportunityStatus>,
    /// ISO 8601.
    pub close_date: Option<String>,
    /// Who owns it, as the file names them (a team member's name or email).
    pub owner: Option<String>,
    /// The opportunity's id in the system it was exported from.
    pub external_id: Option<String>,
    pub created_by: Option<u64>,
    pub updated_by: Option<u64>,
}

impl Opportunity {
    /// The key an opportunity is found by within its contact: its name, folded (`Big
    /// Deal` and `big deal` are one).
    pub fn name_key(&self) -> Option<String> {
        self.name.as_deref().map(fold_key).filter(|k| !k.is_empty())
    }

    /// `Q3 renewal`, else its external id, else its number.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.external_id.clone())
            .unwrap_or_else(|| format!("#{}", self.id))
    }

    /// The update of `before` by a row's opportunity: every value the row gives replaces
    /// the stored one (an empty cell changes nothing); with `keep_existing`, only empty
    /// fields are filled. The opportunity moves to the row's contact.
    pub fn updated(before: &Opportunity, incoming: &Opportunity, keep_existing: bool) -> Self {
        fn pick<T: Clone>(had: &Option<T>, new: &Option<T>, keep: bool) -> Option<T> {
            match (had, new) {
                (Some(h), _) if keep => Some(h.clone()),
                (_, Some(n)) => Some(n.clone()),
                (h, None) => h.clone(),
            }
        }
        Opportunity {
            id: before.id,
            contact: incoming.contact,
            name: pick(&before.name, &incoming.name, keep_existing),
            pipeline: pick(&before.pipeline, &incoming.pipeline, keep_existing),
            stage: pick(&before.stage, &incoming.stage, keep_existing),
            value: pick(&before.value, &incoming.value, keep_existing),
            status: pick(&before.status, &incoming.status, keep_existing),
            close_date: pick(&before.close_date, &incoming.close_date, keep_existing),
            owner: pick(&before.owner, &incoming.owner, keep_existing),
            external_id: pick(&before.external_id, &incoming.external_id, keep_existing),
            created_by: before.created_by,
            updated_by: incoming.updated_by,
        }
    }
}

/// What becomes of a row's opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpportunityDecision {
    Create,
    Update,
    /// Left as it is: it exists and the purpose creates only, or it does not and the
    /// purpose updates only, or the row's contact was not written.
    Skip,
}

/// The import's purpose applied to an opportunity, as to its contact: `found` says whether
/// one is stored under the row's opportunity id, or under its contact and name. An
/// opportunity is created only with a name.
pub fn decide_opportunity(
    purpose: Purpose,
    found: bool,
    incoming: &Opportunity,
) -> OpportunityDecision {
    let create = if incoming.name_key().is_some() {
        OpportunityDecision::Create
    } else {
        OpportunityDecision::Skip
    };
    match (purpose, found) {
        (Purpose::Create, true) => OpportunityDecision::Skip,
        (Purpose::Update, false) => OpportunityDecision::Skip,
        (Purpose::Update | Purpose::Upsert, true) => OpportunityDecision::Update,
        (Purpose::Always, _) | (Purpose::Create | Purpose::Upsert, false) => create,
    }
}

/// Opportunities a job or a dry run created, updated and skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityCounts {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
}

impl OpportunityCounts {
    pub fn add(&mut self, decision: OpportunityDecision) {
        match decision {
            OpportunityDecision::Create => self.created += 1,
            OpportunityDecision::Update => self.updated += 1,
            OpportunityDecision::Skip => self.skipped += 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.created + self.updated + self.skipped == 0
    }

    /// `2 created, 1 updated, 0 skipped`.
    pub fn describe(&self) -> String {
        format!(
            "{} created, {} updated, {} skipped",
            self.created, self.updated, self.skipped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(raw: &str) -> (String, Option<String>) {
        let m = parse_money(raw).expect(raw);
        (m.amount, m.currency)
    }

    #[test]
    fn money_is_read_in_the_ways_exports_write_it() {
        assert_eq!(money("1,200.50"), ("1200.50".into(), None));
        assert_eq!(money("1.200,50 €"), ("1200.50".into(), Some("EUR".into())));
        assert_eq!(money("$1200"), ("1200".into(), Some("USD".into())));
        assert_eq!(money("USD 1,200"), ("1200".into(), Some("USD".into())));
        assert_eq!(
            money("1 200,50 EUR"),
            ("1200.50".into(), Some("EUR".into()))
        );
        assert_eq!(money("1,234,234.33"), ("1234234.33".into(), None));
        assert_eq!(money("1.234.234,33"), ("1234234.33".into(), None));
        assert_eq!(money("1234"), ("1234".into(), None));
        assert_eq!(money(".5"), ("0.5".into(), None));
        assert_eq!(money("-75 £"), ("-75".into(), Some("GBP".into())));
        assert_eq!(money("€-75"), ("-75".into(), Some("EUR".into())));
        assert_eq!(money("1,200"), ("1200".into(), None));
        assert_eq!(money("1.200"), ("1200".into(), None));
        assert_eq!(money("12,5"), ("12.5".into(), None));
        assert_eq!(money("$1200 USD"), ("1200".into(), Some("USD".into())));
        assert_eq!(money("EUR1200"), ("1200".into(), Some("EUR".into())));
    }

    #[test]
    fn what_is_not_money_says_why() {
        for bad in [
            "lots",
            "12,34,5",
            "1.2.3,4,5",
            "$",
            "1200 dollars",
            "$12 €",
            "1,2345",
            "--5",
            "1,200.50.25",
        ] {
            let why = parse_money(bad).expect_err(bad);
            assert!(why.starts_with(bad), "{bad}: {why}");
        }
        assert!(parse_money("$12 €")
            .expect_err("two currencies")
            .contains("two currencies"));
    }

    #[test]
    fn statuses_are_read_from_crm_words() {
        use OpportunityStatus::*;
        for (raw, want) in [
            ("Open", Open),
            ("In Progress", Open),
            ("Closed Won", Won),
            ("won", Won),
            ("Closed Lost", Lost),
            ("Cancelled", Abandoned),
            ("abandoned", Abandoned),
        ] {
            assert_eq!(OpportunityStatus::parse(raw), Some(want), "{raw}");
        }
        assert_eq!(OpportunityStatus::parse("maybe"), None);
    }

    #[test]
    fn the_purpose_decides_as_it_does_for_contacts() {
        use OpportunityDecision::*;
        let named = Opportunity {
            name: Some("Renewal".into()),
            ..Default::default()
        };
        let unnamed = Opportunity::default();
        assert_eq!(decide_opportunity(Purpose::Create, false, &named), Create);
        assert_eq!(decide_opportunity(Purpose::Create, true, &named), Skip);
        assert_eq!(decide_opportunity(Purpose::Update, false, &named), Skip);
        assert_eq!(decide_opportunity(Purpose::Update, true, &unnamed), Update);
        assert_eq!(decide_opportunity(Purpose::Upsert, true, &named), Update);
        assert_eq!(decide_opportunity(Purpose::Upsert, false, &named), Create);
        // Nothing to call it by: not created.
        assert_eq!(decide_opportunity(Purpose::Upsert, false, &unnamed), Skip);
    }

    #[test]
    fn an_update_replaces_what_the_row_gives_and_keeps_the_rest() {
        let before = Opportunity {
            id: 4,
            contact: 1,
            name: Some("Renewal".into()),
            stage: Some("Proposal".into()),
            owner: Some("Ada".into()),
            created_by: Some(1),
            ..Default::default()
        };
        let incoming = Opportunity {
            contact: 1,
            stage: Some("Negotiation".into()),
            updated_by: Some(2),
            ..Default::default()
        };
        let after = Opportunity::updated(&before, &incoming, false);
        assert_eq!(after.stage.as_deref(), Some("Negotiation"));
        assert_eq!(after.owner.as_deref(), Some("Ada"));
        assert_eq!(
            (after.id, after.created_by, after.updated_by),
            (4, Some(1), Some(2))
        );
        let kept = Opportunity::updated(&before, &incoming, true);
        assert_eq!(kept.stage.as_deref(), Some("Proposal"));
    }
}
