//! The C API's contract on everything that does not need a placement: argument checks, error
//! reporting, handle checks, strings, version. Calls the functions exactly as C would.

#![allow(clippy::multiple_unsafe_ops_per_block)]

mod common;

use std::ffi::{c_char, CStr};
use std::ptr;

use common::*;
use gluster_placement_ffi::*;

#[test]
fn result_numbers_never_change() {
    let expected = [
        (gp_result::Ok, 0, "GP_RESULT_OK"),
        (gp_result::NullArgument, 1, "GP_RESULT_NULL_ARGUMENT"),
        (gp_result::InvalidUtf8, 2, "GP_RESULT_INVALID_UTF8"),
        (gp_result::InvalidJson, 3, "GP_RESULT_INVALID_JSON"),
        (gp_result::InvalidTopology, 4, "GP_RESULT_INVALID_TOPOLOGY"),
        (gp_result::InvalidRequest, 5, "GP_RESULT_INVALID_REQUEST"),
        (gp_result::Infeasible, 6, "GP_RESULT_INFEASIBLE"),
        (gp_result::ModelRefused, 7, "GP_RESULT_MODEL_REFUSED"),
        (gp_result::Panic, 8, "GP_RESULT_PANIC"),
        (gp_result::BufferTooSmall, 9, "GP_RESULT_BUFFER_TOO_SMALL"),
        (gp_result::InvalidHandle, 10, "GP_RESULT_INVALID_HANDLE"),
        (gp_result::InvalidPlan, 11, "GP_RESULT_INVALID_PLAN"),
        (gp_result::InvalidArgument, 12, "GP_RESULT_INVALID_ARGUMENT"),
        (gp_result::Internal, 13, "GP_RESULT_INTERNAL"),
    ];
    let header = include_str!("../include/gluster_placement.h");
    for (code, number, name) in expected {
        assert_eq!(code as u32, number);
        // SAFETY: a static NUL-terminated string.
        let got = unsafe { CStr::from_ptr(gp_result_name(number)) };
        assert_eq!(got.to_str().unwrap(), name);
        assert!(header.contains(&format!("{name} = {number},")), "{name}");
    }
    // SAFETY: as above.
    let unknown = unsafe { CStr::from_ptr(gp_result_name(9999)) };
    assert_eq!(unknown.to_str().unwrap(), "GP_RESULT_UNKNOWN");
}

