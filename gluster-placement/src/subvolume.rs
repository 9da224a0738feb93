//! Subvolumes: many small claims as quota-limited directories of one hosting volume (as
//! Kadalu and gluster-subvol do). Choose a hosting volume with room, or say that a new one
//! is needed, never committing a hosting volume's quotas beyond `overcommit_percent` of its
//! size. The same idea as block hosting volumes ([`crate::block`]): among volumes with room
//! the one with the most room wins, ties by name.
//!
//! ```
//! use gluster_model::ByteSize;
//! use gluster_placement::subvolume::{choose_hosting, HostingVolume, SubvolumeHost, SubvolumePolicy};
//!
//! let hosts = [HostingVolume { name: "subvols_1".into(), size: ByteSize::gib(100), committed: ByteSize::gib(95) }];
//! let policy = SubvolumePolicy::default(); // 100 %: quotas never exceed the volume
//! assert!(matches!(choose_hosting(&hosts, ByteSize::gib(10), &policy), SubvolumeHost::New { .. }));
//! assert_eq!(
//!     choose_hosting(&hosts, ByteSize::gib(5), &policy),
//!     SubvolumeHost::Existing { name: "subvols_1".into() },
//! );
//! ```

use gluster_model::ByteSize;
use serde::{Deserialize, Serialize};

/// A volume that holds subvolume directories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostingVolume {
    /// Volume name.
    pub name: String,
    /// Usable size.
    pub size: ByteSize,
    /// Sum of its subvolumes' quotas.
    pub committed: ByteSize,
}

/// How far hosting volumes may be committed, and how big a new one is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubvolumePolicy {
    /// Quotas may add up to this share of a hosting volume's size, in percent (100: never
    /// more than the volume holds; 200: twice, betting that claims are not full).
    pub overcommit_percent: u32,
    /// Size of a new hosting volume (raised to fit a large subvolume).
    pub hosting_size: ByteSize,
}

impl Default for SubvolumePolicy {
    /// No over-commit, new hosting volumes of 1 TiB.
    fn default() -> Self {
        SubvolumePolicy {
            overcommit_percent: 100,
            hosting_size: ByteSize::tib(1),
        }
    }
}

impl SubvolumePolicy {
    /// The most quota `size` bytes of hosting volume may carry.
    pub fn capacity(&self, size: ByteSize) -> ByteSize {
        let wide = u128::from(size.bytes()) * u128::from(self.overcommit_percent) / 100;
        ByteSize::b(u64::try_from(wide).unwrap_or(u64::MAX))
    }

    /// The smallest hosting volume that carries a subvolume of `size`.
    fn fitting_size(&self, size: ByteSize) -> ByteSize {
        let percent = u64::from(self.overcommit_percent.max(1));
        let need = size
            .mul_ratio_ceil(100, percent)
            .unwrap_or(ByteSize::b(u64::MAX));
        need.max(self.hosting_size)
    }
}

impl HostingVolume {
    /// Quota still free under `policy`.
    pub fn room(&self, policy: &SubvolumePolicy) -> ByteSize {
        policy.capacity(self.size).saturating_sub(self.committed)
    }
}

/// Where a subvolume goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubvolumeHost {
    /// In this existing hosting volume.
    Existing {
        /// Its name.
        name: String,
    },
    /// No hosting volume has room: create one of this size first.
    New {
        /// Size of the new hosting volume.
        size: ByteSize,
    },
}

/// Choose where a subvolume of `size` goes: the hosting volume with the most room among
/// those that fit it (ties by name), or a new one.
pub fn choose_hosting(
    volumes: &[HostingVolume],
    size: ByteSize,
    policy: &SubvolumePolicy,
) -> SubvolumeHost {
    volumes
        .iter()
        .filter(|v| v.room(policy) >= size && size > ByteSize::ZERO)
        .max_by(|a, b| {
            a.room(policy)
                .cmp(&b.room(policy))
                .then_with(|| b.name.cmp(&a.name))
        })
        .map(|v| SubvolumeHost::Existing {
            name: v.name.clone(),
        })
        .unwrap_or(SubvolumeHost::New {
            size: policy.fitting_size(size),
        })
}

/// Why a subvolume cannot grow in its hosting volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("hosting volume {volume} has {room} of quota left, growing by {needed} does not fit")]
pub struct ExpandRefused {
    /// The hosting volume.
    pub volume: String,
    /// What growing needs.
    pub needed: ByteSize,
    /// What is left.
    pub room: ByteSize,
}

/// Check that a subvolume of `old` bytes in `volume` may grow to `new` bytes (shrinking is
/// always allowed); returns the new quota.
pub fn check_expand(
    volume: &HostingVolume,
    old: ByteSize,
    new: ByteSize,
    policy: &SubvolumePolicy,
) -> Result<ByteSize, ExpandRefused> {
    let needed = new.saturating_sub(old);
    let room = volume.room(policy);
    if needed > room {
        return Err(ExpandRefused {
            volume: volume.name.clone(),
            needed,
            room,
        });
    }
    Ok(new)
}
