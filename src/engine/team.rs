//! Team members and how a cell names one (seed 001's favorite agent, seed 004's Contact
//! Owner and Contact Followers): by email, or by "First Last", case and accents aside.
//! The store keeps the members; the rule that finds one is here.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::email::normalize_email;
use super::mapping::{Field, Mapping, Target};
use super::source::{Cells, Source};
use super::text::{clean_cell, fold_text, split_list};

/// What a member does: an agent takes calls (a favorite agent), an owner owns contacts.
/// Either may own, follow or be a favorite agent; the role is what the admin says they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Agent,
    Owner,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Owner => "owner",
        }
    }
}

/// One member of the team, named by their email (the key the store keeps them under).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Lowercased, as `normalize_email` keeps addresses.
    pub email: String,
    /// "First Last", as the admin typed it.
    pub name: String,
    pub role: Role,
}

impl Member {
    /// A member from what `rolodex team add` was given: the email normalized, the name
    /// trimmed to single spaces.
    pub fn new(email: &str, name: &str, role: Role) -> Result<Member, String> {
        let email = normalize_email(email).map_err(|e| e.to_string())?;
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("a member needs a name: --name \"First Last\"".into());
        }
        Ok(Member { email, name, role })
    }
}

/// The team members a contact is assigned to. Members are kept by email, so a contact
/// names the same member whatever their name becomes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Assignments {
    pub owner: Option<String>,
    pub followers: Vec<String>,
    pub favorite_agent: Option<String>,
}

impl Assignments {
    pub fn is_empty(&self) -> bool {
        self.owner.is_none() && self.followers.is_empty() && self.favorite_agent.is_none()
    }

    /// Whether `email` is assigned here in any way.
    pub fn names(&self, email: &str) -> bool {
        self.owner.as_deref() == Some(email)
            || self.favorite_agent.as_deref() == Some(email)
            || self.followers.iter().any(|f| f == email)
    }

    /// Every assignment to `from` given to `to` instead (`team remove --reassign`); a
    /// follower who already follows stays once. Whether anything changed.
    pub fn reassign(&mut self, from: &str, to: &str) -> bool {
        let mut changed = false;
        for slot in [&mut self.owner, &mut self.favorite_agent] {
            if slot.as_deref() == Some(from) {
                *slot = Some(to.to_string());
                changed = true;
            }
        }
        if self.followers.iter().any(|f| f == from) {
            let mut followers = Vec::with_capacity(self.followers.len());
            for f in self.followers.drain(..) {
                let f = if f == from { to.to_string() } else { f };
                if !followers.contains(&f) {
                    followers.push(f);
                }
            }
            self.followers = followers;
            changed = true;
        }
        changed
    }

    /// An update's assignments: the row's owner and favorite agent replace the stored
    /// ones when the row names them; its followers join the stored ones (as tags do).
    pub fn merge(&mut self, incoming: &Assignments, keep_existing: bool) {
        for (slot, value) in [
            (&mut self.owner, &incoming.owner),
            (&mut self.favorite_agent, &incoming.favorite_agent),
        ] {
            if let Some(v) = value {
                if !keep_existing || slot.is_none() {
                    *slot = Some(v.clone());
                }
            }
        }
        for f in &incoming.followers {
            if !self.followers.contains(f) {
                self.followers.push(f.clone());
            }
        }
    }
}

/// Why a cell names no single member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoMember {
    /// No member has this email or name.
    Unknown,
    /// Several members have this name: their emails.
    Ambiguous(Vec<String>),
}

/// The team as the checker reads it: members by email and by folded name.
#[derive(Debug, Clone, Default)]
pub struct Team {
    by_email: BTreeMap<String, Member>,
    by_name: BTreeMap<String, Vec<String>>,
}

