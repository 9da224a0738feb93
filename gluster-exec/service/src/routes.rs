//! The handlers of Heketi's REST API. Each parses and validates (ids first), then calls the
//! backend; long operations go through [`crate::app::start`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use gluster_model::{BlockVolumeId, ClusterId, DeviceId, NodeId, VolumeId};

use crate::api::*;
use crate::app::{parse, parse_id, start, text, ApiError, App};
use crate::convert;
use crate::queue::{OperationKind, QueueId, QueueState};

type Shared = State<Arc<App>>;
type ApiResult = Result<Response, ApiError>;

pub(crate) async fn hello() -> Response {
    text(StatusCode::OK, "Hello from Heketi".into())
}

pub(crate) async fn metrics(State(app): Shared) -> ApiResult {
    let report = app.backend.capacity().await?;
    let body = app
        .metrics
        .render(&report)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("metrics: {e}")))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

// ---- clusters ----

pub(crate) async fn cluster_create(State(app): Shared, body: Bytes) -> ApiResult {
    let r: ClusterCreateRequest = parse(&body)?;
    let view = app.backend.create_cluster(r.block, r.file).await?;
    Ok((StatusCode::CREATED, Json(convert::cluster_info(view))).into_response())
}

pub(crate) async fn cluster_list(State(app): Shared) -> ApiResult {
    let clusters = app.backend.list_clusters().await?;
    Ok(Json(ClusterListResponse { clusters }).into_response())
}

pub(crate) async fn cluster_info(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: ClusterId = parse_id("cluster", &id)?;
    let view = app.backend.cluster(id).await?;
    Ok(Json(convert::cluster_info(view)).into_response())
}

pub(crate) async fn cluster_delete(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: ClusterId = parse_id("cluster", &id)?;
    app.backend.delete_cluster(id).await?;
    Ok(StatusCode::OK.into_response())
}

// ---- nodes ----

pub(crate) async fn node_add(State(app): Shared, body: Bytes) -> ApiResult {
    let r: NodeAddRequest = parse(&body)?;
    let node = convert::new_node(r).map_err(ApiError::bad_request)?;
    app.backend.cluster(node.cluster).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::NodeAdd, async move {
        let id = backend.add_node(node).await?;
        Ok(Some(format!("/nodes/{id}")))
    })
    .await)
}

pub(crate) async fn node_info(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: NodeId = parse_id("node", &id)?;
    let view = app.backend.node(id).await?;
    Ok(Json(convert::node_info(&view)).into_response())
}

pub(crate) async fn node_delete(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: NodeId = parse_id("node", &id)?;
    app.backend.node(id).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::NodeDelete, async move {
        backend.delete_node(id).await.map(|()| None)
    })
    .await)
}

pub(crate) async fn node_state(
    State(app): Shared,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id: NodeId = parse_id("node", &id)?;
    let r: StateRequest = parse(&body)?;
    let state = convert::parse_state(&r).map_err(ApiError::bad_request)?;
    app.backend.set_node_state(id, state).await?;
    Ok(StatusCode::OK.into_response())
}

// ---- devices ----

pub(crate) async fn device_add(State(app): Shared, body: Bytes) -> ApiResult {
    let r: DeviceAddRequest = parse(&body)?;
    let device = convert::new_device(r).map_err(ApiError::bad_request)?;
    app.backend.node(device.node).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::DeviceAdd, async move {
        backend.add_device(device).await.map(|_| None)
    })
    .await)
}

pub(crate) async fn device_info(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: DeviceId = parse_id("device", &id)?;
    let view = app.backend.device(id).await?;
    Ok(Json(convert::device_info(&view)).into_response())
}

pub(crate) async fn device_delete(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: DeviceId = parse_id("device", &id)?;
    app.backend.device(id).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::DeviceDelete, async move {
        backend.delete_device(id).await.map(|()| None)
    })
    .await)
}

pub(crate) async fn device_state(
    State(app): Shared,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id: DeviceId = parse_id("device", &id)?;
    let r: StateRequest = parse(&body)?;
    let state = convert::parse_state(&r).map_err(ApiError::bad_request)?;
    app.backend.set_device_state(id, state).await?;
    Ok(StatusCode::OK.into_response())
}

