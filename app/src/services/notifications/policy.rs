//! Who gets which notification: the user's preferences, the room's level and mute, and
//! whether they already read what it would point at. Pure, so every rule is unit-tested.
//!
//! | Rule | Effect |
//! |---|---|
//! | kind turned off | nothing is stored |
//! | message kinds (mention, reply, direct message) | only for participants who have not read past the message |
//! | room muted, or level `nothing` | nothing from that room (message kinds, role changes, accepted invitations) |
//! | level `mentions` | only mentions among the message kinds; personal events still come |
//! | invitation, removal, ban | not tied to a membership the user holds: only the kind switch applies |
//! | do not disturb | stored and counted, but pushed without an alert |

use chrono::{DateTime, Utc};

use crate::{
    infra::store::notification_facts::RecipientFacts,
    model::notification::{NotificationKind, RoomNotifyLevel},
};

/// Why nothing is stored for a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The user turned this kind off.
    KindDisabled,
    /// A message notification for someone not in the room.
    NotInRoom,
    /// The user already read up to the message.
    AlreadyRead,
    /// The room is muted.
    Muted,
    /// The room's level excludes this kind.
    Level,
}

/// What to do for one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Store the notification; alert (sound, browser notification) only if `alert`.
    Store {
        /// False under do not disturb.
        alert: bool,
    },
    /// Store nothing.
    Skip(Skip),
}

/// Whether the kind concerns activity in a room the user is in, so the room's mute and level
/// govern it.
fn follows_room(kind: NotificationKind) -> bool {
    kind.is_message()
        || matches!(
            kind,
            NotificationKind::RoleChanged | NotificationKind::InvitationAccepted
        )
}

