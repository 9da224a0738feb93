//! The evacuation's public types: what to evacuate, the plan, and why a brick cannot move.

#[allow(unused_imports)]
use super::*;

/// What to evacuate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EvacuationTarget {
    /// One device.
    Device(DeviceId),
    /// Every device of a node.
    Node(NodeId),
    /// Every device of every node in a zone.
    Zone(Zone),
}

impl fmt::Display for EvacuationTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvacuationTarget::Device(d) => write!(f, "device {d}"),
            EvacuationTarget::Node(n) => write!(f, "node {n}"),
            EvacuationTarget::Zone(z) => write!(f, "zone {z}"),
        }
    }
}

/// Which solver produced the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// The balanced greedy pass placed every brick in a good zone.
    Greedy,
    /// The exact max-flow solver was needed.
    MaxFlow,
    /// Bricks of several sizes, where the flow is not exact: the exhaustive search found it.
    Search,
}

/// A replace-brick for every brick on the target, in waves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvacuationPlan {
    /// What is evacuated.
    pub target: EvacuationTarget,
    /// The steps, ordered by wave (see [`ReplaceStep::wave`]).
    pub steps: Vec<ReplaceStep>,
    /// Number of waves.
    pub waves: usize,
    /// Steps whose set's zone policy could not be kept.
    pub degraded: usize,
    /// Which solver produced the plan.
    pub solver: Solver,
    /// Seed of the tie-breaks.
    pub seed: u64,
}

impl EvacuationPlan {
    /// The steps of wave `k`.
    pub fn wave(&self, k: usize) -> impl Iterator<Item = &ReplaceStep> + '_ {
        self.steps.iter().filter(move |s| s.wave == k)
    }

    /// Applies every step, wave by wave, with [`Model::replace_brick`]. Stops at the first
    /// refusal (earlier steps stay applied; apply to a clone for all-or-nothing).
    ///
    /// This changes only the model; `gluster_exec::Runner::apply` is what carries a plan out
    /// on hosts.
    pub fn commit_to(&self, model: &mut Model) -> Result<(), ModelError> {
        apply_steps(&self.steps, model)
    }

    /// The former name of [`Self::commit_to`].
    #[deprecated(note = "renamed `commit_to`: `apply` is what a Runner does on hosts")]
    pub fn apply(&self, model: &mut Model) -> Result<(), ModelError> {
        self.commit_to(model)
    }
}

/// Candidate devices of a brick after each filter, in order: how an explanation finds the
/// filter that left none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CandidateFunnel {
    /// Online devices of the cluster outside the target.
    pub online: usize,
    /// ... on a node holding no other brick of the set.
    pub node_separation: usize,
    /// ... in an allowed zone that the zone policy accepts.
    pub zones: usize,
    /// ... matching the volume's tag rules.
    pub tags: usize,
    /// ... whose `arbiter` tag takes the brick's role.
    pub arbiter_tag: usize,
    /// ... with room for the brick (pool + metadata, after the reserve).
    pub with_room: usize,
}

/// The filter that left a brick without any candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoCandidateCause {
    /// No online device outside the target.
    NoOnlineDevice,
    /// Every online device is on a node of another brick of the set.
    NodeSeparation,
    /// Allowed zones or the strict zone policy leave no device.
    Zones,
    /// The volume's tag rules leave no device.
    Tags,
    /// The `arbiter` tags leave no device for the brick's role.
    ArbiterTag,
    /// No remaining device has room for the brick.
    Capacity,
}

/// Why one brick cannot move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UnmovableCause {
    /// No device could take it even if it were the only brick moving.
    NoCandidate {
        /// The filter that left none.
        cause: NoCandidateCause,
        /// Candidates after each filter.
        funnel: CandidateFunnel,
    },
    /// Devices could take it alone, but not together with the other bricks that must move.
    Contended {
        /// Candidates after each filter.
        funnel: CandidateFunnel,
    },
}

/// A brick that cannot move, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmovable {
    /// Volume id.
    pub volume_id: VolumeId,
    /// Volume name.
    pub volume_name: String,
    /// Set index.
    pub set: usize,
    /// Position within the set.
    pub position: usize,
    /// The brick.
    pub brick: BrickLocation,
    /// Why.
    pub cause: UnmovableCause,
}

impl fmt::Display for Unmovable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "brick {} of volume {} (set {}): ",
            self.brick.host_path, self.volume_name, self.set
        )?;
        match &self.cause {
            UnmovableCause::NoCandidate { cause, funnel } => write!(
                f,
                "no candidate device ({}; online {}, distinct node {}, zones {}, tags {}, arbiter tag {}, with room {})",
                match cause {
                    NoCandidateCause::NoOnlineDevice => "no online device outside the target",
                    NoCandidateCause::NodeSeparation => "every online device is on a node of its set",
                    NoCandidateCause::Zones => "allowed zones or strict zone checking leave none",
                    NoCandidateCause::Tags => "tag rules leave none",
                    NoCandidateCause::ArbiterTag => "arbiter tags leave none for its role",
                    NoCandidateCause::Capacity => "no device has room",
                },
                funnel.online, funnel.node_separation, funnel.zones, funnel.tags, funnel.arbiter_tag, funnel.with_room
            ),
            UnmovableCause::Contended { funnel } => write!(
                f,
                "{} devices could take it alone, but not together with the other bricks that must move",
                funnel.with_room
            ),
        }
    }
}

/// Why an evacuation cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvacuationError {
    /// The target names no device, node or zone of the model.
    #[error("unknown evacuation target: {0}")]
    UnknownTarget(EvacuationTarget),
    /// Some bricks cannot move.
    #[error("{} of {total} bricks cannot move: {}", unmovable.len(), unmovable.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unmovable {
        /// The bricks that cannot move, and why.
        unmovable: Vec<Unmovable>,
        /// Bricks on the target.
        total: usize,
    },
    /// The model is inconsistent (a brick of an unknown volume, an overflow).
    #[error(transparent)]
    Model(#[from] ModelError),
}
