//! Durability layouts and Gluster's validity rules for them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Largest data count of a disperse set that Gluster supports in practice.
pub const MAX_DISPERSE_DATA: u8 = 16;

/// How a volume keeps its data safe: the layout of every brick set.
///
/// Every value keeps Gluster's rules: the replicate and disperse variants hold checked types
/// ([`ReplicaCount`], [`DisperseLayout`]) whose fields are private. Construct through
/// [`Durability::replicate`], [`Durability::arbiter`], [`Durability::disperse`],
/// [`Durability::disperse_default`], or deserialize (also checked). The JSON form is
/// `{"type":"replicate","replica":3}`, `{"type":"disperse","data":4,"redundancy":2}`,
/// `{"type":"none"}`, `{"type":"arbiter"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "DurabilityRepr", try_from = "DurabilityRepr")]
pub enum Durability {
    /// Pure distribute: every brick is its own set.
    None,
    /// `replica N`: every set holds N full copies.
    Replicate(ReplicaCount),
    /// `replica 3 arbiter 1`: two data bricks and a metadata-only arbiter, the 3rd of every set.
    Arbiter,
    /// `disperse D redundancy R`: erasure coding over `data + redundancy` bricks per set.
    Disperse(DisperseLayout),
}

/// A replica count Gluster accepts: at least 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplicaCount(u8);

impl ReplicaCount {
    /// `n` copies per set, checked.
    pub const fn new(n: u8) -> Result<Self, DurabilityError> {
        if n < 2 {
            return Err(DurabilityError::ReplicaTooSmall(n));
        }
        Ok(ReplicaCount(n))
    }

    /// Copies per set.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for ReplicaCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A disperse set Gluster accepts: `data + redundancy` of at least 3 bricks, redundancy at
/// least 1 and below half the set, at most [`MAX_DISPERSE_DATA`] data bricks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DisperseLayout {
    data: u8,
    redundancy: u8,
}

impl DisperseLayout {
    /// `data` data bricks and `redundancy` redundancy bricks per set, checked.
    pub const fn new(data: u8, redundancy: u8) -> Result<Self, DurabilityError> {
        let disperse = data as u16 + redundancy as u16;
        if redundancy == 0 {
            return Err(DurabilityError::RedundancyZero);
        }
        if disperse < 3 {
            return Err(DurabilityError::DisperseTooSmall(disperse));
        }
        if 2 * (redundancy as u16) >= disperse {
            return Err(DurabilityError::RedundancyTooLarge {
                redundancy,
                disperse,
            });
        }
        if data > MAX_DISPERSE_DATA {
            return Err(DurabilityError::DataTooLarge(data));
        }
        Ok(DisperseLayout { data, redundancy })
    }

    /// Data bricks per set.
    pub const fn data(self) -> u8 {
        self.data
    }

    /// Redundancy bricks per set: how many bricks a set may lose.
    pub const fn redundancy(self) -> u8 {
        self.redundancy
    }

