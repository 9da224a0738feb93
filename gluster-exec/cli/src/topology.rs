//! Loading the topology a command works on.

use std::path::Path;

use gluster_model::{import_any, ByteSize, HeketiLoadOptions, Model};

/// The built-in example: Heketi's load format, 6 nodes in 3 zones with 3 devices each (the
/// third tagged `arbiter: required`, `media: ssd`).
pub(crate) const EXAMPLE_TOPOLOGY: &str = include_str!("example-topology.json");

/// Device size given to load files without sizes when `--device-size` is absent.
const DEFAULT_DEVICE_SIZE: ByteSize = ByteSize::tib(1);

pub(crate) fn load(path: Option<&Path>, device_size: Option<ByteSize>) -> Result<Model, String> {
    let options = HeketiLoadOptions::with_default_size(device_size.unwrap_or(DEFAULT_DEVICE_SIZE));
    match path {
        None => import_any(EXAMPLE_TOPOLOGY, &options)
            .map_err(|e| e.in_file("<built-in example>").to_string()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            import_any(&text, &options).map_err(|e| e.in_file(p.display().to_string()).to_string())
        }
    }
}
