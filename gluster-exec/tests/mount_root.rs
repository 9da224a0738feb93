//! The mount root is configured twice, in `PlacementSettings::brick_mount_root` (where plans
//! put brick paths) and in the directory backend's `DirectoryMounts` (where devices are
//! mounted): the backend refuses a root that is not its own, and the runner refuses a plan
//! whose bricks fall outside their devices' mounts before it journals or runs anything.

#[path = "runner/support.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use gluster_exec::{
    ApplyError, Backend, Cancel, CommandExecutor, CommandOutput, DirectoryMounts, ExecError,
    Executor, HostLimits, Journal, MemoryJournal, Runner, Transport,
};
use gluster_model::{ByteSize, Durability};
use gluster_placement::{plan_volume, PlacementSettings, Plan, VolumeRequest};

/// Answers every command with success and counts them.
#[derive(Debug, Default)]
struct Silent {
    calls: Arc<Mutex<usize>>,
}

#[async_trait]
impl Transport for Silent {
    async fn run(&self, _: &str, _: &[String], _: Duration) -> Result<CommandOutput, ExecError> {
        *self.calls.lock().unwrap() += 1;
        Ok(CommandOutput::default())
    }
}

fn plan_under(root: &str) -> Plan {
    let settings = PlacementSettings {
        brick_mount_root: root.to_string(),
        ..PlacementSettings::default()
    };
    let request = VolumeRequest::new(ByteSize::gib(10), Durability::REPLICA_3).with_name("vol_m");
    plan_volume(&support::model(), &request, &settings, 1).unwrap()
}

#[test]
fn a_directory_backend_refuses_another_mount_root() {
    let backend = Backend::Directory(DirectoryMounts::under_root("/var/lib/heketi/mounts"));
    assert!(backend.check_mount_root("/var/lib/heketi/mounts").is_ok());
    assert!(backend.check_mount_root("/var/lib/heketi/mounts/").is_ok());
    let err = backend
        .check_mount_root("/srv/bricks")
        .unwrap_err()
        .to_string();
    assert!(err.contains("/srv/bricks"), "{err}");
    assert!(err.contains("/var/lib/heketi/mounts"), "{err}");
    // LVM mounts every brick at its own path: any root agrees.
    assert!(Backend::LvmThin.check_mount_root("/srv/bricks").is_ok());

    assert!(backend
        .check_plan(&plan_under("/var/lib/heketi/mounts"))
        .is_ok());
    let err = backend.check_plan(&plan_under("/srv/bricks")).unwrap_err();
    assert!(err.to_string().contains("bricks[0]"), "{err}");
    assert!(Backend::LvmThin
        .check_plan(&plan_under("/srv/bricks"))
        .is_ok());
}

#[tokio::test]
async fn the_runner_refuses_a_plan_outside_the_mounts_before_running_anything() {
    let transport = Silent::default();
    let calls = transport.calls.clone();
    let executor = CommandExecutor::new(
        transport,
        Backend::Directory(DirectoryMounts::under_root("/var/lib/heketi/mounts")),
    );
    assert!(executor.check_plan(&plan_under("/srv/bricks")).is_err());
    let journal = Arc::new(MemoryJournal::new());
    let runner = Runner::new(Arc::new(executor), journal.clone(), HostLimits::default());
    match runner
        .apply(&plan_under("/srv/bricks"), &Cancel::new())
        .await
    {
        Err(ApplyError::Invalid(e)) => {
            assert!(e.to_string().contains("brick_mount_root"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        journal.records().unwrap().is_empty(),
        "a refused run was journaled"
    );
    assert_eq!(*calls.lock().unwrap(), 0, "commands ran");
}
