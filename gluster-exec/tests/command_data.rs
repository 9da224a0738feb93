//! `CommandExecutor`'s data-service operations against a fake transport: the commands it
//! runs, and glusterd's answers it reads as success (already exists, does not exist,
//! already activated, no limit set) or as errors.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use gluster_exec::ops::*;
use gluster_exec::{
    Backend, CommandExecutor, CommandOutput, DirectoryMounts, ExecError, Executor, Transport,
};
use gluster_model::{ByteSize, DeviceId};

/// A failed glusterd answer, as `--xml` prints it.
fn failed(message: &str) -> CommandOutput {
    ok(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cliOutput>\n  \
         <opRet>-1</opRet>\n  <opErrno>30800</opErrno>\n  <opErrstr>{message}</opErrstr>\n\
         </cliOutput>\n"
    ))
}

fn success() -> CommandOutput {
    ok("<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/></cliOutput>")
}

/// `snapshot info` of one snapshot, in the shape of glusterd 10's cli-xml-output.
fn snapshot_info(name: &str, volume: &str, status: &str) -> CommandOutput {
    ok(&format!(
        "<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><snapInfo><count>1</count>\
         <snapshots><snapshot><name>{name}</name><uuid>u</uuid><description/><createTime>t\
         </createTime><volCount>1</volCount><snapVolume><name>v</name><status>{status}\
         </status><originVolume><name>{volume}</name><snapCount>1</snapCount>\
         <snapRemaining>255</snapRemaining></originVolume></snapVolume></snapshot>\
         </snapshots></snapInfo></cliOutput>"
    ))
}

fn ok(stdout: &str) -> CommandOutput {
    CommandOutput {
        status: 0,
        stdout: stdout.to_string(),
        stderr: String::new(),
    }
}

/// Answers with the first rule whose prefix the joined argv starts with; records commands.
#[derive(Debug, Default)]
struct Fake {
    rules: Mutex<Vec<(String, CommandOutput)>>,
    calls: Mutex<Vec<String>>,
}

impl Fake {
    fn on(self, prefix: &str, out: CommandOutput) -> Self {
        let full = format!("gluster --mode=script --xml {prefix}");
        self.rules.lock().unwrap().push((full, out));
        self
    }
    fn raw(self, prefix: &str, out: CommandOutput) -> Self {
        self.rules.lock().unwrap().push((prefix.to_string(), out));
        self
    }
}

#[async_trait]
impl Transport for Fake {
    async fn run(
        &self,
        _host: &str,
        argv: &[String],
        _timeout: Duration,
    ) -> Result<CommandOutput, ExecError> {
        let line = argv.join(" ");
        self.calls.lock().unwrap().push(line.clone());
        let rules = self.rules.lock().unwrap();
        Ok(rules
            .iter()
            .find(|(p, _)| line.starts_with(p.as_str()))
            .map(|(_, o)| o.clone())
            .unwrap_or_else(success))
    }
}

fn ex(fake: Fake) -> CommandExecutor<Fake> {
    CommandExecutor::new(fake, Backend::LvmThin)
}

fn create() -> SnapshotCreate {
    SnapshotCreate {
        host: "node1".into(),
        name: "snap1".into(),
        volume: "vol1".into(),
    }
}

fn sref() -> SnapshotRef {
    SnapshotRef {
        host: "node1".into(),
        name: "snap1".into(),
    }
}

#[tokio::test]
async fn snapshot_create_of_an_existing_snapshot_of_the_same_volume_succeeds() {
    let e = ex(Fake::default()
        .on("snapshot create", failed("Snapshot snap1 already exists"))
        .on("snapshot info", snapshot_info("snap1", "vol1", "Stopped")));
    e.snapshot_create(&create()).await.unwrap();
    // Of another volume: the error stays.
    let other = ex(Fake::default()
        .on("snapshot create", failed("Snapshot snap1 already exists"))
        .on("snapshot info", snapshot_info("snap1", "vol9", "Stopped")));
    assert!(matches!(
        other.snapshot_create(&create()).await,
        Err(ExecError::Gluster { .. })
    ));
}

#[tokio::test]
async fn snapshot_activate_delete_and_info_read_glusterds_answers() {
    let e = ex(Fake::default()
        .on(
            "snapshot activate",
            failed("Snapshot snap1 is already activated."),
        )
        .on("snapshot delete", failed("Snapshot (snap1) does not exist"))
        .on("snapshot info", snapshot_info("snap1", "vol1", "Started")));
    e.snapshot_activate(&sref()).await.unwrap();
    e.snapshot_delete(&sref()).await.unwrap();
    let info = e.snapshot_info(&sref()).await.unwrap();
    assert_eq!(
        info,
        SnapshotInfo {
            name: "snap1".into(),
            volume: "vol1".into(),
            activated: true
        }
    );
    let missing =
        ex(Fake::default().on("snapshot info", failed("Snapshot (snap1) does not exist")));
    assert!(matches!(
        missing.snapshot_info(&sref()).await,
        Err(ExecError::NotFound { .. })
    ));
    let broken = ex(Fake::default().on("snapshot info", ok("<cliOutput><opRet>0</opRet>")));
    assert!(broken.snapshot_info(&sref()).await.is_err());
}

