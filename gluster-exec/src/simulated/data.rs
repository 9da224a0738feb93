//! Simulated data services: LVM thin snapshots and clones charged to the bricks' thin
//! pools, directory quotas, subvolume directories, pool-wide options (brick multiplexing)
//! and devices whose size changes.

use std::collections::{BTreeMap, BTreeSet};

use gluster_model::{ByteSize, DeviceId};

use super::state::{gluster_error, info, missing_volume, SimState};
use crate::error::ExecError;
use crate::ops::*;

/// A simulated snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSnapshot {
    /// The origin volume.
    pub volume: String,
    /// Whether it is activated.
    pub activated: bool,
}

/// What the simulated pool holds beside devices, bricks and volumes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataState {
    /// Snapshots by name.
    pub snapshots: BTreeMap<String, SimSnapshot>,
    /// Clone volumes and the snapshot each was made from.
    pub clones: BTreeMap<String, String>,
    /// Options of the whole pool (`volume set all`).
    pub cluster_options: BTreeMap<String, String>,
    /// Volumes with quotas enabled, with their directory limits.
    pub quotas: BTreeMap<String, BTreeMap<String, ByteSize>>,
    /// Directories made in volumes: (volume, directory).
    pub dirs: BTreeSet<(String, String)>,
    /// Files of directories, by (volume, directory): set with
    /// [`super::SimulatedExecutor::put_files`], copied by `subvolume_tree`.
    pub files: BTreeMap<(String, String), Vec<TreeFile>>,
    /// (volume, directory, file) whose data was cloned or copied into place.
    pub filled: BTreeSet<(String, String, String)>,
    /// Storage hosts whose brick filesystems cannot reflink.
    pub no_reflink: BTreeSet<String>,
}

impl DataState {
    /// Drop what belonged to a deleted volume.
    pub(super) fn forget_volume(&mut self, volume: &str) {
        self.clones.remove(volume);
        self.quotas.remove(volume);
        self.dirs.retain(|(v, _)| v != volume);
        self.files.retain(|(v, _), _| v != volume);
        self.filled.retain(|(v, _, _)| v != volume);
    }
}

fn missing_snapshot(host: &str, name: &str) -> ExecError {
    ExecError::NotFound {
        host: host.to_string(),
        what: format!("snapshot {name}"),
    }
}

/// Default of `cluster.max-bricks-per-process` (glusterd's own).
pub const DEFAULT_MAX_BRICKS_PER_PROCESS: usize = 250;

impl SimState {
    /// (host, device, brick) of every brick of `volume`, in the volume's order.
    fn volume_bricks(&self, volume: &str) -> Vec<(String, DeviceId, gluster_model::BrickId)> {
        let Some(v) = self.volumes.get(volume) else {
            return Vec::new();
        };
        v.bricks
            .iter()
            .filter_map(|a| {
                self.hosts.iter().find_map(|(name, h)| {
                    (h.storage == a.host).then_some(())?;
                    h.devices.iter().find_map(|(did, d)| {
                        d.bricks
                            .iter()
                            .find(|(_, b)| b.path == a.path)
                            .map(|(bid, _)| (name.clone(), *did, *bid))
                    })
                })
            })
            .collect()
    }

    /// Record the thin LV `tag` in the pools of `volume`'s bricks. Like LVM, the pool may be
    /// over-provisioned: refusing what does not fit the snapshot reserve is the caller's
    /// check (`gluster_placement::snapshot`).
    fn charge_thin(&mut self, host: &str, op: &str, volume: &str, tag: &str) -> CharResult {
        let bricks = self.volume_bricks(volume);
        let total = self.volumes.get(volume).map_or(0, |v| v.bricks.len());
        if bricks.len() != total || total == 0 {
            return Err(gluster_error(
                host,
                op,
                format!("volume {volume}: not every brick is an LVM thin brick"),
            ));
        }
        for (h, d, b) in bricks {
            if let Some(brick) = self.device_mut(&h, d)?.bricks.get_mut(&b) {
                brick.thin.insert(tag.to_string());
            }
        }
        Ok(())
    }

    /// Remove the thin LV `tag` from every pool.
    pub(super) fn release_thin(&mut self, tag: &str) {
        for h in self.hosts.values_mut() {
            for d in h.devices.values_mut() {
                for b in d.bricks.values_mut() {
                    b.thin.remove(tag);
                }
            }
        }
    }

    pub(super) fn snapshot_create(&mut self, r: &SnapshotCreate) -> Result<(), ExecError> {
        self.host(&r.host)?;
        if let Some(s) = self.data.snapshots.get(&r.name) {
            return if s.volume == r.volume {
                Ok(())
            } else {
                Err(gluster_error(
                    &r.host,
                    "snapshot create",
                    format!("Snapshot {} already exists", r.name),
                ))
            };
        }
        let v = self
            .volumes
            .get(&r.volume)
            .ok_or_else(|| missing_volume(&r.host, &r.volume))?;
        if v.status != VolumeStatus::Started {
            return Err(gluster_error(
                &r.host,
                "snapshot create",
                format!("volume {} is not started", r.volume),
            ));
        }
        self.charge_thin(
            &r.host,
            "snapshot create",
            &r.volume,
            &format!("snap:{}", r.name),
        )?;
        self.data.snapshots.insert(
            r.name.clone(),
            SimSnapshot {
                volume: r.volume.clone(),
                activated: false,
            },
        );
        Ok(())
    }

