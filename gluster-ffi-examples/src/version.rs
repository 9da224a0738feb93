//! The library version.

use std::ffi::c_char;

const VERSION: &str = concat!("gluster-placement-ffi/", env!("CARGO_PKG_VERSION"), "\0");

/// The library's name and version, e.g. `"gluster-placement-ffi/0.1.0"`.
///
/// Ownership: a static NUL-terminated string; never free it. Never fails.
#[no_mangle]
pub extern "C" fn gp_version() -> *const c_char {
    VERSION.as_ptr().cast()
}
