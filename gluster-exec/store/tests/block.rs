//! Block volumes through the provisioner: a hosting volume created when none has room, the
//! hosting volume charged per block volume in the store, deletes giving the size back, and
//! recovery of a block create that crashed.

use std::sync::Arc;

use gluster_exec::simulated::{Fault, SimulatedExecutor};
use gluster_model::{BlockVolumeId, ByteSize, ClusterId, Model, VolumeId};
use gluster_placement::BlockRequest;
use gluster_store::testing::{provisioner, topology};
use gluster_store::{Kind, MemoryStore, RecoveryPolicy, Store};

fn request(gib: u64) -> BlockRequest {
    let mut r = BlockRequest::new(ByteSize::gib(gib));
    r.cluster = Some(ClusterId::from_u128(1));
    r.hosting_size = ByteSize::gib(100);
    r
}

async fn setup() -> (
    Arc<MemoryStore>,
    Arc<SimulatedExecutor>,
    gluster_store::Provisioner,
) {
    let model = topology(6, 2, ByteSize::gib(500));
    let store = Arc::new(MemoryStore::new());
    let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
    let p = provisioner(store.clone(), &model, sim.clone())
        .await
        .unwrap();
    (store, sim, p)
}

fn free(model: &Model, hosting: VolumeId) -> ByteSize {
    model
        .volume(hosting)
        .unwrap()
        .block_hosting
        .as_ref()
        .unwrap()
        .free_size
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_volumes_share_a_hosting_volume_charged_in_the_store() {
    let (store, sim, p) = setup().await;
    let a = p.create_block("blk-a", &request(10)).await.unwrap();
    let b = p.create_block("blk-b", &request(20)).await.unwrap();
    assert_eq!(a.hosting_volume, b.hosting_volume, "one hosting volume");
    let model = p.model().await.unwrap();
    assert!(model.check().is_empty(), "{:?}", model.check());
    assert_eq!(model.volumes().len(), 1);
    let hosting = a.hosting_volume;
    let space = gluster_placement::block::block_space(model.volume(hosting).unwrap().size);
    assert_eq!(
        space.checked_sub(free(&model, hosting)),
        Some(ByteSize::gib(30))
    );
    assert_eq!(sim.snapshot().block_volumes.len(), 2);
    assert_eq!(store.list(Kind::BlockVolume).await.unwrap().len(), 2);
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());

    p.delete_block(a.id).await.unwrap();
    let model = p.model().await.unwrap();
    assert_eq!(
        space.checked_sub(free(&model, hosting)),
        Some(ByteSize::gib(20))
    );
    assert_eq!(sim.snapshot().block_volumes.len(), 1);
    assert!(p.delete_block(a.id).await.is_err(), "gone");
    assert!(p.delete_block(BlockVolumeId::from_u128(7)).await.is_err());
    // Empty again, the hosting volume is a volume like any other.
    p.delete_block(b.id).await.unwrap();
    assert_eq!(free(&p.model().await.unwrap(), hosting), space);
    p.delete(hosting).await.unwrap();
    assert!(sim.snapshot().volumes.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_rolls_back_or_finishes_a_crashed_block_create() {
    for policy in [RecoveryPolicy::RollBack, RecoveryPolicy::Finish] {
        let (store, sim, p) = setup().await;
        let first = p.create_block("blk-a", &request(10)).await.unwrap();
        let hosting = first.hosting_volume;
        let before = free(&p.model().await.unwrap(), hosting);
        let second = request(5);
        sim.inject(Fault::CrashAfterCall(sim.calls() + 1));
        tokio::select! {
            r = p.create_block("blk-b", &second) => panic!("must crash: {r:?}"),
            () = sim.crashed() => {}
        }
        sim.restart();
        assert_eq!(store.list(Kind::Pending).await.unwrap().len(), 1);
        let model = topology(6, 2, ByteSize::gib(500));
        let p2 = provisioner(store.clone(), &model, sim.clone())
            .await
            .unwrap();
        let report = p2.recover(policy).await.unwrap();
        assert!(report.failed.is_empty(), "{report:?}");
        assert!(store.list(Kind::Pending).await.unwrap().is_empty());
        let after = free(&p2.model().await.unwrap(), hosting);
        let blocks = store.list(Kind::BlockVolume).await.unwrap().len();
        match policy {
            RecoveryPolicy::RollBack => {
                assert_eq!(
                    (after, blocks, sim.snapshot().block_volumes.len()),
                    (before, 1, 1)
                );
            }
            RecoveryPolicy::Finish => {
                assert_eq!(before.checked_sub(after), Some(ByteSize::gib(5)));
                assert_eq!((blocks, sim.snapshot().block_volumes.len()), (2, 2));
            }
        }
    }
}