    pub(super) fn snapshot_activate(&mut self, r: &SnapshotRef) -> Result<(), ExecError> {
        self.host(&r.host)?;
        let s = self
            .data
            .snapshots
            .get_mut(&r.name)
            .ok_or_else(|| missing_snapshot(&r.host, &r.name))?;
        s.activated = true;
        Ok(())
    }

    pub(super) fn snapshot_clone(&mut self, r: &SnapshotClone) -> Result<(), ExecError> {
        self.host(&r.host)?;
        let s = self
            .data
            .snapshots
            .get(&r.snapshot)
            .cloned()
            .ok_or_else(|| missing_snapshot(&r.host, &r.snapshot))?;
        if self.data.clones.get(&r.clone) == Some(&r.snapshot) {
            return Ok(());
        }
        if self.volumes.contains_key(&r.clone) {
            return Err(gluster_error(
                &r.host,
                "snapshot clone",
                format!("Volume with name:{} already exists", r.clone),
            ));
        }
        if !s.activated {
            return Err(gluster_error(
                &r.host,
                "snapshot clone",
                format!("Snapshot {} is not activated", r.snapshot),
            ));
        }
        let tag = format!("clone:{}", r.clone);
        self.charge_thin(&r.host, "snapshot clone", &s.volume, &tag)?;
        let origin = self.volumes[&s.volume].clone();
        let bricks = origin
            .bricks
            .iter()
            .enumerate()
            .map(|(i, b)| BrickAddress {
                host: b.host.clone(),
                path: format!("/run/gluster/snaps/{}/brick{}/brick", r.clone, i + 1),
            })
            .collect();
        self.volumes.insert(
            r.clone.clone(),
            super::SimVolume {
                bricks,
                status: VolumeStatus::Created,
                ..origin
            },
        );
        self.data.clones.insert(r.clone.clone(), r.snapshot.clone());
        Ok(())
    }

    pub(super) fn snapshot_delete(&mut self, r: &SnapshotRef) -> Result<(), ExecError> {
        self.host(&r.host)?;
        if self.data.snapshots.remove(&r.name).is_some() {
            self.release_thin(&format!("snap:{}", r.name));
        }
        Ok(())
    }

    pub(super) fn snapshot_info(&self, r: &SnapshotRef) -> Result<SnapshotInfo, ExecError> {
        self.host(&r.host)?;
        let s = self
            .data
            .snapshots
            .get(&r.name)
            .ok_or_else(|| missing_snapshot(&r.host, &r.name))?;
        Ok(SnapshotInfo {
            name: r.name.clone(),
            volume: s.volume.clone(),
            activated: s.activated,
        })
    }

    pub(super) fn cluster_set(&mut self, r: &ClusterOptions) -> Result<(), ExecError> {
        self.host(&r.host)?;
        // glusterd 10: the per-process limit needs multiplexing on first.
        let mut multiplex = self
            .data
            .cluster_options
            .get("cluster.brick-multiplex")
            .cloned();
        for (k, v) in &r.options {
            if k == "cluster.brick-multiplex" {
                multiplex = Some(v.clone());
            } else if k == "cluster.max-bricks-per-process" && multiplex.as_deref() != Some("on") {
                return Err(gluster_error(
                    &r.host,
                    "volume set all",
                    "Brick-multiplexing is not enabled. Please enable brick multiplexing \
                     before trying to set this option."
                        .into(),
                ));
            }
        }
        self.data.cluster_options.extend(r.options.iter().cloned());
        Ok(())
    }

