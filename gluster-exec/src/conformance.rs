//! A conformance suite any [`Executor`] can run (feature `testing`): idempotent creates and
//! removes, the volume lifecycle, `NotFound` for what does not exist, and refusal of unsafe
//! names. The simulated executor runs it in `cargo test`; the real-pool test runs it against
//! glusterd.
//!
//! ```
//! use gluster_exec::conformance::{run, Fixture};
//! use gluster_exec::simulated::SimulatedExecutor;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let (fixture, state) = Fixture::simulated(3);
//! let report = run(&SimulatedExecutor::new(state), &fixture).await;
//! assert!(report.iter().all(|case| case.passed()), "{report:#?}");
//! # });
//! ```

use gluster_model::{BrickId, ByteSize, Durability};

use crate::error::ExecError;
use crate::executor::Executor;
use crate::ops::*;
use crate::simulated::{SimDevice, SimHost, SimState};

mod data;

pub use data::run_data;

/// A host the suite may use: one device on it, and where its bricks go.
#[derive(Debug, Clone)]
pub struct FixtureHost {
    /// The device (prepared or not; the suite prepares it and leaves it prepared).
    pub device: DeviceSetup,
    /// Storage hostname (how bricks name the host).
    pub storage_host: String,
    /// Directory under which brick directories are made (the device's mount for directory
    /// bricks, e.g. `<root>/vg_<device-id>`).
    pub brick_dir: String,
}

/// What the suite may touch: at least three hosts, and a prefix for volume names that no
/// existing volume uses.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Hosts, at least three.
    pub hosts: Vec<FixtureHost>,
    /// Prefix of the volumes the suite creates (and deletes).
    pub prefix: String,
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReport {
    /// The case's name.
    pub name: &'static str,
    /// `Err` with what went wrong.
    pub result: Result<(), String>,
}

impl CaseReport {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.result.is_ok()
    }
}

impl Fixture {
    /// A fixture of `hosts` simulated hosts with a 100 GiB device each, and their state.
    pub fn simulated(hosts: usize) -> (Fixture, SimState) {
        let mut state = SimState::default();
        let mut fixture_hosts = Vec::new();
        for i in 0..hosts {
            let host = format!("sim{i}");
            let storage = format!("198.51.100.{}", i + 1);
            let device_id = gluster_model::DeviceId::derived(&["conformance", &host]);
            let mut sim_host = SimHost {
                storage: storage.clone(),
                ..SimHost::default()
            };
            sim_host.devices.insert(
                device_id,
                SimDevice {
                    name: "/dev/vdb".into(),
                    total: ByteSize::gib(100),
                    used_before: ByteSize::ZERO,
                    prepared: false,
                    bricks: Default::default(),
                },
            );
            state.hosts.insert(host.clone(), sim_host);
            fixture_hosts.push(FixtureHost {
                device: DeviceSetup {
                    host,
                    device_id,
                    device: "/dev/vdb".into(),
                },
                storage_host: storage,
                brick_dir: format!(
                    "/var/lib/heketi/mounts/{}",
                    crate::render::lvm::vg_name(device_id)
                ),
            });
        }
        let fixture = Fixture {
            hosts: fixture_hosts,
            prefix: "conformance".into(),
        };
        (fixture, state)
    }

    fn brick(&self, host: usize, n: u128) -> BrickCreate {
        let h = &self.hosts[host];
        let brick_id = BrickId::derived(&[&self.prefix, &h.device.host, &n.to_string()]);
        BrickCreate {
            host: h.device.host.clone(),
            device_id: h.device.device_id,
            device: h.device.device.clone(),
            brick_id,
            size: ByteSize::mib(64),
            pool_size: ByteSize::mib(64),
            metadata_size: ByteSize::mib(4),
            arbiter: false,
            path: format!("{}/brick_{brick_id}/brick", h.brick_dir),
        }
    }

    fn address(&self, b: &BrickCreate, host: usize) -> BrickAddress {
        BrickAddress {
            host: self.hosts[host].storage_host.clone(),
            path: b.path.clone(),
        }
    }
}

