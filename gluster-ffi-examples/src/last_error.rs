//! The C functions that read the thread's last error back.

use std::ffi::c_char;

use crate::boundary::{boundary, Record};
use crate::error::{last_error, FfiError};
use crate::result::gp_result;
use crate::string::{gp_string, new_string};

/// The code of the last failed call on this thread, or `GP_RESULT_OK` when there is none.
///
/// Ownership: takes and returns plain values. Does not change the last error.
#[no_mangle]
pub extern "C" fn gp_last_error_code() -> gp_result {
    last_error().map_or(gp_result::Ok, |e| e.code)
}

/// Copies the message of the last failed call on this thread into `buf`: a first line saying
/// what went wrong, then for `GP_RESULT_INFEASIBLE` one line per reason. An empty string when
/// no call failed yet or the last operation succeeded.
///
/// Writes at most `len` bytes and, whenever `len > 0`, always NUL-terminates. When the message
/// and its NUL do not fit, writes as much as fits (cut at a UTF-8 character boundary) and
/// returns `GP_RESULT_BUFFER_TOO_SMALL`. `*out_needed`, when `out_needed` is not NULL, receives
/// the size the whole message needs including its NUL, so a caller can ask first with
/// `buf = NULL, len = 0`.
///
/// Ownership: `buf` is the caller's (`len` writable bytes; may be NULL only when `len` is 0);
/// `out_needed` is the caller's and may be NULL. Does not change the last error.
///
/// # Safety
///
/// `buf` must be NULL or point to `len` writable bytes; `out_needed` must be NULL or point to
/// a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn gp_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> gp_result {
    boundary(Record::Never, || {
        let message = last_error().map(|e| e.full_message()).unwrap_or_default();
        let needed = message.len() + 1;
        if !out_needed.is_null() {
            // SAFETY: non-NULL, and the caller promises it points to a writable size_t.
            unsafe { out_needed.write(needed) };
        }
        if len == 0 {
            return Err(FfiError::new(gp_result::BufferTooSmall, "buffer too small"));
        }
        if buf.is_null() {
            return Err(FfiError::null("buf"));
        }
        let mut take = message.len().min(len - 1);
        while !message.is_char_boundary(take) {
            take -= 1;
        }
        // SAFETY: `buf` is non-NULL and points to `len` writable bytes (caller contract);
        // `take + 1 <= len`, and a Rust `String` never overlaps the caller's buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), take);
        }
        // SAFETY: `take < len`, so the terminator's address is inside the buffer.
        let end = unsafe { buf.add(take) };
        // SAFETY: inside the caller's writable buffer, as above.
        unsafe { end.write(0) };
        if take < message.len() {
            Err(FfiError::new(gp_result::BufferTooSmall, "buffer too small"))
        } else {
            Ok(())
        }
    })
}

/// The structured reasons of the last failed call on this thread, as a JSON array of objects
/// tagged by `"kind"` (e.g. `{"kind":"tag_rule","rule":"media=nvme","matching_devices":0}`).
/// `[]` when the last failure was not `GP_RESULT_INFEASIBLE` or nothing failed.
///
/// Ownership: on success `*out` receives a new string the caller owns and must release with
/// `gp_string_free`; on failure `*out` is set to NULL (when `out` is not NULL). Does not change
/// the last error, even when it fails.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `gp_string*`.
#[no_mangle]
pub unsafe extern "C" fn gp_last_error_reasons_json(out: *mut *mut gp_string) -> gp_result {
    boundary(Record::Never, || {
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        // SAFETY: non-NULL, and the caller promises it points to a writable pointer.
        unsafe { out.write(std::ptr::null_mut()) };
        let reasons = last_error().map(|e| e.reasons).unwrap_or_default();
        let json = serde_json::to_string(&reasons)
            .map_err(|e| FfiError::new(gp_result::Internal, format!("serializing reasons: {e}")))?;
        let s = new_string(json)?;
        // SAFETY: as above.
        unsafe { out.write(s) };
        Ok(())
    })
}