    /// Brick processes on `host`: one per brick of a started volume, or with
    /// `cluster.brick-multiplex on` one per `cluster.max-bricks-per-process` bricks.
    pub fn brick_processes(&self, host: &str) -> usize {
        let Some(storage) = self.hosts.get(host).map(|h| h.storage.as_str()) else {
            return 0;
        };
        let bricks = self
            .volumes
            .values()
            .filter(|v| v.status == VolumeStatus::Started)
            .flat_map(|v| &v.bricks)
            .filter(|b| b.host == storage)
            .count();
        let opts = &self.data.cluster_options;
        if opts.get("cluster.brick-multiplex").map(String::as_str) != Some("on") {
            return bricks;
        }
        let per = opts
            .get("cluster.max-bricks-per-process")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_MAX_BRICKS_PER_PROCESS);
        bricks.div_ceil(per)
    }

    pub(super) fn quota_enable(&mut self, r: &VolumeRef) -> Result<(), ExecError> {
        self.volume_mut(&r.host, &r.name)?;
        self.data.quotas.entry(r.name.clone()).or_default();
        Ok(())
    }

    pub(super) fn quota_limit(&mut self, r: &QuotaLimit) -> Result<(), ExecError> {
        self.volume_mut(&r.host, &r.volume)?;
        if !self.data.dirs.contains(&(r.volume.clone(), r.dir.clone())) {
            return Err(gluster_error(
                &r.host,
                "volume quota limit-usage",
                format!("{}: No such file or directory", r.dir),
            ));
        }
        let limits = self.data.quotas.get_mut(&r.volume).ok_or_else(|| {
            gluster_error(
                &r.host,
                "volume quota limit-usage",
                format!("Quota is disabled on volume {}", r.volume),
            )
        })?;
        limits.insert(r.dir.clone(), r.size);
        Ok(())
    }

    pub(super) fn quota_remove(&mut self, r: &VolumeDir) -> Result<(), ExecError> {
        self.volume_mut(&r.host, &r.volume)?;
        if let Some(limits) = self.data.quotas.get_mut(&r.volume) {
            limits.remove(&r.dir);
        }
        Ok(())
    }

    pub(super) fn volume_dir_create(&mut self, r: &VolumeDir) -> Result<(), ExecError> {
        let v = self.volume_mut(&r.host, &r.volume)?;
        if v.status != VolumeStatus::Started {
            return Err(ExecError::CommandFailed {
                host: r.host.clone(),
                command: format!("mount -t glusterfs localhost:/{} {}", r.volume, r.mount),
                status: 1,
                stdout: String::new(),
                stderr: "Mount failed: volume not started".into(),
            });
        }
        self.data.dirs.insert((r.volume.clone(), r.dir.clone()));
        Ok(())
    }

    pub(super) fn volume_dir_delete(&mut self, r: &VolumeDir) -> Result<(), ExecError> {
        self.volume_mut(&r.host, &r.volume)?;
        self.data.dirs.remove(&(r.volume.clone(), r.dir.clone()));
        Ok(())
    }

    pub(super) fn subvolume_tree(&mut self, r: &SubvolumeTree) -> Result<Vec<TreeFile>, ExecError> {
        let v = self.volume_mut(&r.host, &r.volume)?;
        if v.status != VolumeStatus::Started {
            return Err(gluster_error(&r.host, "mount", "volume not started".into()));
        }
        let key = (r.volume.clone(), r.source.clone());
        if !self.data.dirs.contains(&key) {
            return Err(ExecError::CommandFailed {
                host: r.host.clone(),
                command: format!("cp -r {}{}", r.mount, r.source),
                status: 1,
                stdout: String::new(),
                stderr: "No such file or directory".into(),
            });
        }
        let files = self.data.files.get(&key).cloned().unwrap_or_default();
        self.data.dirs.insert((r.volume.clone(), r.dest.clone()));
        self.data
            .files
            .insert((r.volume.clone(), r.dest.clone()), files.clone());
        Ok(files)
    }

    /// The volume whose brick is `r.brick` on host `r.host`.
    fn volume_of_brick(&self, r: &BrickReflink) -> Option<(String, String)> {
        let storage = self.hosts.get(&r.host)?.storage.clone();
        let name = self.brick_volume(&storage, &r.brick)?;
        Some((name, storage))
    }

    pub(super) fn brick_reflink(&mut self, r: &BrickReflink) -> Result<ReflinkReport, ExecError> {
        self.host(&r.host)?;
        let (volume, storage) = self.volume_of_brick(r).ok_or_else(|| ExecError::NotFound {
            host: r.host.clone(),
            what: format!("brick {}", r.brick),
        })?;
        if self.data.no_reflink.contains(&storage) {
            return Err(ExecError::Unsupported(format!(
                "{}: the filesystem of brick {} cannot reflink",
                r.host, r.brick
            )));
        }
        let files = self
            .data
            .files
            .get(&(volume.clone(), r.dest.clone()))
            .cloned()
            .unwrap_or_default();
        for f in &files {
            self.data
                .filled
                .insert((volume.clone(), r.dest.clone(), f.path.clone()));
        }
        Ok(ReflinkReport {
            cloned: files.into_iter().map(|f| f.path).collect(),
            missing: Vec::new(),
        })
    }

    pub(super) fn file_copy(&mut self, r: &FileCopy) -> Result<(), ExecError> {
        self.volume_mut(&r.host, &r.volume)?;
        self.data
            .filled
            .insert((r.volume.clone(), r.dest.clone(), r.file.clone()));
        Ok(())
    }

    pub(super) fn device_resync(&self, r: &DeviceResync) -> Result<ResyncReport, ExecError> {
        let now = self.device_info(&r.device)?;
        ResyncReport::checked(r, now)
    }

    /// Change a device's size, as a grown (or shrunk) disk would.
    pub(super) fn set_device_total(
        &mut self,
        host: &str,
        id: DeviceId,
        total: ByteSize,
    ) -> Result<DeviceInfo, ExecError> {
        let d = self.device_mut(host, id)?;
        d.total = total;
        Ok(info(d))
    }
}

type CharResult = Result<(), ExecError>;
