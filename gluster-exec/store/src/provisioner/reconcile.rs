//! Reconcile: what the hosts report against what the store says, every difference listed.

use std::collections::{BTreeMap, BTreeSet};

use gluster_exec::ops::{BrickAddress, VolumeStatus};
use gluster_exec::simulated::SimState;
use gluster_model::{ByteSize, DeviceId};

use super::records::{parse, PendingOp};
use super::Provisioner;
use crate::error::StoreError;
use crate::key::Kind;

/// A volume as the hosts report it (`gluster volume info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostVolume {
    /// Started.
    pub started: bool,
    /// Bricks in order.
    pub bricks: Vec<BrickAddress>,
}

/// What the hosts hold: volumes, brick directories, the space used on each device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostReport {
    /// Volumes by name.
    pub volumes: BTreeMap<String, HostVolume>,
    /// Brick directories found on the nodes (storage host, path).
    pub bricks: BTreeSet<BrickAddress>,
    /// Space used per device (absent: not reported).
    pub device_used: BTreeMap<DeviceId, ByteSize>,
}

impl HostReport {
    /// The report of simulated hosts.
    pub fn from_simulated(state: &SimState) -> HostReport {
        let mut report = HostReport::default();
        for (name, v) in &state.volumes {
            report.volumes.insert(
                name.clone(),
                HostVolume {
                    started: v.status == VolumeStatus::Started,
                    bricks: v.bricks.clone(),
                },
            );
        }
        for host in state.hosts.values() {
            for (id, d) in &host.devices {
                let used = d.total.saturating_sub(d.free());
                report.device_used.insert(*id, used);
                for b in d.bricks.values() {
                    report.bricks.insert(BrickAddress {
                        host: host.storage.clone(),
                        path: b.path.clone(),
                    });
                }
            }
        }
        report
    }
}

/// One way the store and the hosts differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// An operation is still pending (run recovery).
    Pending(String),
    /// The store has a volume the hosts do not.
    MissingVolume(String),
    /// The hosts have a volume the store does not.
    ExtraVolume(String),
    /// A volume is not started on the hosts.
    NotStarted(String),
    /// A volume's bricks differ.
    VolumeBricks {
        /// The volume.
        volume: String,
        /// The store's bricks.
        store: Vec<BrickAddress>,
        /// The hosts'.
        hosts: Vec<BrickAddress>,
    },
    /// A brick of the store has no directory on its host.
    MissingBrick(BrickAddress),
    /// A brick directory no stored brick accounts for.
    OrphanBrick(BrickAddress),
    /// A device's used space differs.
    DeviceUsed {
        /// The device.
        device: DeviceId,
        /// The store's.
        store: ByteSize,
        /// The hosts'.
        hosts: ByteSize,
    },
}

impl Provisioner {
    /// Every difference between the store (after catching up) and `report`. Volumes of
    /// pending creates are expected on neither side; pending operations are listed.
    pub async fn reconcile(&self, report: &HostReport) -> Result<Vec<Difference>, StoreError> {
        self.refresh().await?;
        let location = self.location();
        let view = super::lock(&self.inner.view);
        let mut out = Vec::new();
        let mut pending_volumes = BTreeSet::new();
        for e in view
            .entries
            .values()
            .filter(|e| e.key.kind == Kind::Pending)
        {
            out.push(Difference::Pending(e.key.id.clone()));
            if let Ok(op) = parse::<PendingOp>(e, &location) {
                pending_volumes.extend(op.volumes());
            }
        }
        let model = &view.engine.model;
        let mut names = BTreeSet::new();
        let mut stored_bricks = BTreeSet::new();
        for v in model.volumes() {
            let bricks: Vec<BrickAddress> = v
                .brick_ids()
                .filter_map(|b| model.brick(b))
                .filter_map(|b| {
                    Some(BrickAddress {
                        host: model.node(b.node)?.storage_hostname.clone(),
                        path: b.path.clone(),
                    })
                })
                .collect();
            if pending_volumes.contains(&v.id) {
                continue;
            }
            names.insert(v.name.clone());
            stored_bricks.extend(bricks.iter().cloned());
            match report.volumes.get(&v.name) {
                None => out.push(Difference::MissingVolume(v.name.clone())),
                Some(h) => {
                    if !h.started {
                        out.push(Difference::NotStarted(v.name.clone()));
                    }
                    if h.bricks != bricks {
                        out.push(Difference::VolumeBricks {
                            volume: v.name.clone(),
                            store: bricks.clone(),
                            hosts: h.bricks.clone(),
                        });
                    }
                }
            }
        }
        for name in report.volumes.keys().filter(|n| !names.contains(*n)) {
            out.push(Difference::ExtraVolume(name.clone()));
        }
        for b in stored_bricks.difference(&report.bricks) {
            out.push(Difference::MissingBrick(b.clone()));
        }
        for b in report.bricks.difference(&stored_bricks) {
            out.push(Difference::OrphanBrick(b.clone()));
        }
        if pending_volumes.is_empty() {
            for d in model.devices() {
                if let Some(&hosts) = report.device_used.get(&d.id) {
                    if hosts != d.used {
                        out.push(Difference::DeviceUsed {
                            device: d.id,
                            store: d.used,
                            hosts,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// The model of the stored state, as this provisioner sees it now.
    pub async fn model(&self) -> Result<gluster_model::Model, StoreError> {
        self.refresh().await?;
        Ok(super::lock(&self.inner.view).engine.model.clone())
    }
}
