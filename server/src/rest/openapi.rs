//! The OpenAPI document, generated from the handlers' annotations.

use app::model::{
    error::{ErrorBody, ErrorDetail},
    health::{CheckResult, Readiness},
    meta::ServerMeta,
};
use axum::Json;
use utoipa::OpenApi;

/// The API description served at `/api/v1/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley API",
        version = "1",
        description = "REST API of Parley. Errors always have the shape {\"error\": {\"code\", \"message\"}}."
    ),
    paths(super::meta::get_meta, crate::health::healthz, crate::health::readyz),
    components(schemas(ErrorBody, ErrorDetail, ServerMeta, Readiness, CheckResult, crate::health::Liveness)),
    tags(
        (name = "meta", description = "About this server"),
        (name = "health", description = "Probes for load balancers"),
    )
)]
pub struct ApiDoc;

/// Serves the OpenAPI document as JSON.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
