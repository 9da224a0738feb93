//! Keys, revisions, entries and transactions: the vocabulary every store speaks.

use std::fmt;

/// A store-wide revision: every commit that writes gets the next one. A key's revision is
/// the revision of the commit that last wrote it. 0 means "never".
pub type Revision = u64;

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A [`gluster_model::Cluster`].
    Cluster,
    /// A [`gluster_model::Node`].
    Node,
    /// A [`gluster_model::Device`] (its `used` includes reserved bricks).
    Device,
    /// A [`gluster_model::Volume`].
    Volume,
    /// A [`gluster_model::Brick`].
    Brick,
    /// A [`gluster_model::BlockVolume`].
    BlockVolume,
    /// A pending operation (the intent recorded before hosts are touched).
    Pending,
    /// A served create request: request name to volume id (CSI idempotency).
    Request,
    /// A volume name taken (names are unique per store).
    VolumeName,
    /// The journal of one run.
    Run,
    /// Store metadata (the format version).
    Meta,
    /// A service's queue entry (a long operation a client polls); not cluster state.
    Queue,
    /// A [`gluster_model::data::Snapshot`], by name (format 2).
    Snapshot,
    /// A [`gluster_model::data::VolumeClone`], by clone volume id (format 2).
    VolumeClone,
    /// A [`gluster_model::data::Subvolume`], by name (format 2).
    Subvolume,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 15] = [
        Kind::Cluster,
        Kind::Node,
        Kind::Device,
        Kind::Volume,
        Kind::Brick,
        Kind::BlockVolume,
        Kind::Pending,
        Kind::Request,
        Kind::VolumeName,
        Kind::Run,
        Kind::Meta,
        Kind::Queue,
        Kind::Snapshot,
        Kind::VolumeClone,
        Kind::Subvolume,
    ];

    /// The key prefix of the kind, e.g. `device`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::Node => "node",
            Kind::Device => "device",
            Kind::Volume => "volume",
            Kind::Brick => "brick",
            Kind::BlockVolume => "block_volume",
            Kind::Pending => "pending",
            Kind::Request => "request",
            Kind::VolumeName => "volume_name",
            Kind::Run => "run",
            Kind::Meta => "meta",
            Kind::Queue => "queue",
            Kind::Snapshot => "snapshot",
            Kind::VolumeClone => "clone",
            Kind::Subvolume => "subvolume",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entity's key: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// What it holds.
    pub kind: Kind,
    /// Its id within the kind.
    pub id: String,
}

impl Key {
    /// The key of `id` in `kind`.
    pub fn new(kind: Kind, id: impl Into<String>) -> Self {
        Key {
            kind,
            id: id.into(),
        }
    }

    /// The encoded form, `kind/id`.
    pub fn encode(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.id)
    }

    /// The key encoded as `kind/id`.
    pub fn decode(s: &str) -> Option<Key> {
        let (kind, id) = s.split_once('/')?;
        Some(Key::new(Kind::parse(kind)?, id))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.as_str(), self.id)
    }
}

/// A key with its value and revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: Key,
    /// Its value (JSON for every kind this crate writes).
    pub value: Vec<u8>,
    /// The revision that last wrote it.
    pub revision: Revision,
}

/// What a transaction requires of a key before it writes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No requirement.
    Any,
    /// The key does not exist.
    Absent,
    /// The key exists at exactly this revision.
    Revision(Revision),
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Any => f.write_str("anything"),
            Expect::Absent => f.write_str("absent"),
            Expect::Revision(r) => write!(f, "revision {r}"),
        }
    }
}

impl Expect {
    /// Whether a key found at `found` (None: absent) meets the expectation.
    pub fn holds(self, found: Option<Revision>) -> bool {
        match self {
            Expect::Any => true,
            Expect::Absent => found.is_none(),
            Expect::Revision(r) => found == Some(r),
        }
    }
}

/// How `found` is described in a conflict.
pub(crate) fn describe_found(found: Option<Revision>) -> String {
    match found {
        None => "absent".into(),
        Some(r) => format!("revision {r}"),
    }
}

/// What a transaction does to a key once every guard holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Only guard the key.
    Check,
    /// Set the value.
    Put(Vec<u8>),
    /// Remove the key.
    Delete,
}

/// One key of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnOp {
    /// The key.
    pub key: Key,
    /// Its guard.
    pub expect: Expect,
    /// What happens to it.
    pub write: Write,
}

/// An all-or-nothing change of some keys, each guarded by its revision (compare-and-swap).
/// Only the keys listed are touched. A key appears at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Txn {
    /// The keys, in any order.
    pub ops: Vec<TxnOp>,
}

impl Txn {
    /// An empty transaction.
    pub fn new() -> Self {
        Txn::default()
    }

    /// Put `value` at `key`, guarded by `expect`.
    pub fn put(mut self, key: Key, expect: Expect, value: Vec<u8>) -> Self {
        self.ops.push(TxnOp {
            key,
            expect,
            write: Write::Put(value),
        });
        self
    }

    /// Delete `key`, guarded by `expect`.
    pub fn delete(mut self, key: Key, expect: Expect) -> Self {
        self.ops.push(TxnOp {
            key,
            expect,
            write: Write::Delete,
        });
        self
    }

    /// Only guard `key`.
    pub fn check(mut self, key: Key, expect: Expect) -> Self {
        self.ops.push(TxnOp {
            key,
            expect,
            write: Write::Check,
        });
        self
    }

    /// Whether the transaction writes anything.
    pub fn writes(&self) -> bool {
        self.ops.iter().any(|o| o.write != Write::Check)
    }

    /// A key listed twice, if any (refused by every store).
    pub(crate) fn duplicate(&self) -> Option<&Key> {
        let mut seen = std::collections::BTreeSet::new();
        self.ops.iter().map(|o| &o.key).find(|k| !seen.insert(*k))
    }
}

/// One change of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The key.
    pub key: Key,
    /// The revision of the commit.
    pub revision: Revision,
    /// The new value, or `None` when the key was deleted.
    pub value: Option<Vec<u8>>,
}

/// Changes since a revision, oldest first, and the revision they bring a reader to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// The changes.
    pub changes: Vec<Change>,
    /// The store's revision when they were read.
    pub revision: Revision,
}