    /// Bricks per set (`data + redundancy`, Gluster's disperse count).
    pub const fn count(self) -> u16 {
        self.data as u16 + self.redundancy as u16
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum DurabilityRepr {
    None,
    Replicate { replica: u8 },
    Arbiter,
    Disperse { data: u8, redundancy: u8 },
}

impl TryFrom<DurabilityRepr> for Durability {
    type Error = DurabilityError;
    fn try_from(r: DurabilityRepr) -> Result<Self, Self::Error> {
        match r {
            DurabilityRepr::None => Ok(Durability::None),
            DurabilityRepr::Replicate { replica } => Durability::replicate(replica),
            DurabilityRepr::Arbiter => Ok(Durability::Arbiter),
            DurabilityRepr::Disperse { data, redundancy } => Durability::disperse(data, redundancy),
        }
    }
}

impl From<Durability> for DurabilityRepr {
    fn from(d: Durability) -> Self {
        match d {
            Durability::None => DurabilityRepr::None,
            Durability::Replicate(r) => DurabilityRepr::Replicate { replica: r.get() },
            Durability::Arbiter => DurabilityRepr::Arbiter,
            Durability::Disperse(l) => DurabilityRepr::Disperse {
                data: l.data(),
                redundancy: l.redundancy(),
            },
        }
    }
}

/// Which of Gluster's layout rules a durability or a brick list breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurabilityError {
    /// Replica counts start at 2.
    #[error("replica count must be at least 2, got {0}")]
    ReplicaTooSmall(u8),
    /// Gluster supports exactly one arbiter per set.
    #[error("arbiter count must be 1, got {0}")]
    ArbiterCount(u8),
    /// The arbiter goes with replica 3 (`replica 2 arbiter 1` is sent as replica 3 arbiter 1).
    #[error("arbiter needs replica 3 (or replica 2 arbiter 1), got replica {0}")]
    ArbiterReplica(u8),
    /// Disperse needs at least 3 bricks per set.
    #[error("disperse count must be at least 3, got {0}")]
    DisperseTooSmall(u16),
    /// Disperse needs a redundancy of at least 1.
    #[error("disperse redundancy must be at least 1")]
    RedundancyZero,
    /// Disperse needs 2 x redundancy < disperse count.
    #[error("disperse redundancy {redundancy} is too large: 2 x redundancy must be less than the disperse count {disperse}")]
    RedundancyTooLarge {
        /// Redundancy asked for.
        redundancy: u8,
        /// Bricks per set.
        disperse: u16,
    },
    /// More data bricks per set than Gluster supports.
    #[error("disperse data count {0} exceeds the supported maximum of {MAX_DISPERSE_DATA}")]
    DataTooLarge(u8),
    /// Replicate and disperse were both asked for.
    #[error("replicate and disperse cannot be combined")]
    ReplicateAndDisperse,
    /// The brick count is not a multiple of the set size.
    #[error("brick count {bricks} is not a multiple of the set size {set_size}")]
    BrickCountNotMultiple {
        /// Bricks given.
        bricks: usize,
        /// Bricks per set.
        set_size: usize,
    },
    /// A volume needs at least one brick.
    #[error("a volume needs at least one brick")]
    NoBricks,
}

/// Advice that is not an error: Gluster warns but creates the volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "advisory", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DurabilityAdvisory {
    /// The data count is not a power of two: Gluster calls the layout "not optimal" because its
    /// stripe (512 B x data count) does not align with common I/O sizes.
    DisperseNotOptimal {
        /// The data count.
        data: u8,
    },
    /// A layout Heketi would have refused (it took replica up to 3 and disperse 2+1, 4+2, 8+3, 8+4).
    NotHeketiCompatible,
}

/// The role of a brick within its set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BrickRole {
    /// Holds file data.
    Data,
    /// Holds only metadata (the 3rd brick of a `replica 3 arbiter 1` set).
    Arbiter,
}

impl fmt::Display for BrickRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BrickRole::Data => "data",
            BrickRole::Arbiter => "arbiter",
        })
    }
}

impl Durability {
    /// `replica 2`.
    pub const REPLICA_2: Durability = Durability::Replicate(ReplicaCount(2));
    /// `replica 3`, Heketi's default.
    pub const REPLICA_3: Durability = Durability::Replicate(ReplicaCount(3));

    /// `replica N`, checked.
    pub fn replicate(replica: u8) -> Result<Self, DurabilityError> {
        ReplicaCount::new(replica).map(Durability::Replicate)
    }

    /// `replica R arbiter A` as Gluster's CLI takes it, checked: A must be 1 and R 3 (or 2,
    /// which Gluster rewrites to 3).
    pub fn arbiter(replica: u8, arbiter: u8) -> Result<Self, DurabilityError> {
        if arbiter != 1 {
            return Err(DurabilityError::ArbiterCount(arbiter));
        }
        match replica {
            2 | 3 => Ok(Durability::Arbiter),
            r => Err(DurabilityError::ArbiterReplica(r)),
        }
    }

    /// `disperse (data + redundancy) redundancy R`, checked.
    pub fn disperse(data: u8, redundancy: u8) -> Result<Self, DurabilityError> {
        DisperseLayout::new(data, redundancy).map(Durability::Disperse)
    }

    /// `disperse N` without an explicit redundancy: the redundancy Gluster's CLI picks.
    pub fn disperse_default(count: u16) -> Result<Self, DurabilityError> {
        let (data, redundancy) = match count {
            0..=2 => return Err(DurabilityError::DisperseTooSmall(count)),
            3 => (2, 1),
            4 => (3, 1),
            5 => (4, 1),
            6 => (4, 2),
            7 => (6, 1),
            8 => (7, 1),
            9 => (8, 1),
            10 => (8, 2),
            11 => (8, 3),
            12 => (8, 4),
            n => {
                // Beyond the CLI's table: the power-of-two data count above half the set, or
                // n-1 + 1 when n is itself a power of two (as the table does for 4 and 8).
                let n8 = u8::try_from(n).map_err(|_| DurabilityError::DataTooLarge(u8::MAX))?;
                let below = 1u8 << (7 - n8.leading_zeros());
                let data = if below == n8 { n8 - 1 } else { below };
                (data, n8 - data)
            }
        };
        Durability::disperse(data, redundancy)
    }

