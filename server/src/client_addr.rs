//! Resolves each request's client address once (behind `TRUSTED_PROXIES`, from
//! `X-Forwarded-For`) so rate limits and sessions see the person, not the load balancer.

use std::net::SocketAddr;

use app::infra::client_addr::{resolve, ClientAddr};
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

use crate::state::AppState;

/// Middleware: stores the [`ClientAddr`] of the request in its extensions.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let ip = resolve(
            peer.ip(),
            forwarded,
            &state.infra.config.scale.trusted_proxies,
        );
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}
