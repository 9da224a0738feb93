//! The one error type of the crate.

use gluster_exec::ExecError;
use gluster_model::ModelError;
use gluster_placement::PlacementError;

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in a store or the provisioner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A transaction's guard failed: the key changed since it was read.
    #[error("conflict on {key}: expected {expected}, found {found}")]
    Conflict {
        /// The key whose revision did not match.
        key: String,
        /// What the transaction expected (`absent` or `revision N`).
        expected: String,
        /// What the store holds (`absent` or `revision N`).
        found: String,
    },
    /// The store was written by a newer format version than this build reads.
    #[error("{location}: store format version {found} is newer than the supported {supported}; upgrade this program")]
    NewerFormat {
        /// The store (file path or etcd endpoint and prefix).
        location: String,
        /// The version found.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A value in the store cannot be read.
    #[error("{location}: key {key} is corrupt: {message}")]
    Corrupt {
        /// The store.
        location: String,
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The store cannot be opened (missing, truncated or corrupt file, etcd unreachable).
    #[error("cannot open store {location}")]
    Open {
        /// The store.
        location: String,
        /// Why.
        #[source]
        source: Source,
    },
    /// A read or write failed (IO, etcd gone away); nothing was changed by a failed commit
    /// unless `maybe_committed` (a commit whose answer was lost).
    #[error("store {location}: {operation} failed")]
    Backend {
        /// The store.
        location: String,
        /// What was being done.
        operation: &'static str,
        /// The answer may have been lost after the write took effect.
        maybe_committed: bool,
        /// Why.
        #[source]
        source: Source,
    },
    /// Changes since a revision were asked for, but history before `oldest` was compacted:
    /// the reader must reload everything.
    #[error("history before revision {oldest} was compacted (asked from {requested})")]
    Compacted {
        /// The revision asked from.
        requested: u64,
        /// The oldest revision still kept.
        oldest: u64,
    },
    /// A request is invalid (bad name, size); nothing was changed.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// No placement exists for the request.
    #[error("cannot place volume")]
    Placement(#[source] Box<PlacementError>),
    /// The stored state is inconsistent as a model.
    #[error("stored state is inconsistent")]
    Model(#[source] Box<ModelError>),
    /// An operation on the hosts failed (and was rolled back unless said otherwise).
    #[error("{what} failed on the hosts{}", if *.rolled_back { " (rolled back)" } else { " (left pending for recovery)" })]
    Hosts {
        /// What was being done.
        what: String,
        /// Whether the store and hosts are back where they were.
        rolled_back: bool,
        /// The first failure.
        #[source]
        source: Box<ExecError>,
    },
    /// The volume does not exist.
    #[error("no volume {0}")]
    NotFound(String),
    /// Another operation on the same request or volume is in flight (or awaits recovery).
    #[error("operation {0} is already in progress")]
    InProgress(String),
    /// This writer's etcd lease expired or was revoked: its commits are refused (another
    /// replica may have taken over). Nothing was changed; open the store again.
    #[error(
        "{location}: this writer's lease {lease} expired or was revoked; its commit was refused"
    )]
    Fenced {
        /// The store.
        location: String,
        /// The lease id (hex).
        lease: String,
    },
    /// Re-planning after conflicts did not converge.
    #[error("gave up after {attempts} conflicting attempts")]
    TooManyConflicts {
        /// Attempts made.
        attempts: usize,
    },
}

impl From<PlacementError> for StoreError {
    fn from(e: PlacementError) -> Self {
        StoreError::Placement(Box::new(e))
    }
}

impl From<ModelError> for StoreError {
    fn from(e: ModelError) -> Self {
        StoreError::Model(Box::new(e))
    }
}

impl StoreError {
    pub(crate) fn backend(
        location: &str,
        operation: &'static str,
        source: impl Into<Source>,
    ) -> Self {
        StoreError::Backend {
            location: location.to_string(),
            operation,
            maybe_committed: false,
            source: source.into(),
        }
    }
}
