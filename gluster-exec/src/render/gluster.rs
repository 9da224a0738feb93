//! gluster CLI commands, always `gluster --mode=script --xml ...` (no prompts, XML answers).

use gluster_model::Durability;

use super::argv;
use crate::error::ExecError;
use crate::ops::*;
use crate::validate;

fn gluster(args: &[&str]) -> Vec<String> {
    let mut v = argv(["gluster", "--mode=script", "--xml"]);
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

/// The layout words of `volume create`: `replica N [arbiter 1]` or `disperse D redundancy R`.
pub fn layout_args(durability: Durability) -> Vec<String> {
    match durability {
        Durability::None => Vec::new(),
        Durability::Replicate(replica) => argv(["replica".to_string(), replica.to_string()]),
        Durability::Arbiter => argv(["replica", "3", "arbiter", "1"]),
        Durability::Disperse(layout) => argv([
            "disperse".to_string(),
            layout.count().to_string(),
            "redundancy".to_string(),
            layout.redundancy().to_string(),
        ]),
    }
}

/// `volume create NAME [layout] BRICK...` (no `force`: bricks are below their mount points).
pub fn volume_create(r: &VolumeCreate) -> Result<Vec<String>, ExecError> {
    validate::volume_create(r)?;
    let mut v = gluster(&["volume", "create", &r.name]);
    v.extend(layout_args(r.durability));
    v.extend(r.bricks.iter().map(|b| b.to_string()));
    Ok(v)
}

/// `volume add-brick NAME [replica N [arbiter 1]] BRICK...`.
pub fn volume_add_brick(r: &VolumeExpand) -> Result<Vec<String>, ExecError> {
    validate::volume_expand(r)?;
    let mut v = gluster(&["volume", "add-brick", &r.name]);
    if !matches!(r.durability, Durability::Disperse(_)) {
        v.extend(layout_args(r.durability));
    }
    v.extend(r.bricks.iter().map(|b| b.to_string()));
    Ok(v)
}

/// `volume replace-brick NAME OLD NEW commit force`.
pub fn volume_replace_brick(r: &ReplaceBrick) -> Result<Vec<String>, ExecError> {
    validate::replace_brick(r)?;
    let (old, new) = (r.old.to_string(), r.new.to_string());
    Ok(gluster(&[
        "volume",
        "replace-brick",
        &r.name,
        &old,
        &new,
        "commit",
        "force",
    ]))
}

fn volume_verb(verb: &str, r: &VolumeRef) -> Result<Vec<String>, ExecError> {
    validate::volume_ref(r)?;
    Ok(gluster(&["volume", verb, &r.name]))
}

/// `volume start NAME`.
pub fn volume_start(r: &VolumeRef) -> Result<Vec<String>, ExecError> {
    volume_verb("start", r)
}

/// `volume stop NAME`.
pub fn volume_stop(r: &VolumeRef) -> Result<Vec<String>, ExecError> {
    volume_verb("stop", r)
}

/// `volume delete NAME`.
pub fn volume_delete(r: &VolumeRef) -> Result<Vec<String>, ExecError> {
    volume_verb("delete", r)
}

/// `volume info NAME`.
pub fn volume_info(r: &VolumeRef) -> Result<Vec<String>, ExecError> {
    volume_verb("info", r)
}

/// `volume heal NAME info`.
pub fn heal_info(r: &VolumeRef) -> Result<Vec<String>, ExecError> {
    validate::volume_ref(r)?;
    Ok(gluster(&["volume", "heal", &r.name, "info"]))
}

/// One `volume set NAME KEY VALUE` per option, in order.
pub fn volume_set(r: &SetOptions) -> Result<Vec<Vec<String>>, ExecError> {
    validate::set_options(r)?;
    Ok(r.options
        .iter()
        .map(|(k, v)| gluster(&["volume", "set", &r.name, k, v]))
        .collect())
}

/// `peer probe PEER`.
pub fn peer_probe(r: &PeerRequest) -> Result<Vec<String>, ExecError> {
    validate::peer(r)?;
    Ok(gluster(&["peer", "probe", &r.peer]))
}

/// `peer detach PEER`.
pub fn peer_detach(r: &PeerRequest) -> Result<Vec<String>, ExecError> {
    validate::peer(r)?;
    Ok(gluster(&["peer", "detach", &r.peer]))
}

/// `pool list`: lists the trusted pool, and shows glusterd answers.
pub fn pool_list() -> Vec<String> {
    gluster(&["pool", "list"])
}

/// `peer status`.
pub fn peer_status() -> Vec<String> {
    gluster(&["peer", "status"])
}
