//! Text surfaces of gluster-model and gluster-placement: import formats, sizes, StorageClass
//! parameters and the user-facing request.

use gluster_model::{
    detect_format, from_native_json, import_any as model_import_any, import_heketi_info,
    import_heketi_load, parse_volumetype, to_native_json, ByteSize, HeketiLoadOptions,
    HeketiOptions, Model,
};
use gluster_placement::RequestSpec;

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// An imported model survives our own format: export, import, export gives the same text.
fn roundtrips(model: &Model) {
    let json = to_native_json(model);
    let back = from_native_json(&json)
        .unwrap_or_else(|e| panic!("native export does not import again: {e}\n{json}"));
    assert_eq!(to_native_json(&back), json, "native export is not stable");
}

/// Heketi `topology load` file, with and without a default device size.
pub fn heketi_load(data: &[u8]) {
    let Some(json) = text(data) else { return };
    for options in [
        HeketiLoadOptions::default(),
        HeketiLoadOptions::with_default_size(ByteSize::gib(100)),
    ] {
        if let Ok(model) = import_heketi_load(json, &options) {
            roundtrips(&model);
        }
    }
}

/// Heketi `topology info` dump.
pub fn heketi_info(data: &[u8]) {
    let Some(json) = text(data) else { return };
    if let Ok(model) = import_heketi_info(json) {
        roundtrips(&model);
    }
}

/// Our own JSON format.
pub fn native_json(data: &[u8]) {
    let Some(json) = text(data) else { return };
    if let Ok(model) = from_native_json(json) {
        roundtrips(&model);
    }
}

/// Format detection and the import it dispatches to.
pub fn import_any(data: &[u8]) {
    let Some(json) = text(data) else { return };
    let _ = detect_format(json);
    let options = HeketiLoadOptions::with_default_size(ByteSize::gib(100));
    if let Ok(model) = model_import_any(json, &options) {
        roundtrips(&model);
    }
}

/// `ByteSize` from text; a parsed size prints as text that parses to the same size.
pub fn size_parse(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(size) = s.parse::<ByteSize>() {
        let shown = size.to_string();
        let again: ByteSize = shown
            .parse()
            .unwrap_or_else(|e| panic!("{s:?} parsed to {shown:?}, which does not parse: {e}"));
        assert_eq!(again, size, "{s:?} -> {shown:?}");
    }
}

/// StorageClass `volumetype`.
pub fn volumetype_parse(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(durability) = parse_volumetype(s) {
        let _ = durability.set_size();
        let _ = durability.advisories();
    }
}

/// StorageClass `volumeoptions` (`user.heketi.*`), whole and as separate entries, and the
/// durability they imply for each layout.
pub fn heketi_options(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let parsed = [
        HeketiOptions::parse(s),
        HeketiOptions::from_entries(s.split('\n')),
    ];
    for options in parsed.into_iter().flatten() {
        for layout in ["none", "replicate:3", "disperse:4:2", "replicate:2"] {
            if let Ok(d) = parse_volumetype(layout) {
                let _ = options.durability_for(d);
            }
        }
    }
}

/// The JSON request of the CLI and the C ABI, resolved to the engine's request and settings.
pub fn request_spec(data: &[u8]) {
    let Some(json) = text(data) else { return };
    let Ok(spec) = serde_json::from_str::<RequestSpec>(json) else {
        return;
    };
    let _ = spec.resolve();
}
