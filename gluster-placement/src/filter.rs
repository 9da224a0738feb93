//! Request validation and the per-request filters: tag rules, allowed and preferred zones,
//! and the space a brick needs on a device.

use std::sync::Arc;

use gluster_model::{BrickSpace, ByteSize, SnapshotFactor, DEFAULT_EXTENT_SIZE};

use crate::error::PlacementError;
use crate::index::{ClusterIx, DevIx, Index, NodeIx, ZoneIx};
use crate::request::{PlacementSettings, VolumeRequest};

/// Checks what can be checked without the model (the checks live with the types).
pub(crate) fn validate(
    request: &VolumeRequest,
    settings: &PlacementSettings,
) -> Result<(), PlacementError> {
    request.check()?;
    settings.check()?;
    Ok(())
}

/// Space a data and an arbiter brick take on a device, per extent size.
#[derive(Debug, Clone)]
pub(crate) struct Needs {
    pub(crate) data_brick: ByteSize,
    pub(crate) arbiter_brick: Option<ByteSize>,
    factor: SnapshotFactor,
    /// (data, arbiter) bytes for the default extent.
    default: (u64, u64),
    /// (data, arbiter) pool and metadata for the default extent.
    default_space: (BrickSpace, Option<BrickSpace>),
}

impl Needs {
    pub(crate) fn new(
        data_brick: ByteSize,
        arbiter_brick: Option<ByteSize>,
        factor: SnapshotFactor,
    ) -> Option<Needs> {
        let space = |b: ByteSize| {
            let space = BrickSpace::for_brick(b, factor, DEFAULT_EXTENT_SIZE)?;
            Some((space, space.total()?.bytes()))
        };
        let (data_space, data) = space(data_brick)?;
        let (arbiter_space, arbiter) = match arbiter_brick {
            Some(a) => {
                let (s, bytes) = space(a)?;
                (Some(s), bytes)
            }
            None => (None, 0),
        };
        Some(Needs {
            data_brick,
            arbiter_brick,
            factor,
            default: (data, arbiter),
            default_space: (data_space, arbiter_space),
        })
    }

    /// The pool and metadata of a brick on a device with this extent.
    pub(crate) fn space(&self, arbiter: bool, extent: ByteSize) -> Option<BrickSpace> {
        if extent == DEFAULT_EXTENT_SIZE {
            return if arbiter {
                self.default_space.1
            } else {
                Some(self.default_space.0)
            };
        }
        let brick = if arbiter {
            self.arbiter_brick?
        } else {
            self.data_brick
        };
        BrickSpace::for_brick(brick, self.factor, extent)
    }

    /// Bytes a brick takes on a device with this extent (`u64::MAX` if it overflows).
    pub(crate) fn bytes(&self, arbiter: bool, extent: ByteSize) -> u64 {
        if extent == DEFAULT_EXTENT_SIZE {
            return self.default_bytes(arbiter);
        }
        self.space(arbiter, extent)
            .and_then(BrickSpace::total)
            .map_or(u64::MAX, ByteSize::bytes)
    }

    /// Bytes a data or arbiter brick takes with the default extent.
    pub(crate) fn default_bytes(&self, arbiter: bool) -> u64 {
        if arbiter {
            self.default.1
        } else {
            self.default.0
        }
    }
}

/// The request's restrictions on one cluster, resolved against the index.
pub(crate) struct Filter {
    pub(crate) cluster: ClusterIx,
    /// Zones bricks may go to, by zone number.
    pub(crate) zones: Arc<[ZoneIx]>,
    /// Per zone of the index: 0 for a preferred zone, 1 otherwise.
    pub(crate) zone_tier: Vec<u8>,
    /// Per device of the index, whether it matches every tag rule (`None`: no rules).
    pub(crate) tag_ok: Option<Vec<bool>>,
    /// Per node of the index, the bricks it may still take under the brick budget (`None`:
    /// no budget); lowered set by set while a plan is made.
    pub(crate) node_room: Option<Vec<u64>>,
}

impl Filter {
    pub(crate) fn new(index: &Index, cluster: ClusterIx, request: &VolumeRequest) -> Filter {
        let rec = &index.clusters[cluster.ix()];
        let zones = if request.allowed_zones.is_empty() {
            rec.all_zones.clone()
        } else {
            rec.zones
                .iter()
                .copied()
                .filter(|z| request.allowed_zones.contains(&index.zones[z.ix()].zone))
                .collect()
        };
        let zone_tier = if request.preferred_zones.is_empty() {
            Vec::new()
        } else {
            index
                .zones
                .iter()
                .map(|z| u8::from(!request.preferred_zones.contains(&z.zone)))
                .collect()
        };
        let tag_ok = (!request.device_tag_match.is_empty()).then(|| {
            index
                .devs
                .iter()
                .map(|d| {
                    let node = &index.nodes[d.node.ix()];
                    request
                        .device_tag_match
                        .iter()
                        .all(|rule| rule.matches(&node.tags, &d.tags))
                })
                .collect()
        });
        Filter {
            cluster,
            zones,
            zone_tier,
            tag_ok,
            node_room: None,
        }
    }

    /// Whether node `nx` may take one more brick under the budget.
    pub(crate) fn node_ok(&self, nx: NodeIx) -> bool {
        self.node_room
            .as_ref()
            .is_none_or(|room| room.get(nx.ix()).is_some_and(|&r| r > 0))
    }

    /// One brick of the plan being made goes to `nx`.
    pub(crate) fn take_node(&mut self, nx: NodeIx) {
        if let Some(r) = self
            .node_room
            .as_mut()
            .and_then(|room| room.get_mut(nx.ix()))
        {
            *r = r.saturating_sub(1);
        }
    }

    pub(crate) fn tags_match(&self, dx: DevIx) -> bool {
        self.tag_ok.as_ref().is_none_or(|ok| ok[dx.ix()])
    }

    pub(crate) fn tier(&self, z: ZoneIx) -> u8 {
        self.zone_tier.get(z.ix()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_gluster_rules() {
        let mut request = VolumeRequest::new(ByteSize::gib(1), gluster_model::Durability::None);
        let settings = PlacementSettings::default();
        request.name = Some("vol_1-a".into());
        assert!(validate(&request, &settings).is_ok());
        for bad in ["", "a b", "a/b", "all", "vol.1", "é", "-x", "POOL"] {
            request.name = Some(bad.into());
            match validate(&request, &settings) {
                Err(PlacementError::InvalidRequest(e)) => {
                    assert_eq!(e.field, "name", "{bad}: {e}");
                    assert!(e.rule.is_some(), "{bad}: {e}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
