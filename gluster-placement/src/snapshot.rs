//! Does a snapshot or clone of a volume fit its bricks' LVM thin pools?
//!
//! A brick's thin pool is the brick's size times the volume's snapshot factor; the part
//! beyond the brick is the snapshot reserve. A thin snapshot starts out sharing every block
//! with its origin, but each block rewritten later takes new space, so each snapshot or
//! clone is charged the data its origin brick holds when it is taken (at least one extent):
//! then every snapshot can diverge completely without filling the pool. A snapshot is
//! refused, naming each brick that lacks room, unless every brick's pool can carry the
//! origin's full size, the charges already made and the new charge.
//!
//! ```
//! use gluster_model::ByteSize;
//! use gluster_placement::snapshot::{check_snapshot, ThinPoolUse};
//!
//! let pool = ThinPoolUse {
//!     brick: "node1:/bricks/b1".into(),
//!     brick_size: ByteSize::gib(10),
//!     pool_size: ByteSize::gib(15), // snapshot factor 1.5
//!     data_used: ByteSize::gib(3),
//!     reserved: ByteSize::ZERO,
//! };
//! let charge = check_snapshot(&[pool.clone()]).unwrap();
//! assert_eq!(charge.per_brick, vec![ByteSize::gib(3)]);
//! // Two snapshots have taken the reserve: a third is refused, with the reason.
//! let full = ThinPoolUse { reserved: ByteSize::gib(5), ..pool };
//! let err = check_snapshot(&[full]).unwrap_err();
//! assert!(err.to_string().contains("node1:/bricks/b1"), "{err}");
//! ```

use gluster_model::{ByteSize, DEFAULT_EXTENT_SIZE};
use serde::{Deserialize, Serialize};

/// One brick's thin pool as the snapshot check sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThinPoolUse {
    /// The brick, for messages (`host:/path`).
    pub brick: String,
    /// Virtual size of the origin brick.
    pub brick_size: ByteSize,
    /// Size of its thin pool (brick x snapshot factor).
    pub pool_size: ByteSize,
    /// Data the origin brick holds now.
    pub data_used: ByteSize,
    /// Already charged to earlier snapshots and clones in this pool.
    pub reserved: ByteSize,
}

impl ThinPoolUse {
    /// What a new snapshot or clone is charged: the origin's data, at least one extent.
    pub fn charge(&self) -> ByteSize {
        self.data_used.max(DEFAULT_EXTENT_SIZE)
    }

    /// Reserve still unclaimed: pool minus the origin's size minus earlier charges.
    pub fn reserve_left(&self) -> ByteSize {
        self.pool_size
            .saturating_sub(self.brick_size)
            .saturating_sub(self.reserved)
    }
}

/// What an accepted snapshot charges, brick by brick (in the order given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCharge {
    /// The charge of each brick; add it to that pool's `reserved`.
    pub per_brick: Vec<ByteSize>,
}

/// One brick whose pool cannot take the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolShort {
    /// The brick.
    pub brick: String,
    /// Its charge.
    pub needed: ByteSize,
    /// Its reserve left.
    pub left: ByteSize,
}

/// Why a snapshot or clone was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum SnapshotRefusal {
    /// The volume has no brick (nothing to snapshot).
    #[error("the volume has no brick to snapshot")]
    NoBricks,
    /// Some pools lack room.
    #[error("{}", describe(.0))]
    PoolsFull(Vec<PoolShort>),
}

fn describe(short: &[PoolShort]) -> String {
    let list: Vec<String> = short
        .iter()
        .map(|s| {
            format!(
                "{} needs {} of snapshot reserve, {} left",
                s.brick, s.needed, s.left
            )
        })
        .collect();
    format!(
        "the thin pools lack the room the snapshot factor reserved: {} (a volume made with \
         snapshot factor 1 has no reserve)",
        list.join("; ")
    )
}

/// Accept a snapshot or clone of a volume whose bricks' pools are `pools`, or refuse it
/// naming every brick that lacks room.
pub fn check_snapshot(pools: &[ThinPoolUse]) -> Result<SnapshotCharge, SnapshotRefusal> {
    if pools.is_empty() {
        return Err(SnapshotRefusal::NoBricks);
    }
    let short: Vec<PoolShort> = pools
        .iter()
        .filter(|p| p.charge() > p.reserve_left())
        .map(|p| PoolShort {
            brick: p.brick.clone(),
            needed: p.charge(),
            left: p.reserve_left(),
        })
        .collect();
    if !short.is_empty() {
        return Err(SnapshotRefusal::PoolsFull(short));
    }
    Ok(SnapshotCharge {
        per_brick: pools.iter().map(ThinPoolUse::charge).collect(),
    })
}

/// How many more snapshots of the volume fit if its bricks' data stays as it is.
pub fn snapshots_left(pools: &[ThinPoolUse]) -> u64 {
    pools
        .iter()
        .map(|p| p.reserve_left().bytes() / p.charge().bytes())
        .min()
        .unwrap_or(0)
}
