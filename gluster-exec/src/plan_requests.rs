//! A plan as executor requests: the devices to prepare, the bricks to create and the volume
//! to create and start. The runner, the day-2 paths and the dry run all start from here.

use std::collections::BTreeSet;

use gluster_model::BrickRole;
use gluster_placement::{Plan, PlannedBrick};

use crate::error::ExecError;
use crate::ops::*;

/// The executor requests that carry out a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRequests {
    /// Every device the plan puts a brick on, in order of first use.
    pub devices: Vec<DeviceSetup>,
    /// Every brick, in the plan's order.
    pub bricks: Vec<BrickCreate>,
    /// The volume, with its options.
    pub volume: VolumeCreate,
}

impl PlanRequests {
    /// The volume to start once created.
    pub fn start(&self) -> VolumeRef {
        VolumeRef {
            host: self.volume.host.clone(),
            name: self.volume.name.clone(),
        }
    }
}

/// The brick request of one planned brick.
pub fn brick_request(b: &PlannedBrick) -> BrickCreate {
    BrickCreate {
        host: b.node.to_string(),
        device_id: b.device_id,
        device: b.device.to_string(),
        brick_id: b.id,
        size: b.size_bytes,
        pool_size: b.pool_bytes,
        metadata_size: b.metadata_bytes,
        arbiter: b.role == BrickRole::Arbiter,
        path: b.path.clone(),
    }
}

/// The requests that carry out `plan`.
pub fn plan_requests(plan: &Plan) -> Result<PlanRequests, ExecError> {
    let first = plan
        .bricks
        .first()
        .ok_or_else(|| ExecError::InvalidRequest("the plan has no bricks".into()))?;
    let mut seen = BTreeSet::new();
    let devices = plan
        .bricks
        .iter()
        .filter(|b| seen.insert(b.device_id))
        .map(|b| DeviceSetup {
            host: b.node.to_string(),
            device_id: b.device_id,
            device: b.device.to_string(),
        })
        .collect();
    Ok(PlanRequests {
        devices,
        bricks: plan.bricks.iter().map(brick_request).collect(),
        volume: VolumeCreate {
            host: first.node.to_string(),
            name: plan.volume_name.clone(),
            durability: plan.durability,
            bricks: plan
                .bricks
                .iter()
                .map(|b| BrickAddress {
                    host: b.storage_host.to_string(),
                    path: b.path.clone(),
                })
                .collect(),
            options: plan.options.clone(),
        },
    })
}
