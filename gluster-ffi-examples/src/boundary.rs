//! The panic boundary every entry point sits behind, and the checks on raw arguments.

use std::any::Any;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{clear_last_error, set_last_error, FfiError};
use crate::result::gp_result;

/// What a call does with the thread's last error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Record {
    /// Operations: clear it on success, record on failure.
    Operation,
    /// Frees and accessors: record on failure, leave it alone on success (so that freeing a
    /// plan before reading why the next call failed does not lose the error).
    FailureOnly,
    /// The error readers themselves: never touch it.
    Never,
}

/// Runs `body`, turning its error or its panic into a result code; a panic never unwinds
/// into the caller.
///
/// `AssertUnwindSafe`: what a panic can leave half-done is either thread-local (the last
/// error, overwritten right here) or a cluster's model behind its `RwLock`, which the panic
/// poisons and every later call on that handle reports.
pub(crate) fn boundary(record: Record, body: impl FnOnce() -> Result<(), FfiError>) -> gp_result {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        Err(FfiError::new(
            gp_result::Panic,
            format!("internal panic: {}", panic_message(payload.as_ref())),
        ))
    });
    match outcome {
        Ok(()) => {
            if record == Record::Operation {
                clear_last_error();
            }
            gp_result::Ok
        }
        Err(e) => {
            let code = e.code;
            if record != Record::Never {
                set_last_error(e);
            }
            code
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}

/// A NUL-terminated UTF-8 string argument.
///
/// # Safety
///
/// `ptr` must be NULL or point to a NUL-terminated string that stays valid and unchanged for
/// `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|e| {
        FfiError::new(
            gp_result::InvalidUtf8,
            format!(
                "argument {name} is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A `(pointer, length)` byte argument holding UTF-8 text (no terminator needed).
///
/// # Safety
///
/// `ptr` must be NULL or point to `len` readable bytes that stay valid and unchanged for `'a`.
pub(crate) unsafe fn utf8_bytes_arg<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    if len > isize::MAX as usize {
        return Err(FfiError::new(
            gp_result::InvalidArgument,
            format!("argument {name}: length {len} is larger than any object can be"),
        ));
    }
    // SAFETY: non-NULL, `len` readable bytes by the caller's contract, and `len <= isize::MAX`
    // as `from_raw_parts` requires; `u8` has no alignment requirement.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).map_err(|e| {
        FfiError::new(
            gp_result::InvalidUtf8,
            format!(
                "argument {name} is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ),
        )
    })
}

/// An out-parameter: checked for NULL and set to NULL at once, so that a failed call never
/// leaves a stale pointer behind.
pub(crate) struct Out<T>(*mut *mut T);

impl<T> Out<T> {
    /// # Safety
    ///
    /// `ptr` must be NULL or point to a writable `T*`, valid for the whole call.
    pub(crate) unsafe fn new(ptr: *mut *mut T, name: &str) -> Result<Self, FfiError> {
        if ptr.is_null() {
            return Err(FfiError::null(name));
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { ptr.write(std::ptr::null_mut()) };
        Ok(Out(ptr))
    }

    pub(crate) fn set(self, value: *mut T) {
        // SAFETY: checked non-NULL and writable in `new` (the caller's contract holds for the
        // whole call, and an `Out` never outlives the call that made it).
        unsafe { self.0.write(value) };
    }
}

#[cfg(test)]
#[allow(clippy::multiple_unsafe_ops_per_block)]
mod tests {
    use super::*;
    use crate::last_error::{gp_last_error_code, gp_last_error_message};

    fn message() -> String {
        let mut buf = [0 as c_char; 256];
        let mut needed = 0;
        // SAFETY: a 256-byte buffer and a local size_t.
        unsafe { gp_last_error_message(buf.as_mut_ptr(), buf.len(), &mut needed) };
        // SAFETY: always NUL-terminated when len > 0.
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_result_and_a_message() {
        let code = boundary(Record::Operation, || panic!("boom {}", 42));
        assert_eq!(code, gp_result::Panic);
        assert_eq!(gp_last_error_code(), gp_result::Panic);
        assert_eq!(message(), "internal panic: boom 42");

        let code = boundary(Record::Operation, || std::panic::panic_any(7_u32));
        assert_eq!(code, gp_result::Panic);
        assert_eq!(message(), "internal panic: (no message)");
    }

    #[test]
    fn success_clears_only_for_operations() {
        let _ = boundary(Record::Operation, || {
            Err(FfiError::new(gp_result::InvalidJson, "bad"))
        });
        assert_eq!(boundary(Record::FailureOnly, || Ok(())), gp_result::Ok);
        assert_eq!(gp_last_error_code(), gp_result::InvalidJson);
        let _ = boundary(Record::Never, || {
            Err(FfiError::new(gp_result::Internal, "ignored"))
        });
        assert_eq!(gp_last_error_code(), gp_result::InvalidJson);
        assert_eq!(boundary(Record::Operation, || Ok(())), gp_result::Ok);
        assert_eq!(gp_last_error_code(), gp_result::Ok);
        assert_eq!(message(), "");
    }

    #[test]
    fn arguments_are_checked() {
        // SAFETY: NULL is allowed.
        let e = unsafe { str_arg(std::ptr::null(), "x") }.unwrap_err();
        assert_eq!(e.code, gp_result::NullArgument);
        let bad = b"ab\xffc\0";
        // SAFETY: a NUL-terminated local.
        let e = unsafe { str_arg(bad.as_ptr().cast(), "x") }.unwrap_err();
        assert_eq!(e.code, gp_result::InvalidUtf8);
        assert!(e.message.contains("at byte 2"), "{}", e.message);
        // SAFETY: the length is rejected before any read.
        let e = unsafe { utf8_bytes_arg(bad.as_ptr(), usize::MAX, "x") }.unwrap_err();
        assert_eq!(e.code, gp_result::InvalidArgument);
        // SAFETY: 2 readable bytes.
        let ab = unsafe { utf8_bytes_arg(bad.as_ptr(), 2, "x") };
        assert_eq!(ab.unwrap(), "ab");
    }
}
