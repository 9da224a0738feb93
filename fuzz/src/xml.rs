//! gluster-exec's parsers of `gluster --xml` answers.

use gluster_exec::xml;

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The `<cliOutput>` envelope (`opRet`, `opErrstr`).
pub fn xml_cli_output(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(out) = xml::parse_cli_output(s) {
        let _ = out.success();
        let _ = out.message();
        let _ = out.check();
    }
}

/// `gluster volume info --xml` and `gluster volume list --xml`.
pub fn xml_volume_info(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let _ = xml::parse_volume_info(s);
    let _ = xml::parse_volume_list(s);
}

/// `gluster peer status --xml`.
pub fn xml_peer_status(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let _ = xml::parse_peer_status(s);
}

/// `gluster volume heal VOL info --xml`.
pub fn xml_heal_info(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let _ = xml::parse_heal_info(s);
}
