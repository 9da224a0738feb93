//! What a commit checks before it trusts a plan: a plan may come from outside (the C ABI
//! reads it back from JSON), so every size is derived again from the sizing rules and every
//! brick's placement from the index ([`PlacementError::InvalidPlan`] when it does not
//! hold). What the state decides (the name or ids taken, room, online states, node
//! separation) is a [`ModelError`], as the model would say it.

use gluster_model::{
    Brick, BrickId, BrickRole, BrickSpace, ByteSize, DeviceId, ModelError, SnapshotFactor,
};

use crate::error::PlacementError;
use crate::index::{DevIx, Index};
use crate::plan::Plan;
use crate::request::PlacementSettings;
use crate::sizing::data_brick;
use gluster_model::VolumeName;

/// Bricks are sized in whole KiB (as in `sizing.rs`).
const BRICK_UNIT: u64 = 1024;

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> PlacementError {
    PlacementError::InvalidPlan {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Checks `plan` against the sizing rules and the index; returns the space it takes per
/// device (each device once), for the index to record after the model took it.
pub(crate) fn check_plan(
    index: &Index,
    settings: &PlacementSettings,
    plan: &Plan,
    usage: &mut Vec<(DevIx, u64)>,
) -> Result<(), PlacementError> {
    usage.clear();
    VolumeName::check(&plan.volume_name).map_err(|e| invalid("volume_name", e.to_string()))?;
    let cluster = index
        .cluster_by_id
        .get(&plan.cluster)
        .ok_or_else(|| invalid("cluster", format!("unknown cluster {}", plan.cluster)))?;
    let cluster = &index.clusters[cluster.ix()];
    if !cluster.file {
        return Err(invalid("cluster", "the cluster does not take file volumes"));
    }
    if cluster.names.contains(&plan.volume_name) {
        return Err(ModelError::DuplicateVolumeName(plan.volume_name.clone()).into());
    }
    for (key, value) in &plan.options {
        let key_ok = !key.is_empty()
            && key
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c));
        if !key_ok || value.bytes().any(|c| c.is_ascii_control()) {
            return Err(invalid("options", format!("option {key:?} = {value:?}")));
        }
    }
    check_sizes(settings, plan)?;
    let set_size = plan.durability.set_size();
    for (i, b) in plan.bricks.iter().enumerate() {
        let field = |name: &str| format!("bricks[{i}].{name}");
        if (b.set, b.position) != (i / set_size, i % set_size) {
            return Err(invalid(field("set"), "bricks must be listed set by set"));
        }
        let role = plan.durability.role_at(b.position);
        if b.role != role {
            return Err(invalid(
                field("role"),
                format!("{} at position {}", b.role, b.position),
            ));
        }
        let want_size = match role {
            BrickRole::Arbiter => plan.arbiter_brick_bytes.unwrap_or(plan.data_brick_bytes),
            BrickRole::Data => plan.data_brick_bytes,
        };
        if b.size_bytes != want_size {
            return Err(invalid(
                field("size_bytes"),
                format!("{} instead of {want_size}", b.size_bytes),
            ));
        }
        let &dx = index.dev_by_id.get(&b.device_id).ok_or_else(|| {
            invalid(
                field("device_id"),
                format!("unknown device {}", b.device_id),
            )
        })?;
        let dev = &index.devs[dx.ix()];
        let node = &index.nodes[dev.node.ix()];
        let zone = index.zones[dev.zone.ix()].zone;
        if b.node_id != node.id || b.node != node.manage || b.storage_host != node.storage {
            return Err(invalid(
                field("node"),
                format!("device {} is on node {} ({})", dev.id, node.manage, node.id),
            ));
        }
        if b.zone != zone || b.device != dev.name {
            return Err(invalid(
                field("device"),
                format!("device {} is {} in zone {zone}", dev.id, dev.name),
            ));
        }
        let allowed = match role {
            BrickRole::Data => dev.arbiter.takes_data(),
            BrickRole::Arbiter => dev.arbiter.takes_arbiter(),
        };
        if !allowed {
            return Err(invalid(
                field("role"),
                format!(
                    "device {} does not take {role} bricks (arbiter tag {:?})",
                    dev.name, dev.arbiter
                ),
            ));
        }
        let space = BrickSpace::for_brick(b.size_bytes, plan.snapshot.factor, dev.extent)
            .filter(|s| s.pool == b.pool_bytes && s.metadata == b.metadata_bytes)
            .ok_or_else(|| invalid(field("pool_bytes"), "pool or metadata size do not follow from the brick size, snapshot factor and extent size"))?;
        let bytes = space
            .total()
            .ok_or_else(|| invalid(field("pool_bytes"), "overflow"))?
            .bytes();
        check_path(&b.path, b.device_id, b.id)
            .map_err(|problem| invalid(field("path"), problem))?;
        match usage.iter_mut().find(|(d, _)| *d == dx) {
            Some((_, sum)) => {
                *sum = sum
                    .checked_add(bytes)
                    .ok_or_else(|| invalid(field("pool_bytes"), "overflow"))?
            }
            None => usage.push((dx, bytes)),
        }
    }
    for &(dx, need) in usage.iter() {
        let dev = &index.devs[dx.ix()];
        let free = dev.total.saturating_sub(dev.used);
        if need > free {
            return Err(ModelError::Overbooked {
                device: dev.id,
                need: ByteSize::b(need),
                free: ByteSize::b(free),
            }
            .into());
        }
    }
    Ok(())
}

