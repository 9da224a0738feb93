//! The simulated hosts: devices, bricks, and the pool's volumes, as plain data.

use std::collections::{BTreeMap, BTreeSet};

use gluster_model::{BrickId, ByteSize, DeviceId, Durability, Model};

use crate::error::ExecError;
use crate::ops::*;

/// A device on a simulated host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimDevice {
    /// Device path, e.g. `/dev/sdb`.
    pub name: String,
    /// Size.
    pub total: ByteSize,
    /// Space used by what was there before (not by simulated bricks).
    pub used_before: ByteSize,
    /// Whether `device_setup` prepared it.
    pub prepared: bool,
    /// Bricks on it, with the space each takes (pool + metadata).
    pub bricks: BTreeMap<BrickId, SimBrick>,
}

impl SimDevice {
    /// Space not used.
    pub fn free(&self) -> ByteSize {
        let bricks = self.bricks.values().fold(ByteSize::ZERO, |a, b| {
            a.checked_add(b.space).unwrap_or(ByteSize::b(u64::MAX))
        });
        self.total
            .saturating_sub(self.used_before)
            .saturating_sub(bricks)
    }
}

/// A brick on a simulated device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimBrick {
    /// Brick directory.
    pub path: String,
    /// Space it takes on the device.
    pub space: ByteSize,
    /// Virtual size of the brick's thin LV.
    pub size: ByteSize,
    /// Size of its thin pool.
    pub pool: ByteSize,
    /// Other thin LVs in its pool (snapshots `snap:NAME`, clones `clone:NAME`); each is
    /// charged the brick's size, the room the snapshot factor reserved.
    pub thin: BTreeSet<String>,
}

impl SimBrick {
    /// Pool space still unreserved.
    pub fn pool_free(&self) -> ByteSize {
        let lvs = self.thin.len() as u64 + 1;
        self.pool
            .saturating_sub(self.size.checked_mul(lvs).unwrap_or(ByteSize::b(u64::MAX)))
    }
}

/// A simulated host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimHost {
    /// Storage hostname (how bricks name the host).
    pub storage: String,
    /// Devices by id.
    pub devices: BTreeMap<DeviceId, SimDevice>,
}

/// A volume the simulated pool knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimVolume {
    /// Layout.
    pub durability: Durability,
    /// Bricks in order.
    pub bricks: Vec<BrickAddress>,
    /// Status.
    pub status: VolumeStatus,
    /// Options set.
    pub options: BTreeMap<String, String>,
}

/// Everything the simulated executor holds: compare two of these to see what a run changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimState {
    /// Hosts by manage hostname.
    pub hosts: BTreeMap<String, SimHost>,
    /// Storage hostnames in the trusted pool.
    pub peers: BTreeSet<String>,
    /// Volumes by name.
    pub volumes: BTreeMap<String, SimVolume>,
    /// Block volumes by (hosting volume, name).
    pub block_volumes: BTreeMap<(String, String), ByteSize>,
    /// Snapshots, clones, quotas, subvolume directories and pool-wide options.
    pub data: super::data::DataState,
}

pub(super) fn gluster_error(host: &str, operation: &str, message: String) -> ExecError {
    ExecError::Gluster {
        host: host.to_string(),
        operation: operation.to_string(),
        errno: -1,
        message,
    }
}

pub(super) fn missing_volume(host: &str, name: &str) -> ExecError {
    ExecError::NotFound {
        host: host.to_string(),
        what: format!("volume {name}"),
    }
}

impl SimState {
    /// Hosts and devices of `model` (devices prepared or not), with the space the model
    /// already uses on them.
    pub fn from_model(model: &Model, prepared: bool) -> Self {
        let mut state = SimState::default();
        for node in model.nodes() {
            let host = state.hosts.entry(node.manage_hostname.clone()).or_default();
            host.storage = node.storage_hostname.clone();
            for d in model.devices_of(node.id) {
                host.devices.insert(
                    d.id,
                    SimDevice {
                        name: d.name.clone(),
                        total: d.total,
                        used_before: d.used,
                        prepared,
                        bricks: BTreeMap::new(),
                    },
                );
            }
            state.peers.insert(node.storage_hostname.clone());
        }
        state
    }

    pub(super) fn host(&self, host: &str) -> Result<&SimHost, ExecError> {
        self.hosts.get(host).ok_or_else(|| ExecError::Unreachable {
            host: host.to_string(),
            message: "no such simulated host".into(),
        })
    }

