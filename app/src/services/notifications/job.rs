//! The notification job: what the outbox holds and the queue carries. It names the cause
//! only; who is notified, and how, is decided when the job is consumed.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::room::Role;

/// Something that may notify people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Cause {
    /// A message was stored (it mentions someone, replies to someone or is in a direct room).
    MessageSent {
        /// The message.
        message_id: Uuid,
    },
    /// Someone was invited to a private room.
    InvitationCreated {
        /// The invitation.
        invitation_id: Uuid,
    },
    /// An invitee accepted and joined.
    InvitationAccepted {
        /// The invitation.
        invitation_id: Uuid,
    },
    /// An admin removed a participant.
    RemovedFromRoom {
        /// The room.
        room_id: Uuid,
        /// Who was removed.
        user_id: Uuid,
        /// Who removed them.
        actor_id: Uuid,
    },
    /// An admin banned a participant.
    BannedFromRoom {
        /// The room.
        room_id: Uuid,
        /// Who was banned.
        user_id: Uuid,
        /// Who banned them.
        actor_id: Uuid,
    },
    /// The owner changed a participant's role.
    RoleChanged {
        /// The room.
        room_id: Uuid,
        /// Whose role.
        user_id: Uuid,
        /// Who changed it.
        actor_id: Uuid,
        /// The new role.
        role: Role,
    },
}

/// One job on the notification queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationJob {
    /// Unique per cause, made in the cause's transaction.
    pub id: Uuid,
    /// What happened.
    pub cause: Cause,
    /// Failed deliveries so far; the consumer republishes a failed job with this raised and
    /// dead-letters it once it reaches the configured maximum.
    #[serde(default)]
    pub attempt: u32,
}

impl NotificationJob {
    /// A new job for `cause`.
    pub fn new(cause: Cause) -> Self {
        Self {
            id: Uuid::new_v4(),
            cause,
            attempt: 0,
        }
    }

    /// The key every notification of this job is stored under (per recipient). It names
    /// the cause itself where there is one, so even two jobs for one message cannot notify
    /// anyone twice; a redelivered or republished job always maps to the same key.
    pub fn dedupe_key(&self) -> String {
        match &self.cause {
            Cause::MessageSent { message_id } => format!("message:{message_id}"),
            Cause::InvitationCreated { invitation_id } => format!("invitation:{invitation_id}"),
            Cause::InvitationAccepted { invitation_id } => {
                format!("invitation_accepted:{invitation_id}")
            }
            Cause::RemovedFromRoom { .. }
            | Cause::BannedFromRoom { .. }
            | Cause::RoleChanged { .. } => format!("job:{}", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_and_old_jobs_start_at_attempt_zero() {
        let job = NotificationJob::new(Cause::RoleChanged {
            room_id: Uuid::new_v4(),
            user_id: Uuid::new_v4(),
            actor_id: Uuid::new_v4(),
            role: Role::Admin,
        });
        let json = serde_json::to_value(&job).expect("serialize");
        assert_eq!(json["cause"]["type"], "role_changed");
        let back: NotificationJob = serde_json::from_value(json.clone()).expect("deserialize");
        assert_eq!(back, job);

        let mut without_attempt = json;
        if let Some(map) = without_attempt.as_object_mut() {
            map.remove("attempt");
        }
        let old: NotificationJob = serde_json::from_value(without_attempt).expect("old shape");
        assert_eq!(old.attempt, 0);
    }

    #[test]
    fn dedupe_keys_name_the_cause() {
        let message_id = Uuid::new_v4();
        let a = NotificationJob::new(Cause::MessageSent { message_id });
        let b = NotificationJob::new(Cause::MessageSent { message_id });
        assert_eq!(a.dedupe_key(), b.dedupe_key());
        assert!(a.dedupe_key().len() <= 200);
    }
}
