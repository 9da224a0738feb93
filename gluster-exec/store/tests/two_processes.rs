//! Two provisioner processes against one etcd, creating at once: no device is double
//! booked, every request is served, and the store equals the hosts of both.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use gluster_model::ByteSize;
use gluster_store::etcd_server::EtcdServer;
use gluster_store::testing::{provisioner, topology, PersistentHosts};
use gluster_store::{EtcdStore, HostReport, Kind, Store};

const PER_PROCESS: usize = 80;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_etcd_never_double_book() {
    let Some(server) = EtcdServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hosts.log");
    let model = topology(9, 3, ByteSize::tib(2));
    // Import once, before the two start.
    let store: Arc<dyn Store> = Arc::new(
        EtcdStore::connect(&server.endpoints(), "/crash/", Duration::from_secs(5))
            .await
            .unwrap(),
    );
    let hosts = Arc::new(PersistentHosts::open(&model, &log).await.unwrap());
    provisioner(store.clone(), &model, hosts).await.unwrap();

    let spec = format!("etcd:{}", server.endpoint);
    let children: Vec<_> = (0..2)
        .map(|seed| {
            Command::new(env!("CARGO_BIN_EXE_gluster-store-crashload"))
                .args([
                    spec.as_str(),
                    &log.display().to_string(),
                    &seed.to_string(),
                    "rollback",
                    &format!("creates:{PER_PROCESS}"),
                ])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("tally created={PER_PROCESS} failed=0")),
            "every request served: {text}"
        );
    }

    // Both processes' host changes, replayed together, equal the store.
    let hosts = Arc::new(PersistentHosts::open(&model, &log).await.unwrap());
    let p = provisioner(store.clone(), &model, hosts.clone())
        .await
        .unwrap();
    assert!(store.list(Kind::Pending).await.unwrap().is_empty());
    let diffs = p
        .reconcile(&HostReport::from_simulated(&hosts.sim().snapshot()))
        .await
        .unwrap();
    assert!(diffs.is_empty(), "{diffs:#?}");
    let stored = p.model().await.unwrap();
    assert_eq!(stored.volumes().len(), 2 * PER_PROCESS);
    assert!(stored.check().is_empty());
    assert!(stored.devices().all(|d| d.used <= d.total));
}