    /// Bricks in one set (the group size Gluster forms from consecutive bricks).
    pub fn set_size(self) -> usize {
        match self {
            Durability::None => 1,
            Durability::Replicate(r) => usize::from(r.get()),
            Durability::Arbiter => 3,
            Durability::Disperse(l) => usize::from(l.count()),
        }
    }

    /// How many bricks' worth of user data one set stores: the volume size is split over
    /// `sets x data_share` data bricks.
    pub fn data_share(self) -> usize {
        match self {
            Durability::None | Durability::Replicate(_) | Durability::Arbiter => 1,
            Durability::Disperse(l) => usize::from(l.data()),
        }
    }

    /// The role of the brick at `position` (0-based) within a set.
    pub fn role_at(self, position: usize) -> BrickRole {
        match self {
            Durability::Arbiter if position == 2 => BrickRole::Arbiter,
            _ => BrickRole::Data,
        }
    }

    /// How many bricks of one set may be lost while data stays readable and writable.
    pub fn tolerated_losses(self) -> usize {
        match self {
            Durability::None => 0,
            // Client quorum (auto) keeps writing with a majority.
            Durability::Replicate(r) => usize::from(r.get() - 1) / 2,
            Durability::Arbiter => 1,
            Durability::Disperse(l) => usize::from(l.redundancy()),
        }
    }

    /// Checks that `bricks` bricks form whole sets of this layout.
    pub fn check_brick_count(self, bricks: usize) -> Result<usize, DurabilityError> {
        let set_size = self.set_size();
        if bricks == 0 {
            return Err(DurabilityError::NoBricks);
        }
        if !bricks.is_multiple_of(set_size) {
            return Err(DurabilityError::BrickCountNotMultiple { bricks, set_size });
        }
        Ok(bricks / set_size)
    }

    /// Advice that does not stop Gluster from creating the volume.
    pub fn advisories(self) -> Vec<DurabilityAdvisory> {
        let mut out = Vec::new();
        if let Durability::Disperse(l) = self {
            let data = l.data();
            if !data.is_power_of_two() {
                out.push(DurabilityAdvisory::DisperseNotOptimal { data });
            }
        }
        let heketi_ok = match self {
            Durability::None | Durability::Arbiter => true,
            Durability::Replicate(r) => r.get() <= 3,
            Durability::Disperse(l) => {
                matches!(
                    (l.data(), l.redundancy()),
                    (2, 1) | (4, 2) | (8, 3) | (8, 4)
                )
            }
        };
        if !heketi_ok {
            out.push(DurabilityAdvisory::NotHeketiCompatible);
        }
        out
    }
}

