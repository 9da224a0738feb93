//! The [`Provisioner`]: create and delete volumes so that the store and the hosts stay equal.
//!
//! Every operation: plan on the current state -> record the intent (a pending operation keyed
//! by the request name) and reserve its space, in one transaction guarded by the revisions of
//! the devices it touches -> run it on the hosts through the [`Runner`] -> finalize (or roll
//! back on the hosts and release the reservation). A commit on a stale revision is re-planned,
//! never forced. Operations run concurrently; only those touching the same device wait for
//! each other's reservation commit (per-device locks held from building to committing it).

mod block;
mod data;
mod engine;
mod evacuate;
mod evacuate_settle;
mod expand;
mod reconcile;
mod records;
mod recover;
mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use gluster_exec::journal::RunHistory;
use gluster_exec::runner::{plan_steps, Phase};
use gluster_exec::{Cancel, Executor, HostLimits, Journal, MemoryJournal, Runner};
use gluster_model::{ByteSize, Device, DeviceId, VolumeId};
use gluster_placement::{PlacementSettings, Plan, PlannedBrick, VolumeRequest};
use tokio::sync::OwnedMutexGuard;

pub use reconcile::{Difference, HostReport, HostVolume};
pub use records::{PendingOp, RequestRecord};
pub use recover::{RecoveryPolicy, RecoveryReport};

use crate::error::StoreError;
use crate::key::{Entry, Expect, Key, Kind, Txn};
use crate::store::{RunEntry, Store};
use records::{create_key, delete_key, json, parse};
use view::{Spec, View};

/// How many times an operation is re-planned after conflicting commits before giving up.
const MAX_ATTEMPTS: usize = 64;

/// A volume the provisioner made (or had made for the same request before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The volume's id.
    pub volume: VolumeId,
    /// Its Gluster name.
    pub name: String,
    /// Its size.
    pub size: ByteSize,
    /// False when an earlier create with the same request name made it.
    pub new: bool,
}

/// Counters of a provisioner's work (for metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Commits refused because a guarded key had changed.
    pub conflicts: u64,
    /// Catch-ups with the store's changes.
    pub refreshes: u64,
}

struct Inner {
    conflicts: AtomicU64,
    refreshes: AtomicU64,
    store: Arc<dyn Store>,
    executor: Arc<dyn Executor>,
    limits: HostLimits,
    settings: PlacementSettings,
    view: Mutex<View>,
    devices: Mutex<HashMap<DeviceId, Arc<tokio::sync::Mutex<()>>>>,
    /// Orders this process's block volume placements (a second one waits for the hosting
    /// volume the first may be creating instead of creating another).
    block: tokio::sync::Mutex<()>,
}

/// Creates and deletes volumes against a [`Store`] and the hosts. Cheap to clone; clones
/// share everything, so a service calls it from many tasks at once.
#[derive(Clone)]
pub struct Provisioner {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Provisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioner")
            .field("store", &self.inner.store)
            .field("executor", &self.inner.executor)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A request seed from its name (stable: a retried request plans the same volume id).
fn seed_of(request: &str) -> u64 {
    gluster_model::stable_hash128(&["gluster-store request", request]) as u64
}

fn check_request_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "request name {name:?} must be 1 to 256 printable characters"
        )));
    }
    Ok(())
}

