//! The slice of the realtime protocol (docs/realtime.md) the bench speaks, and connecting.
//! Only the fields the bench reads are declared; everything else in a frame is ignored.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    client_async_with_config, tungstenite::protocol::WebSocketConfig, WebSocketStream,
};
use uuid::Uuid;

use crate::{error::Result, net};

/// An open realtime channel.
pub type Socket = WebSocketStream<TcpStream>;

/// Frames the bench sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame<'a> {
    /// Follow rooms from a seq on.
    Subscribe {
        /// Rooms and cursors.
        rooms: Vec<Cursor>,
    },
    /// Send a message.
    Send {
        /// Room.
        room_id: Uuid,
        /// Text.
        body: &'a str,
        /// Idempotency key, echoed in the `ack` or `error`.
        client_id: &'a str,
    },
}

/// A room and the newest seq the client has.
#[derive(Debug, Serialize)]
pub struct Cursor {
    /// Room.
    pub room_id: Uuid,
    /// Newest seq held (0: none).
    pub last_seq: i64,
}

/// Frames the bench reads.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// A room event.
    Event {
        /// The event.
        event: RoomEvent,
    },
    /// A subscription is live.
    Subscribed {
        /// Room.
        room_id: Uuid,
        /// Newest seq sent before live events.
        last_seq: i64,
    },
    /// A send was stored.
    Ack {
        /// The send's key.
        client_id: String,
        /// The stored message (the same one again for a repeated `client_id`).
        #[serde(default)]
        message: Option<WireMessage>,
    },
    /// A frame failed.
    Error {
        /// Machine-readable code.
        code: String,
        /// Explanation.
        message: String,
        /// The failed send's key, if it was a send.
        #[serde(default)]
        client_id: Option<String>,
    },
    /// Presence, typing, pong, ...: not measured.
    #[serde(other)]
    Other,
}

/// Room events the bench reads.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoomEvent {
    /// A new message.
    MessageCreated {
        /// The message.
        message: WireMessage,
    },
    /// Edits, deletions, reactions: the bench causes none.
    #[serde(other)]
    Other,
}

/// The parts of a message the bench checks.
#[derive(Debug, Clone, Deserialize)]
pub struct WireMessage {
    /// Identifier (a repeated send returns the stored one).
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The sender's idempotency key.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Room.
    pub room_id: Uuid,
    /// Position in the room.
    pub seq: i64,
    /// Text (carries the probe).
    pub body: String,
}

/// Whether a failed [`connect`] was the server refusing the token (`401`), so that a fresh
/// one should be fetched before trying again.
pub fn is_unauthorized(error: &crate::error::BenchError) -> bool {
    matches!(
        error,
        crate::error::BenchError::WebSocket(e)
            if matches!(&**e, tokio_tungstenite::tungstenite::Error::Http(r) if r.status() == 401)
    )
}

/// Opens `GET /ws` with an access token. Buffers are small because the idle mode holds ten
/// thousand of these in one process; frames here are a few hundred bytes.
pub async fn connect(server: SocketAddr, token: &str) -> Result<Socket> {
    let stream = net::connect(server, None).await?;
    let url = format!("ws://{server}/ws?access_token={token}");
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (socket, _response) = client_async_with_config(url, stream, Some(config)).await?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_match_the_protocol() {
        let room = Uuid::nil();
        let send = serde_json::to_value(ClientFrame::Send {
            room_id: room,
            body: "hi",
            client_id: "c1",
        })
        .expect("serializes");
        assert_eq!(
            send,
            serde_json::json!({"type": "send", "room_id": room, "body": "hi", "client_id": "c1"})
        );

        let event: ServerFrame = serde_json::from_str(
            r#"{"type":"event","event":{"type":"message_created","message":{
                "id":"00000000-0000-0000-0000-000000000001","room_id":"00000000-0000-0000-0000-000000000000",
                "seq":7,"sender":null,"body":"x","reactions":[],"deleted":false}}}"#,
        )
        .expect("parses");
        assert!(matches!(
            event,
            ServerFrame::Event { event: RoomEvent::MessageCreated { message } } if message.seq == 7
        ));
        let presence: ServerFrame =
            serde_json::from_str(r#"{"type":"presence","user_id":"x","status":"online"}"#)
                .expect("parses");
        assert!(matches!(presence, ServerFrame::Other));
        let error: ServerFrame = serde_json::from_str(
            r#"{"type":"error","code":"rate_limited","message":"m","client_id":"c"}"#,
        )
        .expect("parses");
        assert!(matches!(error, ServerFrame::Error { client_id: Some(c), .. } if c == "c"));
    }
}