#[tokio::test]
async fn snapshots_on_a_glusterd_without_lvm_are_unsupported() {
    // glusterd 10.3's answer on the test pool, which has no LVM.
    let disabled = "LVM commands not found, snapshot functionality is disabled";
    let e = ex(Fake::default()
        .on("snapshot create", failed(disabled))
        .on("snapshot info", failed(disabled)));
    let err = e.snapshot_create(&create()).await.unwrap_err();
    assert!(
        matches!(&err, ExecError::Unsupported(m) if m.contains("LVM")),
        "{err}"
    );
    assert!(matches!(
        e.snapshot_info(&sref()).await,
        Err(ExecError::Unsupported(_))
    ));
}

#[tokio::test]
async fn snapshot_clone_of_an_existing_clone_succeeds_only_while_the_snapshot_exists() {
    let clone = SnapshotClone {
        host: "node1".into(),
        clone: "vol2".into(),
        snapshot: "snap1".into(),
    };
    let info_xml = std::fs::read_to_string(format!(
        "{}/tests/fixtures/gluster-xml/volume-info-replica3.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let fake = Fake::default()
        .on(
            "snapshot clone",
            failed("Volume with name:vol2 already exists"),
        )
        .on(
            "volume info",
            ok(&info_xml.replace("<name>rep3</name>", "<name>vol2</name>")),
        )
        .on("snapshot info", snapshot_info("snap1", "vol1", "Started"));
    let e = ex(fake);
    e.snapshot_clone(&clone).await.unwrap();
    let gone = ex(Fake::default()
        .on(
            "snapshot clone",
            failed("Volume with name:vol2 already exists"),
        )
        .on("snapshot info", failed("Snapshot (snap1) does not exist")));
    assert!(gone.snapshot_clone(&clone).await.is_err());
}

#[tokio::test]
async fn quota_enable_twice_and_remove_without_a_limit_succeed() {
    let e = ex(Fake::default()
        .on("volume quota vol1 enable", failed("Quota is already enabled"))
        .on(
            "volume quota vol1 remove",
            failed("removexattr failed on /var/run/gluster/vol1_quota_limit/subvol_1. Reason : No data available"),
        ));
    let vref = VolumeRef {
        host: "node1".into(),
        name: "vol1".into(),
    };
    e.quota_enable(&vref).await.unwrap();
    let dir = VolumeDir {
        host: "node1".into(),
        volume: "vol1".into(),
        dir: "/subvol_1".into(),
        mount: "/run/m".into(),
    };
    e.quota_remove(&dir).await.unwrap();
    // The directory is gone already (a delete run twice).
    let gone = ex(Fake::default().on(
        "volume quota vol1 remove",
        failed("Failed to get trusted.gfid attribute on path /subvol_1. Reason : No such file or directory"),
    ));
    gone.quota_remove(&dir).await.unwrap();
    let missing = ex(Fake::default().on("volume quota", failed("Volume vol1 does not exist")));
    assert!(matches!(
        missing.quota_enable(&vref).await,
        Err(ExecError::NotFound { .. })
    ));
}

#[tokio::test]
async fn resync_runs_pvresize_then_reads_the_size() {
    let vgs = "  10733223936:9659482112:4194304\n";
    let fake = Fake::default().raw("vgs", ok(vgs));
    let e = ex(fake);
    let device = DeviceSetup {
        host: "node1".into(),
        device_id: DeviceId::derived(&["r"]),
        device: "/dev/vdb".into(),
    };
    let r = DeviceResync {
        device: device.clone(),
        known_total: ByteSize::gib(5),
        used: ByteSize::ZERO,
    };
    let result = e.device_resync(&r).await;
    let calls = e.transport().calls.lock().unwrap().clone();
    assert_eq!(calls[0], "pvresize /dev/vdb", "{calls:?}");
    assert!(calls[1].starts_with("vgs"), "{calls:?}");
    let report = result.unwrap();
    assert_eq!(
        report.change,
        SizeChange::Grown(ByteSize::b(10733223936 - 5 * 1024 * 1024 * 1024))
    );
    let dirs = CommandExecutor::new(
        Fake::default().raw("stat", ok("4096 2621440 2359296\n")),
        Backend::Directory(DirectoryMounts::under_root("/bricks")),
    );
    let shrunk = DeviceResync {
        used: ByteSize::gib(11),
        ..r
    };
    match dirs.device_resync(&shrunk).await {
        Err(ExecError::DeviceShrunk { total, .. }) => assert_eq!(total, ByteSize::gib(10)),
        other => panic!("{other:?}"),
    }
    let calls = dirs.transport().calls.lock().unwrap().clone();
    assert_eq!(
        calls[0],
        format!("xfs_growfs /bricks/vg_{}", device.device_id)
    );
}
