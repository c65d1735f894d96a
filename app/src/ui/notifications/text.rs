//! How a notification reads in the panel and in a desktop alert.

use crate::model::notification::{Notification, NotificationKind};

/// One sentence saying what happened.
pub fn describe(n: &Notification) -> String {
    let who = n
        .payload
        .actor
        .as_ref()
        .map_or("Someone", |a| a.display_name.as_str());
    let room = n.payload.room.name.as_str();
    match n.kind {
        NotificationKind::Mention => format!("{who} mentioned you in {room}"),
        NotificationKind::Reply => format!("{who} replied to you in {room}"),
        NotificationKind::DirectMessage => format!("{who} sent you a message"),
        NotificationKind::RoomInvitation => format!("{who} invited you to {room}"),
        NotificationKind::InvitationAccepted => {
            format!("{who} accepted your invitation to {room}")
        }
        NotificationKind::RemovedFromRoom => format!("You were removed from {room}"),
        NotificationKind::BannedFromRoom => format!("You were banned from {room}"),
        NotificationKind::RoleChanged => match n.payload.role {
            Some(role) => format!("You are now {} in {room}", role.as_str()),
            None => format!("Your role changed in {room}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::model::{
        notification::{NotificationPayload, RoomRef},
        room::Role,
        user::PublicUser,
    };

    fn notification(kind: NotificationKind, actor: Option<&str>) -> Notification {
        Notification {
            id: Uuid::nil(),
            kind,
            payload: NotificationPayload {
                room: RoomRef {
                    id: Uuid::nil(),
                    name: "general".into(),
                },
                actor: actor.map(|name| PublicUser {
                    id: Uuid::nil(),
                    username: name.to_lowercase(),
                    display_name: name.into(),
                    avatar_url: None,
                }),
                role: Some(Role::Admin),
                link: "/rooms".into(),
                ..Default::default()
            },
            read_at: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn every_kind_reads_as_a_sentence() {
        let said = |k, a| describe(&notification(k, a));
        assert_eq!(
            said(NotificationKind::Mention, Some("Ann")),
            "Ann mentioned you in general"
        );
        assert_eq!(
            said(NotificationKind::DirectMessage, None),
            "Someone sent you a message"
        );
        assert_eq!(
            said(NotificationKind::RoleChanged, Some("Ann")),
            "You are now admin in general"
        );
        for kind in NotificationKind::ALL {
            assert!(!said(kind, Some("Ann")).is_empty());
        }
    }
}
