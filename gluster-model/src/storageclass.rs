//! Kubernetes StorageClass parameters: `volumetype` and the `user.heketi.*` volume options.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::durability::{Durability, DurabilityError};
use crate::size::ByteSize;
use crate::tags::{TagRule, TagRuleError};

/// How strictly the bricks of one set are spread over zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ZoneChecking {
    /// Every brick of a set in a distinct zone; refuse otherwise.
    Strict,
    /// As many distinct zones as the cluster allows; the plan reports when fewer (the default).
    #[default]
    Prefer,
    /// Zones are ignored (nodes are still distinct).
    None,
}

impl FromStr for ZoneChecking {
    type Err = StorageClassError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "strict" => Ok(ZoneChecking::Strict),
            "prefer" => Ok(ZoneChecking::Prefer),
            "none" => Ok(ZoneChecking::None),
            other => Err(StorageClassError::ZoneChecking(other.to_string())),
        }
    }
}

impl fmt::Display for ZoneChecking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ZoneChecking::Strict => "strict",
            ZoneChecking::Prefer => "prefer",
            ZoneChecking::None => "none",
        })
    }
}

/// Why a StorageClass parameter did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageClassError {
    /// `volumetype` is not `none`, `replicate:N` or `disperse:D:R`.
    #[error("invalid volumetype {0:?}: expected \"none\", \"replicate:N\" or \"disperse:DATA:REDUNDANCY\"")]
    VolumeType(String),
    /// The layout parsed but breaks one of Gluster's rules.
    #[error("volumetype {input:?}: {source}")]
    Rule {
        /// The input.
        input: String,
        /// The rule that failed.
        source: DurabilityError,
    },
    /// A `volumeoptions` entry is not `key value`.
    #[error("invalid volume option {0:?}: expected \"key value\"")]
    Option(String),
    /// `user.heketi.arbiter` is not `true` or `false`.
    #[error("invalid user.heketi.arbiter value {0:?}: expected true or false")]
    Arbiter(String),
    /// `user.heketi.zone-checking` is not `strict`, `prefer` or `none`.
    #[error("invalid zone checking {0:?}: expected strict, prefer or none")]
    ZoneChecking(String),
    /// A `user.heketi.device-tag-match` rule is malformed.
    #[error(transparent)]
    TagRule(#[from] TagRuleError),
    /// `user.heketi.average-file-size` is not a positive number of KiB.
    #[error("invalid user.heketi.average-file-size {0:?}: expected a positive number of KiB")]
    AverageFileSize(String),
    /// `arbiter` asked with a layout other than replicate:3.
    #[error("user.heketi.arbiter true needs volumetype replicate:3, got {0}")]
    ArbiterLayout(Durability),
}

/// Parses a StorageClass `volumetype`: `"none"`, `"replicate:N"` or `"disperse:D:R"`
/// (D data bricks, R redundancy), checking Gluster's rules.
///
/// ```
/// use gluster_model::{parse_volumetype, Durability};
/// assert_eq!(parse_volumetype("replicate:3").unwrap(), Durability::REPLICA_3);
/// assert_eq!(parse_volumetype("disperse:4:2").unwrap(), Durability::disperse(4, 2).unwrap());
/// assert!(parse_volumetype("replicate:1").is_err());
/// ```
pub fn parse_volumetype(input: &str) -> Result<Durability, StorageClassError> {
    let bad = || StorageClassError::VolumeType(input.to_string());
    let rule = |source| StorageClassError::Rule {
        input: input.to_string(),
        source,
    };
    let parts: Vec<&str> = input.trim().split(':').map(str::trim).collect();
    let num = |s: &str| s.parse::<u8>().map_err(|_| bad());
    match parts.as_slice() {
        ["none"] | ["distribute"] => Ok(Durability::None),
        ["replicate", n] => Durability::replicate(num(n)?).map_err(rule),
        ["disperse", d, r] => Durability::disperse(num(d)?, num(r)?).map_err(rule),
        _ => Err(bad()),
    }
}

/// The `user.heketi.*` options of a StorageClass `volumeoptions` that steer placement, and the
/// other options, which are passed to Gluster as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HeketiOptions {
    /// `user.heketi.arbiter true|false`.
    pub arbiter: Option<bool>,
    /// `user.heketi.zone-checking strict|prefer|none`.
    pub zone_checking: Option<ZoneChecking>,
    /// `user.heketi.device-tag-match key=value|key!=value` (may repeat).
    pub device_tag_match: Vec<TagRule>,
    /// `user.heketi.average-file-size <KiB>`: sizes arbiter bricks.
    pub average_file_size: Option<ByteSize>,
    /// Every other option, `(key, value)` in the given order.
    pub gluster_options: Vec<(String, String)>,
}

