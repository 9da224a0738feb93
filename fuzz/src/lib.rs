//! Fuzz target bodies for the gluster placement workspace.
//!
//! Every target in `fuzz_targets/` is a one-line call into a function here, so the same body
//! runs under libFuzzer (`cargo fuzz run TARGET`) and in the stable test suite
//! (`tests/replay.rs` replays `corpus/<target>/` through [`TARGETS`]). A target panics only
//! when it finds a bug: a parser that panics, or a plan that breaks an invariant.

#![forbid(unsafe_code)]

mod parsers;
mod planning;
mod xml;

pub use parsers::{
    heketi_info, heketi_load, heketi_options, import_any, native_json, request_spec, size_parse,
    volumetype_parse,
};
pub use planning::plan_sequence;
pub use xml::{xml_cli_output, xml_heal_info, xml_peer_status, xml_volume_info};

/// A target body: takes the fuzzer's bytes, panics only on a bug.
pub type Target = fn(&[u8]);

/// Every target by name (the name of its `fuzz_targets/` binary and `corpus/` directory).
pub const TARGETS: &[(&str, Target)] = &[
    ("heketi_load", heketi_load),
    ("heketi_info", heketi_info),
    ("native_json", native_json),
    ("import_any", import_any),
    ("size_parse", size_parse),
    ("volumetype_parse", volumetype_parse),
    ("heketi_options", heketi_options),
    ("request_spec", request_spec),
    ("plan_sequence", plan_sequence),
    ("xml_cli_output", xml_cli_output),
    ("xml_volume_info", xml_volume_info),
    ("xml_peer_status", xml_peer_status),
    ("xml_heal_info", xml_heal_info),
];
