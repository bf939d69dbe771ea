//! Team members (`rolodex team`): kept by email, and moved off contacts when one leaves.
//! Who a cell names is the engine's rule (`engine::team`); this only keeps them.

use redb::ReadableTable;

use super::error::Result;
use super::schema::{CONTACTS, TEAM};
use super::{codec, guard, Store};
use crate::engine::team::Member;

impl Store {
    /// Every team member, by email. A store from before the team has none.
    pub fn team(&self) -> Result<Vec<Member>> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            read_team(&snap.txn, snap.format)
        })
    }

    /// Adds a member, or changes the name and role of the one with this email. Whether
    /// the member is new.
    pub fn put_member(&self, member: &Member) -> Result<bool> {
        let txn = self.begin_write()?;
        let new = {
            let mut table = txn.open_table(TEAM)?;
            let old = table.insert(
                member.email.as_str(),
                codec::encode_json(member)?.as_slice(),
            )?;
            old.is_none()
        };
        txn.commit()?;
        Ok(new)
    }

    /// How many contacts name `email` as owner, follower or favorite agent.
    pub fn contacts_assigned_to(&self, email: &str) -> Result<u64> {
        let mut n = 0;
        self.for_each_contact(&mut |c| {
            if c.team.names(email) {
                n += 1;
            }
            true
        })?;
        Ok(n)
    }

    /// Removes the member with `email` (whether there was one), first giving every
    /// assignment of theirs to `reassign_to`, in the same transaction: no contact is left
    /// naming a member who is gone. Returns (removed, contacts reassigned).
    pub fn remove_member(&self, email: &str, reassign_to: Option<&str>) -> Result<(bool, u64)> {
        let txn = self.begin_write()?;
        let mut moved = 0;
        let removed = {
            if let Some(to) = reassign_to {
                let mut contacts = txn.open_table(CONTACTS)?;
                let mut changed = Vec::new();
                for entry in contacts.iter()? {
                    let (id, v) = entry?;
                    let id = id.value();
                    let mut c = super::decode_contact(id, v.value(), codec::Format::Checked)?;
                    if c.team.reassign(email, to) {
                        changed.push(c);
                    }
                }
                for c in changed {
                    contacts.insert(c.id, codec::encode(&c)?.as_slice())?;
                    moved += 1;
                }
            }
            let mut table = txn.open_table(TEAM)?;
            let removed = table.remove(email)?.is_some();
            removed
        };
        txn.commit()?;
        Ok((removed, moved))
    }
}

/// The team as one read transaction sees it.
pub(super) fn read_team(txn: &redb::ReadTransaction, format: codec::Format) -> Result<Vec<Member>> {
    let table = match txn.open_table(TEAM) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (email, v) = entry?;
        out.push(
            codec::decode_json_as(v.value(), format).map_err(|e| e.at("team", email.value()))?,
        );
    }
    Ok(out)
}
