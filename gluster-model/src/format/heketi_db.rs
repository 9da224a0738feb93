//! Heketi's database as `heketi db export` writes it: one map per bucket
//! (`clusterentries`, `nodeentries`, `deviceentries`, `brickentries`, `volumeentries`,
//! `blockvolumeentries`, `dbattributeentries`, `pendingoperations`), each entry holding the
//! API's `Info` document plus bookkeeping (`State`, id lists, `TpSize`, `Pending`).
//!
//! The entries are checked (every id a list names must exist, an entry's key must be its
//! id), then assembled into the `topology info` shape and read by the same code as
//! [`import_heketi_info`](super::import_heketi_info), so both formats obey one set of rules.
//! Errors name the path in the export (`nodeentries.<id>.Devices[1]`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{heketi_info::import_heketi_info, parse_with_path, ImportError};
use crate::model::Model;

#[derive(Deserialize)]
struct Db {
    clusterentries: BTreeMap<String, Entry>,
    #[serde(default)]
    nodeentries: BTreeMap<String, Entry>,
    #[serde(default)]
    deviceentries: BTreeMap<String, Entry>,
    #[serde(default)]
    brickentries: BTreeMap<String, Entry>,
    #[serde(default)]
    volumeentries: BTreeMap<String, Entry>,
    #[serde(default)]
    blockvolumeentries: BTreeMap<String, Value>,
    #[serde(default)]
    pendingoperations: BTreeMap<String, PendingEntry>,
}

/// Any entry: `Info` plus the bookkeeping fields the import reads.
#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "Info")]
    info: Map<String, Value>,
    #[serde(rename = "State", default)]
    state: Option<String>,
    #[serde(rename = "Devices", default)]
    devices: Vec<String>,
    #[serde(rename = "Bricks", default)]
    bricks: Vec<String>,
    #[serde(rename = "GlusterVolumeOptions", default)]
    gluster_volume_options: Option<Vec<String>>,
    #[serde(rename = "Pending", default)]
    pending: Option<PendingRef>,
}

#[derive(Deserialize)]
struct PendingRef {
    #[serde(rename = "Id", default)]
    id: String,
}

#[derive(Deserialize)]
struct PendingEntry {
    #[serde(rename = "Id", default)]
    id: String,
    #[serde(rename = "Type", default)]
    kind: u32,
    #[serde(rename = "Actions", default)]
    actions: Vec<PendingAction>,
}

#[derive(Deserialize)]
struct PendingAction {
    #[serde(rename = "Change")]
    change: u32,
    #[serde(rename = "Id")]
    id: String,
}

/// An operation Heketi had not finished when the export was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOperation {
    /// The pending operation's id.
    pub id: String,
    /// Heketi's operation type number.
    pub kind: u32,
    /// What it changes: `(change, entity id)`, e.g. `("add volume", "<id>")`.
    pub changes: Vec<(String, String)>,
}

/// A Heketi database read into a model.
#[derive(Debug, Clone, PartialEq)]
pub struct HeketiDbImport {
    /// Clusters, nodes, devices, volumes and bricks, pending ones included (their space stays
    /// taken until recovery finishes or rolls them back).
    pub model: Model,
    /// Operations still pending in the export, to report and recover.
    pub pending: Vec<PendingOperation>,
    /// Block volume entries, not imported (the model's block volumes are not read from
    /// Heketi's documents yet).
    pub skipped_block_volumes: usize,
}

fn change_name(change: u32) -> String {
    match change {
        1 => "add brick".into(),
        2 => "add volume".into(),
        3 => "delete brick".into(),
        4 => "delete volume".into(),
        5 => "expand volume".into(),
        6 => "add block volume".into(),
        7 => "delete block volume".into(),
        8 => "remove device".into(),
        9 => "clone volume".into(),
        10 => "snapshot volume".into(),
        11 => "add volume clone".into(),
        other => format!("change {other}"),
    }
}

/// Where a piece of the assembled document came from, to name errors by their path in
/// the export.
struct Paths(Vec<(String, String)>);

