//! Business logic, independent of HTTP: the REST API and server functions both call these.

pub mod auth;
pub mod error;
mod events;
pub mod invitations;
pub mod messages;
pub mod notifications;
pub mod passwords;
pub mod rooms;
pub mod tokens;
pub mod users;

use crate::infra::Infra;

pub use error::{ServiceError, ServiceResult};

/// Every service, built once at start and shared by handlers and server functions.
#[derive(Clone)]
pub struct Services {
    /// Sign-up, sign-in, tokens and sessions.
    pub auth: auth::AuthService,
    /// Accounts and profiles.
    pub users: users::UserService,
    /// Rooms, membership and moderation.
    pub rooms: rooms::RoomService,
    /// Invitations and invite links.
    pub invitations: invitations::InvitationService,
    /// Messages, reactions, read markers and search.
    pub messages: messages::MessageService,
    /// Notifications, their preferences and their pipeline.
    pub notifications: notifications::NotificationService,
    /// The infrastructure they run on.
    pub infra: Infra,
}

impl Services {
    /// Wires the services to the infrastructure.
    pub fn new(infra: Infra) -> Self {
        let keys = tokens::TokenKeys::new(infra.config.jwt_secret.expose().as_bytes());
        let auth = auth::AuthService::new(
            infra.db.primary().clone(),
            keys,
            passwords::PasswordHasher::new(),
            infra.limiter.clone(),
        )
        .with_registrations_per_hour(infra.config.registrations_per_hour);
        let users = users::UserService::new(infra.db.clone(), auth.clone());
        // One outbox per process: every cause writes to it, and its relay is woken by them.
        let outbox = notifications::outbox::Outbox::new(&infra.config.notifications.queue);
        let rooms = rooms::RoomService::new(
            infra.db.clone(),
            infra.members.clone(),
            infra.bus.clone(),
            outbox.clone(),
        );
        let notifications = notifications::NotificationService::new(
            infra.db.clone(),
            infra.bus.clone(),
            infra.queue.clone(),
            outbox.clone(),
            rooms.clone(),
            infra.config.notifications.clone(),
        );
        let invitations =
            invitations::InvitationService::new(infra.db.primary().clone(), rooms.clone(), outbox);
        let messages = messages::MessageService::new(
            infra.db.clone(),
            rooms.clone(),
            infra.bus.clone(),
            infra.limiter.clone(),
            notifications.clone(),
        );
        Self {
            auth,
            users,
            rooms,
            invitations,
            messages,
            notifications,
            infra,
        }
    }
}
