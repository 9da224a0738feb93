//! Endpoints beside Heketi's (Heketi had none): snapshots and clones of volumes, and
//! subvolumes (quota-limited directories of hosting volumes). Admin only, like every
//! non-volume route. Answers are JSON, errors too (`{"error": "..."}`); each call answers
//! when the hosts are done (201, 200 or 204), without a queue entry.
//!
//! Ids are 32 hex digits derived from the name ([`data_id`]), so they are stable across
//! restarts and replicas.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use gluster_model::data::{Snapshot, Subvolume};
use gluster_model::{ByteSize, ModelError, VolumeId, VolumeName};
use gluster_placement::PlacementError;

use crate::app::{parse, parse_id, App};
use crate::backend::{BackendError, DataBackend};

type Shared = State<Arc<App>>;

/// A JSON error answer.
pub(crate) struct DataError {
    status: StatusCode,
    message: String,
}

impl DataError {
    fn bad(message: impl Into<String>) -> Self {
        DataError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<BackendError> for DataError {
    fn from(e: BackendError) -> Self {
        let status = match &e {
            BackendError::NotFound { .. } => StatusCode::NOT_FOUND,
            BackendError::Conflict(_) => StatusCode::CONFLICT,
            BackendError::Invalid(_) => StatusCode::BAD_REQUEST,
            BackendError::Placement(PlacementError::InvalidRequest(_)) => StatusCode::BAD_REQUEST,
            BackendError::Placement(PlacementError::Model(
                ModelError::UnknownSnapshot(_)
                | ModelError::UnknownSubvolume(_)
                | ModelError::UnknownVolume(_),
            )) => StatusCode::NOT_FOUND,
            BackendError::Placement(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        DataError {
            status,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for DataError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body {
            error: String,
        }
        (
            self.status,
            Json(Body {
                error: self.message,
            }),
        )
            .into_response()
    }
}

type DataResult = Result<Response, DataError>;

/// The id of a snapshot or subvolume: 32 hex digits derived from its kind and name.
pub fn data_id(kind: &str, name: &str) -> String {
    format!("{:032x}", gluster_model::stable_hash128(&[kind, name]))
}

fn backend(app: &App) -> Result<&dyn DataBackend, DataError> {
    app.backend.data().ok_or_else(|| {
        DataError::bad("snapshots and subvolumes need a store (serve --store or --etcd)")
    })
}

/// Parses a body, answering a JSON 400 with the reason.
fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, DataError> {
    parse(bytes).map_err(|e| {
        let text = e.message().to_string();
        DataError::bad(text)
    })
}

fn name(field: &str, value: &str) -> Result<(), DataError> {
    VolumeName::check(value).map_err(|e| DataError::bad(format!("{field}: {e}")))
}

fn id_of(raw: &str) -> Result<String, DataError> {
    let id: VolumeId = parse_id("snapshot or subvolume", raw).map_err(|e| {
        let text = e.message().to_string();
        DataError::bad(text)
    })?;
    Ok(id.to_string())
}

/// `POST /volumes/{id}/snapshots`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotCreateRequest {
    name: String,
    /// GiB each brick holds (default: the brick's size, the most a snapshot can need).
    #[serde(default)]
    data_used: Option<u64>,
}

/// `POST /snapshots/{id}/clone`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloneRequest {
    name: String,
    /// GiB each origin brick holds (default: the brick's size).
    #[serde(default)]
    data_used: Option<u64>,
}

/// A snapshot as the endpoints show it.
#[derive(Debug, Serialize)]
struct SnapshotInfo {
    id: String,
    name: String,
    volume: String,
    ready: bool,
    /// Bytes charged to the origin's thin pools, all bricks together.
    charged: u64,
}

fn snapshot_info(s: &Snapshot) -> SnapshotInfo {
    SnapshotInfo {
        id: data_id("snapshot", &s.name),
        name: s.name.clone(),
        volume: s.volume.to_string(),
        ready: s.ready,
        charged: s
            .charges
            .iter()
            .fold(0u64, |sum, (_, c)| sum.saturating_add(c.bytes())),
    }
}

/// `POST /subvolumes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubvolumeCreateRequest {
    name: String,
    /// Quota in GiB.
    size: u64,
}

/// `POST /subvolumes/{id}/expand`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubvolumeExpandRequest {
    /// The new quota in GiB.
    size: u64,
}

/// A subvolume as the endpoints show it.
#[derive(Debug, Serialize)]
struct SubvolumeInfo {
    id: String,
    name: String,
    /// The hosting volume's id.
    volume: String,
    dir: String,
    /// Quota in GiB (rounded up).
    size: u64,
    clone_of: Option<String>,
}

fn subvolume_info(s: &Subvolume) -> SubvolumeInfo {
    SubvolumeInfo {
        id: data_id("subvolume", &s.name),
        name: s.name.clone(),
        volume: s.hosting.to_string(),
        dir: s.dir.clone(),
        size: s.quota.bytes().div_ceil(1 << 30),
        clone_of: s.clone_of.clone(),
    }
}

fn gib(field: &str, value: u64) -> Result<ByteSize, DataError> {
    crate::convert::gib(field, value).map_err(DataError::bad)
}

async fn find_snapshot(b: &dyn DataBackend, raw: &str) -> Result<Snapshot, DataError> {
    let id = id_of(raw)?;
    b.list_snapshots()
        .await?
        .into_iter()
        .find(|s| data_id("snapshot", &s.name) == id)
        .ok_or_else(|| DataError {
            status: StatusCode::NOT_FOUND,
            message: format!("snapshot {id} not found"),
        })
}

async fn find_subvolume(b: &dyn DataBackend, raw: &str) -> Result<Subvolume, DataError> {
    let id = id_of(raw)?;
    b.list_subvolumes()
        .await?
        .into_iter()
        .find(|s| data_id("subvolume", &s.name) == id)
        .ok_or_else(|| DataError {
            status: StatusCode::NOT_FOUND,
            message: format!("subvolume {id} not found"),
        })
}

pub(crate) async fn snapshot_create(
    State(app): Shared,
    Path(volume): Path<String>,
    bytes: Bytes,
) -> DataResult {
    let volume: VolumeId = parse_id("volume", &volume).map_err(|e| {
        let text = e.message().to_string();
        DataError::bad(text)
    })?;
    let r: SnapshotCreateRequest = body(&bytes)?;
    name("name", &r.name)?;
    let used = r.data_used.map(|u| gib("data_used", u)).transpose()?;
    let s = backend(&app)?
        .create_snapshot(volume, &r.name, used)
        .await?;
    Ok((StatusCode::CREATED, Json(snapshot_info(&s))).into_response())
}

pub(crate) async fn snapshot_list(State(app): Shared) -> DataResult {
    let all = backend(&app)?.list_snapshots().await?;
    let snapshots: Vec<SnapshotInfo> = all.iter().map(snapshot_info).collect();
    Ok(Json(serde_json::json!({ "snapshots": snapshots })).into_response())
}

pub(crate) async fn snapshot_get(State(app): Shared, Path(id): Path<String>) -> DataResult {
    let s = find_snapshot(backend(&app)?, &id).await?;
    Ok(Json(snapshot_info(&s)).into_response())
}

pub(crate) async fn snapshot_delete(State(app): Shared, Path(id): Path<String>) -> DataResult {
    let b = backend(&app)?;
    let s = find_snapshot(b, &id).await?;
    b.delete_snapshot(&s.name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn snapshot_clone(
    State(app): Shared,
    Path(id): Path<String>,
    bytes: Bytes,
) -> DataResult {
    let b = backend(&app)?;
    let s = find_snapshot(b, &id).await?;
    let r: CloneRequest = body(&bytes)?;
    name("name", &r.name)?;
    let used = r.data_used.map(|u| gib("data_used", u)).transpose()?;
    let volume = b.clone_snapshot(&s.name, &r.name, used).await?;
    let answer =
        serde_json::json!({ "id": volume.to_string(), "name": r.name, "snapshot": s.name });
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

pub(crate) async fn subvolume_create(State(app): Shared, bytes: Bytes) -> DataResult {
    let r: SubvolumeCreateRequest = body(&bytes)?;
    name("name", &r.name)?;
    let size = gib("size", r.size)?;
    let s = backend(&app)?.create_subvolume(&r.name, size).await?;
    Ok((StatusCode::CREATED, Json(subvolume_info(&s))).into_response())
}

pub(crate) async fn subvolume_list(State(app): Shared) -> DataResult {
    let all = backend(&app)?.list_subvolumes().await?;
    let subvolumes: Vec<SubvolumeInfo> = all.iter().map(subvolume_info).collect();
    Ok(Json(serde_json::json!({ "subvolumes": subvolumes })).into_response())
}

pub(crate) async fn subvolume_get(State(app): Shared, Path(id): Path<String>) -> DataResult {
    let s = find_subvolume(backend(&app)?, &id).await?;
    Ok(Json(subvolume_info(&s)).into_response())
}

pub(crate) async fn subvolume_expand(
    State(app): Shared,
    Path(id): Path<String>,
    bytes: Bytes,
) -> DataResult {
    let b = backend(&app)?;
    let s = find_subvolume(b, &id).await?;
    let r: SubvolumeExpandRequest = body(&bytes)?;
    let size = gib("size", r.size)?;
    let s = b.expand_subvolume(&s.name, size).await?;
    Ok(Json(subvolume_info(&s)).into_response())
}

pub(crate) async fn subvolume_delete(State(app): Shared, Path(id): Path<String>) -> DataResult {
    let b = backend(&app)?;
    let s = find_subvolume(b, &id).await?;
    b.delete_subvolume(&s.name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
