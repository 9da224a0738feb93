//! The result codes every fallible entry point returns.

use std::ffi::c_char;

/// The outcome of a call. `GP_RESULT_OK` (0) is success; every other value is a failure whose
/// message (and, for `GP_RESULT_INFEASIBLE`, whose reasons) can be read with
/// `gp_last_error_message` and `gp_last_error_reasons_json` on the same thread.
///
/// The numbers are stable: a value is never renumbered and a retired value is never reused.
/// New values may be added, so callers must treat unknown values as failures.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum gp_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// A JSON argument was not well-formed JSON.
    InvalidJson = 3,
    /// The topology document is JSON but not a valid topology in any format the model imports.
    InvalidTopology = 4,
    /// The request JSON has an unknown field, a field of the wrong type or an invalid value
    /// (the message names the field), or the engine rejected the request as invalid.
    InvalidRequest = 5,
    /// The request is valid but no placement exists; the reasons explain why.
    Infeasible = 6,
    /// The model refused a change (e.g. committing a plan that no longer fits the cluster).
    ModelRefused = 7,
    /// The library panicked; the panic was caught at the boundary. A cluster handle in use
    /// during the panic may be unusable afterwards (later calls on it report this code).
    Panic = 8,
    /// The caller's buffer is too small; the needed size was reported.
    BufferTooSmall = 9,
    /// A handle argument is not a live handle of this library (already freed, or never
    /// returned by it). Detection has limits: see the crate documentation.
    InvalidHandle = 10,
    /// The plan JSON passed to `gp_cluster_commit` is JSON but not a plan.
    InvalidPlan = 11,
    /// A non-JSON argument is invalid (e.g. the default device size does not parse, or a
    /// length is larger than any object can be).
    InvalidArgument = 12,
    /// An internal error that should not happen (e.g. an output that could not be serialized).
    Internal = 13,
}

impl gp_result {
    /// The name of the code as it appears in the C header, NUL-terminated.
    pub(crate) const fn name_nul(self) -> &'static str {
        match self {
            gp_result::Ok => "GP_RESULT_OK\0",
            gp_result::NullArgument => "GP_RESULT_NULL_ARGUMENT\0",
            gp_result::InvalidUtf8 => "GP_RESULT_INVALID_UTF8\0",
            gp_result::InvalidJson => "GP_RESULT_INVALID_JSON\0",
            gp_result::InvalidTopology => "GP_RESULT_INVALID_TOPOLOGY\0",
            gp_result::InvalidRequest => "GP_RESULT_INVALID_REQUEST\0",
            gp_result::Infeasible => "GP_RESULT_INFEASIBLE\0",
            gp_result::ModelRefused => "GP_RESULT_MODEL_REFUSED\0",
            gp_result::Panic => "GP_RESULT_PANIC\0",
            gp_result::BufferTooSmall => "GP_RESULT_BUFFER_TOO_SMALL\0",
            gp_result::InvalidHandle => "GP_RESULT_INVALID_HANDLE\0",
            gp_result::InvalidPlan => "GP_RESULT_INVALID_PLAN\0",
            gp_result::InvalidArgument => "GP_RESULT_INVALID_ARGUMENT\0",
            gp_result::Internal => "GP_RESULT_INTERNAL\0",
        }
    }

    /// Every code, in numeric order.
    pub(crate) const ALL: [gp_result; 14] = [
        gp_result::Ok,
        gp_result::NullArgument,
        gp_result::InvalidUtf8,
        gp_result::InvalidJson,
        gp_result::InvalidTopology,
        gp_result::InvalidRequest,
        gp_result::Infeasible,
        gp_result::ModelRefused,
        gp_result::Panic,
        gp_result::BufferTooSmall,
        gp_result::InvalidHandle,
        gp_result::InvalidPlan,
        gp_result::InvalidArgument,
        gp_result::Internal,
    ];
}

/// The name of a result code, e.g. `"GP_RESULT_INFEASIBLE"`.
///
/// Ownership: returns a static NUL-terminated string; never free it. Never returns NULL: an
/// unknown code gives `"GP_RESULT_UNKNOWN"`. Takes the code as a plain `uint32_t` so that any
/// value is safe to pass.
#[no_mangle]
pub extern "C" fn gp_result_name(result: u32) -> *const c_char {
    let name = gp_result::ALL
        .iter()
        .find(|r| **r as u32 == result)
        .map_or("GP_RESULT_UNKNOWN\0", |r| r.name_nul());
    name.as_ptr().cast()
}
