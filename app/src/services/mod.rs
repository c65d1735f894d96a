//! Business logic, independent of HTTP: the REST API and server functions both call these.

pub mod auth;
pub mod error;
pub mod invitations;
pub mod messages;
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
    /// The infrastructure they run on.
    pub infra: Infra,
}

impl Services {
    /// Wires the services to the infrastructure.
    pub fn new(infra: Infra) -> Self {
        let keys = tokens::TokenKeys::new(infra.config.jwt_secret.expose().as_bytes());
        let auth = auth::AuthService::new(
            infra.db.clone(),
            keys,
            passwords::PasswordHasher::new(),
            infra.limiter.clone(),
        );
        let users = users::UserService::new(infra.db.clone(), auth.clone());
        let rooms = rooms::RoomService::new(infra.db.clone(), infra.members.clone());
        let invitations = invitations::InvitationService::new(infra.db.clone(), rooms.clone());
        let messages = messages::MessageService::new(
            infra.db.clone(),
            rooms.clone(),
            infra.bus.clone(),
            infra.limiter.clone(),
        );
        Self {
            auth,
            users,
            rooms,
            invitations,
            messages,
            infra,
        }
    }
}
