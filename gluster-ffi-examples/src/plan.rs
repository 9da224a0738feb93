//! Planning and simulating volumes on a cluster handle.

use std::ffi::c_char;

use serde::Serialize;

use crate::boundary::{boundary, str_arg, Out, Record};
use crate::cluster::gp_cluster;
use crate::error::FfiError;
use crate::handle;
use crate::request::parse_request;
use crate::result::gp_result;
use crate::string::{gp_string, new_string};

fn to_json(value: &impl Serialize, what: &str) -> Result<String, FfiError> {
    serde_json::to_string(value)
        .map_err(|e| FfiError::new(gp_result::Internal, format!("serializing the {what}: {e}")))
}

/// Plans one volume. The cluster is not changed: pass the plan to `gp_cluster_commit` to keep
/// it. The same cluster, request and seed always give the same plan, byte for byte.
///
/// `request_json` is an object with the fields of `gluster-plan plan` (only `size` is
/// required): `size` (`"100GiB"` or a number of bytes), `volumetype` (`"none"`,
/// `"replicate:N"`, `"disperse:D:R"`; default `"replicate:3"`), `arbiter` (bool, turns
/// replicate:3 into replica 3 arbiter 1), `zone_checking` (`"strict"`, `"prefer"`, `"none"`),
/// `device_tag_match` (`["key=value", "key!=value"]`), `snapshot_factor` (1 to 100),
/// `average_file_size`, `min_brick_size`, `max_brick_size`, `max_bricks`,
/// `device_reserve_per_mille`, `brick_mount_root`, `name`, `cluster` (id), `allowed_zones`,
/// `preferred_zones` (arrays of zone numbers), `options` (`[["key","value"]]`), `gid`,
/// `brick_budget` (most bricks per node: `{"multiplex":false,"max_bricks_per_process":250,
/// "max_processes":128}`, any field left out takes that value; none: no limit).
///
/// The plan JSON lists every brick in `bricks`, set by set, each with `set`, `position`,
/// `role` (`"data"` or `"arbiter"`), `node`, `storage_host`, `zone`, `device`, `size_bytes`
/// and `path`, and `notes` for anything short of a refusal.
///
/// Errors: `GP_RESULT_INFEASIBLE` (read the reasons with `gp_last_error_message` or
/// `gp_last_error_reasons_json`), `GP_RESULT_INVALID_REQUEST` (the message names the field),
/// `GP_RESULT_INVALID_JSON`, `GP_RESULT_INVALID_HANDLE`, `GP_RESULT_INVALID_UTF8`,
/// `GP_RESULT_NULL_ARGUMENT`.
///
/// Ownership: `cluster` stays the caller's; `request_json` is borrowed for the call only. On
/// success `*out_plan_json` receives a new string the caller owns and must release with
/// `gp_string_free`; on failure it is set to NULL.
///
/// # Safety
///
/// `cluster` must not be freed by another thread during the call; `request_json` must be a
/// NUL-terminated string; `out_plan_json` must point to a writable `gp_string*`.
#[no_mangle]
pub unsafe extern "C" fn gp_plan(
    cluster: *const gp_cluster,
    request_json: *const c_char,
    seed: u64,
    out_plan_json: *mut *mut gp_string,
) -> gp_result {
    boundary(Record::Operation, || {
        // SAFETY: the caller's contract on `out_plan_json`.
        let out = unsafe { Out::new(out_plan_json, "out_plan_json") }?;
        // SAFETY: the caller guarantees no concurrent free.
        let cluster = unsafe { handle::borrow(cluster, "cluster") }?;
        // SAFETY: NUL-terminated by the caller's contract.
        let json = unsafe { str_arg(request_json, "request_json") }?;
        let (request, settings) = parse_request(json)?;
        let plan = cluster.engine_with(&settings)?.plan(&request, seed)?;
        out.set(new_string(to_json(&plan, "plan")?)?);
        Ok(())
    })
}

/// Places the request again and again into a copy of the cluster (each plan committed before
/// the next, seeds `seed`, `seed + 1`, ...) until `count` volumes are placed or one is refused;
/// `count` 0 means until the first refusal. The cluster itself is not changed.
///
/// The report JSON has `placed`, `first_refusal` (`null` or `{"reasons": [...]}`),
/// `devices` (per device `node`, `device`, `zone`, `total_bytes`, `used_bytes`) and
/// `utilization` (`min`, `max`, `mean`, `raw`, `max_over_mean`). A refusal after the first
/// volume is part of the report, not an error.
///
/// Errors and ownership: as `gp_plan`, with the report in `*out_report_json`.
///
/// # Safety
///
/// As `gp_plan`.
#[no_mangle]
pub unsafe extern "C" fn gp_simulate(
    cluster: *const gp_cluster,
    request_json: *const c_char,
    seed: u64,
    count: usize,
    out_report_json: *mut *mut gp_string,
) -> gp_result {
    boundary(Record::Operation, || {
        // SAFETY: the caller's contract on `out_report_json`.
        let out = unsafe { Out::new(out_report_json, "out_report_json") }?;
        // SAFETY: the caller guarantees no concurrent free.
        let cluster = unsafe { handle::borrow(cluster, "cluster") }?;
        // SAFETY: NUL-terminated by the caller's contract.
        let json = unsafe { str_arg(request_json, "request_json") }?;
        let (request, settings) = parse_request(json)?;
        let count = (count != 0).then_some(count);
        let report = cluster
            .engine_with(&settings)?
            .simulate(&request, seed, count)?;
        out.set(new_string(to_json(&report, "simulation report")?)?);
        Ok(())
    })
}
