//! `import_model_with_progress`: keys written of all keys after each transaction, ending at
//! every key, and the same store as `import_model` gives.

use gluster_model::ByteSize;
use gluster_placement::Progress;
use gluster_store::testing::topology;
use gluster_store::{import_model, import_model_with_progress, Kind, MemoryStore, Store};

#[tokio::test]
async fn import_reports_keys_written_of_all_keys() {
    // 1 cluster + 120 nodes + 240 devices: 361 keys, 4 transactions of at most 100.
    let model = topology(120, 2, ByteSize::tib(1));
    let store = MemoryStore::new();
    let mut reports = Vec::new();
    import_model_with_progress(&store, &model, &mut |p| reports.push(p))
        .await
        .unwrap();
    let dones: Vec<u64> = reports.iter().map(|p| p.done).collect();
    assert_eq!(dones, vec![100, 200, 300, 361]);
    assert!(reports.iter().all(|p| p.total == 361), "{reports:?}");
    assert!(reports.last().is_some_and(Progress::is_finished));

    let plain = MemoryStore::new();
    import_model(&plain, &model).await.unwrap();
    for kind in [Kind::Cluster, Kind::Node, Kind::Device] {
        assert_eq!(
            store.list(kind).await.unwrap(),
            plain.list(kind).await.unwrap()
        );
    }
    assert_eq!(store.list(Kind::Device).await.unwrap().len(), 240);
}
