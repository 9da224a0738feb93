//! Simulated hosts that outlive a process: every change that succeeded is appended to a log
//! file, replayed into a fresh [`SimulatedExecutor`] by the next process (crash tests).
//!
//! A process killed between a change and its log line loses the change, exactly as if it had
//! been killed before making it (the caller never saw the answer). A torn last line is
//! ignored.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use gluster_exec::ops::*;
use gluster_exec::simulated::SimulatedExecutor;
use gluster_exec::{ExecError, Executor};
use gluster_model::Model;
use serde::{Deserialize, Serialize};

/// One logged change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Logged {
    DeviceSetup(DeviceSetup),
    DeviceTeardown(DeviceTeardown),
    BrickCreate(BrickCreate),
    BrickDestroy(BrickDestroy),
    BrickGrow(BrickGrow),
    VolumeCreate(VolumeCreate),
    VolumeStart(VolumeRef),
    VolumeStop(VolumeRef),
    VolumeDelete(VolumeRef),
    VolumeExpand(VolumeExpand),
}

/// A [`SimulatedExecutor`] whose changes are logged to a file. See the module docs.
#[derive(Debug)]
pub struct PersistentHosts {
    sim: Arc<SimulatedExecutor>,
    log: Mutex<File>,
}

impl PersistentHosts {
    /// The hosts of `model` (devices prepared) with every change in `log` replayed.
    pub async fn open(model: &Model, log: &Path) -> std::io::Result<PersistentHosts> {
        let sim = Arc::new(SimulatedExecutor::from_model(model, true));
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines() {
            let Ok(change) = serde_json::from_str::<Logged>(line) else {
                continue; // a torn last line
            };
            let _ = apply(sim.as_ref(), &change).await;
        }
        let file = OpenOptions::new().create(true).append(true).open(log)?;
        Ok(PersistentHosts {
            sim,
            log: Mutex::new(file),
        })
    }

    /// The simulated hosts.
    pub fn sim(&self) -> &Arc<SimulatedExecutor> {
        &self.sim
    }

    fn record(&self, change: &Logged) {
        let mut line = serde_json::to_vec(change).unwrap_or_default();
        line.push(b'\n');
        let mut file = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        // One write(2) per line: a SIGKILL leaves whole lines or one torn last line.
        let _ = file.write_all(&line);
    }

    async fn change(&self, change: Logged) -> Result<(), ExecError> {
        apply(self.sim.as_ref(), &change).await?;
        self.record(&change);
        Ok(())
    }
}

async fn apply(sim: &SimulatedExecutor, change: &Logged) -> Result<(), ExecError> {
    match change {
        Logged::DeviceSetup(r) => sim.device_setup(r).await.map(drop),
        Logged::DeviceTeardown(r) => sim.device_teardown(r).await,
        Logged::BrickCreate(r) => sim.brick_create(r).await,
        Logged::BrickDestroy(r) => sim.brick_destroy(r).await,
        Logged::BrickGrow(r) => sim.brick_grow(r).await,
        Logged::VolumeCreate(r) => sim.volume_create(r).await,
        Logged::VolumeStart(r) => sim.volume_start(r).await,
        Logged::VolumeStop(r) => sim.volume_stop(r).await,
        Logged::VolumeDelete(r) => sim.volume_delete(r).await,
        Logged::VolumeExpand(r) => sim.volume_expand(r).await,
    }
}

fn unsupported(what: &str) -> ExecError {
    ExecError::InvalidRequest(format!(
        "{what} is not supported by the persistent test hosts"
    ))
}

