//! What several CLI test files share.

use std::path::Path;

/// Leaves a create pending in the store at `path`, as a crash mid-create does: its hosts
/// never answer, and the operation is dropped while it waits on them.
pub fn leave_a_create_pending(path: &Path) {
    use gluster_exec::simulated::SimulatedExecutor;
    use gluster_store::{Kind, Provisioner, RedbStore, Store};
    use std::sync::Arc;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(RedbStore::open(path).await.unwrap());
        let settings = gluster_placement::PlacementSettings::default();
        let limits = gluster_exec::HostLimits::new(4);
        let empty = Arc::new(SimulatedExecutor::from_model(
            &gluster_model::Model::new(),
            true,
        ));
        let model = Provisioner::new(store.clone(), empty, limits.clone(), settings.clone())
            .await
            .unwrap()
            .model()
            .await
            .unwrap();
        let sim = Arc::new(SimulatedExecutor::from_model(&model, true));
        sim.set_latency(std::time::Duration::from_secs(3600));
        let p = Provisioner::new(store.clone(), sim, limits, settings)
            .await
            .unwrap();
        let request = gluster_placement::VolumeRequest::new(
            gluster_model::ByteSize::gib(10),
            gluster_model::Durability::replicate(3).unwrap(),
        );
        let task = tokio::spawn(async move { p.create("left-pending", &request).await });
        for _ in 0..1000 {
            if !store.list(Kind::Pending).await.unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(store.list(Kind::Pending).await.unwrap().len(), 1);
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
}
