//! `GET /api/v1/meta`: what this server is.

use app::model::meta::ServerMeta;
use axum::{extract::State, Json};

use crate::state::AppState;

/// Product name, versions and the backends this instance runs on.
#[utoipa::path(get, path = "/api/v1/meta", tag = "meta",
    responses((status = 200, description = "Server metadata", body = ServerMeta)))]
pub async fn get_meta(State(state): State<AppState>) -> Json<ServerMeta> {
    Json(ServerMeta {
        name: "Parley".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_version: "v1".to_owned(),
        event_bus: state.infra.bus.backend().to_owned(),
        job_queue: state.infra.queue.backend().to_owned(),
    })
}
