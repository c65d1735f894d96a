//! Publishing room events on the bus once their cause has committed.

use crate::{infra::bus::EventBus, model::event::RoomEvent};

/// Publishes `event` to its room's topic. Delivery is best effort: clients catch up on
/// messages from PostgreSQL by seq, and everything else is refreshed on the next load.
pub async fn publish(bus: &EventBus, event: RoomEvent) {
    let room_id = event.room_id();
    let payload = match serde_json::to_vec(&event) {
        Ok(p) => p,
        Err(e) => return tracing::error!(error = %e, "cannot encode a room event"),
    };
    if let Err(e) = bus.publish(&RoomEvent::topic(room_id), &payload).await {
        tracing::warn!(error = %e, room = %room_id, "cannot publish a room event");
    }
}
