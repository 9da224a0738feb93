//! A simulated executor: hosts, devices, bricks and volumes in memory, with fault injection
//! (fail a call, fail an operation, crash before or after a call, a host down) and latency.
//!
//! It keeps Gluster's and LVM's rules that matter to a runner: a brick needs a prepared
//! device with room; a volume needs existing brick directories and a multiple of its set
//! size; a started volume cannot be deleted; a brick that a volume serves cannot be removed;
//! a device with bricks cannot be torn down. Every operation is idempotent like the real one,
//! and requests are validated as the command executor validates them.
//!
//! ```
//! use gluster_exec::simulated::{Fault, SimulatedExecutor};
//! use gluster_exec::ops::VolumeRef;
//! use gluster_exec::{ExecError, Executor};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let sim = SimulatedExecutor::new(Default::default());
//! sim.inject(Fault::HostDown("node1".into()));
//! let stop = VolumeRef { host: "node1".into(), name: "vol_1".into() };
//! assert!(matches!(sim.volume_stop(&stop).await, Err(ExecError::Unreachable { .. })));
//! # });
//! ```

mod data;
mod faults;
mod state;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use gluster_model::{ByteSize, DeviceId, Model};
use tokio::sync::Notify;

pub use data::{DataState, SimSnapshot, DEFAULT_MAX_BRICKS_PER_PROCESS};
pub use faults::{Fault, SimOp};
pub use state::{SimBrick, SimDevice, SimHost, SimState, SimVolume};

use faults::{Faults, Verdict};

use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;
use crate::render;
use crate::validate;

/// An [`Executor`] over simulated hosts. See the module documentation.
#[derive(Debug, Default)]
pub struct SimulatedExecutor {
    state: Mutex<SimState>,
    faults: Mutex<Faults>,
    latency: Mutex<Duration>,
    crashed: AtomicBool,
    crash: Notify,
    /// Per host: calls in flight now, the most ever in flight, calls received.
    in_flight: Mutex<HashMap<String, (usize, usize, usize)>>,
}

impl SimulatedExecutor {
    /// An executor over `state`.
    pub fn new(state: SimState) -> Self {
        SimulatedExecutor {
            state: Mutex::new(state),
            ..Self::default()
        }
    }

    /// An executor over the nodes and devices of `model`; `prepared` says whether the
    /// devices have been set up already.
    pub fn from_model(model: &Model, prepared: bool) -> Self {
        Self::new(SimState::from_model(model, prepared))
    }

    /// A disk appears on a host (the host joins the simulated machines if new, not yet a
    /// peer): what plugging a disk into a machine is for `device_setup`.
    pub fn add_disk(&self, host: &str, storage: &str, id: DeviceId, name: &str, total: ByteSize) {
        let mut state = lock(&self.state);
        let h = state.hosts.entry(host.to_string()).or_default();
        h.storage = storage.to_string();
        h.devices.entry(id).or_insert_with(|| SimDevice {
            name: name.to_string(),
            total,
            used_before: ByteSize::ZERO,
            prepared: false,
            bricks: Default::default(),
        });
    }

    /// A machine without disks joins the simulated hosts (not yet a peer).
    pub fn add_host(&self, host: &str, storage: &str) {
        let mut state = lock(&self.state);
        let h = state.hosts.entry(host.to_string()).or_default();
        h.storage = storage.to_string();
    }

