//! Opportunities: written beside their contacts in an import's batch (what becomes of each
//! comes from `engine::opportunity`), listed, and undone by a revert. Kept apart from
//! `import.rs` so the contact writer's hot path gains one call per row that has one.

use redb::{ReadableTable, Table, WriteTransaction};

use super::codec;
use super::error::Result;
use super::schema::*;
use super::{guard, Store, StoreError};
use crate::engine::opportunity::{decide_opportunity, Opportunity, OpportunityDecision};
use crate::engine::plan::ImportOptions;

/// The key an opportunity is found by under the id of the system it came from.
fn external_key(external_id: &str) -> String {
    format!("id\u{1f}{}", external_id.trim())
}

/// The key an opportunity is found by within its contact, by its folded name.
fn name_key(contact: u64, name_key: &str) -> String {
    format!("name\u{1f}{contact}\u{1f}{name_key}")
}

/// Every key an opportunity is found by.
fn keys_of(o: &Opportunity) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(id) = o.external_id.as_deref().filter(|i| !i.trim().is_empty()) {
        keys.push(external_key(id));
    }
    if let Some(name) = o.name_key() {
        keys.push(name_key(o.contact, &name));
    }
    keys
}

/// The keys a row's opportunity is looked up by, for a dry run: its external id, and its
/// name under `contact` when the row's contact is stored.
pub(super) fn lookup_keys(contact: Option<u64>, o: &Opportunity) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(id) = o.external_id.as_deref().filter(|i| !i.trim().is_empty()) {
        keys.push(external_key(id));
    }
    if let (Some(contact), Some(name)) = (contact, o.name_key()) {
        keys.push(name_key(contact, &name));
    }
    keys
}

fn decode(id: u64, bytes: &[u8]) -> Result<Opportunity> {
    let o: Opportunity = codec::decode(bytes).map_err(|e| e.at("opportunities", id))?;
    if o.id != id {
        return Err(StoreError::damaged("opportunities", id));
    }
    Ok(o)
}

/// The opportunity tables of one import batch.
pub(super) struct OpportunityWriter<'t> {
    records: Table<'t, u64, &'static [u8]>,
    keys: Table<'t, &'static str, u64>,
    undo: Table<'t, (u64, u64), &'static [u8]>,
    created: Table<'t, (u64, u64), ()>,
    next_id: u64,
}

impl<'t> OpportunityWriter<'t> {
    /// The tables, and the next id as `meta` (the batch's own META table) records it.
    pub(super) fn open(
        txn: &'t WriteTransaction,
        meta: &Table<'_, &'static str, u64>,
    ) -> Result<OpportunityWriter<'t>> {
        let next_id = meta
            .get("next_opportunity_id")?
            .map(|v| v.value())
            .unwrap_or(1);
        Ok(OpportunityWriter {
            records: txn.open_table(OPPORTUNITIES)?,
            keys: txn.open_table(OPPORTUNITY_KEYS)?,
            undo: txn.open_table(OPPORTUNITY_UNDO)?,
            created: txn.open_table(OPPORTUNITIES_CREATED)?,
            next_id,
        })
    }

    /// The stored opportunity a row's finds: by its external id, else by its contact and
    /// name.
    fn find(&self, incoming: &Opportunity) -> Result<Option<Opportunity>> {
        let by_id = incoming
            .external_id
            .as_deref()
            .filter(|i| !i.trim().is_empty())
            .map(external_key);
        let by_name = incoming.name_key().map(|n| name_key(incoming.contact, &n));
        for key in by_id.into_iter().chain(by_name) {
            if let Some(id) = self.keys.get(key.as_str())?.map(|v| v.value()) {
                if let Some(v) = self.records.get(id)? {
                    return decode(id, v.value()).map(Some);
                }
            }
        }
        Ok(None)
    }

    fn put(&mut self, o: &Opportunity, before: Option<&Opportunity>) -> Result<()> {
        if let Some(before) = before {
            forget_keys(&mut self.keys, before)?;
        }
        self.records.insert(o.id, codec::encode(o)?.as_slice())?;
        for key in keys_of(o) {
            self.keys.insert(key.as_str(), o.id)?;
        }
        Ok(())
    }

    /// Writes the row's opportunity for `contact` (the contact the row created, updated
    /// or was skipped as a duplicate of; `None` when the row wrote no contact), as the
    /// import's purpose decides. What it did, for the job's counts.
    pub(super) fn write(
        &mut self,
        job: u64,
        options: &ImportOptions,
        contact: Option<u64>,
        mut incoming: Opportunity,
    ) -> Result<OpportunityDecision> {
        let Some(contact) = contact else {
            return Ok(OpportunityDecision::Skip);
        };
        incoming.contact = contact;
        let found = self.find(&incoming)?;
        let decision = decide_opportunity(options.purpose, found.is_some(), &incoming);
        match (decision, found) {
            (OpportunityDecision::Create, _) => {
                incoming.id = self.next_id;
                incoming.created_by = Some(job);
                self.next_id += 1;
                self.put(&incoming, None)?;
                self.created.insert((job, incoming.id), ())?;
            }
            (OpportunityDecision::Update, Some(before)) => {
                incoming.updated_by = Some(job);
                let after = Opportunity::updated(&before, &incoming, options.keep_existing);
                // The first before-image of the job is the one a revert restores; one
                // this job created is deleted by a revert instead.
                if before.created_by != Some(job) && self.undo.get((job, before.id))?.is_none() {
                    self.undo
                        .insert((job, before.id), codec::encode(&before)?.as_slice())?;
                }
                self.put(&after, Some(&before))?;
            }
            (OpportunityDecision::Update, None) | (OpportunityDecision::Skip, _) => {
                return Ok(OpportunityDecision::Skip)
            }
        }
        Ok(decision)
    }

    /// Records the next id in `meta`, at the batch's end.
    pub(super) fn finish(self, meta: &mut Table<'_, &'static str, u64>) -> Result<()> {
        meta.insert("next_opportunity_id", self.next_id)?;
        Ok(())
    }
}

