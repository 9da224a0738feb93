//! Errors inside the library and the thread's last error, which C reads back.

use std::cell::RefCell;
use std::ffi::c_char;

use gluster_placement::{PlacementError, Reason};

use crate::boundary::{boundary, Record};
use crate::result::gp_result;
use crate::string::{gp_string, new_string};

/// A failure on its way to the caller: the code returned and what the last error keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    pub(crate) code: gp_result,
    pub(crate) message: String,
    pub(crate) reasons: Vec<Reason>,
}

impl FfiError {
    pub(crate) fn new(code: gp_result, message: impl Into<String>) -> Self {
        FfiError {
            code,
            message: message.into(),
            reasons: Vec::new(),
        }
    }

    pub(crate) fn null(argument: &str) -> Self {
        FfiError::new(
            gp_result::NullArgument,
            format!("argument {argument} is NULL"),
        )
    }

    /// The message as C reads it: an infeasible placement gives a first line, then one
    /// reason per line.
    fn full_message(&self) -> String {
        let mut text = self.message.clone();
        for reason in &self.reasons {
            text.push('\n');
            text.push_str(&reason.to_string());
        }
        text
    }
}

impl From<PlacementError> for FfiError {
    fn from(e: PlacementError) -> Self {
        match e {
            PlacementError::InvalidRequest(_) => {
                FfiError::new(gp_result::InvalidRequest, e.to_string())
            }
            PlacementError::Infeasible(infeasible) => FfiError {
                code: gp_result::Infeasible,
                message: "no placement exists for this request".to_string(),
                reasons: infeasible.reasons,
            },
            PlacementError::Model(m) => FfiError::new(gp_result::ModelRefused, m.to_string()),
            PlacementError::InvalidPlan { .. } => {
                FfiError::new(gp_result::InvalidPlan, e.to_string())
            }
            other => FfiError::new(gp_result::Internal, other.to_string()),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<FfiError>> = const { RefCell::new(None) };
}

/// Records `error` as this thread's last error.
pub(crate) fn set_last_error(error: FfiError) {
    // `try_with` fails only while the thread is being torn down; the error is then lost,
    // which is better than a panic in a destructor.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(error));
}

/// Forgets this thread's last error.
pub(crate) fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = None);
}

/// A copy of this thread's last error.
fn last_error() -> Option<FfiError> {
    LAST_ERROR
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
}

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
