//! The provisioner's view of the store: every entry with its revision, kept current from the
//! change history (never by reloading everything, unless that history was compacted), and
//! the engine built from it plus this process's reservations not yet confirmed.

use std::collections::BTreeMap;

use gluster_model::{DeviceId, EntityState};
use gluster_placement::day2::{EvacuationPlan, ExpandPlan};
use gluster_placement::Plan;

use super::engine::Engine;
use crate::error::StoreError;
use crate::key::{Change, Entry, Key, Kind, Revision, Txn, Write};
use crate::store::Store;

#[derive(Debug, Default)]
pub(crate) struct View {
    pub(crate) entries: BTreeMap<Key, Entry>,
    pub(crate) revision: Revision,
    pub(crate) engine: Engine,
    /// Plans taken in `engine` whose reservation is not yet in `entries`, by pending key id.
    pub(crate) speculative: BTreeMap<String, Spec>,
}

/// A reservation of this process not yet confirmed by the store.
#[derive(Debug, Clone)]
pub(crate) enum Spec {
    /// A new volume.
    Create(Plan),
    /// New sets of a volume.
    Expand(ExpandPlan),
    /// Bricks moved off devices (taken offline; their states before).
    Evacuate(EvacuationPlan, Vec<(DeviceId, EntityState)>),
}

/// Whether the provisioner keeps entries of `kind` (a service's queue is not its state,
/// and writing it must not make the engine rebuild).
fn tracked(kind: Kind) -> bool {
    kind != Kind::Queue
}

impl View {
    /// Everything in `store`.
    pub(crate) async fn load(store: &dyn Store) -> Result<View, StoreError> {
        let revision = store.revision().await?;
        let mut entries = BTreeMap::new();
        for kind in Kind::ALL.into_iter().filter(|k| tracked(*k)) {
            for e in store.list(kind).await? {
                entries.insert(e.key.clone(), e);
            }
        }
        let engine = Engine::from_entries(entries.values(), &store.location())?;
        Ok(View {
            entries,
            revision,
            engine,
            speculative: BTreeMap::new(),
        })
    }

    /// Fold changes read from the store in; rebuild the engine when one came from elsewhere.
    pub(crate) fn absorb(
        &mut self,
        changes: Vec<Change>,
        revision: Revision,
        location: &str,
    ) -> Result<(), StoreError> {
        let mut foreign = false;
        for c in changes.into_iter().filter(|c| tracked(c.key.kind)) {
            let current = self.entries.get(&c.key).map(|e| e.revision);
            if current.is_some_and(|r| r >= c.revision) {
                continue;
            }
            match c.value {
                Some(value) => {
                    foreign |= current != Some(c.revision);
                    self.entries.insert(
                        c.key.clone(),
                        Entry {
                            key: c.key,
                            value,
                            revision: c.revision,
                        },
                    );
                }
                None => {
                    foreign |= current.is_some();
                    self.entries.remove(&c.key);
                }
            }
        }
        self.revision = self.revision.max(revision);
        if foreign {
            self.rebuild(location)?;
        }
        Ok(())
    }

    /// The engine of the entries, with this process's unconfirmed reservations taken again.
    pub(crate) fn rebuild(&mut self, location: &str) -> Result<(), StoreError> {
        self.engine = self.engine_of(self.entries.values(), location)?;
        Ok(())
    }

    /// The engine of `entries` (these or an altered copy), with this process's unconfirmed
    /// reservations taken again.
    pub(crate) fn engine_of<'a>(
        &self,
        entries: impl Iterator<Item = &'a Entry>,
        location: &str,
    ) -> Result<Engine, StoreError> {
        let mut engine = Engine::from_entries(entries, location)?;
        for spec in self.speculative.values() {
            // A reservation that no longer fits fails at its commit and is re-planned.
            let _ = match spec {
                Spec::Create(plan) => engine.take(plan),
                Spec::Expand(plan) => engine.take_expand(plan),
                Spec::Evacuate(plan, devices) => engine.take_evacuation(plan, devices),
            };
        }
        Ok(engine)
    }

    /// Record what this process's own commit at `revision` wrote.
    pub(crate) fn wrote(&mut self, txn: &Txn, revision: Revision) {
        for op in &txn.ops {
            if self
                .entries
                .get(&op.key)
                .is_some_and(|e| e.revision >= revision)
            {
                continue;
            }
            match &op.write {
                Write::Check => {}
                Write::Put(value) => {
                    self.entries.insert(
                        op.key.clone(),
                        Entry {
                            key: op.key.clone(),
                            value: value.clone(),
                            revision,
                        },
                    );
                }
                Write::Delete => {
                    self.entries.remove(&op.key);
                }
            }
        }
    }
}