/// The plan's layout and brick sizes follow from its size, durability and set count.
fn check_sizes(settings: &PlacementSettings, plan: &Plan) -> Result<(), PlacementError> {
    let (set_size, share) = (plan.durability.set_size(), plan.durability.data_share());
    if set_size == 0 || share == 0 {
        return Err(invalid("durability", "a set holds no brick"));
    }
    if plan.size_bytes == ByteSize::ZERO {
        return Err(invalid("size_bytes", "must be greater than zero"));
    }
    if plan.set_count == 0 || plan.set_count.checked_mul(set_size) != Some(plan.bricks.len()) {
        return Err(invalid(
            "bricks",
            format!(
                "{} bricks for {} sets of {set_size}",
                plan.bricks.len(),
                plan.set_count
            ),
        ));
    }
    plan.durability
        .check_brick_count(plan.bricks.len())
        .map_err(|e| invalid("durability", e.to_string()))?;
    let want = data_brick(plan.size_bytes, plan.set_count, share);
    if want != Some(plan.data_brick_bytes) {
        return Err(invalid(
            "data_brick_bytes",
            format!(
                "{} for {} in {} sets",
                plan.data_brick_bytes, plan.size_bytes, plan.set_count
            ),
        ));
    }
    let arbiter_layout = plan.durability == gluster_model::Durability::Arbiter;
    match plan.arbiter_brick_bytes {
        None if arbiter_layout => return Err(invalid("arbiter_brick_bytes", "missing")),
        Some(_) if !arbiter_layout => {
            return Err(invalid(
                "arbiter_brick_bytes",
                "only arbiter layouts have one",
            ))
        }
        Some(a) => {
            // The arbiter sizing (`arbiter_brick_size`) lies between its floor and the data
            // brick (or the floor when that is larger), in whole KiB.
            let floor = settings.min_arbiter_brick_size.min(plan.data_brick_bytes);
            let ceiling = plan.data_brick_bytes.max(settings.min_arbiter_brick_size);
            let whole = a.bytes() % BRICK_UNIT == 0 || a == plan.data_brick_bytes;
            if a < floor
                || a > ceiling
                    .round_up_to(ByteSize::b(BRICK_UNIT))
                    .unwrap_or(ceiling)
                || !whole
            {
                return Err(invalid(
                    "arbiter_brick_bytes",
                    format!("{a} for data bricks of {}", plan.data_brick_bytes),
                ));
            }
        }
        None => {}
    }
    if plan.snapshot.enabled != (plan.snapshot.factor != SnapshotFactor::ONE) {
        return Err(invalid(
            "snapshot",
            "enabled must say whether the factor is above 1",
        ));
    }
    Ok(())
}

/// A brick path is a mount root (absolute, plain characters, no `..`) followed by the
/// brick's own suffix (`/vg_<device>/brick_<brick>/brick`).
fn check_path(path: &str, device: DeviceId, brick: BrickId) -> Result<(), String> {
    let root = Brick::heketi_mount_root(path, device, brick).ok_or_else(|| {
        let suffix = Brick::heketi_path("", device, brick);
        format!("{path:?} does not end in {suffix:?}")
    })?;
    let plain = root
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"._-/".contains(&c));
    let dotted = root.split('/').any(|part| part == "." || part == "..");
    if !(root.is_empty() || root.starts_with('/')) || !plain || dotted || root.contains("//") {
        return Err(format!("mount root {root:?} is not a plain absolute path"));
    }
    Ok(())
}