    pub(super) fn device_mut(
        &mut self,
        host: &str,
        id: DeviceId,
    ) -> Result<&mut SimDevice, ExecError> {
        self.host(host)?;
        self.hosts
            .get_mut(host)
            .and_then(|h| h.devices.get_mut(&id))
            .ok_or_else(|| ExecError::NotFound {
                host: host.to_string(),
                what: format!("device {id}"),
            })
    }

    /// Whether `address` names an existing brick directory.
    fn brick_exists(&self, address: &BrickAddress) -> bool {
        self.hosts.values().any(|h| {
            h.storage == address.host
                && h.devices
                    .values()
                    .any(|d| d.bricks.values().any(|b| b.path == address.path))
        })
    }

    /// Whether some volume serves the brick at `path` on `host`.
    fn brick_in_volume(&self, host: &str, path: &str) -> Option<&str> {
        let storage = self.hosts.get(host).map(|h| h.storage.as_str())?;
        self.volumes
            .iter()
            .find(|(_, v)| v.bricks.iter().any(|b| b.host == storage && b.path == path))
            .map(|(name, _)| name.as_str())
    }

    /// The volume that serves the brick `path` on storage host `storage`.
    pub(super) fn brick_volume(&self, storage: &str, path: &str) -> Option<String> {
        self.volumes
            .iter()
            .find(|(_, v)| v.bricks.iter().any(|b| b.host == storage && b.path == path))
            .map(|(name, _)| name.clone())
    }

    pub(super) fn check_glusterd(&self, host: &str) -> Result<(), ExecError> {
        self.host(host).map(drop)
    }

    pub(super) fn peer_probe(&mut self, r: &PeerRequest) -> Result<(), ExecError> {
        self.host(&r.host)?;
        self.peers.insert(r.peer.clone());
        Ok(())
    }

    pub(super) fn peer_detach(&mut self, r: &PeerRequest) -> Result<(), ExecError> {
        self.host(&r.host)?;
        if self
            .volumes
            .values()
            .any(|v| v.bricks.iter().any(|b| b.host == r.peer))
        {
            return Err(gluster_error(
                &r.host,
                "peer detach",
                format!("{} has bricks of volumes", r.peer),
            ));
        }
        self.peers.remove(&r.peer);
        Ok(())
    }

    pub(super) fn device_setup(&mut self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        let d = self.device_mut(&r.host, r.device_id)?;
        d.prepared = true;
        Ok(info(d))
    }

    pub(super) fn device_teardown(&mut self, r: &DeviceSetup) -> Result<(), ExecError> {
        let d = self.device_mut(&r.host, r.device_id)?;
        if !d.bricks.is_empty() {
            return Err(ExecError::CommandFailed {
                host: r.host.clone(),
                command: format!("vgremove {}", crate::render::lvm::vg_name(r.device_id)),
                status: 5,
                stdout: String::new(),
                stderr: format!("{} bricks remain on the device", d.bricks.len()),
            });
        }
        d.prepared = false;
        Ok(())
    }

    pub(super) fn device_info(&self, r: &DeviceSetup) -> Result<DeviceInfo, ExecError> {
        let d = self
            .host(&r.host)?
            .devices
            .get(&r.device_id)
            .filter(|d| d.prepared)
            .ok_or_else(|| ExecError::NotFound {
                host: r.host.clone(),
                what: format!("prepared device {} ({})", r.device, r.device_id),
            })?;
        Ok(info(d))
    }

    pub(super) fn brick_create(&mut self, r: &BrickCreate) -> Result<(), ExecError> {
        let d = self.device_mut(&r.host, r.device_id)?;
        if !d.prepared {
            return Err(ExecError::NotFound {
                host: r.host.clone(),
                what: format!("prepared device {} ({})", r.device, r.device_id),
            });
        }
        if d.bricks.contains_key(&r.brick_id) {
            return Ok(());
        }
        let space = r
            .pool_size
            .checked_add(r.metadata_size)
            .unwrap_or(ByteSize::b(u64::MAX));
        if space > d.free() {
            return Err(ExecError::CommandFailed {
                host: r.host.clone(),
                command: format!("lvcreate --thinpool tp_{}", r.brick_id),
                status: 5,
                stdout: String::new(),
                stderr: format!(
                    "insufficient free space: {} needed, {} free",
                    space,
                    d.free()
                ),
            });
        }
        d.bricks.insert(
            r.brick_id,
            SimBrick {
                path: r.path.clone(),
                space,
                size: r.size,
                pool: r.pool_size,
                thin: BTreeSet::new(),
            },
        );
        Ok(())
    }