/// Removes the keys that lead to `o` (a key another opportunity took since is left).
fn forget_keys(keys: &mut Table<'_, &'static str, u64>, o: &Opportunity) -> Result<()> {
    for key in keys_of(o) {
        if keys.get(key.as_str())?.map(|v| v.value()) == Some(o.id) {
            keys.remove(key.as_str())?;
        }
    }
    Ok(())
}

/// What a revert did to opportunities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OpportunitiesReverted {
    pub deleted: u64,
    pub restored: u64,
}

impl Store {
    /// Every opportunity, in id order, through `each` until it returns false; only those
    /// of `contact` when given. One at a time from one read snapshot; a damaged one is
    /// skipped and noted (`take_damage`). A store from before opportunities has none.
    pub fn for_each_opportunity(
        &self,
        contact: Option<u64>,
        each: &mut dyn FnMut(Opportunity) -> bool,
    ) -> Result<()> {
        guard::guarded(&self.path, || {
            let snap = self.read()?;
            let table = match snap.txn.open_table(OPPORTUNITIES) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            for entry in table.iter()? {
                let (id, v) = entry?;
                match decode(id.value(), v.value()) {
                    Ok(o) if contact.is_some_and(|c| c != o.contact) => {}
                    Ok(o) => {
                        if !each(o) {
                            break;
                        }
                    }
                    Err(e) if e.is_damaged_record() => self.note_damage(e),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }

    /// Undoes job `job`'s opportunities, in one transaction: those it created are deleted,
    /// those it updated get their values from before it back. The records that say so are
    /// consumed with the change, so running it again does nothing more.
    pub(super) fn revert_opportunities(&self, job: u64) -> Result<OpportunitiesReverted> {
        let mut done = OpportunitiesReverted::default();
        let txn = self.begin_write()?;
        {
            let mut records = txn.open_table(OPPORTUNITIES)?;
            let mut keys = txn.open_table(OPPORTUNITY_KEYS)?;
            let mut undo = txn.open_table(OPPORTUNITY_UNDO)?;
            let mut created = txn.open_table(OPPORTUNITIES_CREATED)?;
            let made: Vec<u64> = created
                .range((job, 0)..=(job, u64::MAX))?
                .map(|e| e.map(|(k, _)| k.value().1))
                .collect::<std::result::Result<_, _>>()?;
            for id in made {
                let stored = records.remove(id)?.map(|v| v.value().to_vec());
                if let Some(bytes) = stored {
                    forget_keys(&mut keys, &decode(id, &bytes)?)?;
                    done.deleted += 1;
                }
                created.remove((job, id))?;
            }
            let befores: Vec<(u64, Vec<u8>)> = undo
                .range((job, 0)..=(job, u64::MAX))?
                .map(|e| e.map(|(k, v)| (k.value().1, v.value().to_vec())))
                .collect::<std::result::Result<_, _>>()?;
            for (id, bytes) in befores {
                let before = decode(id, &bytes)?;
                let now = records.get(id)?.map(|v| v.value().to_vec());
                if let Some(now) = now {
                    forget_keys(&mut keys, &decode(id, &now)?)?;
                }
                records.insert(id, bytes.as_slice())?;
                for key in keys_of(&before) {
                    keys.insert(key.as_str(), id)?;
                }
                undo.remove((job, id))?;
                done.restored += 1;
            }
        }
        txn.commit()?;
        Ok(done)
    }
}