#[async_trait]
impl Executor for PersistentHosts {
    async fn check_glusterd(&self, host: &str) -> Result<(), ExecError> {
        self.sim.check_glusterd(host).await
    }
    async fn peer_probe(&self, _: &PeerRequest) -> Result<(), ExecError> {
        Err(unsupported("peer probe"))
    }
    async fn peer_detach(&self, _: &PeerRequest) -> Result<(), ExecError> {
        Err(unsupported("peer detach"))
    }
    async fn device_setup(&self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        let info = self.sim.device_setup(r).await?;
        self.record(&Logged::DeviceSetup(r.clone()));
        Ok(info)
    }
    async fn device_teardown(&self, r: &DeviceTeardown) -> Result<(), ExecError> {
        self.change(Logged::DeviceTeardown(r.clone())).await
    }
    async fn device_info(&self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        self.sim.device_info(r).await
    }
    async fn brick_create(&self, r: &BrickCreate) -> Result<(), ExecError> {
        self.change(Logged::BrickCreate(r.clone())).await
    }
    async fn brick_destroy(&self, r: &BrickDestroy) -> Result<(), ExecError> {
        self.change(Logged::BrickDestroy(r.clone())).await
    }
    async fn brick_grow(&self, r: &BrickGrow) -> Result<(), ExecError> {
        self.change(Logged::BrickGrow(r.clone())).await
    }
    async fn volume_create(&self, r: &VolumeCreate) -> Result<(), ExecError> {
        self.change(Logged::VolumeCreate(r.clone())).await
    }
    async fn volume_start(&self, r: &VolumeRef) -> Result<(), ExecError> {
        self.change(Logged::VolumeStart(r.clone())).await
    }
    async fn volume_stop(&self, r: &VolumeRef) -> Result<(), ExecError> {
        self.change(Logged::VolumeStop(r.clone())).await
    }
    async fn volume_delete(&self, r: &VolumeRef) -> Result<(), ExecError> {
        self.change(Logged::VolumeDelete(r.clone())).await
    }
    async fn volume_expand(&self, r: &VolumeExpand) -> Result<(), ExecError> {
        self.change(Logged::VolumeExpand(r.clone())).await
    }
    async fn replace_brick(&self, _: &ReplaceBrick) -> Result<(), ExecError> {
        Err(unsupported("replace-brick"))
    }
    async fn set_options(&self, _: &SetOptions) -> Result<(), ExecError> {
        Err(unsupported("set options"))
    }
    async fn volume_info(&self, r: &VolumeRef) -> Result<VolumeInfo, ExecError> {
        self.sim.volume_info(r).await
    }
    async fn heal_info(&self, r: &VolumeRef) -> Result<HealInfo, ExecError> {
        self.sim.heal_info(r).await
    }
    async fn block_volume_create(&self, _: &BlockVolumeCreate) -> Result<(), ExecError> {
        Err(unsupported("block volumes"))
    }
    async fn block_volume_delete(&self, _: &BlockVolumeDelete) -> Result<(), ExecError> {
        Err(unsupported("block volumes"))
    }
    // The data services are not part of the crash tests.
    async fn snapshot_create(&self, _: &SnapshotCreate) -> Result<(), ExecError> {
        Err(unsupported("snapshot create"))
    }
    async fn snapshot_activate(&self, _: &SnapshotRef) -> Result<(), ExecError> {
        Err(unsupported("snapshot activate"))
    }
    async fn snapshot_clone(&self, _: &SnapshotClone) -> Result<(), ExecError> {
        Err(unsupported("snapshot clone"))
    }
    async fn snapshot_delete(&self, _: &SnapshotRef) -> Result<(), ExecError> {
        Err(unsupported("snapshot delete"))
    }
    async fn snapshot_info(&self, _: &SnapshotRef) -> Result<SnapshotInfo, ExecError> {
        Err(unsupported("snapshot info"))
    }
    async fn cluster_set(&self, _: &ClusterOptions) -> Result<(), ExecError> {
        Err(unsupported("cluster set"))
    }
    async fn quota_enable(&self, _: &VolumeRef) -> Result<(), ExecError> {
        Err(unsupported("quota enable"))
    }
    async fn quota_limit(&self, _: &QuotaLimit) -> Result<(), ExecError> {
        Err(unsupported("quota limit"))
    }
    async fn quota_remove(&self, _: &VolumeDir) -> Result<(), ExecError> {
        Err(unsupported("quota remove"))
    }
    async fn volume_dir_create(&self, _: &VolumeDir) -> Result<(), ExecError> {
        Err(unsupported("volume dir create"))
    }
    async fn volume_dir_delete(&self, _: &VolumeDir) -> Result<(), ExecError> {
        Err(unsupported("volume dir delete"))
    }
    async fn volume_unmount(&self, _: &VolumeDir) -> Result<(), ExecError> {
        Err(unsupported("volume unmount"))
    }
    async fn subvolume_tree(&self, _: &SubvolumeTree) -> Result<Vec<TreeFile>, ExecError> {
        Err(unsupported("subvolume tree"))
    }
    async fn brick_reflink(&self, _: &BrickReflink) -> Result<ReflinkReport, ExecError> {
        Err(unsupported("brick reflink"))
    }
    async fn file_copy(&self, _: &FileCopy) -> Result<(), ExecError> {
        Err(unsupported("file copy"))
    }
    async fn device_resync(&self, _: &DeviceResync) -> Result<ResyncReport, ExecError> {
        Err(unsupported("device resync"))
    }
}
