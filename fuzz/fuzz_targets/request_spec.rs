#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gluster_fuzz::request_spec(data);
});
