//! Helpers shared by the integration tests: they call the C functions as C would.

#![allow(dead_code, clippy::multiple_unsafe_ops_per_block)]

use std::ffi::{c_char, CStr, CString};
use std::path::PathBuf;
use std::ptr;

use gluster_placement_ffi::*;

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(name)
}

pub fn load_file() -> Vec<u8> {
    std::fs::read(data("heketi-topology-3zones.json")).unwrap()
}

pub fn info_dump() -> Vec<u8> {
    std::fs::read(data("heketi-topology-info-3zones.json")).unwrap()
}

pub fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A cluster from bytes and an optional default size, with its result code.
pub fn new_cluster(json: &[u8], size: Option<&str>) -> (gp_result, *mut gp_cluster) {
    let size = size.map(c);
    let mut out = ptr::dangling_mut::<gp_cluster>();
    // SAFETY: `json` is a live slice; `size` is NULL or a CString; `out` is a local.
    let rc = unsafe {
        gp_cluster_new(
            json.as_ptr(),
            json.len(),
            size.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            &mut out,
        )
    };
    (rc, out)
}

/// The sample load file with 1 TiB devices.
pub fn sample_cluster() -> *mut gp_cluster {
    let (rc, cluster) = new_cluster(&load_file(), Some("1TiB"));
    assert_eq!(rc, gp_result::Ok, "{}", last_message());
    assert!(!cluster.is_null());
    cluster
}

/// Copies a library string into Rust and frees it.
pub fn take(s: *mut gp_string) -> String {
    assert!(!s.is_null());
    // SAFETY: `s` is a live string from the library, used on this thread only.
    unsafe {
        let len = gp_string_len(s);
        let text = CStr::from_ptr(gp_string_ptr(s))
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(text.len(), len);
        assert_eq!(gp_string_free(s), gp_result::Ok);
        text
    }
}

pub fn plan(cluster: *const gp_cluster, request: &str, seed: u64) -> (gp_result, Option<String>) {
    let request = c(request);
    let mut out = ptr::dangling_mut::<gp_string>();
    // SAFETY: live cluster (or a deliberately bad pointer the library must refuse unread),
    // a CString, a local out-pointer.
    let rc = unsafe { gp_plan(cluster, request.as_ptr(), seed, &mut out) };
    if rc == gp_result::Ok {
        (rc, Some(take(out)))
    } else {
        assert!(out.is_null(), "a failed call leaves *out NULL");
        (rc, None)
    }
}

pub fn commit(cluster: *mut gp_cluster, plan: &str) -> gp_result {
    let plan = c(plan);
    // SAFETY: a live cluster and a CString.
    unsafe { gp_cluster_commit(cluster, plan.as_ptr()) }
}

pub fn free(cluster: *mut gp_cluster) -> gp_result {
    // SAFETY: the tests free each cluster from the thread that made it.
    unsafe { gp_cluster_free(cluster) }
}

/// The whole last error message of this thread.
pub fn last_message() -> String {
    let mut needed = 0usize;
    // SAFETY: NULL with length 0 asks for the size; `needed` is a local.
    let rc = unsafe { gp_last_error_message(ptr::null_mut(), 0, &mut needed) };
    assert_eq!(rc, gp_result::BufferTooSmall);
    let mut buf = vec![0 as c_char; needed];
    // SAFETY: `buf` has `needed` bytes.
    let rc = unsafe { gp_last_error_message(buf.as_mut_ptr(), buf.len(), &mut needed) };
    assert_eq!(rc, gp_result::Ok);
    assert_eq!(needed, buf.len());
    // SAFETY: NUL-terminated by contract.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_str()
        .unwrap()
        .to_owned()
}

/// The last error's reasons as JSON.
pub fn last_reasons() -> serde_json::Value {
    let mut out = ptr::null_mut();
    // SAFETY: a local out-pointer.
    let rc = unsafe { gp_last_error_reasons_json(&mut out) };
    assert_eq!(rc, gp_result::Ok);
    serde_json::from_str(&take(out)).unwrap()
}