pub(crate) async fn device_resync(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: DeviceId = parse_id("device", &id)?;
    app.backend.device(id).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::DeviceResync, async move {
        backend.resync_device(id).await.map(|()| None)
    })
    .await)
}

// ---- volumes ----

pub(crate) async fn volume_create(State(app): Shared, body: Bytes) -> ApiResult {
    let r: VolumeCreateRequest = parse(&body)?;
    let request = convert::volume_request(&r).map_err(ApiError::bad_request)?;
    if let Some(c) = request.cluster {
        app.backend.cluster(c).await?;
    }
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::VolumeCreate, async move {
        let id = backend.create_volume(request).await?;
        Ok(Some(format!("/volumes/{id}")))
    })
    .await)
}

pub(crate) async fn volume_list(State(app): Shared) -> ApiResult {
    let volumes = app.backend.list_volumes().await?;
    Ok(Json(VolumeListResponse { volumes }).into_response())
}

pub(crate) async fn volume_info(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: VolumeId = parse_id("volume", &id)?;
    let view = app.backend.volume(id).await?;
    Ok(Json(convert::volume_info(&view)).into_response())
}

pub(crate) async fn volume_expand(
    State(app): Shared,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let id: VolumeId = parse_id("volume", &id)?;
    let r: VolumeExpandRequest = parse(&body)?;
    let by = convert::expand_size(&r).map_err(ApiError::bad_request)?;
    app.backend.volume(id).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::VolumeExpand, async move {
        backend.expand_volume(id, by).await?;
        Ok(Some(format!("/volumes/{id}")))
    })
    .await)
}

pub(crate) async fn volume_delete(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: VolumeId = parse_id("volume", &id)?;
    app.backend.volume(id).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::VolumeDelete, async move {
        backend.delete_volume(id).await.map(|()| None)
    })
    .await)
}

// ---- block volumes ----

pub(crate) async fn block_create(State(app): Shared, body: Bytes) -> ApiResult {
    let r: BlockVolumeCreateRequest = parse(&body)?;
    let request = convert::block_request(&r).map_err(ApiError::bad_request)?;
    if let Some(c) = request.cluster {
        app.backend.cluster(c).await?;
    }
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::BlockVolumeCreate, async move {
        let id = backend.create_block_volume(request).await?;
        Ok(Some(format!("/blockvolumes/{id}")))
    })
    .await)
}

pub(crate) async fn block_list(State(app): Shared) -> ApiResult {
    let blockvolumes = app.backend.list_block_volumes().await?;
    Ok(Json(BlockVolumeListResponse { blockvolumes }).into_response())
}

pub(crate) async fn block_info(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: BlockVolumeId = parse_id("block volume", &id)?;
    let b = app.backend.block_volume(id).await?;
    Ok(Json(convert::block_volume_info(&b)).into_response())
}

pub(crate) async fn block_delete(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: BlockVolumeId = parse_id("block volume", &id)?;
    app.backend.block_volume(id).await?;
    let backend = app.backend.clone();
    Ok(start(&app, OperationKind::BlockVolumeDelete, async move {
        backend.delete_block_volume(id).await.map(|()| None)
    })
    .await)
}

// ---- queue ----

pub(crate) async fn queue(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    let id: QueueId = parse_id("queue", &id)?;
    let storage = |e: crate::queue::QueueError| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    };
    let mut entry = app.queue.get(id).await.map_err(storage)?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, format!("queue entry {id} not found"))
    })?;
    if entry.state == QueueState::Pending {
        // Hold the answer a little: most operations end within it.
        app.wait_for(id, app.config.queue_wait).await;
        if let Some(now) = app.queue.get(id).await.map_err(storage)? {
            entry = now;
        }
    }
    let response = match &entry.state {
        QueueState::Pending => {
            let mut r = text(StatusCode::OK, "pending".into());
            r.headers_mut()
                .insert("X-Pending", HeaderValue::from_static("true"));
            return Ok(r);
        }
        QueueState::Done {
            location: Some(location),
        } => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            let v = HeaderValue::from_str(location)
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        QueueState::Done { location: None } => StatusCode::NO_CONTENT.into_response(),
        QueueState::Failed { message } => text(StatusCode::INTERNAL_SERVER_ERROR, message.clone()),
    };
    // An entry is dropped once its end was read.
    app.queue.remove(id).await.map_err(storage)?;
    Ok(response)
}
