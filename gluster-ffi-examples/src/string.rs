//! Library-owned strings returned to C.

use std::ffi::{c_char, CString};

use crate::boundary::{boundary, Record};
use crate::error::FfiError;
use crate::handle::{self, Handle, Kind};
use crate::result::gp_result;

/// A UTF-8, NUL-terminated string owned by the library (plans, reports, reasons).
///
/// Read it with `gp_string_ptr` and `gp_string_len`; release it with `gp_string_free`. The
/// text never contains a NUL byte before its terminator.
pub struct gp_string {
    text: CString,
}

impl Handle for gp_string {
    const KIND: Kind = Kind::String;
    const C_NAME: &'static str = "gp_string";
}

/// Wraps `text` in a new handle.
pub(crate) fn new_string(text: String) -> Result<*mut gp_string, FfiError> {
    let text = CString::new(text).map_err(|e| {
        FfiError::new(
            gp_result::Internal,
            format!("output has a NUL byte at {}", e.nul_position()),
        )
    })?;
    Ok(handle::into_handle(gp_string { text }))
}

/// The text of a string, NUL-terminated.
///
/// Ownership: borrowed from `s`; valid until `gp_string_free(s)`; never free it yourself.
/// Returns NULL when `s` is NULL or not a live string (and records `GP_RESULT_NULL_ARGUMENT`
/// or `GP_RESULT_INVALID_HANDLE` as the last error).
///
/// # Safety
///
/// `s` must not be freed by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn gp_string_ptr(s: *const gp_string) -> *const c_char {
    let mut out = std::ptr::null();
    boundary(Record::FailureOnly, || {
        // SAFETY: the caller guarantees no concurrent free.
        let s = unsafe { handle::borrow(s, "s") }?;
        out = s.text.as_ptr();
        Ok(())
    });
    out
}

/// The length of a string in bytes, without its NUL terminator.
///
/// Ownership: takes nothing. Returns 0 when `s` is NULL or not a live string (and records the
/// error as `gp_string_ptr` does).
///
/// # Safety
///
/// `s` must not be freed by another thread during the call.
#[no_mangle]
pub unsafe extern "C" fn gp_string_len(s: *const gp_string) -> usize {
    let mut out = 0;
    boundary(Record::FailureOnly, || {
        // SAFETY: the caller guarantees no concurrent free.
        let s = unsafe { handle::borrow(s, "s") }?;
        out = s.text.as_bytes().len();
        Ok(())
    });
    out
}

/// Releases a string returned by this library. NULL is a no-op returning `GP_RESULT_OK`.
///
/// Ownership: takes `s` back; the pointer and any `gp_string_ptr` of it are invalid afterwards.
/// Freeing the same string twice returns `GP_RESULT_INVALID_HANDLE` instead of corrupting
/// memory (unless its address was reused meanwhile: see the crate documentation).
///
/// # Safety
///
/// No other thread may use `s` during or after the call.
#[no_mangle]
pub unsafe extern "C" fn gp_string_free(s: *mut gp_string) -> gp_result {
    // SAFETY: the caller guarantees no concurrent use.
    boundary(Record::FailureOnly, || unsafe { handle::free(s, "s") })
}
