//! Refusals with their reasons.

use std::fmt;

use serde::{Deserialize, Serialize};

use gluster_model::{ByteSize, ModelError, Zone, ZoneChecking};

/// Free space of the cluster that a refusal did not count, by cause: what a reader needs to
/// see that "0B free" is not "the cluster is full".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Uncounted {
    /// Free on online, eligible devices tagged `arbiter=required`, which take arbiter bricks
    /// only (zero for an arbiter volume, whose arbiter bricks count it).
    pub arbiter_only: ByteSize,
    /// Free on devices that are not online, or whose node is not.
    pub offline: ByteSize,
    /// Free on online devices the request excludes (allowed zones, tag rules).
    pub excluded: ByteSize,
}

impl Uncounted {
    /// Whether nothing was left out.
    pub fn is_empty(&self) -> bool {
        *self == Uncounted::default()
    }
}

impl fmt::Display for Uncounted {
    /// `not counted: 6TiB on arbiter-only devices, 1TiB offline` (empty when nothing is).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [
            (
                self.arbiter_only,
                "on arbiter-only devices (arbiter=required)",
            ),
            (self.offline, "on devices or nodes not online"),
            (self.excluded, "excluded by allowed zones or tag rules"),
        ]
        .iter()
        .filter(|(b, _)| *b > ByteSize::ZERO)
        .map(|(b, what)| format!("{} {what}", b.human()))
        .collect();
        if !parts.is_empty() {
            write!(f, "not counted: {}", parts.join(", "))?;
        }
        Ok(())
    }
}

/// One reason why no placement exists. Never a plain "no space" when the cause is elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// Nodes that cannot take bricks because they are not online.
    NodesOffline {
        /// Nodes not online.
        offline: usize,
        /// Nodes in the cluster.
        total: usize,
    },
    /// Devices that cannot take bricks because they are not online.
    DevicesOffline {
        /// Devices not online (on online nodes).
        offline: usize,
        /// Devices in the cluster.
        total: usize,
    },
    /// A tag rule leaves few devices.
    TagRule {
        /// The rule, `key=value` or `key!=value`.
        rule: String,
        /// Online devices matching it.
        matching_devices: usize,
    },
    /// Allowed zones leave few nodes.
    AllowedZones {
        /// The allowed zones.
        zones: Vec<Zone>,
        /// Online nodes in them.
        matching_nodes: usize,
    },
    /// Too few zones (strict) or nodes have a device with room for one brick.
    FailureDomains {
        /// The zone policy.
        policy: ZoneChecking,
        /// Bricks per set.
        set_size: usize,
        /// Space one brick needs (pool + metadata).
        need_per_brick: ByteSize,
        /// Zones with an eligible device of that much free, on distinct nodes.
        zones_with_room: Vec<Zone>,
        /// Distinct nodes with such a device.
        nodes_with_room: usize,
        /// Largest free eligible device per zone.
        largest_free_by_zone: Vec<(Zone, ByteSize)>,
        /// Free space not counted above (arbiter-only, offline, excluded).
        #[serde(default)]
        uncounted: Uncounted,
    },
    /// Arbiter bricks need devices whose `arbiter` tag is `required` or `supported`.
    ArbiterDevices {
        /// Nodes with such a device with room.
        nodes_with_room: usize,
    },
    /// Not enough space in total.
    Capacity {
        /// Space the volume needs on devices.
        needed: ByteSize,
        /// Free space on eligible devices.
        free: ByteSize,
        /// Free space not counted in `free` (arbiter-only, offline, excluded).
        #[serde(default)]
        uncounted: Uncounted,
    },
    /// The volume is smaller than one brick may be.
    BelowMinBrick {
        /// The smallest data brick the volume would give.
        brick: ByteSize,
        /// The minimum brick size.
        min: ByteSize,
    },
    /// The volume would need more bricks than allowed.
    TooManyBricks {
        /// Bricks needed at the maximum brick size.
        needed: usize,
        /// The maximum bricks per volume.
        max: usize,
    },
    /// Failure domains and capacity suffice at first sight, but for every set count tried
    /// the free space is spread so that not all sets fit at once.
    NoLayout {
        /// Fewest sets tried.
        min_sets: usize,
        /// Most sets tried.
        max_sets: usize,
    },
    /// A block-hosting volume has fewer online nodes than the block volume's `ha` count.
    HaHosts {
        /// The hosting volume.
        volume: String,
        /// Nodes asked for.
        needed: usize,
        /// Online nodes holding its bricks.
        online: usize,
    },
    /// Nodes serve as many bricks as the per-node brick budget allows.
    BrickBudget {
        /// Most bricks a node may serve.
        max_bricks: u64,
        /// Whether brick multiplexing is on.
        multiplex: bool,
        /// Online nodes at the budget.
        nodes: Vec<String>,
    },
    /// No cluster can take the volume, or the requested one is unknown.
    NoCluster {
        /// Details.
        detail: String,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NodesOffline { offline, total } => write!(f, "{offline} of {total} nodes are not online"),
            Reason::DevicesOffline { offline, total } => write!(f, "{offline} of {total} devices are not online"),
            Reason::TagRule { rule, matching_devices } => write!(f, "tag rule {rule} matches {matching_devices} online devices"),
            Reason::AllowedZones { zones, matching_nodes } => write!(
                f,
                "allowed zones {} have {matching_nodes} online nodes",
                zones.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            Reason::FailureDomains { policy, set_size, need_per_brick, zones_with_room, nodes_with_room, largest_free_by_zone, uncounted } => {
                let zones = zones_with_room.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                let largest = largest_free_by_zone
                    .iter()
                    .map(|(z, s)| format!("zone {z}: {s}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                match policy {
                    ZoneChecking::Strict => write!(
                        f,
                        "strict zones: a set of {set_size} needs {set_size} zones with a device of at least {need_per_brick} free on distinct nodes; zones with one: {}; largest free device per zone: {largest}",
                        if zones.is_empty() { "none".to_string() } else { zones }
                    ),
                    _ => write!(
                        f,
                        "a set of {set_size} needs {set_size} distinct nodes with a device of at least {need_per_brick} free; nodes with one: {nodes_with_room}; largest free device per zone: {largest}"
                    ),
                }?;
                uncounted_suffix(f, uncounted)
            }
            Reason::ArbiterDevices { nodes_with_room } => write!(f, "arbiter bricks need a device tagged arbiter=required or supported with room; nodes with one: {nodes_with_room}"),
            Reason::Capacity { needed, free, uncounted } => {
                write!(f, "the volume needs {needed} on devices but eligible devices have {free} free")?;
                uncounted_suffix(f, uncounted)
            }
            Reason::BelowMinBrick { brick, min } => write!(f, "a brick would be {brick}, below the minimum brick size {min}"),
            Reason::TooManyBricks { needed, max } => write!(f, "the volume needs {needed} bricks, more than the maximum of {max}"),
            Reason::NoLayout { min_sets, max_sets } => write!(f, "no layout of {min_sets} to {max_sets} brick sets fits: the free space is spread too unevenly over nodes and zones for all sets at once"),
            Reason::HaHosts { volume, needed, online } => write!(f, "block-hosting volume {volume} has {online} online nodes, ha needs {needed}"),
            Reason::BrickBudget { max_bricks, multiplex, nodes } => write!(
                f,
                "brick budget: nodes {} serve their maximum of {max_bricks} bricks{}",
                nodes.join(", "),
                if *multiplex { "" } else { " (brick multiplexing off: one process per brick)" }
            ),
            Reason::NoCluster { detail } => write!(f, "no cluster: {detail}"),
        }
    }
}