#[test]
fn version_is_a_static_string() {
    // SAFETY: a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(gp_version()) }.to_str().unwrap();
    assert_eq!(
        v,
        format!("gluster-placement-ffi/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(gp_version(), gp_version());
}

#[test]
fn topologies_load_in_every_format() {
    let cluster = sample_cluster();
    // The info dump carries its own sizes and volumes; no default size needed.
    let (rc, info) = new_cluster(&info_dump(), None);
    assert_eq!(rc, gp_result::Ok, "{}", last_message());

    // The native export reads back, and exports the same again.
    for handle in [cluster, info] {
        let mut out = ptr::null_mut();
        // SAFETY: a live cluster and a local out-pointer.
        let rc = unsafe { gp_cluster_export_json(handle, &mut out) };
        assert_eq!(rc, gp_result::Ok);
        let native = take(out);
        let (rc, again) = new_cluster(native.as_bytes(), None);
        assert_eq!(rc, gp_result::Ok, "{}", last_message());
        let mut out = ptr::null_mut();
        // SAFETY: as above.
        let rc = unsafe { gp_cluster_export_json(again, &mut out) };
        assert_eq!(rc, gp_result::Ok);
        assert_eq!(take(out), native);
        assert_eq!(free(again), gp_result::Ok);
        assert_eq!(free(handle), gp_result::Ok);
    }
}

#[test]
fn bad_topologies_are_refused_with_the_right_code() {
    let cases: [(&[u8], Option<&str>, gp_result, &str); 7] = [
        (b"{\"clusters\": [", Some("1TiB"), gp_result::InvalidJson, "not JSON"),
        (b"\xff\xfe{}", Some("1TiB"), gp_result::InvalidUtf8, "at byte 0"),
        (b"{\"nodes\": []}", Some("1TiB"), gp_result::InvalidTopology, "topology"),
        (b"[1, 2, 3]", None, gp_result::InvalidTopology, "topology"),
        (
            br#"{"clusters":[{"nodes":[{"node":{"hostnames":{"manage":["a"],"storage":["192.0.2.1"]},"zone":"one"},"devices":["/dev/sdb"]}]}]}"#,
            Some("1TiB"),
            gp_result::InvalidTopology,
            "zone",
        ),
        (b"{}", Some("a lot"), gp_result::InvalidArgument, "default_device_size"),
        (b"{}", Some("1TiB"), gp_result::InvalidTopology, "topology"),
    ];
    for (json, size, code, needle) in cases {
        let (rc, out) = new_cluster(json, size);
        assert_eq!(rc, code, "{}", String::from_utf8_lossy(json));
        assert!(out.is_null(), "a failed call leaves *out NULL");
        let message = last_message();
        assert!(message.contains(needle), "{message}");
        assert_eq!(gp_last_error_code(), code);
    }
    // A load file without any size for its devices cannot be placed on.
    let (rc, out) = new_cluster(&load_file(), None);
    assert_eq!(rc, gp_result::InvalidTopology, "{}", last_message());
    assert!(out.is_null());
}

#[test]
fn null_arguments_are_refused() {
    let json = load_file();
    let size = c("1TiB");
    let mut out = ptr::null_mut();
    // SAFETY: every pointer is NULL or valid; the library must check the NULL ones.
    unsafe {
        assert_eq!(
            gp_cluster_new(ptr::null(), 10, size.as_ptr(), &mut out),
            gp_result::NullArgument
        );
        assert!(last_message().contains("json"));
        assert_eq!(
            gp_cluster_new(json.as_ptr(), json.len(), size.as_ptr(), ptr::null_mut()),
            gp_result::NullArgument
        );
        assert!(last_message().contains("out"));
    }

    let cluster = sample_cluster();
    let request = c(r#"{"size":"1GiB"}"#);
    let mut plan = ptr::null_mut();
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            gp_plan(ptr::null(), request.as_ptr(), 1, &mut plan),
            gp_result::NullArgument
        );
        assert!(last_message().contains("cluster"));
        assert_eq!(
            gp_plan(cluster, ptr::null(), 1, &mut plan),
            gp_result::NullArgument
        );
        assert!(last_message().contains("request_json"));
        assert_eq!(
            gp_plan(cluster, request.as_ptr(), 1, ptr::null_mut()),
            gp_result::NullArgument
        );
        assert!(last_message().contains("out_plan_json"));
        assert_eq!(
            gp_simulate(cluster, ptr::null(), 1, 0, &mut plan),
            gp_result::NullArgument
        );
        assert_eq!(
            gp_simulate(cluster, request.as_ptr(), 1, 0, ptr::null_mut()),
            gp_result::NullArgument
        );
        assert_eq!(
            gp_cluster_commit(ptr::null_mut(), request.as_ptr()),
            gp_result::NullArgument
        );
        assert_eq!(
            gp_cluster_commit(cluster, ptr::null()),
            gp_result::NullArgument
        );
        assert_eq!(
            gp_cluster_export_json(ptr::null(), &mut plan),
            gp_result::NullArgument
        );
        assert_eq!(
            gp_cluster_export_json(cluster, ptr::null_mut()),
            gp_result::NullArgument
        );
        assert_eq!(
            gp_last_error_reasons_json(ptr::null_mut()),
            gp_result::NullArgument
        );

        // Accessors answer NULL / 0, frees of NULL are no-ops.
        assert!(gp_string_ptr(ptr::null()).is_null());
        assert_eq!(gp_string_len(ptr::null()), 0);
        assert_eq!(gp_string_free(ptr::null_mut()), gp_result::Ok);
        assert_eq!(gp_cluster_free(ptr::null_mut()), gp_result::Ok);
    }
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn bad_requests_name_the_problem() {
    let cluster = sample_cluster();
    let cases = [
        ("{\"size\":", gp_result::InvalidJson, "not JSON"),
        ("garbage", gp_result::InvalidJson, "not JSON"),
        ("[]", gp_result::InvalidRequest, "object"),
        (
            r#"{"size":"1GiB","replica":3}"#,
            gp_result::InvalidRequest,
            "unknown field `replica`",
        ),
        (
            r#"{"size":"1GiB","volumetype":"replicate:1"}"#,
            gp_result::InvalidRequest,
            "volumetype",
        ),
        (
            r#"{"size":"1GiB","volumetype":"disperse:4:2","arbiter":true}"#,
            gp_result::InvalidRequest,
            "arbiter",
        ),
        (
            r#"{"size":"1GiB","zone_checking":"sometimes"}"#,
            gp_result::InvalidRequest,
            "zone_checking",
        ),
        (r#"{"name":"x"}"#, gp_result::InvalidRequest, "size"),
    ];
    for (request, code, needle) in cases {
        let (rc, _) = plan(cluster, request, 1);
        assert_eq!(rc, code, "{request}");
        let message = last_message();
        assert!(message.contains(needle), "{request}: {message}");
        assert_eq!(last_reasons(), serde_json::json!([]));

        // Simulation reads the same requests.
        let req = c(request);
        let mut out = ptr::dangling_mut();
        // SAFETY: a live cluster, a CString, a local out-pointer.
        let rc = unsafe { gp_simulate(cluster, req.as_ptr(), 1, 3, &mut out) };
        assert_eq!(rc, code, "{request}");
        assert!(out.is_null());
    }

    // Invalid UTF-8 in a C string.
    let bad = b"{\"size\":\"1GiB\",\"name\":\"\xc3\x28\"}\0";
    let mut out = ptr::null_mut();
    // SAFETY: a NUL-terminated byte string.
    let rc = unsafe { gp_plan(cluster, bad.as_ptr().cast::<c_char>(), 1, &mut out) };
    assert_eq!(rc, gp_result::InvalidUtf8);
    assert!(last_message().contains("request_json"));
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn bad_plans_are_refused_and_leave_the_cluster_unchanged() {
    let cluster = sample_cluster();
    let mut before = ptr::null_mut();
    // SAFETY: live cluster, local out-pointer.
    let rc = unsafe { gp_cluster_export_json(cluster, &mut before) };
    assert_eq!(rc, gp_result::Ok);
    let before = take(before);

    assert_eq!(commit(cluster, "{\"volume_id\":"), gp_result::InvalidJson);
    assert_eq!(commit(cluster, "{}"), gp_result::InvalidPlan);
    assert!(last_message().contains("plan_json"), "{}", last_message());
    assert_eq!(
        commit(cluster, r#"{"volume_id": 5}"#),
        gp_result::InvalidPlan
    );

    let mut after = ptr::null_mut();
    // SAFETY: as above.
    let rc = unsafe { gp_cluster_export_json(cluster, &mut after) };
    assert_eq!(rc, gp_result::Ok);
    assert_eq!(take(after), before);
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn freed_handles_are_detected() {
    let cluster = sample_cluster();
    assert_eq!(free(cluster), gp_result::Ok);
    // Nothing is allocated on this thread in between, so the address is not reused.
    assert_eq!(free(cluster), gp_result::InvalidHandle);
    assert!(last_message().contains("gp_cluster"), "{}", last_message());
    let (rc, _) = plan(cluster, r#"{"size":"1GiB"}"#, 1);
    assert_eq!(rc, gp_result::InvalidHandle);
    assert_eq!(commit(cluster, "{}"), gp_result::InvalidHandle);

    // A string freed twice, and read after free.
    let mut s = ptr::null_mut();
    // SAFETY: a local out-pointer; every later call gets a pointer the library must check.
    unsafe {
        assert_eq!(gp_last_error_reasons_json(&mut s), gp_result::Ok);
        assert_eq!(gp_string_free(s), gp_result::Ok);
        assert_eq!(gp_string_free(s), gp_result::InvalidHandle);
        assert!(gp_string_ptr(s).is_null());
        assert_eq!(gp_string_len(s), 0);
        assert_eq!(gp_last_error_code(), gp_result::InvalidHandle);
    }

    // A pointer that was never a handle, and a handle of the other type.
    let bogus = 0x10 as *mut gp_cluster;
    assert_eq!(free(bogus), gp_result::InvalidHandle);
    let cluster = sample_cluster();
    // SAFETY: the library refuses the mistyped pointer without reading it.
    let rc = unsafe { gp_string_free(cluster.cast::<gp_string>()) };
    assert_eq!(rc, gp_result::InvalidHandle);
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn the_error_message_fits_any_buffer() {
    // An error whose message has a multi-byte character near the start.
    let cluster = sample_cluster();
    let (rc, _) = plan(cluster, r#"{"size":"1GiB","größe":1}"#, 1);
    assert_eq!(rc, gp_result::InvalidRequest);
    assert_eq!(free(cluster), gp_result::Ok);
    let full = last_message();
    assert!(full.contains("größe"), "{full}");
    let needed_full = full.len() + 1;

    for len in 1..needed_full + 3 {
        let mut buf = vec![0x7f as c_char; len + 4];
        let mut needed = 0usize;
        // SAFETY: `buf` has at least `len` bytes; `needed` is a local.
        let rc = unsafe { gp_last_error_message(buf.as_mut_ptr(), len, &mut needed) };
        assert_eq!(needed, needed_full);
        // Nothing written past `len`.
        assert!(buf[len..].iter().all(|b| *b == 0x7f), "len {len}");
        // SAFETY: NUL-terminated within `len`, checked next.
        let got = unsafe { CStr::from_ptr(buf.as_ptr()) };
        assert!(got.to_bytes().len() < len);
        let got = got.to_str().expect("cut at a character boundary");
        assert!(full.starts_with(got));
        if len >= needed_full {
            assert_eq!(rc, gp_result::Ok);
            assert_eq!(got, full);
        } else {
            assert_eq!(rc, gp_result::BufferTooSmall, "len {len}");
            assert!(len - 1 - got.len() < 4, "cut at most one character short");
        }
    }

    // SAFETY: NULL buffers and NULL out_needed are allowed where documented.
    unsafe {
        assert_eq!(
            gp_last_error_message(ptr::null_mut(), 0, ptr::null_mut()),
            gp_result::BufferTooSmall
        );
        assert_eq!(
            gp_last_error_message(ptr::null_mut(), 8, ptr::null_mut()),
            gp_result::NullArgument
        );
    }
    // Reading the error, even failing to, does not change it.
    assert_eq!(last_message(), full);
    assert_eq!(gp_last_error_code(), gp_result::InvalidRequest);
}

#[test]
fn success_clears_the_last_error_and_errors_are_per_thread() {
    let (rc, _) = new_cluster(b"nope", None);
    assert_eq!(rc, gp_result::InvalidJson);
    std::thread::spawn(|| {
        assert_eq!(gp_last_error_code(), gp_result::Ok);
        assert_eq!(last_message(), "");
    })
    .join()
    .unwrap();
    assert_eq!(gp_last_error_code(), gp_result::InvalidJson);

    let cluster = sample_cluster();
    assert_eq!(gp_last_error_code(), gp_result::Ok);
    assert_eq!(last_message(), "");
    assert_eq!(free(cluster), gp_result::Ok);
}

#[test]
fn clusters_move_between_threads() {
    let cluster = sample_cluster() as usize;
    let exported = std::thread::spawn(move || {
        let mut out = ptr::null_mut();
        // SAFETY: the handle is used by one thread at a time.
        let rc = unsafe { gp_cluster_export_json(cluster as *const gp_cluster, &mut out) };
        assert_eq!(rc, gp_result::Ok);
        take(out)
    })
    .join()
    .unwrap();
    assert!(exported.contains("node-z3-1.storage.example"));
    assert_eq!(free(cluster as *mut gp_cluster), gp_result::Ok);
}
