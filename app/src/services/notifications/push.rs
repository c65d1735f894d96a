//! Live delivery: frames on the user's bus topic, which every server instance relays to that
//! user's WebSocket connections. Best effort by design: the stored notifications and the
//! stored count are the truth, and a client refetches them whenever it (re)connects.

use uuid::Uuid;

use crate::{
    infra::bus::EventBus,
    model::{
        notification::Notification,
        realtime::{user_topic, ServerFrame},
    },
};

/// A new notification and the unread count right after it was stored.
pub async fn notification(
    bus: &EventBus,
    user: Uuid,
    notification: Notification,
    unread_count: i64,
    alert: bool,
) {
    let frame = ServerFrame::Notification {
        notification,
        unread_count,
        alert,
    };
    publish(bus, user, &frame).await;
}

/// The unread count after notifications were read or deleted.
pub async fn count(bus: &EventBus, user: Uuid, unread_count: i64) {
    publish(bus, user, &ServerFrame::NotificationCount { unread_count }).await;
}

async fn publish(bus: &EventBus, user: Uuid, frame: &ServerFrame) {
    let payload = match serde_json::to_vec(frame) {
        Ok(p) => p,
        Err(e) => return tracing::error!(error = %e, "cannot encode a notification frame"),
    };
    if let Err(e) = bus.publish(&user_topic(user), &payload).await {
        tracing::warn!(error = %e, user = %user, "cannot push a notification frame");
    }
}
