//! Faults the simulated executor injects.

use serde::{Deserialize, Serialize};

/// A changing operation of the simulated executor (reads are never counted or failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimOp {
    /// `peer_probe`.
    PeerProbe,
    /// `peer_detach`.
    PeerDetach,
    /// `device_setup`.
    DeviceSetup,
    /// `device_teardown`.
    DeviceTeardown,
    /// `brick_create`.
    BrickCreate,
    /// `brick_destroy`.
    BrickDestroy,
    /// `brick_grow`.
    BrickGrow,
    /// `volume_create`.
    VolumeCreate,
    /// `volume_start`.
    VolumeStart,
    /// `volume_stop`.
    VolumeStop,
    /// `volume_delete`.
    VolumeDelete,
    /// `volume_expand`.
    VolumeExpand,
    /// `replace_brick`.
    ReplaceBrick,
    /// `set_options`.
    SetOptions,
    /// `block_volume_create`.
    BlockVolumeCreate,
    /// `block_volume_delete`.
    BlockVolumeDelete,
    /// `snapshot_create`.
    SnapshotCreate,
    /// `snapshot_activate`.
    SnapshotActivate,
    /// `snapshot_clone`.
    SnapshotClone,
    /// `snapshot_delete`.
    SnapshotDelete,
    /// `cluster_set`.
    ClusterSet,
    /// `quota_enable`, `quota_limit`, `quota_remove`.
    Quota,
    /// `volume_dir_create`, `volume_dir_delete`.
    VolumeDir,
    /// `device_resync`.
    DeviceResync,
    /// `brick_reflink`.
    BrickReflink,
}

/// A fault to inject. Calls are the changing operations, counted from 1 in the order they
/// arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Call number `n` fails (a failed command) without changing anything.
    FailCall(usize),
    /// The `nth` call (from 1) of operation `op` fails without changing anything.
    FailOp {
        /// Which operation.
        op: SimOp,
        /// Which occurrence of it.
        nth: usize,
    },
    /// Crash before call `n` changes anything: the caller's process "dies" there.
    CrashBeforeCall(usize),
    /// Crash after call `n` has changed the hosts, before its answer reaches the caller.
    CrashAfterCall(usize),
    /// Every call to this host fails as unreachable.
    HostDown(String),
}

/// What a fault does to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Proceed,
    Fail,
    CrashBefore,
    CrashAfter,
}

/// Fault bookkeeping: call counters and the armed faults.
#[derive(Debug, Default)]
pub(super) struct Faults {
    pub(super) armed: Vec<Fault>,
    calls: usize,
    per_op: std::collections::HashMap<SimOp, usize>,
}

impl Faults {
    /// Count a changing call and decide its fate.
    pub(super) fn on_call(&mut self, op: SimOp, host: &str) -> Verdict {
        self.calls += 1;
        let nth_of_op = {
            let n = self.per_op.entry(op).or_insert(0);
            *n += 1;
            *n
        };
        let calls = self.calls;
        let mut verdict = Verdict::Proceed;
        for fault in &self.armed {
            let v = match fault {
                Fault::FailCall(n) if *n == calls => Verdict::Fail,
                Fault::FailOp { op: o, nth } if *o == op && *nth == nth_of_op => Verdict::Fail,
                Fault::HostDown(h) if h == host => Verdict::Fail,
                Fault::CrashBeforeCall(n) if *n == calls => Verdict::CrashBefore,
                Fault::CrashAfterCall(n) if *n == calls => Verdict::CrashAfter,
                _ => continue,
            };
            verdict = v;
            break;
        }
        verdict
    }

    /// Changing calls so far.
    pub(super) fn calls(&self) -> usize {
        self.calls
    }

    /// Whether `host` is marked down.
    pub(super) fn host_down(&self, host: &str) -> bool {
        self.armed
            .iter()
            .any(|f| matches!(f, Fault::HostDown(h) if h == host))
    }
}
