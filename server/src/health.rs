//! Liveness and readiness probes for load balancers and orchestrators.

use app::{infra::health::readiness, model::health::Readiness};
use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde::Serialize;

use crate::state::AppState;

/// Body of `GET /healthz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Liveness {
    /// Always `ok`: the process answers.
    pub status: &'static str,
}

/// The process is up and serving HTTP; touches no backend.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The process is up", body = Liveness)))]
pub async fn healthz() -> impl IntoResponse {
    no_store(StatusCode::OK, Json(Liveness { status: "ok" }))
}

/// Every backend in use answered; 503 names the ones that did not, or says `draining` once
/// SIGTERM arrived (the load balancer must stop sending new work here).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "All backends reachable", body = Readiness),
        (status = 503, description = "A backend is unreachable, or the instance is draining", body = Readiness),
    ))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let mut report = readiness(&state.infra).await;
    if state.drain.is_draining() {
        report.status = "draining".to_owned();
        return no_store(StatusCode::SERVICE_UNAVAILABLE, Json(report));
    }
    let status = if report.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    no_store(status, Json(report))
}

fn no_store(status: StatusCode, body: impl IntoResponse) -> impl IntoResponse {
    (
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        body,
    )
}
