//! The rooms area: sidebar, directory, creation, room page with members and moderation,
//! settings, invitations, invite links and direct messages.

pub mod chat;
pub mod directory;
pub mod frame;
pub mod home;
pub mod invitations;
pub mod join_link;
pub mod new_room;
pub mod room_page;
pub mod room_settings;
pub mod search;
pub mod user_page;

use leptos::prelude::*;
use uuid::Uuid;

/// Bumped whenever the user's set of rooms changes, so the sidebar reloads.
#[derive(Clone, Copy)]
pub struct RoomsChanged(pub RwSignal<u32>);

impl RoomsChanged {
    /// Creates and provides the signal.
    pub fn provide() {
        provide_context(RoomsChanged(RwSignal::new(0)));
    }

    /// The context value.
    pub fn get() -> Self {
        expect_context::<RoomsChanged>()
    }

    /// Tells the sidebar to reload.
    pub fn bump(&self) {
        self.0.update(|v| *v += 1);
    }
}

/// The `:id` route parameter as a room id.
pub fn room_id_param() -> Memo<Option<Uuid>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

/// The room behind a route parameter; a malformed id is simply a room that does not exist.
pub async fn load_room(
    id: Option<Uuid>,
) -> Result<crate::model::room::Room, crate::model::error::ErrorDetail> {
    match id {
        Some(id) => match crate::api::rooms::get_room(id).await {
            Ok(room) => {
                crate::live::offline::save_room(&room);
                Ok(room)
            }
            // Offline: the room as this device saw it last.
            Err(e) if e.code == "network" => crate::live::offline::room(id).await.ok_or(e),
            Err(e) => Err(e),
        },
        None => Err(crate::model::error::ErrorDetail::new(
            "not_found",
            "No such room.",
        )),
    }
}