    /// Every call waits `latency` before it acts (like a command's round trip).
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.latency) = latency;
    }

    /// Arm a fault.
    pub fn inject(&self, fault: Fault) {
        lock(&self.faults).armed.push(fault);
    }

    /// Disarm every fault and forget a crash: the caller's process "restarted".
    pub fn restart(&self) {
        lock(&self.faults).armed.clear();
        self.crashed.store(false, Ordering::SeqCst);
    }

    /// A copy of the hosts' state.
    pub fn snapshot(&self) -> SimState {
        lock(&self.state).clone()
    }

    /// Changing calls received so far.
    pub fn calls(&self) -> usize {
        lock(&self.faults).calls()
    }

    /// The most calls that were ever in flight at once on `host`.
    pub fn max_in_flight(&self, host: &str) -> usize {
        lock(&self.in_flight)
            .get(host)
            .map_or(0, |&(_, max, _)| max)
    }

    /// Calls (reads and changes) `host` received so far.
    pub fn calls_on(&self, host: &str) -> usize {
        lock(&self.in_flight)
            .get(host)
            .map_or(0, |&(_, _, total)| total)
    }

    /// Change a device's size (a grown disk, a shrunk LUN); `device_resync` then reports it.
    pub fn set_device_total(
        &self,
        host: &str,
        id: gluster_model::DeviceId,
        total: gluster_model::ByteSize,
    ) -> Result<DeviceInfo, ExecError> {
        lock(&self.state).set_device_total(host, id, total)
    }

    /// Put files into a directory of a volume (what a client wrote).
    pub fn put_files(&self, volume: &str, dir: &str, files: Vec<TreeFile>) {
        let mut s = lock(&self.state);
        s.data.dirs.insert((volume.to_string(), dir.to_string()));
        s.data
            .files
            .insert((volume.to_string(), dir.to_string()), files);
    }

    /// Make the bricks of storage host `storage` unable to reflink (e.g. XFS without
    /// `reflink=1`).
    pub fn disable_reflink(&self, storage: &str) {
        lock(&self.state)
            .data
            .no_reflink
            .insert(storage.to_string());
    }

    /// Brick processes `host` would run now (see [`SimState::brick_processes`]).
    pub fn brick_processes(&self, host: &str) -> usize {
        lock(&self.state).brick_processes(host)
    }

    /// Whether a crash fault fired.
    pub fn has_crashed(&self) -> bool {
        self.crashed.load(Ordering::SeqCst)
    }

    /// Wait until a crash fault fires (race it against the run: the run's future must then
    /// be dropped, as a crashed process would stop).
    pub async fn crashed(&self) {
        loop {
            let notified = self.crash.notified();
            if self.has_crashed() {
                return;
            }
            notified.await;
        }
    }

    /// Crash: wake the watcher and never answer.
    async fn die(&self) -> ! {
        self.crashed.store(true, Ordering::SeqCst);
        self.crash.notify_waiters();
        std::future::pending::<()>().await;
        unreachable!("a pending future never completes")
    }

    /// Latency, then a read of the state (reads are never counted or failed, except for a
    /// host that is down).
    async fn read<T>(
        &self,
        host: &str,
        f: impl FnOnce(&SimState) -> Result<T, ExecError>,
    ) -> Result<T, ExecError> {
        self.delay(host).await;
        if self.has_crashed() {
            self.die().await;
        }
        if lock(&self.faults).host_down(host) {
            return Err(unreachable(host));
        }
        f(&lock(&self.state))
    }

    /// Latency, the fault verdict, then a change of the state.
    async fn change<T>(
        &self,
        op: SimOp,
        host: &str,
        f: impl FnOnce(&mut SimState) -> Result<T, ExecError>,
    ) -> Result<T, ExecError> {
        self.delay(host).await;
        if self.has_crashed() {
            self.die().await;
        }
        let verdict = lock(&self.faults).on_call(op, host);
        match verdict {
            Verdict::CrashBefore => self.die().await,
            Verdict::Fail if lock(&self.faults).host_down(host) => Err(unreachable(host)),
            Verdict::Fail => Err(ExecError::CommandFailed {
                host: host.to_string(),
                command: format!("{op:?}"),
                status: 1,
                stdout: String::new(),
                stderr: "injected failure".into(),
            }),
            Verdict::Proceed => f(&mut lock(&self.state)),
            Verdict::CrashAfter => {
                let _ = f(&mut lock(&self.state));
                self.die().await
            }
        }
    }

    /// Wait the latency while counting the call as in flight on its host.
    async fn delay(&self, host: &str) {
        let latency = *lock(&self.latency);
        {
            let mut flights = lock(&self.in_flight);
            let (now, max, total) = flights.entry(host.to_string()).or_default();
            *now += 1;
            *max = (*max).max(*now);
            *total += 1;
        }
        let _guard = InFlight { sim: self, host };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
}

/// Decrements the in-flight count when the latency wait ends (or is dropped).
struct InFlight<'a> {
    sim: &'a SimulatedExecutor,
    host: &'a str,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some((now, _, _)) = lock(&self.sim.in_flight).get_mut(self.host) {
            *now -= 1;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unreachable(host: &str) -> ExecError {
    ExecError::Unreachable {
        host: host.to_string(),
        message: "injected: host down".into(),
    }
}

