//! Server functions for rooms, the directory, membership, invitations and direct messages.

use leptos::prelude::*;
use uuid::Uuid;

use super::codec::Json;
use crate::model::{
    error::ErrorDetail,
    room::{self, Invitation, InviteLink, MyRoom, Participant, Role, Room, RoomSummary},
};

#[cfg(feature = "ssr")]
use super::context::{fail, require_caller, services};

/// A page of the public directory and the number of matching rooms.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DirectoryPage {
    /// The rooms of this page.
    pub rooms: Vec<RoomSummary>,
    /// All rooms matching the search.
    pub total: i64,
}

/// The user's rooms and direct conversations for the sidebar.
#[server(prefix = "/rpc", output = Json)]
pub async fn my_rooms() -> Result<Vec<MyRoom>, ErrorDetail> {
    let auth = require_caller()?;
    services()?.rooms.mine(auth).await.map_err(fail)
}

/// One page of public rooms.
#[server(prefix = "/rpc", output = Json)]
pub async fn room_directory(
    search: String,
    offset: i64,
    sort: String,
) -> Result<DirectoryPage, ErrorDetail> {
    require_caller()?;
    let query = crate::services::rooms::DirectoryQuery {
        limit: Some(20),
        offset: Some(offset),
        search: Some(search),
        sort: Some(sort),
    };
    let (rooms, total) = services()?.rooms.directory(query).await.map_err(fail)?;
    Ok(DirectoryPage { rooms, total })
}

/// Creates a room owned by the user.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn create_room(req: room::CreateRoom) -> Result<Room, ErrorDetail> {
    let auth = require_caller()?;
    services()?.rooms.create(auth, req).await.map_err(fail)
}

/// A room the user may see.
#[server(prefix = "/rpc", output = Json)]
pub async fn get_room(id: Uuid) -> Result<Room, ErrorDetail> {
    let auth = require_caller()?;
    services()?.rooms.get(auth, id).await.map_err(fail)
}

/// Saves room changes.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn update_room(id: Uuid, change: room::UpdateRoom) -> Result<Room, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .rooms
        .update(auth, id, change)
        .await
        .map_err(fail)
}

/// Deletes a room.
#[server(prefix = "/rpc", output = Json)]
pub async fn delete_room(id: Uuid) -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    services()?.rooms.delete(auth, id).await.map_err(fail)
}

/// Joins a public room.
#[server(prefix = "/rpc", output = Json)]
pub async fn join_room(id: Uuid) -> Result<Room, ErrorDetail> {
    let auth = require_caller()?;
    services()?.rooms.join(auth, id).await.map_err(fail)
}

/// Leaves a room.
#[server(prefix = "/rpc", output = Json)]
pub async fn leave_room(id: Uuid) -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    services()?.rooms.leave(auth, id).await.map_err(fail)
}

/// Participants of a room.
#[server(prefix = "/rpc", output = Json)]
pub async fn room_participants(id: Uuid) -> Result<Vec<Participant>, ErrorDetail> {
    let auth = require_caller()?;
    services()?.rooms.participants(auth, id).await.map_err(fail)
}

/// A moderation action on a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MemberAction {
    /// Change their role.
    SetRole(Role),
    /// Remove them.
    Remove,
    /// Remove and ban them.
    Ban,
}

/// Applies a moderation action.
#[server(prefix = "/rpc", input = Json, output = Json)]
pub async fn moderate(room: Uuid, user: Uuid, action: MemberAction) -> Result<(), ErrorDetail> {
    let auth = require_caller()?;
    let rooms = services()?.rooms;
    match action {
        MemberAction::SetRole(role) => rooms.change_role(auth, room, user, role).await.map(|_| ()),
        MemberAction::Remove => rooms.remove(auth, room, user).await,
        MemberAction::Ban => {
            let req = crate::model::room::BanRequest {
                user_id: user,
                reason: None,
            };
            rooms.ban(auth, room, req).await
        }
    }
    .map_err(fail)
}

/// Invites someone to a private room by username or email.
#[server(prefix = "/rpc", output = Json)]
pub async fn invite_to_room(room: Uuid, user: String) -> Result<Invitation, ErrorDetail> {
    let auth = require_caller()?;
    let req = crate::model::room::InviteRequest { user };
    services()?
        .invitations
        .invite(auth, room, req)
        .await
        .map_err(fail)
}

/// The user's pending invitations.
#[server(prefix = "/rpc", output = Json)]
pub async fn my_invitations() -> Result<Vec<Invitation>, ErrorDetail> {
    let auth = require_caller()?;
    services()?.invitations.mine(auth).await.map_err(fail)
}

/// Accepts (true) or declines (false) an invitation; returns the room when accepted.
#[server(prefix = "/rpc", output = Json)]
pub async fn answer_invitation(id: Uuid, accept: bool) -> Result<Option<Room>, ErrorDetail> {
    let auth = require_caller()?;
    let invitations = services()?.invitations;
    if accept {
        invitations.accept(auth, id).await.map(Some).map_err(fail)
    } else {
        invitations
            .decline(auth, id)
            .await
            .map(|_| None)
            .map_err(fail)
    }
}

/// Creates an invite link valid for a week.
#[server(prefix = "/rpc", output = Json)]
pub async fn create_invite_link(room: Uuid) -> Result<InviteLink, ErrorDetail> {
    let auth = require_caller()?;
    let req = crate::model::room::CreateInviteLink {
        expires_in_seconds: Some(7 * 24 * 3600),
        max_uses: None,
    };
    services()?
        .invitations
        .create_link(auth, room, req)
        .await
        .map_err(fail)
}

/// Joins the room behind an invite link.
#[server(prefix = "/rpc", output = Json)]
pub async fn join_by_link(code: String) -> Result<Room, ErrorDetail> {
    let auth = require_caller()?;
    services()?
        .invitations
        .join_by_link(auth, &code)
        .await
        .map_err(fail)
}

/// Opens the direct conversation with a user, by username.
#[server(prefix = "/rpc", output = Json)]
pub async fn open_direct(username: String) -> Result<Room, ErrorDetail> {
    let auth = require_caller()?;
    let s = services()?;
    let other = s.users.public_by_username(&username).await.map_err(fail)?;
    s.rooms.open_direct(auth, other.id).await.map_err(fail)
}

/// Another user's public profile by username.
#[server(prefix = "/rpc", output = Json)]
pub async fn user_by_username(
    username: String,
) -> Result<crate::model::user::PublicUser, ErrorDetail> {
    require_caller()?;
    services()?
        .users
        .public_by_username(&username)
        .await
        .map_err(fail)
}
