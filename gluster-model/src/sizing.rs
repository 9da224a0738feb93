//! Space a brick takes on its device: thin pool, pool metadata, extent rounding.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::size::ByteSize;

/// LVM's default physical extent size, the unit all pool sizes round up to.
pub const DEFAULT_EXTENT_SIZE: ByteSize = ByteSize::mib(4);
/// The most metadata an LVM thin pool gets.
pub const MAX_POOL_METADATA: ByteSize = ByteSize::gib(16);
/// Smallest arbiter brick (Heketi's floor).
pub const MIN_ARBITER_BRICK: ByteSize = ByteSize::mib(16);
/// Default average file size for sizing arbiter bricks.
pub const DEFAULT_AVERAGE_FILE_SIZE: ByteSize = ByteSize::kib(64);

/// How much larger than the brick its thin pool is, to leave room for snapshots
/// (1 = no snapshots; Heketi uses 1.5 when snapshots are on without a factor). Held in
/// thousandths so that arithmetic is exact; serialized as a number such as `1.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotFactor(u32);

/// A snapshot factor outside 1..=100.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("snapshot factor {0} is out of range: expected 1 to 100")]
pub struct SnapshotFactorError(pub f64);

impl SnapshotFactor {
    /// No snapshot reserve.
    pub const ONE: SnapshotFactor = SnapshotFactor(1000);
    /// Heketi's factor when snapshots are enabled without one.
    pub const HEKETI_SNAPSHOT_DEFAULT: SnapshotFactor = SnapshotFactor(1500);

    /// A factor from a number in 1..=100 (rounded to thousandths).
    pub fn new(factor: f64) -> Result<Self, SnapshotFactorError> {
        if !(1.0..=100.0).contains(&factor) {
            return Err(SnapshotFactorError(factor));
        }
        Ok(SnapshotFactor((factor * 1000.0).round() as u32))
    }

    /// The factor in thousandths (1000 = 1.0).
    pub fn per_mille(self) -> u32 {
        self.0
    }

    /// The factor as a number.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl Default for SnapshotFactor {
    fn default() -> Self {
        SnapshotFactor::ONE
    }
}

impl fmt::Display for SnapshotFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}

impl Serialize for SnapshotFactor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for SnapshotFactor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        SnapshotFactor::new(v).map_err(serde::de::Error::custom)
    }
}

/// The space one brick takes on a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BrickSpace {
    /// Thin pool size (brick x snapshot factor, rounded up to the extent size).
    pub pool: ByteSize,
    /// Thin pool metadata (0.5 % of the pool, at most 16 GiB, rounded up to the extent size).
    pub metadata: ByteSize,
}

impl BrickSpace {
    /// Space for a brick of `brick` bytes, or `None` if it overflows.
    ///
    /// ```
    /// use gluster_model::{BrickSpace, ByteSize, SnapshotFactor, DEFAULT_EXTENT_SIZE};
    /// // Heketi's accounting for a 10 GiB brick: 10 GiB pool + 52 MiB metadata.
    /// let s = BrickSpace::for_brick(ByteSize::gib(10), SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE).unwrap();
    /// assert_eq!(s.metadata, ByteSize::mib(52));
    /// assert_eq!(s.total(), Some(ByteSize::mib(10 * 1024 + 52)));
    /// ```
    pub fn for_brick(
        brick: ByteSize,
        factor: SnapshotFactor,
        extent: ByteSize,
    ) -> Option<BrickSpace> {
        let pool = brick
            .mul_ratio_ceil(u64::from(factor.per_mille()), 1000)?
            .round_up_to(extent)?;
        let metadata = pool
            .mul_ratio_ceil(5, 1000)?
            .round_up_to(extent)?
            .min(MAX_POOL_METADATA);
        Some(BrickSpace { pool, metadata })
    }

    /// Pool plus metadata, what the device gives up.
    pub fn total(self) -> Option<ByteSize> {
        self.pool.checked_add(self.metadata)
    }
}

/// The size of an arbiter brick for data bricks of `data_brick`: one KiB of metadata per
/// file of `average_file_size`, at least `floor`.
///
/// ```
/// use gluster_model::{arbiter_brick_size, ByteSize, DEFAULT_AVERAGE_FILE_SIZE, MIN_ARBITER_BRICK};
/// let a = arbiter_brick_size(ByteSize::gib(64), DEFAULT_AVERAGE_FILE_SIZE, MIN_ARBITER_BRICK);
/// assert_eq!(a, ByteSize::gib(1));
/// ```
pub fn arbiter_brick_size(
    data_brick: ByteSize,
    average_file_size: ByteSize,
    floor: ByteSize,
) -> ByteSize {
    let files = data_brick
        .bytes()
        .div_ceil(average_file_size.bytes().max(1));
    let size = ByteSize::kib(1)
        .checked_mul(files)
        .unwrap_or(data_brick)
        .min(data_brick);
    size.max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heketi_sample_accounting() {
        // From heketi-topology-info-3zones.json (KiB): brick size -> used on the device.
        let cases = [
            (52_428_800u64, 52_690_944u64),
            (10_485_760, 10_539_008),
            (1_048_576 + 5_242_880, 6_328_320),
        ];
        let space = |kib: u64| {
            BrickSpace::for_brick(ByteSize::kib(kib), SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE)
                .unwrap()
                .total()
                .unwrap()
        };
        assert_eq!(space(cases[0].0), ByteSize::kib(cases[0].1));
        assert_eq!(space(cases[1].0), ByteSize::kib(cases[1].1));
        assert_eq!(
            space(1_048_576).checked_add(space(5_242_880)).unwrap(),
            ByteSize::kib(cases[2].1)
        );
    }

    #[test]
    fn snapshot_factor_and_metadata_cap() {
        let s = BrickSpace::for_brick(
            ByteSize::gib(100),
            SnapshotFactor::new(1.5).unwrap(),
            DEFAULT_EXTENT_SIZE,
        )
        .unwrap();
        assert_eq!(s.pool, ByteSize::gib(150));
        let big = BrickSpace::for_brick(ByteSize::tib(4), SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE)
            .unwrap();
        assert_eq!(big.metadata, MAX_POOL_METADATA);
        assert!(BrickSpace::for_brick(
            ByteSize::b(u64::MAX),
            SnapshotFactor::ONE,
            DEFAULT_EXTENT_SIZE
        )
        .is_none());
        assert!(SnapshotFactor::new(0.5).is_err());
        assert!(SnapshotFactor::new(f64::NAN).is_err());
        assert!(SnapshotFactor::new(101.0).is_err());
    }

    #[test]
    fn extent_rounding() {
        let s = BrickSpace::for_brick(ByteSize::mib(5), SnapshotFactor::ONE, DEFAULT_EXTENT_SIZE)
            .unwrap();
        assert_eq!(s.pool, ByteSize::mib(8));
        assert_eq!(s.metadata, ByteSize::mib(4));
    }

    #[test]
    fn arbiter_floor() {
        assert_eq!(
            arbiter_brick_size(
                ByteSize::gib(1),
                DEFAULT_AVERAGE_FILE_SIZE,
                MIN_ARBITER_BRICK
            ),
            MIN_ARBITER_BRICK
        );
        assert_eq!(
            arbiter_brick_size(
                ByteSize::mib(8),
                DEFAULT_AVERAGE_FILE_SIZE,
                MIN_ARBITER_BRICK
            ),
            MIN_ARBITER_BRICK
        );
    }
}
