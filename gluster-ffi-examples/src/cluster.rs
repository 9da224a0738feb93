//! The cluster handle: one placement engine (a model loaded from a topology document and
//! its index), changed by committed plans.

use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};

use gluster_model::{import_any, to_native_json, ByteSize, HeketiLoadOptions, Model};
use gluster_placement::{Engine, PlacementSettings, Plan};

use crate::boundary::{boundary, str_arg, utf8_bytes_arg, Out, Record};
use crate::error::FfiError;
use crate::handle::{self, Handle, Kind};
use crate::result::gp_result;
use crate::string::{gp_string, new_string};

/// A cluster model: every node, device, volume and brick of one topology, and the volumes
/// committed to it since, with the placement index kept in step (built once, when the
/// cluster is created). Create it with `gp_cluster_new`, release it with `gp_cluster_free`.
///
/// One handle may be used from several threads at once: calls on it take turns (an
/// internal lock; a plan takes microseconds). Planning and simulating never change it.
pub struct gp_cluster {
    engine: Mutex<Engine>,
}

impl Handle for gp_cluster {
    const KIND: Kind = Kind::Cluster;
    const C_NAME: &'static str = "gp_cluster";
}

fn poisoned() -> FfiError {
    FfiError::new(
        gp_result::Panic,
        "the cluster is unusable after an internal panic during an earlier call; free it",
    )
}

impl gp_cluster {
    /// The engine, planning with `settings` (re-indexed only when the device reserve
    /// changes).
    pub(crate) fn engine_with(
        &self,
        settings: &PlacementSettings,
    ) -> Result<MutexGuard<'_, Engine>, FfiError> {
        let mut engine = self.engine()?;
        engine.set_settings(settings);
        Ok(engine)
    }

    fn engine(&self) -> Result<MutexGuard<'_, Engine>, FfiError> {
        self.engine.lock().map_err(|_| poisoned())
    }
}

fn load(json: &str, default_device_size: Option<&str>) -> Result<Model, FfiError> {
    // Tell "not JSON" from "not a topology" before the importer, which reports both alike.
    serde_json::from_str::<serde::de::IgnoredAny>(json)
        .map_err(|e| FfiError::new(gp_result::InvalidJson, format!("topology is not JSON: {e}")))?;
    let mut options = HeketiLoadOptions::default();
    if let Some(size) = default_device_size {
        let size: ByteSize = size.parse().map_err(|e| {
            FfiError::new(
                gp_result::InvalidArgument,
                format!("argument default_device_size: {e}"),
            )
        })?;
        options.default_device_size = Some(size);
    }
    import_any(json, &options)
        .map_err(|e| FfiError::new(gp_result::InvalidTopology, format!("topology: {e}")))
}

/// Creates a cluster from a topology document: this library's native JSON, Heketi's
/// `topology info --json` dump, or Heketi's topology load file. A load file carries no device
/// sizes: pass `default_device_size` (e.g. `"1TiB"`; binary units B, KiB, MiB, GiB, TiB, PiB)
/// to size every device; it is ignored for the other formats.
///
/// Errors: `GP_RESULT_INVALID_JSON` (not JSON), `GP_RESULT_INVALID_TOPOLOGY` (the message names
/// the JSON path of the problem), `GP_RESULT_INVALID_ARGUMENT` (the size does not parse),
/// `GP_RESULT_INVALID_UTF8`, `GP_RESULT_NULL_ARGUMENT`.
///
/// Ownership: `json` (`len` bytes, no terminator needed) and `default_device_size` (may be
/// NULL) are borrowed for the call only. On success `*out` receives a new cluster the caller
/// owns and must release with `gp_cluster_free`; on failure `*out` is set to NULL.
///
/// # Safety
///
/// `json` must point to `len` readable bytes; `default_device_size` must be NULL or a
/// NUL-terminated string; `out` must point to a writable `gp_cluster*`.
#[no_mangle]
pub unsafe extern "C" fn gp_cluster_new(
    json: *const u8,
    len: usize,
    default_device_size: *const c_char,
    out: *mut *mut gp_cluster,
) -> gp_result {
    boundary(Record::Operation, || {
        // SAFETY: the caller's contract on `out`.
        let out = unsafe { Out::new(out, "out") }?;
        // SAFETY: the caller's contract on `json` and `len`.
        let json = unsafe { utf8_bytes_arg(json, len, "json") }?;
        let size = if default_device_size.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated by the caller's contract.
            Some(unsafe { str_arg(default_device_size, "default_device_size") }?)
        };
        let model = load(json, size)?;
        out.set(handle::into_handle(gp_cluster {
            engine: Mutex::new(Engine::new(model, PlacementSettings::default())),
        }));
        Ok(())
    })
}