fn uncounted_suffix(f: &mut fmt::Formatter<'_>, uncounted: &Uncounted) -> fmt::Result {
    if uncounted.is_empty() {
        Ok(())
    } else {
        write!(f, " ({uncounted})")
    }
}

/// Why no plan was made: every reason that applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Infeasible {
    /// The reasons, most specific first.
    pub reasons: Vec<Reason>,
}

impl fmt::Display for Infeasible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no placement: ")?;
        for (i, r) in self.reasons.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// A request or settings field that was refused: which field, why, and the rule it broke
/// when a validated type refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidField {
    /// The field, as the request's JSON names it (`name`, `options[2]`, `settings.max_bricks_per_volume`).
    pub field: String,
    /// Why it was refused.
    pub reason: String,
    /// The rule of a validated type that refused it.
    #[source]
    pub rule: Option<gluster_model::InvalidValue>,
}

impl InvalidField {
    /// A refused field.
    pub fn new(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        InvalidField {
            field: field.into(),
            reason: reason.to_string(),
            rule: None,
        }
    }

    /// A field a validated type refused.
    pub fn rule(field: impl Into<String>, rule: gluster_model::InvalidValue) -> Self {
        InvalidField {
            field: field.into(),
            reason: rule.to_string(),
            rule: Some(rule),
        }
    }
}

/// Errors of the placement engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlacementError {
    /// The request itself is invalid: the field, why, and the rule.
    #[error("invalid request: {0}")]
    InvalidRequest(#[from] InvalidField),
    /// The request is valid but no placement exists.
    #[error("{0}")]
    Infeasible(Infeasible),
    /// A plan given to a commit does not hold: a size that does not follow from the sizing
    /// rules, a brick on a device that does not take its role, a name or path that is not
    /// plain.
    #[error("invalid plan: {field}: {problem}")]
    InvalidPlan {
        /// The plan's field, e.g. `bricks[2].pool_bytes`.
        field: String,
        /// What does not hold.
        problem: String,
    },
    /// The model refused the plan.
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl PlacementError {
    /// An invalid request: `field` refused because `reason`.
    pub fn invalid(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        PlacementError::InvalidRequest(InvalidField::new(field, reason))
    }

    /// The reasons, when infeasible.
    pub fn reasons(&self) -> &[Reason] {
        match self {
            PlacementError::Infeasible(i) => &i.reasons,
            _ => &[],
        }
    }
}
