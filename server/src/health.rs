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

/// Every required backend answered; 503 names the ones that did not, or says `draining` once
/// SIGTERM arrived (the load balancer must stop sending new work here). A read replica that
/// is down or lagging makes the status `degraded` (still 200): the primary serves its reads.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "All required backends reachable: status `ready`, or `degraded` when a read replica is down or lagging", body = Readiness),
        (status = 503, description = "A required backend is unreachable (status `unavailable`), or the instance is draining (status `draining`)", body = Readiness),
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
