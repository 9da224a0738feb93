//! The directory backend's destroy steps run for real with the local transport on a scratch
//! directory standing in for a device's mount point.

use gluster_exec::ops::BrickCreate;
use gluster_exec::{Backend, CommandExecutor, DirectoryMounts, Executor, LocalTransport};
use gluster_model::{BrickId, ByteSize, DeviceId};

#[tokio::test]
async fn brick_destroy_removes_exactly_the_brick_and_is_idempotent() {
    let scratch = tempfile::tempdir().unwrap();
    let mount = scratch.path().join("disk1");
    let mount_s = mount.display().to_string();
    let device = DeviceId::from_u128(1);
    let brick_id = BrickId::from_u128(2);
    let brick_root = mount.join(format!("brick_{brick_id}"));
    let neighbour = mount.join("brick_other/brick");
    std::fs::create_dir_all(brick_root.join("brick/dir")).unwrap();
    std::fs::write(brick_root.join("brick/dir/file"), b"data").unwrap();
    std::fs::create_dir_all(&neighbour).unwrap();

    let executor = CommandExecutor::new(
        LocalTransport::new(),
        Backend::Directory(DirectoryMounts::explicit().device(device, &mount_s)),
    );
    let request = BrickCreate {
        host: "localhost".into(),
        device_id: device,
        device: "/dev/loop0".into(),
        brick_id,
        size: ByteSize::gib(1),
        pool_size: ByteSize::gib(1),
        metadata_size: ByteSize::mib(8),
        arbiter: false,
        path: format!("{}/brick", brick_root.display()),
    };
    executor.brick_destroy(&request).await.unwrap();
    assert!(!brick_root.exists());
    assert!(neighbour.exists(), "a neighbouring brick survives");
    assert!(mount.exists(), "the mount point stays");
    // Again: nothing left to remove, still Ok.
    executor.brick_destroy(&request).await.unwrap();
}
