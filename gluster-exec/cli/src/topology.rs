//! Loading the topology a command works on.

use std::path::Path;

use std::io::Read;

use gluster_model::{
    detect_format, import_any, ByteSize, DocumentFormat, HeketiLoadOptions, Model,
};

/// The built-in example: Heketi's load format, 6 nodes in 3 zones with 3 devices each (the
/// third tagged `arbiter: required`, `media: ssd`).
pub(crate) const EXAMPLE_TOPOLOGY: &str = include_str!("example-topology.json");

/// Device size given to load files without sizes when `--device-size` is absent.
const DEFAULT_DEVICE_SIZE: ByteSize = ByteSize::tib(1);

/// Load the topology at `path` (`-` is standard input; none is the built-in example). A
/// load file without device sizes gets `device_size`, 1 TiB when absent, and a given file
/// says so on stderr (the built-in example's 1 TiB is documented).
pub(crate) fn load(path: Option<&Path>, device_size: Option<ByteSize>) -> Result<Model, String> {
    let options = HeketiLoadOptions::with_default_size(device_size.unwrap_or(DEFAULT_DEVICE_SIZE));
    let (name, text) = match path {
        None => (
            "<built-in example>".to_string(),
            EXAMPLE_TOPOLOGY.to_string(),
        ),
        Some(p) if p.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("<stdin>: {e}"))?;
            ("<stdin>".to_string(), text)
        }
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            (p.display().to_string(), text)
        }
    };
    // A byte order mark is not JSON; editors on some systems write one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let model = import_any(text, &options).map_err(|e| e.in_file(name.clone()).to_string())?;
    if path.is_some()
        && device_size.is_none()
        && detect_format(text) == Ok(DocumentFormat::HeketiLoad)
    {
        eprintln!(
            "gluster-plan: {name}: a load file has no device sizes: every device counts as {} (--device-size)",
            DEFAULT_DEVICE_SIZE
        );
    }
    Ok(model)
}