#[async_trait]
impl Executor for SimulatedExecutor {
    fn is_rehearsal(&self) -> bool {
        true
    }

    async fn check_glusterd(&self, host: &str) -> Result<(), ExecError> {
        validate::hostname(host)?;
        self.read(host, |s| s.check_glusterd(host)).await
    }
    async fn peer_probe(&self, r: &PeerRequest) -> Result<(), ExecError> {
        validate::peer(r)?;
        self.change(SimOp::PeerProbe, &r.host, |s| s.peer_probe(r))
            .await
    }
    async fn peer_detach(&self, r: &PeerRequest) -> Result<(), ExecError> {
        validate::peer(r)?;
        self.change(SimOp::PeerDetach, &r.host, |s| s.peer_detach(r))
            .await
    }
    async fn device_setup(&self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        validate::device_setup(r)?;
        self.change(SimOp::DeviceSetup, &r.host, |s| s.device_setup(r))
            .await
    }
    async fn device_teardown(&self, r: &DeviceTeardown) -> Result<(), ExecError> {
        validate::device_setup(r)?;
        self.change(SimOp::DeviceTeardown, &r.host, |s| s.device_teardown(r))
            .await
    }
    async fn device_info(&self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        validate::device_setup(r)?;
        self.read(&r.host, |s| s.device_info(r)).await
    }
    async fn brick_create(&self, r: &BrickCreate) -> Result<(), ExecError> {
        validate::brick_create(r)?;
        self.change(SimOp::BrickCreate, &r.host, |s| s.brick_create(r))
            .await
    }
    async fn brick_grow(&self, r: &BrickGrow) -> Result<(), ExecError> {
        validate::brick_create(r)?;
        self.change(SimOp::BrickGrow, &r.host, |s| s.brick_grow(r))
            .await
    }
    async fn brick_destroy(&self, r: &BrickDestroy) -> Result<(), ExecError> {
        validate::brick_create(r)?;
        self.change(SimOp::BrickDestroy, &r.host, |s| s.brick_destroy(r))
            .await
    }
    async fn volume_create(&self, r: &VolumeCreate) -> Result<(), ExecError> {
        validate::volume_create(r)?;
        self.change(SimOp::VolumeCreate, &r.host, |s| s.volume_create(r))
            .await
    }
    async fn volume_start(&self, r: &VolumeRef) -> Result<(), ExecError> {
        validate::volume_ref(r)?;
        self.change(SimOp::VolumeStart, &r.host, |s| s.volume_start(r))
            .await
    }
    async fn volume_stop(&self, r: &VolumeRef) -> Result<(), ExecError> {
        validate::volume_ref(r)?;
        self.change(SimOp::VolumeStop, &r.host, |s| s.volume_stop(r))
            .await
    }
    async fn volume_delete(&self, r: &VolumeRef) -> Result<(), ExecError> {
        validate::volume_ref(r)?;
        self.change(SimOp::VolumeDelete, &r.host, |s| s.volume_delete(r))
            .await
    }
    async fn volume_expand(&self, r: &VolumeExpand) -> Result<(), ExecError> {
        validate::volume_expand(r)?;
        self.change(SimOp::VolumeExpand, &r.host, |s| s.volume_expand(r))
            .await
    }
    async fn replace_brick(&self, r: &ReplaceBrick) -> Result<(), ExecError> {
        validate::replace_brick(r)?;
        self.change(SimOp::ReplaceBrick, &r.host, |s| s.replace_brick(r))
            .await
    }
    async fn set_options(&self, r: &SetOptions) -> Result<(), ExecError> {
        validate::set_options(r)?;
        self.change(SimOp::SetOptions, &r.host, |s| s.set_options(r))
            .await
    }
    async fn volume_info(&self, r: &VolumeRef) -> Result<VolumeInfo, ExecError> {
        validate::volume_ref(r)?;
        self.read(&r.host, |s| s.volume_info(r)).await
    }
    async fn heal_info(&self, r: &VolumeRef) -> Result<HealInfo, ExecError> {
        validate::volume_ref(r)?;
        self.read(&r.host, |s| s.heal_info(r)).await
    }
    async fn block_volume_create(&self, r: &BlockVolumeCreate) -> Result<(), ExecError> {
        validate::block_volume_create(r)?;
        self.change(SimOp::BlockVolumeCreate, &r.host, |s| {
            s.block_volume_create(r)
        })
        .await
    }
    async fn block_volume_delete(&self, r: &BlockVolumeDelete) -> Result<(), ExecError> {
        validate::block_volume_delete(r)?;
        self.change(SimOp::BlockVolumeDelete, &r.host, |s| {
            s.block_volume_delete(r)
        })
        .await
    }
    async fn snapshot_create(&self, r: &SnapshotCreate) -> Result<(), ExecError> {
        render::snapshot::create(r)?;
        self.change(SimOp::SnapshotCreate, &r.host, |s| s.snapshot_create(r))
            .await
    }
    async fn snapshot_activate(&self, r: &SnapshotRef) -> Result<(), ExecError> {
        render::snapshot::activate(r)?;
        self.change(SimOp::SnapshotActivate, &r.host, |s| s.snapshot_activate(r))
            .await
    }
    async fn snapshot_clone(&self, r: &SnapshotClone) -> Result<(), ExecError> {
        render::snapshot::clone(r)?;
        self.change(SimOp::SnapshotClone, &r.host, |s| s.snapshot_clone(r))
            .await
    }
    async fn snapshot_delete(&self, r: &SnapshotRef) -> Result<(), ExecError> {
        render::snapshot::delete(r)?;
        self.change(SimOp::SnapshotDelete, &r.host, |s| s.snapshot_delete(r))
            .await
    }
    async fn snapshot_info(&self, r: &SnapshotRef) -> Result<SnapshotInfo, ExecError> {
        render::snapshot::info(r)?;
        self.read(&r.host, |s| s.snapshot_info(r)).await
    }
    async fn cluster_set(&self, r: &ClusterOptions) -> Result<(), ExecError> {
        render::snapshot::cluster_set(r)?;
        self.change(SimOp::ClusterSet, &r.host, |s| s.cluster_set(r))
            .await
    }
    async fn quota_enable(&self, r: &VolumeRef) -> Result<(), ExecError> {
        render::quota::enable(r)?;
        self.change(SimOp::Quota, &r.host, |s| s.quota_enable(r))
            .await
    }
    async fn quota_limit(&self, r: &QuotaLimit) -> Result<(), ExecError> {
        render::quota::limit(r)?;
        self.change(SimOp::Quota, &r.host, |s| s.quota_limit(r))
            .await
    }
    async fn quota_remove(&self, r: &VolumeDir) -> Result<(), ExecError> {
        render::quota::remove(r)?;
        self.change(SimOp::Quota, &r.host, |s| s.quota_remove(r))
            .await
    }
    async fn volume_dir_create(&self, r: &VolumeDir) -> Result<(), ExecError> {
        render::quota::dir_create(r)?;
        self.change(SimOp::VolumeDir, &r.host, |s| s.volume_dir_create(r))
            .await
    }
    async fn volume_dir_delete(&self, r: &VolumeDir) -> Result<(), ExecError> {
        render::quota::dir_delete(r)?;
        self.change(SimOp::VolumeDir, &r.host, |s| s.volume_dir_delete(r))
            .await
    }
    async fn volume_unmount(&self, r: &VolumeDir) -> Result<(), ExecError> {
        render::quota::unmount(r)?;
        self.change(SimOp::VolumeDir, &r.host, |s| s.host(&r.host).map(drop))
            .await
    }
    async fn subvolume_tree(&self, r: &SubvolumeTree) -> Result<Vec<TreeFile>, ExecError> {
        render::clone::tree(r)?;
        self.change(SimOp::VolumeDir, &r.host, |s| s.subvolume_tree(r))
            .await
    }
    async fn brick_reflink(&self, r: &BrickReflink) -> Result<ReflinkReport, ExecError> {
        render::clone::brick_reflink(r)?;
        self.change(SimOp::BrickReflink, &r.host, |s| s.brick_reflink(r))
            .await
    }
    async fn file_copy(&self, r: &FileCopy) -> Result<(), ExecError> {
        render::clone::file_copy(r)?;
        self.change(SimOp::VolumeDir, &r.host, |s| s.file_copy(r))
            .await
    }
    async fn device_resync(&self, r: &DeviceResync) -> Result<ResyncReport, ExecError> {
        render::resync::resync(&crate::Backend::LvmThin, r)?;
        self.change(SimOp::DeviceResync, &r.device.host, |s| s.device_resync(r))
            .await
    }
}
