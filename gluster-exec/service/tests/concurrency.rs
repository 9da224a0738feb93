//! Many operations at once through the router: every create placed exactly once, no device
//! over-booked, the model and the simulated hosts agree.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::*;
use gluster_model::ByteSize;
use gluster_service::AuthConfig;

async fn concurrent_creates_and_deletes_keep_model_and_hosts_equal(b: Backend) {
    // 12 devices of 100 GiB hold 36 replica-3 volumes of 10 GiB; ask for 50.
    let h = harness(b, AuthConfig::Disabled, 1024).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let r = h.router.clone();
            tokio::spawn(async move {
                let body = format!(
                    r#"{{"size":10,"name":"c{i}","durability":{{"type":"replicate"}},
                        "glustervolumeoptions":["user.heketi.zone-checking strict"]}}"#
                );
                run(&r, "POST", "/volumes", &body).await
            })
        })
        .collect();
    let mut placed = Vec::new();
    let mut refused = 0;
    for t in tasks {
        let a = t.await.unwrap();
        match a.status {
            StatusCode::SEE_OTHER => placed.push(a.header("location").unwrap().to_string()),
            StatusCode::INTERNAL_SERVER_ERROR => {
                assert!(a.body.contains("strict zones"), "{}", a.body);
                refused += 1;
            }
            s => panic!("unexpected {s}: {}", a.body),
        }
    }
    assert_eq!(placed.len() + refused, 50);
    // At most 1200 GiB / 30 GiB fit.
    assert!(placed.len() <= 40, "{}", placed.len());
    // Oracle for the refusals: nothing was deleted, so the model only filled up; a request
    // refused then must still be refused on the final model.
    if refused > 0 {
        let model = h.model().await;
        let mut request = gluster_placement::VolumeRequest::new(
            ByteSize::gib(10),
            gluster_model::Durability::replicate(3).unwrap(),
        );
        request.zone_checking = gluster_model::ZoneChecking::Strict;
        let settings = gluster_placement::PlacementSettings::default();
        assert!(gluster_placement::plan_volume(&model, &request, &settings, 1).is_err());
    }
    let unique: BTreeSet<_> = placed.iter().collect();
    assert_eq!(unique.len(), placed.len());

    async fn check(h: &Harness, expect: usize) {
        let model = h.model().await;
        assert_eq!(model.volumes().len(), expect);
        assert!(model.check().is_empty(), "{:?}", model.check());
        assert!(model.devices().all(|d| d.used <= d.total));
        let sim = h.sim.snapshot();
        let names: BTreeSet<_> = model.volumes().map(|v| v.name.clone()).collect();
        let on_hosts: BTreeSet<_> = sim.volumes.keys().cloned().collect();
        assert_eq!(names, on_hosts);
        let bricks: usize = sim
            .hosts
            .values()
            .flat_map(|h| h.devices.values())
            .map(|d| d.bricks.len())
            .sum();
        assert_eq!(bricks, model.bricks().len());
    }
    check(&h, placed.len()).await;

    // Delete half at once.
    let half = placed.len() / 2;
    let tasks: Vec<_> = placed[..half]
        .iter()
        .map(|l| {
            let (r, l) = (h.router.clone(), l.clone());
            tokio::spawn(async move { run(&r, "DELETE", &l, "").await.status })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::NO_CONTENT);
    }
    check(&h, placed.len() - half).await;
    let used: u64 = h.model().await.devices().map(|d| d.used.bytes()).sum();
    assert!(used > 0 && used < 12 * ByteSize::gib(100).bytes());
}

for_each_backend!(concurrent_creates_and_deletes_keep_model_and_hosts_equal,);