/// A name as it is compared: case and accents aside, spaces collapsed.
fn name_key(name: &str) -> String {
    fold_text(name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Team {
    pub fn new(members: impl IntoIterator<Item = Member>) -> Team {
        let mut team = Team::default();
        for m in members {
            team.by_name
                .entry(name_key(&m.name))
                .or_default()
                .push(m.email.clone());
            team.by_email.insert(m.email.clone(), m);
        }
        team
    }

    pub fn is_empty(&self) -> bool {
        self.by_email.is_empty()
    }

    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.by_email.values()
    }

    pub fn member(&self, email: &str) -> Option<&Member> {
        self.by_email.get(email)
    }

    /// The member a cell names: an address is matched by email, anything else by name.
    pub fn find(&self, value: &str) -> Result<&Member, NoMember> {
        let value = value.trim();
        if value.contains('@') {
            return normalize_email(value)
                .ok()
                .and_then(|e| self.by_email.get(&e))
                .ok_or(NoMember::Unknown);
        }
        match self.by_name.get(&name_key(value)).map(Vec::as_slice) {
            Some([one]) => self.by_email.get(one).ok_or(NoMember::Unknown),
            Some(many) if many.len() > 1 => Err(NoMember::Ambiguous(many.to_vec())),
            _ => Err(NoMember::Unknown),
        }
    }
}

/// How the values of one owner, followers or favorite agent column fare against the team,
/// for the wizard's Map step and the review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberMatches {
    /// Values (one per member named) that name a member.
    pub matched: usize,
    /// Every value counted.
    pub total: usize,
    /// The values that name no member, in the order first met, each once (case aside).
    pub unknown: Vec<String>,
    /// The values that name several members, each once.
    pub ambiguous: Vec<String>,
}

impl MemberMatches {
    /// Counts one value of the column.
    pub fn count(&mut self, team: &Team, value: &str) {
        self.total += 1;
        match team.find(value) {
            Ok(_) => self.matched += 1,
            Err(NoMember::Unknown) => push_once(&mut self.unknown, value),
            Err(NoMember::Ambiguous(_)) => push_once(&mut self.ambiguous, value),
        }
    }

    /// "412 of 430 match a team member; 2 unknown: Ann Lee, Bo Chan".
    pub fn describe(&self) -> String {
        let mut out = format!("{} of {} match a team member", self.matched, self.total);
        if !self.unknown.is_empty() {
            out.push_str(&format!(
                "; {} unknown: {}",
                self.unknown.len(),
                shortlist(&self.unknown)
            ));
        }
        if !self.ambiguous.is_empty() {
            out.push_str(&format!(
                "; {} name several members: {}",
                self.ambiguous.len(),
                shortlist(&self.ambiguous)
            ));
        }
        out
    }
}

/// One column that names team members, and how its values fare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberColumn {
    pub column: String,
    #[serde(skip)]
    pub index: usize,
    pub field: Field,
    #[serde(flatten)]
    pub matches: MemberMatches,
}