impl HeketiOptions {
    /// Parses a comma-separated `volumeoptions` string such as
    /// `"user.heketi.arbiter true, performance.cache-size 64MB"`.
    ///
    /// ```
    /// use gluster_model::{HeketiOptions, ZoneChecking};
    /// let o = HeketiOptions::parse("user.heketi.arbiter true,user.heketi.zone-checking strict").unwrap();
    /// assert_eq!(o.arbiter, Some(true));
    /// assert_eq!(o.zone_checking, Some(ZoneChecking::Strict));
    /// ```
    pub fn parse(volumeoptions: &str) -> Result<Self, StorageClassError> {
        let mut out = HeketiOptions::default();
        for entry in volumeoptions.split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (key, value) = entry
                .split_once(char::is_whitespace)
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| StorageClassError::Option(entry.to_string()))?;
            if key.is_empty() || value.is_empty() {
                return Err(StorageClassError::Option(entry.to_string()));
            }
            out.apply(key, value)?;
        }
        Ok(out)
    }

    /// Parses options given one `"key value"` per entry (Heketi's `glustervolumeoptions`).
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, StorageClassError> {
        let mut out = HeketiOptions::default();
        for entry in entries {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (key, value) = entry
                .split_once(char::is_whitespace)
                .ok_or_else(|| StorageClassError::Option(entry.to_string()))?;
            out.apply(key.trim(), value.trim())?;
        }
        Ok(out)
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<(), StorageClassError> {
        match key {
            "user.heketi.arbiter" => {
                self.arbiter = Some(match value {
                    "true" => true,
                    "false" => false,
                    v => return Err(StorageClassError::Arbiter(v.to_string())),
                })
            }
            "user.heketi.zone-checking" => self.zone_checking = Some(value.parse()?),
            "user.heketi.device-tag-match" => self.device_tag_match.push(value.parse()?),
            "user.heketi.average-file-size" => {
                let kib = value
                    .parse::<u64>()
                    .ok()
                    .filter(|k| *k > 0)
                    .and_then(|k| ByteSize::kib(1).checked_mul(k))
                    .ok_or_else(|| StorageClassError::AverageFileSize(value.to_string()))?;
                self.average_file_size = Some(kib);
            }
            _ => self
                .gluster_options
                .push((key.to_string(), value.to_string())),
        }
        Ok(())
    }

    /// The durability after applying `user.heketi.arbiter` to a parsed `volumetype`.
    pub fn durability_for(&self, volumetype: Durability) -> Result<Durability, StorageClassError> {
        match (self.arbiter, volumetype) {
            (Some(true), Durability::REPLICA_3) => Ok(Durability::Arbiter),
            (Some(true), Durability::Arbiter) => Ok(Durability::Arbiter),
            (Some(true), other) => Err(StorageClassError::ArbiterLayout(other)),
            _ => Ok(volumetype),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumetypes() {
        assert_eq!(parse_volumetype("none").unwrap(), Durability::None);
        assert_eq!(
            parse_volumetype(" replicate:2 ").unwrap(),
            Durability::REPLICA_2
        );
        assert!(matches!(
            parse_volumetype("disperse:2:2"),
            Err(StorageClassError::Rule {
                source: DurabilityError::RedundancyTooLarge { .. },
                ..
            })
        ));
        for bad in [
            "",
            "replicate",
            "replicate:x",
            "disperse:4",
            "mirror:2",
            "replicate:3:1",
            "replicate:300",
        ] {
            assert!(
                matches!(parse_volumetype(bad), Err(StorageClassError::VolumeType(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn heketi_options() {
        let o = HeketiOptions::parse(
            "user.heketi.arbiter true, user.heketi.zone-checking strict, \
             user.heketi.device-tag-match media=ssd, user.heketi.device-tag-match rack!=r1, \
             user.heketi.average-file-size 128, performance.cache-size 64MB",
        )
        .unwrap();
        assert_eq!(o.arbiter, Some(true));
        assert_eq!(o.zone_checking, Some(ZoneChecking::Strict));
        assert_eq!(o.device_tag_match.len(), 2);
        assert_eq!(o.average_file_size, Some(ByteSize::kib(128)));
        assert_eq!(
            o.gluster_options,
            vec![("performance.cache-size".to_string(), "64MB".to_string())]
        );
        assert_eq!(
            o.durability_for(Durability::REPLICA_3).unwrap(),
            Durability::Arbiter
        );
        assert!(matches!(
            o.durability_for(Durability::REPLICA_2),
            Err(StorageClassError::ArbiterLayout(_))
        ));
    }

    #[test]
    fn bad_options_name_the_problem() {
        assert!(matches!(
            HeketiOptions::parse("user.heketi.arbiter maybe"),
            Err(StorageClassError::Arbiter(_))
        ));
        assert!(matches!(
            HeketiOptions::parse("user.heketi.zone-checking loose"),
            Err(StorageClassError::ZoneChecking(_))
        ));
        assert!(matches!(
            HeketiOptions::parse("user.heketi.device-tag-match media"),
            Err(StorageClassError::TagRule(_))
        ));
        assert!(matches!(
            HeketiOptions::parse("user.heketi.average-file-size 0"),
            Err(StorageClassError::AverageFileSize(_))
        ));
        assert!(matches!(
            HeketiOptions::parse("lonely"),
            Err(StorageClassError::Option(_))
        ));
        assert_eq!(
            HeketiOptions::parse(" , ").unwrap(),
            HeketiOptions::default()
        );
    }
}
