//! `rolodex team`: the members contacts are assigned to (owner, followers, favorite agent).

use std::path::Path;

use clap::Subcommand;
use serde_json::json;

use super::db::open_store;
use super::output::{self, Column, Human, Table};
use super::{CliError, Outcome};
use crate::engine::number::group_digits;
use crate::engine::team::{Member, Role};
use crate::store::{Access, StoreError};

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Add a team member, or change the name and role of the one with this email
    Add {
        /// The member's email: cells naming them by it match
        email: String,
        /// "First Last": cells naming them by it match, case and accents aside
        #[arg(long, value_name = "\"First Last\"")]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Agent)]
        role: RoleArg,
        #[arg(long)]
        json: bool,
    },
    /// List the team members
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a team member; refused while contacts name them, unless --reassign
    Remove {
        email: String,
        /// Give their contacts (owner, followers, favorite agent) to this member first
        #[arg(long, value_name = "OTHER_EMAIL")]
        reassign: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Agent,
    Owner,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Agent => Role::Agent,
            RoleArg::Owner => Role::Owner,
        }
    }
}

fn member_json(m: &Member) -> serde_json::Value {
    json!({"email": m.email, "name": m.name, "role": m.role.name()})
}

pub fn team(command: TeamCommand, db: Option<&Path>) -> Result<Outcome, CliError> {
    match command {
        TeamCommand::Add {
            email,
            name,
            role,
            json,
        } => add(&email, &name, role.into(), json, db),
        TeamCommand::List { json } => list(json, db),
        TeamCommand::Remove {
            email,
            reassign,
            json,
        } => remove(&email, reassign.as_deref(), json, db),
    }
}

fn add(
    email: &str,
    name: &str,
    role: Role,
    json: bool,
    db: Option<&Path>,
) -> Result<Outcome, CliError> {
    let member = Member::new(email, name, role)
        .map_err(|why| CliError::Usage(format!("cannot add {email:?} to the team: {why}")))?;
    let store = open_store(db, Access::Create)?;
    let new = store.put_member(&member)?;
    if json {
        output::print_json(&json!({"member": member_json(&member), "added": new}));
    } else {
        let did = if new { "Added" } else { "Updated" };
        Human::stdout().line(&format!(
            "{did} {member} ({}) to the team",
            member.role.name()
        ));
    }
    Ok(Outcome::Done)
}

fn list(json: bool, db: Option<&Path>) -> Result<Outcome, CliError> {
    // No store yet is no team yet: `team add` (or an import) creates it.
    let team = match open_store(db, Access::Read) {
        Err(CliError::Store(StoreError::Missing(_))) => Vec::new(),
        opened => opened?.team()?,
    };
    if json {
        output::print_json(&team.iter().map(member_json).collect::<Vec<_>>());
        return Ok(Outcome::Done);
    }
    let mut out = Human::stdout();
    if team.is_empty() {
        out.line("No team members yet. Add one with: rolodex team add EMAIL --name \"First Last\"");
        return Ok(Outcome::Done);
    }
    let mut table = Table::new(&[
        ("email", Column::Text { min: 12 }),
        ("name", Column::Text { min: 12 }),
        ("role", Column::Whole),
    ]);
    for m in &team {
        table.row(vec![
            m.email.as_str().into(),
            m.name.as_str().into(),
            m.role.name().into(),
        ]);
    }
    for line in table.lines(out.width()) {
        out.line(&line);
    }
    out.line(&format!("{} team members", group_digits(team.len() as u64)));
    Ok(Outcome::Done)
}

fn remove(
    email: &str,
    reassign: Option<&str>,
    json: bool,
    db: Option<&Path>,
) -> Result<Outcome, CliError> {
    let store = open_store(db, Access::Write)?;
    let team = store.team()?;
    let find = |given: &str| {
        let key = given.trim().to_lowercase();
        team.iter()
            .find(|m| m.email == key)
            .cloned()
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "{given:?} is no team member; `rolodex team list` shows them"
                ))
            })
    };
    let member = find(email)?;
    let to = reassign.map(find).transpose()?;
    if to.as_ref().is_some_and(|t| t.email == member.email) {
        return Err(CliError::Usage(format!(
            "cannot reassign {}'s contacts to themselves; name another member",
            member.email
        )));
    }
    if to.is_none() {
        let assigned = store.contacts_assigned_to(&member.email)?;
        if assigned > 0 {
            let contacts = if assigned == 1 {
                "contact names"
            } else {
                "contacts name"
            };
            return Err(CliError::Usage(format!(
                "{} {contacts} {member} as owner, follower or favorite agent; give them to another member with `rolodex team remove {} --reassign OTHER_EMAIL`",
                group_digits(assigned),
                member.email
            )));
        }
    }
    let (_, moved) = store.remove_member(&member.email, to.as_ref().map(|t| t.email.as_str()))?;
    if json {
        output::print_json(&json!({
            "removed": member_json(&member),
            "reassigned_to": to.as_ref().map(|t| t.email.clone()),
            "contacts_reassigned": moved,
        }));
    } else {
        let mut out = Human::stdout();
        out.line(&format!("Removed {member} from the team"));
        if let Some(t) = &to {
            out.line(&format!(
                "{} contacts reassigned to {t}",
                group_digits(moved)
            ));
        }
    }
    Ok(Outcome::Done)
}