    pub(super) fn brick_grow(&mut self, r: &BrickCreate) -> Result<(), ExecError> {
        let d = self.device_mut(&r.host, r.device_id)?;
        let free = d.free();
        let missing = || ExecError::NotFound {
            host: r.host.clone(),
            what: format!("brick {}", r.brick_id),
        };
        let b = d.bricks.get_mut(&r.brick_id).ok_or_else(missing)?;
        let space = r
            .pool_size
            .checked_add(r.metadata_size)
            .unwrap_or(ByteSize::b(u64::MAX));
        if space <= b.space {
            return Ok(());
        }
        if space.saturating_sub(b.space) > free {
            return Err(ExecError::CommandFailed {
                host: r.host.clone(),
                command: format!("lvextend tp_{}", r.brick_id),
                status: 5,
                stdout: String::new(),
                stderr: format!(
                    "insufficient free space: {} more needed, {free} free",
                    space.saturating_sub(b.space)
                ),
            });
        }
        b.space = space;
        b.size = b.size.max(r.size);
        b.pool = b.pool.max(r.pool_size);
        Ok(())
    }

    pub(super) fn brick_destroy(&mut self, r: &BrickCreate) -> Result<(), ExecError> {
        if let Some(volume) = self.brick_in_volume(&r.host, &r.path) {
            return Err(ExecError::CommandFailed {
                host: r.host.clone(),
                command: format!("umount {}", r.path),
                status: 32,
                stdout: String::new(),
                stderr: format!("target is busy (brick of volume {volume})"),
            });
        }
        let d = self.device_mut(&r.host, r.device_id)?;
        if let Some(lv) = d.bricks.get(&r.brick_id).and_then(|b| b.thin.first()) {
            return Err(ExecError::CommandFailed {
                host: r.host.clone(),
                command: format!("lvremove tp_{}", r.brick_id),
                status: 5,
                stdout: String::new(),
                stderr: format!("thin pool still holds {lv}"),
            });
        }
        d.bricks.remove(&r.brick_id);
        Ok(())
    }

    fn check_bricks(
        &self,
        host: &str,
        operation: &str,
        durability: Durability,
        bricks: &[BrickAddress],
    ) -> Result<(), ExecError> {
        let set = durability.set_size();
        if bricks.is_empty() || !bricks.len().is_multiple_of(set) {
            return Err(gluster_error(
                host,
                operation,
                format!("{} bricks is not a multiple of {set}", bricks.len()),
            ));
        }
        if let Some(b) = bricks.iter().find(|b| !self.brick_exists(b)) {
            return Err(gluster_error(
                host,
                operation,
                format!("{b}: brick path does not exist"),
            ));
        }
        Ok(())
    }

    pub(super) fn volume_create(&mut self, r: &VolumeCreate) -> Result<(), ExecError> {
        self.host(&r.host)?;
        if let Some(v) = self.volumes.get(&r.name) {
            return if v.bricks == r.bricks {
                Ok(())
            } else {
                Err(gluster_error(
                    &r.host,
                    "volume create",
                    format!("Volume {} already exists", r.name),
                ))
            };
        }
        self.check_bricks(&r.host, "volume create", r.durability, &r.bricks)?;
        self.volumes.insert(
            r.name.clone(),
            SimVolume {
                durability: r.durability,
                bricks: r.bricks.clone(),
                status: VolumeStatus::Created,
                options: r.options.iter().cloned().collect(),
            },
        );
        Ok(())
    }

    pub(super) fn volume_mut(
        &mut self,
        host: &str,
        name: &str,
    ) -> Result<&mut SimVolume, ExecError> {
        self.host(host)?;
        self.volumes
            .get_mut(name)
            .ok_or_else(|| missing_volume(host, name))
    }

    pub(super) fn volume_start(&mut self, r: &VolumeRef) -> Result<(), ExecError> {
        self.volume_mut(&r.host, &r.name)?.status = VolumeStatus::Started;
        Ok(())
    }

