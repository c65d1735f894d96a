//! The OpenAPI document, generated from the handlers' annotations.

use app::model::{
    auth::{LoginRequest, RefreshRequest, RegisterRequest, SessionInfo, TokenResponse},
    error::{ErrorBody, ErrorDetail},
    health::{CheckResult, Readiness},
    message::{EditMessage, Message, Reaction, ReactionToggle, ReadMarker, SearchHit, SendMessage},
    meta::ServerMeta,
    notification::{
        Notification, NotificationKind, NotificationPage, NotificationPayload,
        NotificationPreferences, RoomNotificationSettings, RoomNotifyLevel, RoomRef,
        SetRoomNotifyLevel, UnreadCount,
    },
    room::{
        Ban, BanRequest, CreateInviteLink, CreateRoom, Invitation, InvitationStatus, InviteLink,
        InviteRequest, MessagePreview, MyRoom, Participant, PostPolicy, Role, RoleChange, Room,
        RoomKind, RoomSettings, RoomSummary, UpdateRoom,
    },
    user::{AccountUpdate, PasswordChange, Profile, ProfileUpdate, PublicUser, User},
};
use axum::Json;
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, Ref, RefOr, Response, ResponseBuilder,
    },
    Modify, OpenApi,
};

use super::{auth, invitations, messages, meta, notifications, rooms, users};

/// The API description served at `/api/v1/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley API",
        version = "1",
        description = "REST API of Parley. Errors always have the shape {\"error\": {\"code\", \"message\"}} \
            (plus \"field\" for validation and conflict errors). Authenticate with \
            `Authorization: Bearer <access_token>` from `POST /api/v1/auth/login`."
    ),
    paths(
        meta::get_meta, crate::health::healthz, crate::health::readyz,
        auth::register, auth::login, auth::refresh, auth::logout, auth::logout_all,
        auth::sessions, auth::revoke_session,
        users::me, users::update_me, users::change_password, users::profile,
        users::update_profile, users::by_id, users::search,
        rooms::create, rooms::mine, rooms::directory, rooms::get, rooms::update, rooms::delete,
        rooms::preview, rooms::join, rooms::leave, rooms::mute, rooms::participants,
        rooms::change_role, rooms::remove, rooms::bans, rooms::ban, rooms::unban, rooms::direct,
        invitations::invite, invitations::of_room, invitations::mine, invitations::accept,
        invitations::decline, invitations::revoke, invitations::create_link, invitations::links,
        invitations::revoke_link, invitations::join_by_link,
        messages::history, messages::send, messages::edit, messages::delete, messages::react,
        messages::mark_read, messages::search,
        notifications::list, notifications::unread_count, notifications::mark_read,
        notifications::mark_all_read, notifications::delete, notifications::delete_read,
        notifications::preferences, notifications::update_preferences,
        notifications::room_settings, notifications::set_room_level,
    ),
    components(schemas(
        ErrorBody, ErrorDetail, ServerMeta, Readiness, CheckResult, crate::health::Liveness,
        RegisterRequest, LoginRequest, RefreshRequest, TokenResponse, SessionInfo,
        User, PublicUser, Profile, ProfileUpdate, AccountUpdate, PasswordChange,
        Room, RoomSummary, MyRoom, MessagePreview, Participant, CreateRoom, UpdateRoom, RoleChange,
        BanRequest, Ban, InviteRequest, Invitation, InvitationStatus, CreateInviteLink, InviteLink,
        RoomKind, Role, RoomSettings, PostPolicy, rooms::MuteRequest,
        Message, Reaction, SendMessage, EditMessage, ReactionToggle, ReadMarker, SearchHit,
        messages::ReadState,
        Notification, NotificationKind, NotificationPage, NotificationPayload, RoomRef,
        UnreadCount, NotificationPreferences, RoomNotifyLevel, RoomNotificationSettings,
        SetRoomNotifyLevel,
    )),
    modifiers(&BearerAuth, &ExtractorResponses, &OperationIds),
    tags(
        (name = "meta", description = "About this server"),
        (name = "health", description = "Probes for load balancers"),
        (name = "auth", description = "Accounts, tokens and sessions"),
        (name = "users", description = "Own account and profile; other users"),
        (name = "rooms", description = "Rooms, the directory, membership, moderation, direct messages"),
        (name = "invitations", description = "Invitations to private rooms and invite links"),
        (name = "messages", description = "Messages, reactions, read markers and search"),
        (name = "notifications", description = "Notifications, the unread count and notification preferences"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Adds the responses that come from the extractors rather than the handlers, once for every
/// operation that uses them: 401 from [`Caller`](super::extract::Caller) on every protected
/// operation; 400/413/415/422 from [`ApiJson`](super::extract::ApiJson) on every operation
/// with a body; 400 (and 404) from [`ApiPath`](super::extract::ApiPath) with path parameters;
/// 400/422 from [`ApiQuery`](super::extract::ApiQuery) with query parameters. A response a
/// handler documents itself keeps its own description.
struct ExtractorResponses;

impl Modify for ExtractorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for operation in operations_mut(openapi) {
            let params = operation.parameters.as_deref().unwrap_or_default();
            let in_path = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let in_query = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            let protected = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let body = operation.request_body.is_some();
            let mut add = |status: &str, description: &str| {
                let responses = &mut operation.responses.responses;
                if !responses.contains_key(status) {
                    responses.insert(status.to_owned(), error_response(description));
                }
            };
            if protected {
                add("401", "Missing, invalid or expired access token");
            }
            if body {
                add("400", "The body is not valid JSON");
                add("413", "The body is larger than the server accepts");
                add(
                    "415",
                    "The body is not sent as Content-Type: application/json",
                );
                add(
                    "422",
                    "A field is missing, unknown, of the wrong type or invalid (`field` names it)",
                );
            }
            if in_path {
                add("400", "A path parameter is malformed");
                add("404", "No such resource");
            }
            if in_query {
                add("400", "A query parameter is malformed");
                add(
                    "422",
                    "A query parameter is out of range (`field` names it)",
                );
            }
        }
    }
}

/// Operation ids are the handler names prefixed with the tag (`users_search`,
/// `messages_search`): handler names repeat across modules, and ids must be unique.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for operation in operations_mut(openapi) {
            let tag = operation.tags.as_ref().and_then(|t| t.first()).cloned();
            if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                *id = format!("{tag}_{id}");
            }
        }
    }
}

/// Every operation of every path, to amend in place.
fn operations_mut(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// Serves the OpenAPI document as JSON.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
