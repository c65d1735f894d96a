//! Turns a job into the notifications it makes: reads the cause as it is now, finds the
//! recipients, builds each payload and applies the [`policy`](super::policy).
//!
//! Reading at consume time means a cause undone before delivery (a deleted message, a
//! withdrawn invitation, a deleted room) notifies nobody.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    job::{Cause, NotificationJob},
    policy::{decide, Decision},
};
use crate::{
    infra::store::{
        members,
        notification_facts::{self, MessageFacts},
        rooms, users, StoreResult,
    },
    model::{
        notification::{excerpt, NotificationKind, NotificationPayload, RoomRef},
        room::{InvitationStatus, Role},
        user::PublicUser,
    },
};

/// One notification to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Recipient.
    pub user_id: Uuid,
    /// Kind.
    pub kind: NotificationKind,
    /// What it shows.
    pub payload: NotificationPayload,
    /// Whether its live push should alert.
    pub alert: bool,
}

/// A recipient with the kinds that apply to them, most specific first: the first kind the
/// policy allows is the one stored, so a message makes at most one notification per person.
type Candidate = (Uuid, Vec<NotificationKind>);

/// The notifications `job` makes at `now`.
pub async fn drafts(
    db: &PgPool,
    job: &NotificationJob,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Draft>> {
    match &job.cause {
        Cause::MessageSent { message_id } => message(db, *message_id, now).await,
        Cause::InvitationCreated { invitation_id } => {
            invitation(db, *invitation_id, false, now).await
        }
        Cause::InvitationAccepted { invitation_id } => {
            invitation(db, *invitation_id, true, now).await
        }
        Cause::RemovedFromRoom {
            room_id,
            user_id,
            actor_id,
        } => {
            let kind = NotificationKind::RemovedFromRoom;
            membership(db, kind, *room_id, *user_id, *actor_id, None, now).await
        }
        Cause::BannedFromRoom {
            room_id,
            user_id,
            actor_id,
        } => {
            let kind = NotificationKind::BannedFromRoom;
            membership(db, kind, *room_id, *user_id, *actor_id, None, now).await
        }
        Cause::RoleChanged {
            room_id,
            user_id,
            actor_id,
            role,
        } => {
            let kind = NotificationKind::RoleChanged;
            membership(db, kind, *room_id, *user_id, *actor_id, Some(*role), now).await
        }
    }
}

/// Mentions, the author of the replied-to message and, in a direct room, the other person.
fn message_candidates(m: &MessageFacts, others: &[Uuid]) -> Vec<Candidate> {
    let sender = m.sender.as_ref().map(|s| s.id);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut add = |user: Uuid, kind: NotificationKind| {
        if Some(user) == sender {
            return;
        }
        match candidates.iter_mut().find(|(u, _)| *u == user) {
            Some((_, kinds)) => kinds.push(kind),
            None => candidates.push((user, vec![kind])),
        }
    };
    for user in &m.mentions {
        add(*user, NotificationKind::Mention);
    }
    if let Some(parent_author) = m.reply_to_sender {
        add(parent_author, NotificationKind::Reply);
    }
    if m.direct {
        for user in others {
            add(*user, NotificationKind::DirectMessage);
        }
    }
    candidates
}

async fn message(db: &PgPool, id: Uuid, now: DateTime<Utc>) -> StoreResult<Vec<Draft>> {
    let Some(m) = notification_facts::message(db, id).await? else {
        return Ok(Vec::new());
    };
    if m.deleted {
        return Ok(Vec::new());
    }
    let others = if m.direct {
        notification_facts::other_participants(db, m.room_id, m.sender.as_ref().map(|s| s.id))
            .await?
    } else {
        Vec::new()
    };
    let candidates = message_candidates(&m, &others);
    let ids: Vec<Uuid> = candidates.iter().map(|(u, _)| *u).collect();
    let recipients = notification_facts::recipients(db, m.room_id, &ids).await?;
    let payload = NotificationPayload {
        room: RoomRef {
            id: m.room_id,
            // A direct room is known by the other person's name, which for the recipient
            // is the sender's.
            name: match (&m.sender, m.direct) {
                (Some(sender), true) => sender.display_name.clone(),
                _ => m.room_name.clone(),
            },
        },
        actor: m.sender.clone(),
        excerpt: Some(excerpt(&m.body)),
        message_id: Some(m.id),
        seq: Some(m.seq),
        link: format!("/rooms/{}?at={}", m.room_id, m.seq),
        ..Default::default()
    };
    let mut drafts = Vec::new();
    for (user, kinds) in candidates {
        let Some(recipient) = recipients.iter().find(|r| r.user_id == user) else {
            continue;
        };
        let chosen =
            kinds
                .into_iter()
                .find_map(|kind| match decide(kind, recipient, Some(m.seq), now) {
                    Decision::Store { alert } => Some((kind, alert)),
                    Decision::Skip(_) => None,
                });
        if let Some((kind, alert)) = chosen {
            drafts.push(Draft {
                user_id: user,
                kind,
                payload: payload.clone(),
                alert,
            });
        }
    }
    Ok(drafts)
}

/// A new invitation notifies the invitee; an accepted one notifies the inviter.
async fn invitation(
    db: &PgPool,
    id: Uuid,
    accepted: bool,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Draft>> {
    let Some(inv) = members::invitation(db, id).await? else {
        return Ok(Vec::new());
    };
    let (kind, recipient, actor, link) = if accepted {
        let Some(inviter) = inv.inviter.clone() else {
            return Ok(Vec::new());
        };
        let link = format!("/rooms/{}", inv.room_id);
        (
            NotificationKind::InvitationAccepted,
            inviter.id,
            Some(inv.invitee.clone()),
            link,
        )
    } else {
        // Withdrawn or answered before delivery: nothing left to act on.
        if inv.status != InvitationStatus::Pending {
            return Ok(Vec::new());
        }
        let link = "/invitations".to_owned();
        (
            NotificationKind::RoomInvitation,
            inv.invitee.id,
            inv.inviter.clone(),
            link,
        )
    };
    if actor.as_ref().is_some_and(|a| a.id == recipient) {
        return Ok(Vec::new());
    }
    let payload = NotificationPayload {
        room: RoomRef {
            id: inv.room_id,
            name: inv.room_name.clone(),
        },
        actor,
        invitation_id: Some(inv.id),
        link,
        ..Default::default()
    };
    one(db, kind, inv.room_id, recipient, payload, now).await
}

/// Removal, ban or role change of `user` by `actor`.
async fn membership(
    db: &PgPool,
    kind: NotificationKind,
    room_id: Uuid,
    user: Uuid,
    actor: Uuid,
    role: Option<Role>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Draft>> {
    let Some(room) = rooms::by_id(db, room_id).await? else {
        return Ok(Vec::new());
    };
    let actor: Option<PublicUser> = users::public_by_id(db, actor).await?;
    let link = match kind {
        // They can no longer open a private room; their room list is where they land.
        NotificationKind::RemovedFromRoom | NotificationKind::BannedFromRoom => "/rooms".to_owned(),
        _ => format!("/rooms/{room_id}"),
    };
    let payload = NotificationPayload {
        room: RoomRef {
            id: room.id,
            name: room.name,
        },
        actor,
        role,
        link,
        ..Default::default()
    };
    one(db, kind, room_id, user, payload, now).await
}

async fn one(
    db: &PgPool,
    kind: NotificationKind,
    room_id: Uuid,
    user: Uuid,
    payload: NotificationPayload,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Draft>> {
    let recipients = notification_facts::recipients(db, room_id, &[user]).await?;
    let Some(recipient) = recipients.first() else {
        return Ok(Vec::new());
    };
    Ok(match decide(kind, recipient, None, now) {
        Decision::Store { alert } => vec![Draft {
            user_id: user,
            kind,
            payload,
            alert,
        }],
        Decision::Skip(_) => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(sender: Uuid, direct: bool) -> MessageFacts {
        MessageFacts {
            id: Uuid::new_v4(),
            room_id: Uuid::new_v4(),
            room_name: "r".into(),
            direct,
            seq: 3,
            sender: Some(PublicUser {
                id: sender,
                username: "sender".into(),
                display_name: "Sender".into(),
                avatar_url: None,
            }),
            body: "hi".into(),
            mentions: Vec::new(),
            reply_to_sender: None,
            deleted: false,
        }
    }

    #[test]
    fn each_person_is_a_candidate_once_with_kinds_by_priority() {
        let (sender, bob, carol) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut m = facts(sender, true);
        m.mentions = vec![bob, sender];
        m.reply_to_sender = Some(bob);
        let c = message_candidates(&m, &[bob]);
        assert_eq!(
            c,
            vec![(
                bob,
                vec![
                    NotificationKind::Mention,
                    NotificationKind::Reply,
                    NotificationKind::DirectMessage
                ]
            )]
        );
        let mut group = facts(sender, false);
        group.reply_to_sender = Some(sender);
        group.mentions = vec![carol];
        assert_eq!(
            message_candidates(&group, &[]),
            vec![(carol, vec![NotificationKind::Mention])],
            "replying to oneself notifies nobody"
        );
    }
}
