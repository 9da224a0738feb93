//! Day-2 on the real pool: evacuate a node under a mounted replica-3 volume, wave by wave,
//! through the command executor; the data stays intact and the node ends empty.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gluster_exec::day2::{apply_replace_waves, HealWait};
use gluster_model::{ByteSize, Durability, ZoneChecking};
use gluster_placement::day2::{plan_evacuation, Day2Settings, EvacuationTarget};
use gluster_placement::{plan_volume, VolumeRequest};

use super::cli::{apply_plan_with_executor, delete_volume_with_executor, volume_bricks};
use super::files;
use super::scenario::{check_deleted, Env};

/// Plan and apply a strict replica-3 volume, mount it and write files; evacuate the node of
/// its first brick; the files read back, `volume info` names the new bricks and the node
/// keeps no brick directory of the volume.
pub fn evacuate_node_under_mount(env: &mut Env) -> Vec<(String, Duration)> {
    let mut steps = Vec::new();
    let mut t = Instant::now();
    let mut model = env.pool.model().expect("model");
    let mut request = VolumeRequest::new(ByteSize::gib(1), Durability::replicate(3).unwrap());
    request.name = Some("evac".into());
    request.zone_checking = ZoneChecking::Strict;
    let plan = plan_volume(&model, &request, &env.pool.placement_settings(), 5).expect("plan");
    apply_plan_with_executor(&env.cli, &plan);
    plan.commit_to(&mut model).expect("commit");
    let mount = env.pool.mount("evac").expect("mount");
    let data = files::generate("evac", 24);
    files::write_all(&mount, &data);
    steps.push((
        "replica-3 volume applied, mounted, 24 files written".to_string(),
        t.elapsed(),
    ));
    t = Instant::now();

    let node = plan.bricks[0].node_id;
    let node_name = plan.bricks[0].node.clone();
    let mut settings = Day2Settings {
        placement: env.pool.placement_settings(),
        ..Day2Settings::default()
    };
    settings.default_policy.zone_checking = ZoneChecking::Strict;
    let evacuation = plan_evacuation(&model, EvacuationTarget::Node(node), &settings, 1)
        .unwrap_or_else(|e| panic!("evacuation plan: {e}"));
    assert_eq!(evacuation.steps.len(), 1);
    assert_eq!(evacuation.degraded, 0);
    let host = plan.bricks[1].node.clone();
    let wait = HealWait {
        poll: Duration::from_millis(500),
        attempts: 240,
    };
    let executor = env.cli.executor();
    env.cli
        .block_on(apply_replace_waves(
            executor.as_ref(),
            &host,
            &evacuation.steps,
            wait,
        ))
        .unwrap_or_else(|e| panic!("evacuation: {e}"));
    steps.push((
        format!("{node_name} evacuated: replace-brick, heal waited for, old brick removed"),
        t.elapsed(),
    ));
    t = Instant::now();

    files::verify_all(&mount, &data);
    let (_, bricks) = volume_bricks(&env.cli, &host, "evac");
    let names: BTreeSet<String> = bricks.into_iter().map(|(name, _)| name).collect();
    let new = &evacuation.steps[0].new;
    assert!(
        names.contains(&format!("{}:{}", new.storage_host, new.path)),
        "{names:?}"
    );
    assert!(
        !names.contains(&evacuation.steps[0].old.host_path),
        "{names:?}"
    );
    let old_dir = plan.bricks[0].path.trim_end_matches("/brick");
    assert_eq!(
        env.cli.run(&node_name, &["test", "-e", old_dir]).status,
        1,
        "old brick left"
    );
    env.pool.unmount(&mount).expect("unmount");
    steps.push((
        "files intact; volume info names the new brick".to_string(),
        t.elapsed(),
    ));
    t = Instant::now();

    evacuation
        .commit_to(&mut model)
        .expect("commit the evacuation");
    let mut moved = plan.clone();
    moved.bricks[0] = evacuation.steps[0].new.clone();
    delete_volume_with_executor(&env.cli, &moved);
    check_deleted(env, &moved);
    steps.push(("volume deleted".to_string(), t.elapsed()));
    steps
}