impl Paths {
    fn translate(&self, err: ImportError) -> ImportError {
        let fix = |path: &mut String| {
            if let Some((from, to)) = self
                .0
                .iter()
                .filter(|(from, _)| path.starts_with(from.as_str()))
                .max_by_key(|(from, _)| from.len())
            {
                *path = format!("{to}{}", &path[from.len()..]);
            }
        };
        match err {
            ImportError::Syntax {
                file,
                mut path,
                message,
            } => {
                fix(&mut path);
                ImportError::Syntax {
                    file,
                    path,
                    message,
                }
            }
            ImportError::Invalid {
                file,
                mut path,
                message,
            } => {
                fix(&mut path);
                ImportError::Invalid {
                    file,
                    path,
                    message,
                }
            }
            other => other,
        }
    }
}

fn entry<'a>(
    map: &'a BTreeMap<String, Entry>,
    bucket: &str,
    id: &str,
    referenced_at: impl FnOnce() -> String,
) -> Result<&'a Entry, ImportError> {
    map.get(id)
        .ok_or_else(|| ImportError::invalid(referenced_at(), format!("{id:?} is not in {bucket}")))
}

/// `Info` with `extra` fields added; the key must equal `Info.id`.
fn info_with(
    e: &Entry,
    key: &str,
    at: &str,
    extra: Map<String, Value>,
) -> Result<Value, ImportError> {
    match e.info.get("id").and_then(Value::as_str) {
        Some(id) if id == key => {}
        Some(id) => {
            return Err(ImportError::invalid(
                format!("{at}.Info.id"),
                format!("entry {key} holds id {id}"),
            ))
        }
        None => return Err(ImportError::invalid(format!("{at}.Info.id"), "missing id")),
    }
    let mut info = e.info.clone();
    info.extend(extra);
    Ok(Value::Object(info))
}

fn state(e: &Entry) -> Value {
    Value::String(e.state.clone().unwrap_or_else(|| "online".into()))
}