/// Decides for one recipient; `seq` is the message's seq for message kinds.
pub fn decide(
    kind: NotificationKind,
    recipient: &RecipientFacts,
    seq: Option<i64>,
    now: DateTime<Utc>,
) -> Decision {
    if !recipient.preferences.wants(kind) {
        return Decision::Skip(Skip::KindDisabled);
    }
    if kind.is_message() {
        if recipient.level.is_none() {
            return Decision::Skip(Skip::NotInRoom);
        }
        // Seen already (say, the DM was open): a notification would only be noise.
        if let (Some(read), Some(seq)) = (recipient.last_read_seq, seq) {
            if read >= seq {
                return Decision::Skip(Skip::AlreadyRead);
            }
        }
    }
    if let Some(level) = recipient.level.filter(|_| follows_room(kind)) {
        if recipient.muted {
            return Decision::Skip(Skip::Muted);
        }
        let allowed = match level {
            RoomNotifyLevel::All => true,
            RoomNotifyLevel::Mentions => !matches!(
                kind,
                NotificationKind::Reply | NotificationKind::DirectMessage
            ),
            RoomNotifyLevel::Nothing => false,
        };
        if !allowed {
            return Decision::Skip(Skip::Level);
        }
    }
    Decision::Store {
        alert: !recipient.preferences.dnd_active(now),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::model::notification::NotificationPreferences;

    fn member(level: RoomNotifyLevel) -> RecipientFacts {
        RecipientFacts {
            user_id: Uuid::new_v4(),
            level: Some(level),
            muted: false,
            last_read_seq: Some(0),
            preferences: NotificationPreferences::default(),
        }
    }

    fn outsider() -> RecipientFacts {
        RecipientFacts {
            level: None,
            last_read_seq: None,
            ..member(RoomNotifyLevel::All)
        }
    }

    const STORE: Decision = Decision::Store { alert: true };

    #[test]
    fn levels_filter_message_kinds() {
        let now = Utc::now();
        use NotificationKind::*;
        let cases = [
            (RoomNotifyLevel::All, Mention, STORE),
            (RoomNotifyLevel::All, Reply, STORE),
            (RoomNotifyLevel::All, DirectMessage, STORE),
            (RoomNotifyLevel::All, RoleChanged, STORE),
            (RoomNotifyLevel::Mentions, Mention, STORE),
            (
                RoomNotifyLevel::Mentions,
                Reply,
                Decision::Skip(Skip::Level),
            ),
            (
                RoomNotifyLevel::Mentions,
                DirectMessage,
                Decision::Skip(Skip::Level),
            ),
            (RoomNotifyLevel::Mentions, RoleChanged, STORE),
            (RoomNotifyLevel::Mentions, InvitationAccepted, STORE),
            (
                RoomNotifyLevel::Nothing,
                Mention,
                Decision::Skip(Skip::Level),
            ),
            (
                RoomNotifyLevel::Nothing,
                RoleChanged,
                Decision::Skip(Skip::Level),
            ),
            (
                RoomNotifyLevel::Nothing,
                InvitationAccepted,
                Decision::Skip(Skip::Level),
            ),
        ];
        for (level, kind, expected) in cases {
            assert_eq!(
                decide(kind, &member(level), Some(1), now),
                expected,
                "{level:?} {kind:?}"
            );
        }
    }

    #[test]
    fn muted_rooms_notify_nothing_whatever_the_level() {
        let now = Utc::now();
        let muted = RecipientFacts {
            muted: true,
            ..member(RoomNotifyLevel::All)
        };
        for kind in [
            NotificationKind::Mention,
            NotificationKind::DirectMessage,
            NotificationKind::RoleChanged,
        ] {
            assert_eq!(
                decide(kind, &muted, Some(1), now),
                Decision::Skip(Skip::Muted)
            );
        }
    }

    #[test]
    fn disabled_kinds_are_never_stored() {
        let mut r = member(RoomNotifyLevel::All);
        r.preferences.disabled_kinds = vec![NotificationKind::Mention];
        let now = Utc::now();
        assert_eq!(
            decide(NotificationKind::Mention, &r, Some(1), now),
            Decision::Skip(Skip::KindDisabled)
        );
        assert_eq!(decide(NotificationKind::Reply, &r, Some(1), now), STORE);
    }

    #[test]
    fn do_not_disturb_stores_without_alerting() {
        let now = Utc::now();
        let mut r = member(RoomNotifyLevel::All);
        r.preferences.do_not_disturb = true;
        assert_eq!(
            decide(NotificationKind::Mention, &r, Some(1), now),
            Decision::Store { alert: false }
        );
        r.preferences.do_not_disturb = false;
        r.preferences.dnd_until = Some(now + chrono::Duration::minutes(5));
        assert_eq!(
            decide(NotificationKind::Mention, &r, Some(1), now),
            Decision::Store { alert: false }
        );
        r.preferences.dnd_until = Some(now - chrono::Duration::minutes(5));
        assert_eq!(decide(NotificationKind::Mention, &r, Some(1), now), STORE);
    }

    #[test]
    fn messages_already_read_or_outside_the_room_notify_nobody() {
        let now = Utc::now();
        let mut r = member(RoomNotifyLevel::All);
        r.last_read_seq = Some(7);
        assert_eq!(
            decide(NotificationKind::DirectMessage, &r, Some(7), now),
            Decision::Skip(Skip::AlreadyRead)
        );
        assert_eq!(
            decide(NotificationKind::DirectMessage, &r, Some(8), now),
            STORE
        );
        assert_eq!(
            decide(NotificationKind::Mention, &outsider(), Some(1), now),
            Decision::Skip(Skip::NotInRoom)
        );
    }

    #[test]
    fn events_about_leaving_or_entering_ignore_room_settings() {
        let now = Utc::now();
        for kind in [
            NotificationKind::RoomInvitation,
            NotificationKind::RemovedFromRoom,
            NotificationKind::BannedFromRoom,
        ] {
            assert_eq!(decide(kind, &outsider(), None, now), STORE, "{kind:?}");
            let muted = RecipientFacts {
                muted: true,
                ..member(RoomNotifyLevel::Nothing)
            };
            assert_eq!(decide(kind, &muted, None, now), STORE, "{kind:?}");
        }
    }
}