impl Provisioner {
    /// A provisioner over `store` (already holding a topology, see [`import_model`]) that
    /// runs plans through `executor` with `limits` per host.
    ///
    /// It does not recover by itself: call [`Provisioner::recover`] before serving.
    pub async fn new(
        store: Arc<dyn Store>,
        executor: Arc<dyn Executor>,
        limits: HostLimits,
        settings: PlacementSettings,
    ) -> Result<Provisioner, StoreError> {
        let view = View::load(store.as_ref()).await?;
        Ok(Provisioner {
            inner: Arc::new(Inner {
                conflicts: AtomicU64::new(0),
                refreshes: AtomicU64::new(0),
                store,
                executor,
                limits,
                settings,
                view: Mutex::new(view),
                devices: Mutex::new(HashMap::new()),
                block: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    fn location(&self) -> String {
        self.inner.store.location()
    }

    /// Counters of the work done so far.
    pub fn stats(&self) -> Stats {
        Stats {
            conflicts: self.inner.conflicts.load(Ordering::Relaxed),
            refreshes: self.inner.refreshes.load(Ordering::Relaxed),
        }
    }

    /// Catch up with the store's changes (reload only when its history was compacted).
    pub async fn refresh(&self) -> Result<(), StoreError> {
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
        let since = lock(&self.inner.view).revision;
        match self.inner.store.changes_since(since).await {
            Ok(c) => lock(&self.inner.view).absorb(c.changes, c.revision, &self.location()),
            Err(StoreError::Compacted { .. }) => {
                let fresh = View::load(self.inner.store.as_ref()).await?;
                let mut view = lock(&self.inner.view);
                let speculative = std::mem::take(&mut view.speculative);
                *view = fresh;
                view.speculative = speculative;
                view.rebuild(&self.location())
            }
            Err(e) => Err(e),
        }
    }

    /// The stored entry at `key`, as this provisioner last saw it.
    fn seen(&self, key: &Key) -> Option<Entry> {
        lock(&self.inner.view).entries.get(key).cloned()
    }

    /// Lock every device of `bricks`, in id order.
    async fn lock_devices(&self, bricks: &[PlannedBrick]) -> Vec<OwnedMutexGuard<()>> {
        self.lock_device_ids(bricks.iter().map(|b| b.device_id).collect())
            .await
    }

    /// Lock the devices `ids`, in id order.
    async fn lock_device_ids(&self, mut ids: Vec<DeviceId>) -> Vec<OwnedMutexGuard<()>> {
        ids.sort();
        ids.dedup();
        let locks: Vec<_> = {
            let mut map = lock(&self.inner.devices);
            ids.iter()
                .map(|id| map.entry(*id).or_default().clone())
                .collect()
        };
        let mut guards = Vec::with_capacity(locks.len());
        for l in locks {
            guards.push(l.lock_owned().await);
        }
        guards
    }

    /// The device writes that add (`take`) or remove the bricks' space, from the
    /// confirmed state, each guarded by the revision it was read at.
    fn device_writes(
        &self,
        bricks: &[PlannedBrick],
        take: bool,
        mut txn: Txn,
    ) -> Result<Txn, StoreError> {
        let mut space: BTreeMap<DeviceId, ByteSize> = BTreeMap::new();
        for b in bricks {
            let s = b
                .space()
                .ok_or(StoreError::Invalid("brick size overflows".into()))?;
            let slot = space.entry(b.device_id).or_insert(ByteSize::ZERO);
            *slot = slot
                .checked_add(s)
                .ok_or(StoreError::Invalid("size overflows".into()))?;
        }
        let location = self.location();
        for (id, s) in space {
            let key = Key::new(Kind::Device, id.to_string());
            let entry = self.seen(&key).ok_or_else(|| StoreError::Conflict {
                key: key.to_string(),
                expected: "present".into(),
                found: "absent".into(),
            })?;
            let mut device: Device = parse(&entry, &location)?;
            device.used = if take {
                device.used.checked_add(s).filter(|u| *u <= device.total)
            } else {
                device.used.checked_sub(s)
            }
            .ok_or_else(|| StoreError::Conflict {
                key: key.to_string(),
                expected: format!("room for {s}"),
                found: format!("{} used of {}", device.used, device.total),
            })?;
            txn = txn.put(key, Expect::Revision(entry.revision), json(&device));
        }
        Ok(txn)
    }

    /// Commit `txn` under the device locks it needs and record it in the view.
    async fn commit(&self, txn: Txn) -> Result<(), StoreError> {
        let revision = match self.inner.store.commit(txn.clone()).await {
            Ok(r) => r,
            Err(e) => {
                if matches!(e, StoreError::Conflict { .. }) {
                    self.inner.conflicts.fetch_add(1, Ordering::Relaxed);
                }
                return Err(e);
            }
        };
        lock(&self.inner.view).wrote(&txn, revision);
        Ok(())
    }

    /// A runner with a journal of its own for one run. The pending operation, durable before
    /// any host is touched, is what recovery needs (every step and undo is idempotent); the
    /// journal of a run that failed is kept as a [`Kind::Run`] entry for inspection until
    /// [`crate::compact_runs`] removes it.
    fn runner(&self) -> (Runner, Arc<MemoryJournal>) {
        let journal = Arc::new(MemoryJournal::new());
        let runner = Runner::new(
            self.inner.executor.clone(),
            journal.clone(),
            self.inner.limits.clone(),
        );
        (runner, journal)
    }

    /// Create a volume for the request `name` (CSI CreateVolume): a retried request with the
    /// same name answers the volume made the first time.
    pub async fn create(&self, name: &str, request: &VolumeRequest) -> Result<Created, StoreError> {
        self.create_as(name, request, false).await
    }

    /// As [`Provisioner::create`]; with `block_hosting` the volume is stored as a
    /// block-hosting volume from its reservation on.
    async fn create_as(
        &self,
        name: &str,
        request: &VolumeRequest,
        block_hosting: bool,
    ) -> Result<Created, StoreError> {
        check_request_name(name)?;
        let request_key = Key::new(Kind::Request, name);
        let mut attempts = 0;
        let plan = loop {
            attempts += 1;
            if attempts > MAX_ATTEMPTS {
                return Err(StoreError::TooManyConflicts {
                    attempts: MAX_ATTEMPTS,
                });
            }
            if let Some(done) = self.seen(&request_key) {
                let record: RequestRecord = parse(&done, &self.location())?;
                let size = {
                    let view = lock(&self.inner.view);
                    view.engine.model.volume(record.volume).map(|v| v.size)
                };
                return Ok(Created {
                    volume: record.volume,
                    name: record.name,
                    size: size.unwrap_or(request.size),
                    new: false,
                });
            }
            if self.seen(&create_key(name)).is_some() {
                return Err(StoreError::InProgress(format!("create {name}")));
            }
            let plan = {
                let mut view = lock(&self.inner.view);
                let plan = view
                    .engine
                    .plan(request, &self.inner.settings, seed_of(name))?;
                view.engine.take(&plan)?;
                view.speculative
                    .insert(create_key(name).id, Spec::Create(plan.clone()));
                plan
            };
            match self.reserve(name, &plan, block_hosting).await {
                Ok(()) => break plan,
                Err(e) => {
                    {
                        let mut view = lock(&self.inner.view);
                        view.speculative.remove(&create_key(name).id);
                        view.engine.release(plan.volume_id);
                    }
                    match e {
                        StoreError::Conflict { .. } => self.refresh().await?,
                        e => return Err(e),
                    }
                }
            }
        };
        lock(&self.inner.view)
            .speculative
            .remove(&create_key(name).id);
        let (runner, journal) = self.runner();
        match runner.apply(&plan, &Cancel::new()).await {
            Ok(_) => {
                self.finish_create(name, &plan, journal.as_ref()).await?;
                Ok(Created {
                    volume: plan.volume_id,
                    name: plan.volume_name.clone(),
                    size: plan.size_bytes,
                    new: true,
                })
            }
            Err(e) => {
                let rolled_back = e.rolled_back_cleanly();
                if rolled_back {
                    self.release(&create_key(name), &plan, journal.as_ref())
                        .await?;
                }
                Err(StoreError::Hosts {
                    what: format!("create {name}"),
                    rolled_back,
                    source: Box::new(apply_source(e)),
                })
            }
        }
    }

    /// Record the intent and reserve the plan's space, in one guarded transaction.
    async fn reserve(
        &self,
        name: &str,
        plan: &Plan,
        block_hosting: bool,
    ) -> Result<(), StoreError> {
        let _locks = self.lock_devices(&plan.bricks).await;
        let pending = PendingOp::Create {
            request: name.to_string(),
            plan: plan.clone(),
        };
        let mut commit = plan.to_commit();
        if block_hosting {
            commit.volume.block_hosting = Some(block::hosting_of(plan.size_bytes));
        }
        let mut txn = Txn::new()
            .check(Key::new(Kind::Request, name), Expect::Absent)
            .put(create_key(name), Expect::Absent, json(&pending))
            .put(
                Key::new(Kind::VolumeName, &plan.volume_name),
                Expect::Absent,
                json(&plan.volume_id),
            )
            .put(
                Key::new(Kind::Volume, plan.volume_id.to_string()),
                Expect::Absent,
                json(&commit.volume),
            );
        for b in &commit.bricks {
            txn = txn.put(
                Key::new(Kind::Brick, b.id.to_string()),
                Expect::Absent,
                json(b),
            );
        }
        txn = self.device_writes(&plan.bricks, true, txn)?;
        self.commit(txn).await
    }

    /// The create is done on the hosts: end its pending operation, remember the request.
    async fn finish_create(
        &self,
        name: &str,
        plan: &Plan,
        journal: &dyn Journal,
    ) -> Result<(), StoreError> {
        let pending = self
            .seen(&create_key(name))
            .ok_or_else(|| StoreError::Conflict {
                key: create_key(name).to_string(),
                expected: "the pending create".into(),
                found: "absent".into(),
            })?;
        let record = RequestRecord {
            volume: plan.volume_id,
            name: plan.volume_name.clone(),
        };
        let txn = Txn::new()
            .delete(pending.key.clone(), Expect::Revision(pending.revision))
            .put(Key::new(Kind::Request, name), Expect::Absent, json(&record));
        // A completed run's journal says nothing the store does not: it is not kept (an
        // ended run is compacted at once). Runs that failed keep theirs (see `release`).
        let _ = journal;
        self.commit(txn).await
    }

    /// End a pending operation whose hosts are back where they were, and release the plan's
    /// space (creates) or its volume (deletes: `pending` is a delete key).
    async fn release(
        &self,
        pending: &Key,
        plan: &Plan,
        journal: &dyn Journal,
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            let result = async {
                let _locks = self.lock_devices(&plan.bricks).await;
                let txn = self.release_txn(pending, plan, journal)?;
                self.commit(txn).await
            }
            .await;
            match result {
                Ok(()) => {
                    lock(&self.inner.view).engine.release(plan.volume_id);
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) => self.refresh().await?,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::TooManyConflicts {
            attempts: MAX_ATTEMPTS,
        })
    }

    /// Delete the pending operation, the volume, its bricks and name, give the space back.
    fn release_txn(
        &self,
        pending: &Key,
        plan: &Plan,
        journal: &dyn Journal,
    ) -> Result<Txn, StoreError> {
        let guard = |key: &Key| {
            self.seen(key)
                .map_or(Expect::Absent, |e| Expect::Revision(e.revision))
        };
        let mut txn = Txn::new();
        if let Some(e) = self.seen(pending) {
            txn = txn.delete(e.key, Expect::Revision(e.revision));
        }
        let mut keys = vec![
            Key::new(Kind::Volume, plan.volume_id.to_string()),
            Key::new(Kind::VolumeName, &plan.volume_name),
            Key::new(Kind::VolumeClone, plan.volume_id.to_string()),
        ];
        keys.extend(
            plan.bricks
                .iter()
                .map(|b| Key::new(Kind::Brick, b.id.to_string())),
        );
        if pending.id.starts_with("delete:") {
            let view = lock(&self.inner.view);
            let location = self.location();
            for e in view
                .entries
                .values()
                .filter(|e| e.key.kind == Kind::Request)
            {
                if parse::<RequestRecord>(e, &location).is_ok_and(|r| r.volume == plan.volume_id) {
                    keys.push(e.key.clone());
                }
            }
        }
        let mut present = false;
        for key in keys {
            if self.seen(&key).is_some() {
                present |= key.kind == Kind::Volume;
                txn = txn.delete(key.clone(), guard(&key));
            }
        }
        if present {
            txn = self.device_writes(&plan.bricks, false, txn)?;
        }
        Ok(txn.put(
            Key::new(Kind::Run, plan.volume_id.to_string()),
            Expect::Any,
            run_entry(journal),
        ))
    }

    /// Delete a volume: stop and delete it on the hosts, remove its bricks, release its space.
    pub async fn delete(&self, volume: VolumeId) -> Result<(), StoreError> {
        let pending_key = delete_key(volume);
        let plan = loop {
            let (plan, entry) = {
                let view = lock(&self.inner.view);
                let key = Key::new(Kind::Volume, volume.to_string());
                let entry = view.entries.get(&key).cloned();
                (view.engine.plan_of(volume), entry)
            };
            let (Some(plan), Some(entry)) = (plan, entry) else {
                return Err(StoreError::NotFound(volume.to_string()));
            };
            if let Some(reason) = self.data_depends_on(volume) {
                return Err(StoreError::Model(Box::new(
                    gluster_model::ModelError::InUse {
                        entity: "volume",
                        id: volume.to_string(),
                        reason,
                    },
                )));
            }
            if self.busy(volume) {
                return Err(StoreError::InProgress(format!(
                    "an operation on volume {volume}"
                )));
            }
            let txn = Txn::new()
                .check(entry.key.clone(), Expect::Revision(entry.revision))
                .put(
                    pending_key.clone(),
                    Expect::Absent,
                    json(&PendingOp::Delete { plan: plan.clone() }),
                );
            match self.commit(txn).await {
                Ok(()) => break plan,
                Err(StoreError::Conflict { .. }) => self.refresh().await?,
                Err(e) => return Err(e),
            }
        };
        let journal = MemoryJournal::new();
        match self.delete_on_hosts(&plan).await {
            Ok(()) => self.release(&pending_key, &plan, &journal).await,
            Err((error, restored)) => {
                if restored {
                    let e = self.seen(&pending_key);
                    if let Some(e) = e {
                        self.commit(Txn::new().delete(e.key, Expect::Revision(e.revision)))
                            .await?;
                    }
                }
                Err(StoreError::Hosts {
                    what: format!("delete volume {volume}"),
                    rolled_back: restored,
                    source: Box::new(error),
                })
            }
        }
    }

    /// The volumes a pending key's operation is about.
    fn pending_volumes(&self, key: &Key) -> Vec<VolumeId> {
        let Some(e) = lock(&self.inner.view).entries.get(key).cloned() else {
            return Vec::new();
        };
        parse::<PendingOp>(&e, &self.location())
            .map(|p| p.volumes())
            .unwrap_or_default()
    }

    /// Stop and delete the volume, then destroy its bricks. On failure: the error, and
    /// whether the volume is back as it was (it failed before the volume was deleted and
    /// was started again).
    async fn delete_on_hosts(&self, plan: &Plan) -> Result<(), (gluster_exec::ExecError, bool)> {
        let steps = plan_steps(plan).map_err(|e| (e, true))?;
        let ex = self.inner.executor.as_ref();
        let by_phase = |p: Phase| steps.iter().filter(move |s| s.op.phase() == p);
        for step in by_phase(Phase::VolumeCreate) {
            if let Err(e) = step.op.undo(ex).await {
                // The volume may be stopped: start it again (idempotent) when it still exists.
                let restored = match by_phase(Phase::VolumeStart).next() {
                    Some(start) => start.op.run(ex).await.is_ok(),
                    None => false,
                };
                return Err((e, restored));
            }
        }
        // A clone's bricks are snapshots in its origin's pools: glusterd removes them with
        // the volume.
        let clone = {
            let view = lock(&self.inner.view);
            view.engine.model.clone_record(plan.volume_id).is_some()
        };
        if clone {
            return Ok(());
        }
        let undos = by_phase(Phase::Bricks).map(|s| s.op.undo(ex));
        for result in futures_util::future::join_all(undos).await {
            result.map_err(|e| (e, false))?;
        }
        Ok(())
    }
}

fn run_entry(journal: &dyn Journal) -> Vec<u8> {
    let records = journal.records().unwrap_or_default();
    let ended = RunHistory::from_records(&records)
        .iter()
        .all(|h| !h.is_unfinished());
    json(&RunEntry { records, ended })
}

fn apply_source(e: gluster_exec::ApplyError) -> gluster_exec::ExecError {
    use gluster_exec::runner::FailureCause;
    match e {
        gluster_exec::ApplyError::Failed {
            cause: FailureCause::Step { error, .. },
            ..
        } => error,
        gluster_exec::ApplyError::Invalid(e) | gluster_exec::ApplyError::Journal(e) => e,
        other => gluster_exec::ExecError::InvalidRequest(other.to_string()),
    }
}

/// Write every entity of `model` into an empty `store` (in transactions of at most 100 keys,
/// each key guarded as absent).
pub async fn import_model(
    store: &dyn Store,
    model: &gluster_model::Model,
) -> Result<(), StoreError> {
    import_model_with_progress(store, model, &mut |_| {}).await
}

/// [`import_model`], reporting keys written of all keys to `progress` after each
/// transaction (the last report is every key).
pub async fn import_model_with_progress(
    store: &dyn Store,
    model: &gluster_model::Model,
    progress: &mut (dyn FnMut(gluster_placement::Progress) + Send),
) -> Result<(), StoreError> {
    let mut ops: Vec<(Key, Vec<u8>)> = Vec::new();
    ops.extend(
        model
            .clusters()
            .map(|c| (Key::new(Kind::Cluster, c.id.to_string()), json(c))),
    );
    ops.extend(
        model
            .nodes()
            .map(|n| (Key::new(Kind::Node, n.id.to_string()), json(n))),
    );
    ops.extend(
        model
            .devices()
            .map(|d| (Key::new(Kind::Device, d.id.to_string()), json(d))),
    );
    ops.extend(
        model
            .volumes()
            .map(|v| (Key::new(Kind::Volume, v.id.to_string()), json(v))),
    );
    ops.extend(
        model
            .volumes()
            .map(|v| (Key::new(Kind::VolumeName, &v.name), json(&v.id))),
    );
    ops.extend(
        model
            .bricks()
            .map(|b| (Key::new(Kind::Brick, b.id.to_string()), json(b))),
    );
    ops.extend(
        model
            .block_volumes()
            .map(|b| (Key::new(Kind::BlockVolume, b.id.to_string()), json(b))),
    );
    ops.extend(
        model
            .snapshots()
            .map(|s| (Key::new(Kind::Snapshot, &s.name), json(s))),
    );
    ops.extend(
        model
            .clones()
            .map(|c| (Key::new(Kind::VolumeClone, c.volume.to_string()), json(c))),
    );
    ops.extend(
        model
            .subvolumes()
            .map(|s| (Key::new(Kind::Subvolume, &s.name), json(s))),
    );
    let total = ops.len() as u64;
    let mut written = 0u64;
    for chunk in ops.chunks(100) {
        let mut txn = Txn::new();
        for (key, value) in chunk {
            txn = txn.put(key.clone(), Expect::Absent, value.clone());
        }
        store.commit(txn).await?;
        written += chunk.len() as u64;
        progress(gluster_placement::Progress::new(written, total));
    }
    if total == 0 {
        progress(gluster_placement::Progress::new(0, 0));
    }
    Ok(())
}