impl fmt::Display for Durability {
    /// The StorageClass `volumetype` spelling (arbiter as `replicate:3` + arbiter).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Durability::None => f.write_str("none"),
            Durability::Replicate(r) => write!(f, "replicate:{r}"),
            Durability::Arbiter => f.write_str("replicate:3 arbiter:1"),
            Durability::Disperse(l) => write!(f, "disperse:{}:{}", l.data(), l.redundancy()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_rules() {
        assert_eq!(Durability::replicate(3).unwrap().set_size(), 3);
        assert_eq!(
            Durability::replicate(1),
            Err(DurabilityError::ReplicaTooSmall(1))
        );
        assert_eq!(
            Durability::replicate(0),
            Err(DurabilityError::ReplicaTooSmall(0))
        );
    }

    #[test]
    fn arbiter_rules() {
        assert_eq!(Durability::arbiter(3, 1), Ok(Durability::Arbiter));
        assert_eq!(Durability::arbiter(2, 1), Ok(Durability::Arbiter));
        assert_eq!(
            Durability::arbiter(3, 2),
            Err(DurabilityError::ArbiterCount(2))
        );
        assert_eq!(
            Durability::arbiter(4, 1),
            Err(DurabilityError::ArbiterReplica(4))
        );
        let a = Durability::Arbiter;
        assert_eq!(a.role_at(0), BrickRole::Data);
        assert_eq!(a.role_at(1), BrickRole::Data);
        assert_eq!(a.role_at(2), BrickRole::Arbiter);
        assert_eq!(a.role_at(5), BrickRole::Data);
    }

    #[test]
    fn disperse_rules() {
        assert!(Durability::disperse(4, 2).is_ok());
        assert!(Durability::disperse(2, 1).is_ok());
        assert_eq!(
            Durability::disperse(2, 0),
            Err(DurabilityError::RedundancyZero)
        );
        assert_eq!(
            Durability::disperse(1, 1),
            Err(DurabilityError::DisperseTooSmall(2))
        );
        assert_eq!(
            Durability::disperse(2, 2),
            Err(DurabilityError::RedundancyTooLarge {
                redundancy: 2,
                disperse: 4
            })
        );
        assert_eq!(
            Durability::disperse(17, 1),
            Err(DurabilityError::DataTooLarge(17))
        );
        assert!(Durability::disperse(16, 4).is_ok());
    }

    #[test]
    fn cli_default_redundancy() {
        let pairs = [
            (4, (3, 1)),
            (6, (4, 2)),
            (8, (7, 1)),
            (10, (8, 2)),
            (11, (8, 3)),
            (12, (8, 4)),
        ];
        for (count, (d, r)) in pairs {
            assert_eq!(
                Durability::disperse_default(count),
                Durability::disperse(d, r),
                "disperse {count}"
            );
        }
        assert!(Durability::disperse_default(2).is_err());
    }

    #[test]
    fn not_optimal_is_advice_not_error() {
        let d = Durability::disperse(3, 1).unwrap();
        assert!(d
            .advisories()
            .contains(&DurabilityAdvisory::DisperseNotOptimal { data: 3 }));
        assert!(Durability::disperse(4, 2).unwrap().advisories().is_empty());
        assert_eq!(
            Durability::replicate(4).unwrap().advisories(),
            vec![DurabilityAdvisory::NotHeketiCompatible]
        );
    }

    #[test]
    fn brick_counts_must_fill_sets() {
        let r3 = Durability::replicate(3).unwrap();
        assert_eq!(r3.check_brick_count(6), Ok(2));
        assert_eq!(
            r3.check_brick_count(4),
            Err(DurabilityError::BrickCountNotMultiple {
                bricks: 4,
                set_size: 3
            })
        );
        assert_eq!(r3.check_brick_count(0), Err(DurabilityError::NoBricks));
    }

    #[test]
    fn deserialize_checks_rules() {
        let ok: Durability =
            serde_json::from_str(r#"{"type":"disperse","data":4,"redundancy":2}"#).unwrap();
        assert_eq!(ok.set_size(), 6);
        let err = serde_json::from_str::<Durability>(r#"{"type":"replicate","replica":1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 2"), "{err}");
        let json = serde_json::to_string(&Durability::Arbiter).unwrap();
        assert_eq!(json, r#"{"type":"arbiter"}"#);
    }

    #[test]
    fn json_form_is_unchanged() {
        for (d, json) in [
            (Durability::None, r#"{"type":"none"}"#),
            (Durability::REPLICA_3, r#"{"type":"replicate","replica":3}"#),
            (Durability::Arbiter, r#"{"type":"arbiter"}"#),
            (
                Durability::disperse(4, 2).unwrap(),
                r#"{"type":"disperse","data":4,"redundancy":2}"#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&d).unwrap(), json);
            assert_eq!(serde_json::from_str::<Durability>(json).unwrap(), d);
        }
        for bad in [
            r#"{"type":"replicate","replica":0}"#,
            r#"{"type":"disperse","data":0,"redundancy":0}"#,
            r#"{"type":"disperse","data":255,"redundancy":255}"#,
        ] {
            assert!(serde_json::from_str::<Durability>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_value_has_sane_arithmetic() {
        // No public way builds an invalid layout, so the arithmetic never divides by zero or
        // underflows: check it over every value the constructors accept.
        for n in 0..=u8::MAX {
            if let Ok(d) = Durability::replicate(n) {
                assert!(d.set_size() >= 2 && d.tolerated_losses() < d.set_size());
            }
            for r in 0..=u8::MAX {
                if let Ok(d) = Durability::disperse(n, r) {
                    assert!(d.data_share() >= 2 && d.tolerated_losses() * 2 < d.set_size());
                }
            }
        }
        assert_eq!(Durability::REPLICA_2, Durability::replicate(2).unwrap());
        assert_eq!(Durability::REPLICA_2.tolerated_losses(), 0);
        assert_eq!(Durability::replicate(5).unwrap().tolerated_losses(), 2);
    }
}
