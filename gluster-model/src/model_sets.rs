//! The layout check of a volume's brick sets, shared by commits and expansions.

use crate::entity::{Brick, Volume};
use crate::error::ModelError;
use crate::id::{BrickId, NodeId};
use crate::small_map::SmallMap;

/// Checks set sizes, roles and node separation of every set of `volume`.
pub(crate) fn check_sets(
    volume: &Volume,
    bricks: &SmallMap<BrickId, &Brick>,
) -> Result<(), ModelError> {
    volume
        .durability
        .check_brick_count(volume.brick_sets.iter().map(Vec::len).sum())
        .map_err(|source| ModelError::Durability {
            volume: volume.id,
            source,
        })?;
    let want = volume.durability.set_size();
    let mut nodes: Vec<NodeId> = Vec::with_capacity(want);
    for (set, ids) in volume.brick_sets.iter().enumerate() {
        if ids.len() != want {
            return Err(ModelError::SetSize {
                volume: volume.id,
                set,
                got: ids.len(),
                want,
            });
        }
        nodes.clear();
        for (position, id) in ids.iter().enumerate() {
            let b = bricks.get(id).ok_or(ModelError::UnknownBrick(*id))?;
            if nodes.contains(&b.node) {
                return Err(ModelError::SetOnOneNode {
                    volume: volume.id,
                    set,
                    node: b.node,
                });
            }
            nodes.push(b.node);
            let role = volume.durability.role_at(position);
            if b.role != role {
                return Err(ModelError::BrickRole {
                    brick: b.id,
                    position,
                    got: b.role,
                    want: role,
                });
            }
        }
    }
    Ok(())
}