    pub(super) fn volume_stop(&mut self, r: &VolumeRef) -> Result<(), ExecError> {
        match self.volume_mut(&r.host, &r.name) {
            Ok(v) if v.status == VolumeStatus::Started => v.status = VolumeStatus::Stopped,
            Ok(_) | Err(ExecError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }

    pub(super) fn volume_delete(&mut self, r: &VolumeRef) -> Result<(), ExecError> {
        self.host(&r.host)?;
        match self.volumes.get(&r.name) {
            Some(v) if v.status == VolumeStatus::Started => Err(gluster_error(
                &r.host,
                "volume delete",
                format!(
                    "Volume {} has been started. Volume needs to be stopped",
                    r.name
                ),
            )),
            Some(_) => {
                self.volumes.remove(&r.name);
                self.release_thin(&format!("clone:{}", r.name));
                self.data.forget_volume(&r.name);
                Ok(())
            }
            None => Ok(()),
        }
    }

    pub(super) fn volume_expand(&mut self, r: &VolumeExpand) -> Result<(), ExecError> {
        let existing = self.volume_mut(&r.host, &r.name)?.bricks.clone();
        if r.bricks.iter().all(|b| existing.contains(b)) {
            return Ok(());
        }
        self.check_bricks(&r.host, "volume add-brick", r.durability, &r.bricks)?;
        self.volume_mut(&r.host, &r.name)?
            .bricks
            .extend(r.bricks.iter().cloned());
        Ok(())
    }

    pub(super) fn replace_brick(&mut self, r: &ReplaceBrick) -> Result<(), ExecError> {
        let v = self.volume_mut(&r.host, &r.name)?;
        if v.bricks.contains(&r.new) && !v.bricks.contains(&r.old) {
            return Ok(());
        }
        let Some(pos) = v.bricks.iter().position(|b| b == &r.old) else {
            return Err(gluster_error(
                &r.host,
                "volume replace-brick",
                format!("{} is not a brick of volume {}", r.old, r.name),
            ));
        };
        if !self.brick_exists(&r.new) {
            return Err(gluster_error(
                &r.host,
                "volume replace-brick",
                format!("{}: brick path does not exist", r.new),
            ));
        }
        self.volume_mut(&r.host, &r.name)?.bricks[pos] = r.new.clone();
        Ok(())
    }

    pub(super) fn set_options(&mut self, r: &SetOptions) -> Result<(), ExecError> {
        let v = self.volume_mut(&r.host, &r.name)?;
        v.options.extend(r.options.iter().cloned());
        Ok(())
    }

    pub(super) fn volume_info(&self, r: &VolumeRef) -> Result<VolumeInfo, ExecError> {
        self.host(&r.host)?;
        let v = self
            .volumes
            .get(&r.name)
            .ok_or_else(|| missing_volume(&r.host, &r.name))?;
        let d = v.durability;
        let set = d.set_size();
        let (replica, arbiter, disperse, redundancy) = match d {
            Durability::None => (1, 0, 0, 0),
            Durability::Replicate(replica) => (u32::from(replica.get()), 0, 0, 0),
            Durability::Arbiter => (3, 1, 0, 0),
            Durability::Disperse(layout) => (
                1,
                0,
                u32::from(layout.count()),
                u32::from(layout.redundancy()),
            ),
        };
        let kind = match d {
            Durability::None => "Distribute",
            Durability::Replicate(_) | Durability::Arbiter => "Replicate",
            Durability::Disperse(_) => "Disperse",
        };
        let type_name = if v.bricks.len() > set && set > 1 {
            format!("Distributed-{kind}")
        } else {
            kind.to_string()
        };
        Ok(VolumeInfo {
            name: r.name.clone(),
            status: v.status,
            type_name,
            bricks: v
                .bricks
                .iter()
                .enumerate()
                .map(|(i, b)| VolumeInfoBrick {
                    address: b.clone(),
                    arbiter: arbiter > 0 && i % set == set - 1,
                })
                .collect(),
            replica_count: replica,
            arbiter_count: arbiter,
            disperse_count: disperse,
            redundancy_count: redundancy,
            options: v
                .options
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }

    pub(super) fn heal_info(&self, r: &VolumeRef) -> Result<HealInfo, ExecError> {
        let info = self.volume_info(r)?;
        Ok(HealInfo {
            bricks: info
                .bricks
                .into_iter()
                .map(|b| HealBrick {
                    address: b.address,
                    connected: true,
                    pending: Some(0),
                })
                .collect(),
        })
    }

    pub(super) fn block_volume_create(&mut self, r: &BlockVolumeCreate) -> Result<(), ExecError> {
        self.volume_mut(&r.host, &r.hosting_volume)?;
        self.block_volumes
            .insert((r.hosting_volume.clone(), r.name.clone()), r.size);
        Ok(())
    }

    pub(super) fn block_volume_delete(&mut self, r: &BlockVolumeDelete) -> Result<(), ExecError> {
        self.host(&r.host)?;
        self.block_volumes
            .remove(&(r.hosting_volume.clone(), r.name.clone()));
        Ok(())
    }
}

pub(super) fn info(d: &SimDevice) -> DeviceInfo {
    DeviceInfo {
        total: d.total,
        free: d.free(),
        extent: gluster_model::DEFAULT_EXTENT_SIZE,
    }
}