/// Reads a `heketi db export` document. See the module documentation.
pub fn import_heketi_db(json: &str) -> Result<HeketiDbImport, ImportError> {
    let db: Db = parse_with_path(json)?;
    let mut paths = Vec::new();
    let mut clusters = Vec::new();
    for (ci, (cid, c)) in db.clusterentries.iter().enumerate() {
        let cat = format!("clusterentries.{cid}");
        // The key must be the cluster's id, as for every entry.
        info_with(c, cid, &cat, Map::new())?;
        paths.push((format!("clusters[{ci}]"), format!("{cat}.Info")));
        let ids = |field: &str| -> Result<Vec<String>, ImportError> {
            match c.info.get(field) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                    ImportError::invalid(format!("{cat}.Info.{field}"), e.to_string())
                }),
            }
        };
        let mut nodes = Vec::new();
        for (ni, nid) in ids("nodes")?.iter().enumerate() {
            let n = entry(&db.nodeentries, "nodeentries", nid, || {
                format!("{cat}.Info.nodes[{ni}]")
            })?;
            let nat = format!("nodeentries.{nid}");
            paths.push((format!("clusters[{ci}].nodes[{ni}]"), format!("{nat}.Info")));
            let mut devices = Vec::new();
            for (di, did) in n.devices.iter().enumerate() {
                let d = entry(&db.deviceentries, "deviceentries", did, || {
                    format!("{nat}.Devices[{di}]")
                })?;
                let dat = format!("deviceentries.{did}");
                paths.push((
                    format!("clusters[{ci}].nodes[{ni}].devices[{di}]"),
                    format!("{dat}.Info"),
                ));
                let mut bricks = Vec::new();
                for (bi, bid) in d.bricks.iter().enumerate() {
                    let b = entry(&db.brickentries, "brickentries", bid, || {
                        format!("{dat}.Bricks[{bi}]")
                    })?;
                    let bat = format!("brickentries.{bid}");
                    paths.push((
                        format!("clusters[{ci}].nodes[{ni}].devices[{di}].bricks[{bi}]"),
                        format!("{bat}.Info"),
                    ));
                    bricks.push(info_with(b, bid, &bat, Map::new())?);
                }
                let mut extra = Map::new();
                extra.insert("state".into(), state(d));
                extra.insert("bricks".into(), Value::Array(bricks));
                devices.push(info_with(d, did, &dat, extra)?);
            }
            let mut extra = Map::new();
            extra.insert("state".into(), state(n));
            extra.insert("devices".into(), Value::Array(devices));
            nodes.push(info_with(n, nid, &nat, extra)?);
        }
        let mut volumes = Vec::new();
        for (vi, vid) in ids("volumes")?.iter().enumerate() {
            let v = entry(&db.volumeentries, "volumeentries", vid, || {
                format!("{cat}.Info.volumes[{vi}]")
            })?;
            let vat = format!("volumeentries.{vid}");
            paths.push((
                format!("clusters[{ci}].volumes[{vi}]"),
                format!("{vat}.Info"),
            ));
            let mut bricks = Vec::new();
            for (bi, bid) in v.bricks.iter().enumerate() {
                let b = entry(&db.brickentries, "brickentries", bid, || {
                    format!("{vat}.Bricks[{bi}]")
                })?;
                paths.push((
                    format!("clusters[{ci}].volumes[{vi}].bricks[{bi}]"),
                    format!("brickentries.{bid}.Info"),
                ));
                bricks.push(info_with(
                    b,
                    bid,
                    &format!("brickentries.{bid}"),
                    Map::new(),
                )?);
            }
            let mut extra = Map::new();
            extra.insert("bricks".into(), Value::Array(bricks));
            if let Some(options) = &v.gluster_volume_options {
                if !v.info.contains_key("glustervolumeoptions") {
                    let kept: Vec<Value> = options
                        .iter()
                        .filter(|o| !o.trim().is_empty())
                        .map(|o| Value::String(o.clone()))
                        .collect();
                    extra.insert("glustervolumeoptions".into(), Value::Array(kept));
                }
            }
            volumes.push(info_with(v, vid, &vat, extra)?);
        }
        let mut cluster = Map::new();
        cluster.insert("id".into(), Value::String(cid.clone()));
        for flag in ["block", "file"] {
            if let Some(v) = c.info.get(flag) {
                cluster.insert(flag.into(), v.clone());
            }
        }
        cluster.insert("nodes".into(), Value::Array(nodes));
        cluster.insert("volumes".into(), Value::Array(volumes));
        clusters.push(Value::Object(cluster));
    }
    let document = serde_json::json!({ "clusters": clusters }).to_string();
    let paths = Paths(paths);
    let model = import_heketi_info(&document).map_err(|e| paths.translate(e))?;
    let pending = pending_operations(&db)?;
    Ok(HeketiDbImport {
        model,
        pending,
        skipped_block_volumes: db.blockvolumeentries.len(),
    })
}

/// Every pending operation, checked against the entries that name it.
fn pending_operations(db: &Db) -> Result<Vec<PendingOperation>, ImportError> {
    let buckets: [(&str, &BTreeMap<String, Entry>); 3] = [
        ("volumeentries", &db.volumeentries),
        ("brickentries", &db.brickentries),
        ("deviceentries", &db.deviceentries),
    ];
    for (bucket, map) in buckets {
        for (id, e) in map {
            if let Some(p) = e.pending.as_ref().filter(|p| !p.id.is_empty()) {
                if !db.pendingoperations.contains_key(&p.id) {
                    return Err(ImportError::invalid(
                        format!("{bucket}.{id}.Pending.Id"),
                        format!(
                            "names pending operation {} that is not in pendingoperations",
                            p.id
                        ),
                    ));
                }
            }
        }
    }
    db.pendingoperations
        .iter()
        .map(|(key, p)| {
            if !p.id.is_empty() && p.id != *key {
                return Err(ImportError::invalid(
                    format!("pendingoperations.{key}.Id"),
                    format!("entry {key} holds id {}", p.id),
                ));
            }
            Ok(PendingOperation {
                id: key.clone(),
                kind: p.kind,
                changes: p
                    .actions
                    .iter()
                    .map(|a| (change_name(a.change), a.id.clone()))
                    .collect(),
            })
        })
        .collect()
}