/// Run every case in order against `executor`; each case cleans up after itself.
pub async fn run(executor: &dyn Executor, fixture: &Fixture) -> Vec<CaseReport> {
    let mut out = Vec::new();
    if fixture.hosts.len() < 3 {
        out.push(CaseReport {
            name: "fixture",
            result: Err("the suite needs at least three hosts".into()),
        });
        return out;
    }
    macro_rules! case {
        ($name:ident) => {
            out.push(CaseReport {
                name: stringify!($name),
                result: $name(executor, fixture).await,
            });
        };
    }
    case!(glusterd_answers_on_every_host);
    case!(device_setup_is_idempotent);
    case!(brick_create_grow_and_destroy_are_idempotent);
    case!(replica_3_volume_lifecycle);
    case!(arbiter_volume_marks_the_third_brick);
    case!(missing_volumes_are_not_found);
    case!(unsafe_names_are_refused);
    out
}

type CaseResult = Result<(), String>;

fn ctx<T>(what: &str, r: Result<T, ExecError>) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

fn check(cond: bool, what: impl FnOnce() -> String) -> CaseResult {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

async fn glusterd_answers_on_every_host(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    for h in &f.hosts {
        ctx(
            &format!("check glusterd on {}", h.device.host),
            ex.check_glusterd(&h.device.host).await,
        )?;
    }
    Ok(())
}

async fn device_setup_is_idempotent(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    for h in &f.hosts {
        ctx("device setup", ex.device_setup(&h.device).await)?;
        let info = ctx("device setup again", ex.device_setup(&h.device).await)?;
        check(
            info.total > ByteSize::ZERO && info.free <= info.total,
            || format!("device info after setup makes no sense: {info:?}"),
        )?;
        ctx("device info", ex.device_info(&h.device).await)?;
    }
    Ok(())
}

async fn brick_create_grow_and_destroy_are_idempotent(
    ex: &dyn Executor,
    f: &Fixture,
) -> CaseResult {
    let brick = f.brick(0, 1);
    ctx("brick create", ex.brick_create(&brick).await)?;
    ctx("brick create again", ex.brick_create(&brick).await)?;
    let grown = BrickCreate {
        size: ByteSize::mib(96),
        pool_size: ByteSize::mib(96),
        ..brick.clone()
    };
    ctx("brick grow", ex.brick_grow(&grown).await)?;
    ctx("brick grow again", ex.brick_grow(&grown).await)?;
    ctx("brick destroy", ex.brick_destroy(&brick).await)?;
    ctx("brick destroy again", ex.brick_destroy(&brick).await)
}

/// Create, inspect, set options, start, stop and delete a volume of one brick per host,
/// each call twice; then destroy its bricks. On failure, clean up as far as possible so
/// the next case starts from a clean pool.
async fn volume_lifecycle(
    ex: &dyn Executor,
    f: &Fixture,
    name: &str,
    durability: Durability,
) -> Result<VolumeInfo, String> {
    let bricks: Vec<BrickCreate> = (0..3).map(|i| f.brick(i, 10)).collect();
    let volume = VolumeRef {
        host: f.hosts[0].device.host.clone(),
        name: name.to_string(),
    };
    let result = lifecycle_steps(ex, f, &volume, durability, &bricks).await;
    if result.is_err() {
        let _ = ex.volume_stop(&volume).await;
        let _ = ex.volume_delete(&volume).await;
        for b in &bricks {
            let _ = ex.brick_destroy(b).await;
        }
    }
    result
}

async fn lifecycle_steps(
    ex: &dyn Executor,
    f: &Fixture,
    volume: &VolumeRef,
    durability: Durability,
    bricks: &[BrickCreate],
) -> Result<VolumeInfo, String> {
    for b in bricks {
        ctx("brick create", ex.brick_create(b).await)?;
    }
    let create = VolumeCreate {
        host: volume.host.clone(),
        name: volume.name.clone(),
        durability,
        bricks: bricks
            .iter()
            .enumerate()
            .map(|(i, b)| f.address(b, i))
            .collect(),
        options: vec![("performance.readdir-ahead".into(), "off".into())],
    };
    ctx("volume create", ex.volume_create(&create).await)?;
    ctx("volume create again", ex.volume_create(&create).await)?;
    let info = ctx("volume info", ex.volume_info(volume).await)?;
    let addresses: Vec<&BrickAddress> = info.bricks.iter().map(|b| &b.address).collect();
    check(
        addresses == create.bricks.iter().collect::<Vec<_>>(),
        || {
            format!(
                "volume info bricks {addresses:?}, created {:?}",
                create.bricks
            )
        },
    )?;
    check(info.status == VolumeStatus::Created, || {
        format!("status {:?} after create", info.status)
    })?;
    check(
        info.options
            .iter()
            .any(|(k, v)| k == "performance.readdir-ahead" && v == "off"),
        || format!("option not set: {:?}", info.options),
    )?;
    ctx("volume start", ex.volume_start(volume).await)?;
    ctx("volume start again", ex.volume_start(volume).await)?;
    let started = ctx("volume info", ex.volume_info(volume).await)?;
    check(started.status == VolumeStatus::Started, || {
        format!("status {:?} after start", started.status)
    })?;
    ctx("volume stop", ex.volume_stop(volume).await)?;
    ctx("volume stop again", ex.volume_stop(volume).await)?;
    ctx("volume delete", ex.volume_delete(volume).await)?;
    ctx("volume delete again", ex.volume_delete(volume).await)?;
    match ex.volume_info(volume).await {
        Err(ExecError::NotFound { .. }) => {}
        other => return Err(format!("volume info after delete: {other:?}")),
    }
    for b in bricks {
        ctx("brick destroy", ex.brick_destroy(b).await)?;
    }
    Ok(info)
}

async fn replica_3_volume_lifecycle(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    let durability = Durability::replicate(3).map_err(|e| e.to_string())?;
    let info = volume_lifecycle(ex, f, &format!("{}_r3", f.prefix), durability).await?;
    check(info.replica_count == 3 && info.arbiter_count == 0, || {
        format!(
            "replica {} arbiter {}",
            info.replica_count, info.arbiter_count
        )
    })
}

async fn arbiter_volume_marks_the_third_brick(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    let info = volume_lifecycle(ex, f, &format!("{}_arb", f.prefix), Durability::Arbiter).await?;
    let flags: Vec<bool> = info.bricks.iter().map(|b| b.arbiter).collect();
    check(
        info.arbiter_count == 1 && flags == [false, false, true],
        || {
            format!(
                "arbiter count {}, arbiter flags {flags:?}",
                info.arbiter_count
            )
        },
    )
}

async fn missing_volumes_are_not_found(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    let volume = VolumeRef {
        host: f.hosts[0].device.host.clone(),
        name: format!("{}_missing", f.prefix),
    };
    match ex.volume_info(&volume).await {
        Err(ExecError::NotFound { .. }) => {}
        other => return Err(format!("volume info of a missing volume: {other:?}")),
    }
    match ex.volume_start(&volume).await {
        Err(ExecError::NotFound { .. }) => {}
        other => return Err(format!("volume start of a missing volume: {other:?}")),
    }
    ctx(
        "volume stop of a missing volume",
        ex.volume_stop(&volume).await,
    )?;
    ctx(
        "volume delete of a missing volume",
        ex.volume_delete(&volume).await,
    )
}

async fn unsafe_names_are_refused(ex: &dyn Executor, f: &Fixture) -> CaseResult {
    let volume = VolumeRef {
        host: f.hosts[0].device.host.clone(),
        name: "bad;touch /tmp/pwned".into(),
    };
    match ex.volume_start(&volume).await {
        Err(ExecError::InvalidRequest(_)) => Ok(()),
        other => Err(format!("an unsafe volume name was not refused: {other:?}")),
    }
}