/// Releases a cluster. NULL is a no-op returning `GP_RESULT_OK`.
///
/// Ownership: takes `cluster` back; it is invalid afterwards. Strings obtained from it stay
/// valid (they are owned separately). Freeing twice returns `GP_RESULT_INVALID_HANDLE` instead
/// of corrupting memory (unless the address was reused meanwhile: see the crate
/// documentation).
///
/// # Safety
///
/// No other thread may use `cluster` during or after the call.
#[no_mangle]
pub unsafe extern "C" fn gp_cluster_free(cluster: *mut gp_cluster) -> gp_result {
    // SAFETY: the caller guarantees no concurrent use.
    boundary(Record::FailureOnly, || unsafe {
        handle::free(cluster, "cluster")
    })
}

/// Commits a plan made by `gp_plan` to the cluster, so that later plans see its bricks and
/// the space they take. All or nothing: on failure the cluster is unchanged.
///
/// The plan is not trusted: every size is derived again (the data brick from the volume
/// size and set count, pool and metadata from the brick size, snapshot factor and device
/// extent), every brick checked against its device (node, names, zone, the `arbiter` tag
/// allowing its role, room), the volume name and brick paths checked to be plain.
///
/// Errors: `GP_RESULT_INVALID_PLAN` when the plan is not a plan or does not hold (the
/// message names the field, e.g. `bricks[0].pool_bytes`), `GP_RESULT_MODEL_REFUSED` when it
/// no longer fits (its name or ids exist already, a device lacks the space, a node or device
/// is not online), `GP_RESULT_INVALID_JSON`, `GP_RESULT_INVALID_HANDLE`,
/// `GP_RESULT_INVALID_UTF8`, `GP_RESULT_NULL_ARGUMENT`.
///
/// Ownership: `cluster` stays the caller's; `plan_json` is borrowed for the call only (the
/// caller still frees the `gp_string` it came from).
///
/// # Safety
///
/// `cluster` must not be freed by another thread during the call; `plan_json` must be a
/// NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn gp_cluster_commit(
    cluster: *mut gp_cluster,
    plan_json: *const c_char,
) -> gp_result {
    boundary(Record::Operation, || {
        // SAFETY: the caller guarantees no concurrent free.
        let cluster = unsafe { handle::borrow(cluster.cast_const(), "cluster") }?;
        // SAFETY: NUL-terminated by the caller's contract.
        let json = unsafe { str_arg(plan_json, "plan_json") }?;
        // One pass: a syntax error is "not JSON", anything else "not a plan".
        let not_json = |e| {
            FfiError::new(
                gp_result::InvalidJson,
                format!("plan_json is not JSON: {e}"),
            )
        };
        // The plain parse first: tracking the path of every field costs more than the
        // commit. Only a refused document is read again, for the path of its error.
        let plan: Plan = match serde_json::from_str(json) {
            Ok(plan) => plan,
            Err(_) => {
                let mut reader = serde_json::Deserializer::from_str(json);
                let plan = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
                    if e.inner().is_syntax() || e.inner().is_eof() {
                        not_json(e.into_inner())
                    } else {
                        FfiError::new(gp_result::InvalidPlan, format!("plan_json: {e}"))
                    }
                })?;
                reader.end().map_err(not_json)?;
                plan
            }
        };
        let mut engine = cluster.engine()?;
        engine.commit(&plan).map_err(|e| {
            let error = FfiError::from(e);
            FfiError::new(
                error.code,
                format!("commit of volume {}: {}", plan.volume_name, error.message),
            )
        })
    })
}

/// Writes the cluster, with every committed volume, as this library's native JSON, which
/// `gp_cluster_new` reads back: a caller can persist the state between runs.
///
/// Ownership: `cluster` stays the caller's. On success `*out` receives a new string the caller
/// owns and must release with `gp_string_free`; on failure `*out` is set to NULL.
///
/// # Safety
///
/// `cluster` must not be freed by another thread during the call; `out` must point to a
/// writable `gp_string*`.
#[no_mangle]
pub unsafe extern "C" fn gp_cluster_export_json(
    cluster: *const gp_cluster,
    out: *mut *mut gp_string,
) -> gp_result {
    boundary(Record::Operation, || {
        // SAFETY: the caller's contract on `out`.
        let out = unsafe { Out::new(out, "out") }?;
        // SAFETY: the caller guarantees no concurrent free.
        let cluster = unsafe { handle::borrow(cluster, "cluster") }?;
        let json = to_native_json(cluster.engine()?.model());
        out.set(new_string(json)?);
        Ok(())
    })
}