impl MemberColumn {
    /// The mapping's owner, followers and favorite agent columns, nothing counted yet.
    pub fn of(mapping: &Mapping) -> Vec<MemberColumn> {
        mapping
            .columns
            .iter()
            .filter_map(|c| match c.target {
                Target::Field(f) if f.names_members() => Some(MemberColumn {
                    column: c.header.clone(),
                    index: c.index,
                    field: f,
                    matches: MemberMatches::default(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Counts the values one row's cell holds, split as the checker splits them.
    pub fn count_row(&mut self, team: &Team, cells: &Cells) {
        let value = clean_cell(cells.get(self.index).unwrap_or_default());
        if value.is_empty() {
            return;
        }
        if self.field == Field::Followers {
            for v in split_list(&value) {
                self.matches.count(team, v);
            }
        } else {
            self.matches.count(team, &value);
        }
    }

    /// "Contact Owner: 412 of 430 match a team member; 2 unknown: …".
    pub fn describe(&self) -> String {
        format!("{}: {}", self.column, self.matches.describe())
    }
}

/// The member columns of `mapping` counted over the first `limit` rows of `source` (the
/// wizard's Map step; the review counts every row).
pub fn count_member_columns(
    source: &Source,
    mapping: &Mapping,
    team: &Team,
    limit: usize,
) -> super::Result<Vec<MemberColumn>> {
    let mut columns = MemberColumn::of(mapping);
    if columns.is_empty() {
        return Ok(columns);
    }
    let mut rows = source.rows()?;
    let mut n = 0;
    while let Some(raw) = rows.next_row()? {
        n += 1;
        if n > limit {
            break;
        }
        for c in &mut columns {
            c.count_row(team, &raw.cells);
        }
    }
    Ok(columns)
}

fn push_once(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !list.iter().any(|v| name_key(v) == name_key(value)) {
        list.push(value.to_string());
    }
}

/// The first few values of a list, and how many more.
fn shortlist(values: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut out = values
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > SHOWN {
        out.push_str(&format!(" and {} more", values.len() - SHOWN));
    }
    out
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> Team {
        Team::new([
            Member::new("Logan@Example.com", "Logan Paul", Role::Owner).unwrap(),
            Member::new("jurgen@example.com", "Jürgen  Weiß", Role::Agent).unwrap(),
            Member::new("adam.smith@example.com", "Adam Smith", Role::Agent).unwrap(),
            Member::new("adam.s@example.com", "adam smith", Role::Agent).unwrap(),
        ])
    }

    #[test]
    fn a_member_is_found_by_email_or_by_name_whatever_the_case_and_accents() {
        let t = team();
        assert_eq!(t.find("LOGAN@example.com").unwrap().name, "Logan Paul");
        assert_eq!(t.find(" logan paul ").unwrap().email, "logan@example.com");
        assert_eq!(t.find("jurgen weiss").unwrap().email, "jurgen@example.com");
        assert_eq!(t.find("JURGEN  WEIß").unwrap().email, "jurgen@example.com");
        assert_eq!(t.find("Jurgen Weiß").unwrap().email, "jurgen@example.com");
        assert_eq!(t.find("nobody@example.com"), Err(NoMember::Unknown));
        assert_eq!(t.find("Ann Lee"), Err(NoMember::Unknown));
        assert_eq!(
            t.find("Adam Smith"),
            Err(NoMember::Ambiguous(vec![
                "adam.smith@example.com".into(),
                "adam.s@example.com".into()
            ]))
        );
        // The address still tells the two apart.
        assert_eq!(t.find("adam.s@example.com").unwrap().name, "adam smith");
    }

    #[test]
    fn reassigning_moves_every_assignment_and_keeps_followers_once() {
        let mut a = Assignments {
            owner: Some("a@x.com".into()),
            followers: vec!["a@x.com".into(), "b@x.com".into()],
            favorite_agent: Some("c@x.com".into()),
        };
        assert!(a.reassign("a@x.com", "b@x.com"));
        assert_eq!(a.owner.as_deref(), Some("b@x.com"));
        assert_eq!(a.followers, vec!["b@x.com".to_string()]);
        assert!(!a.reassign("z@x.com", "b@x.com"));
    }

    #[test]
    fn an_update_replaces_the_owner_and_adds_followers() {
        let mut stored = Assignments {
            owner: Some("a@x.com".into()),
            followers: vec!["b@x.com".into()],
            favorite_agent: None,
        };
        let row = Assignments {
            owner: Some("c@x.com".into()),
            followers: vec!["d@x.com".into(), "b@x.com".into()],
            favorite_agent: Some("e@x.com".into()),
        };
        let mut kept = stored.clone();
        kept.merge(&row, true);
        assert_eq!(kept.owner.as_deref(), Some("a@x.com"));
        assert_eq!(kept.favorite_agent.as_deref(), Some("e@x.com"));
        stored.merge(&row, false);
        assert_eq!(stored.owner.as_deref(), Some("c@x.com"));
        assert_eq!(stored.followers, vec!["b@x.com", "d@x.com"]);
    }

    #[test]
    fn a_column_says_how_many_values_match_and_which_do_not() {
        let t = team();
        let mut m = MemberMatches::default();
        for v in ["Logan Paul", "Ann Lee", "Adam Smith", "ann lee ", "Ann Lee"] {
            m.count(&t, v);
        }
        assert_eq!(
            m.describe(),
            "1 of 5 match a team member; 1 unknown: Ann Lee; 1 name several members: Adam Smith"
        );
    }
}
