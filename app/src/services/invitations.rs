//! Getting into private rooms: personal invitations (accept, decline, revoke) and invite links
//! with an expiry and a use limit.

use chrono::{Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    auth::Authenticated,
    error::{ServiceError, ServiceResult},
    notifications::{
        job::{Cause, NotificationJob},
        outbox::Outbox,
    },
    rooms::{AdmitHook, RoomService},
    tokens::{hash_refresh_token, new_refresh_token},
};
use crate::{
    infra::store::{members, users},
    model::room::{
        CreateInviteLink, Invitation, InviteLink, InviteRequest, Role, Room, INVITE_LINK_TTL,
        INVITE_LINK_USES,
    },
};

/// The invitation service.
#[derive(Clone)]
pub struct InvitationService {
    db: PgPool,
    rooms: RoomService,
    outbox: Outbox,
}

impl InvitationService {
    /// Builds the service over the room service (which owns membership and its cache);
    /// invitations and acceptances notify through `outbox`.
    pub fn new(db: PgPool, rooms: RoomService, outbox: Outbox) -> Self {
        Self { db, rooms, outbox }
    }

    /// Invites a user (by username or email) to a private room the caller is in.
    pub async fn invite(
        &self,
        auth: Authenticated,
        room_id: Uuid,
        req: InviteRequest,
    ) -> ServiceResult<Invitation> {
        let (room, role) = self.rooms.visible(auth, room_id).await?;
        if role.is_none() {
            return Err(ServiceError::Forbidden(
                "Only participants can invite to this room.".to_owned(),
            ));
        }
        if room.kind == "direct" {
            return Err(ServiceError::Forbidden(
                "Direct conversations are between two people.".to_owned(),
            ));
        }
        if !room.is_private {
            return Err(ServiceError::Conflict {
                field: "user",
                message: "This room is public: anyone can join it from the directory.".to_owned(),
            });
        }
        let who = req.user.trim();
        let invitee = if who.is_empty() || who.contains('\0') {
            None
        } else {
            users::by_login(&self.db, who).await?
        }
        .ok_or_else(|| ServiceError::NotFound("No user with that username or email.".to_owned()))?;
        if self.rooms.role_of(room_id, invitee.id).await?.is_some() {
            return Err(ServiceError::Conflict {
                field: "user",
                message: "They are already in this room.".to_owned(),
            });
        }
        if members::is_banned(&self.db, room_id, invitee.id).await? {
            return Err(ServiceError::Conflict {
                field: "user",
                message: "They are banned from this room; lift the ban first.".to_owned(),
            });
        }
        let mut tx = self.db.begin().await?;
        let id = match members::invite(&mut *tx, room_id, auth.user_id, invitee.id).await {
            Ok(id) => id,
            Err(crate::infra::store::StoreError::Duplicate(_)) => {
                return Err(ServiceError::Conflict {
                    field: "user",
                    message: "They already have a pending invitation.".to_owned(),
                })
            }
            Err(e) => return Err(e.into()),
        };
        let job = NotificationJob::new(Cause::InvitationCreated { invitation_id: id });
        self.outbox.enqueue(&mut tx, &job).await?;
        tx.commit().await?;
        self.outbox.wake();
        members::invitation(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::Internal("invitation vanished".to_owned()))
    }

    /// The caller's pending invitations.
    pub async fn mine(&self, auth: Authenticated) -> ServiceResult<Vec<Invitation>> {
        Ok(members::pending_for(&self.db, auth.user_id).await?)
    }

    /// A room's pending invitations (its admins and owner).
    pub async fn of_room(
        &self,
        auth: Authenticated,
        room_id: Uuid,
    ) -> ServiceResult<Vec<Invitation>> {
        self.require_admin(auth, room_id).await?;
        Ok(members::pending_in(&self.db, room_id).await?)
    }

    /// Accepts an invitation addressed to the caller and joins the room.
    pub async fn accept(&self, auth: Authenticated, id: Uuid) -> ServiceResult<Room> {
        let row = self.pending_for_invitee(auth, id).await?;
        // Joining, marking the invitation and the job notifying the inviter commit together:
        // a full room or a ban leaves the invitation pending, and of two racing acceptances
        // only the one that found it pending notifies.
        let outbox = self.outbox.clone();
        let hook: AdmitHook = Box::new(move |conn| {
            Box::pin(async move {
                if members::accept_invitation(&mut *conn, id).await? {
                    let job = NotificationJob::new(Cause::InvitationAccepted { invitation_id: id });
                    outbox.enqueue(conn, &job).await?;
                }
                Ok(())
            })
        });
        let joined = self
            .rooms
            .admit(row.room_id, auth.user_id, Some(hook))
            .await?;
        if joined {
            self.outbox.wake();
        } else {
            // Already in the room (through a link, say): the invitation is simply answered.
            members::set_invitation_status(&self.db, id, "accepted").await?;
        }
        self.rooms.get(auth, row.room_id).await
    }

    /// Declines an invitation addressed to the caller.
    pub async fn decline(&self, auth: Authenticated, id: Uuid) -> ServiceResult<()> {
        self.pending_for_invitee(auth, id).await?;
        members::set_invitation_status(&self.db, id, "declined").await?;
        Ok(())
    }

    /// Withdraws a pending invitation (its inviter, or an admin of the room).
    pub async fn revoke(&self, auth: Authenticated, id: Uuid) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let row = members::lock_invitation(&mut tx, id)
            .await?
            .ok_or_else(invitation_not_found)?;
        let role = self.rooms.role_of(row.room_id, auth.user_id).await?;
        let allowed = row.inviter_id == Some(auth.user_id) || role >= Some(Role::Admin);
        if role.is_none() && row.inviter_id != Some(auth.user_id) {
            return Err(invitation_not_found());
        }
        if !allowed {
            return Err(ServiceError::Forbidden(
                "Only the inviter or an admin can withdraw this invitation.".to_owned(),
            ));
        }
        if row.status != "pending" {
            return Err(ServiceError::Conflict {
                field: "status",
                message: "This invitation was already answered.".to_owned(),
            });
        }
        members::set_invitation_status(&mut *tx, id, "revoked").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an invite link (admins and owner); its code is returned only now.
    pub async fn create_link(
        &self,
        auth: Authenticated,
        room_id: Uuid,
        req: CreateInviteLink,
    ) -> ServiceResult<InviteLink> {
        self.require_admin(auth, room_id).await?;
        let expires_at = match req.expires_in_seconds {
            None => None,
            Some(secs) if (INVITE_LINK_TTL.0..=INVITE_LINK_TTL.1).contains(&secs) => {
                Some(Utc::now() + Duration::seconds(secs))
            }
            Some(_) => {
                return Err(ServiceError::invalid(
                    "expires_in_seconds",
                    "Expiry must be between 60 seconds and 30 days.",
                ))
            }
        };
        if let Some(max) = req.max_uses {
            if !(INVITE_LINK_USES.0..=INVITE_LINK_USES.1).contains(&max) {
                return Err(ServiceError::invalid(
                    "max_uses",
                    "The use limit must be between 1 and 10000.",
                ));
            }
        }
        let (code, hash) = new_refresh_token();
        let row = members::create_link(
            &self.db,
            room_id,
            auth.user_id,
            &hash,
            expires_at,
            req.max_uses,
        )
        .await?;
        Ok(row.into_link(Some(code)))
    }

    /// The room's active links (admins and owner).
    pub async fn links(
        &self,
        auth: Authenticated,
        room_id: Uuid,
    ) -> ServiceResult<Vec<InviteLink>> {
        self.require_admin(auth, room_id).await?;
        Ok(members::links(&self.db, room_id)
            .await?
            .into_iter()
            .map(|l| l.into_link(None))
            .collect())
    }

    /// Revokes a link (admins and owner).
    pub async fn revoke_link(
        &self,
        auth: Authenticated,
        room_id: Uuid,
        id: Uuid,
    ) -> ServiceResult<()> {
        self.require_admin(auth, room_id).await?;
        if members::revoke_link(&self.db, room_id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("No such invite link.".to_owned()))
        }
    }

    /// Joins the room an invite link points to, counting one use.
    pub async fn join_by_link(&self, auth: Authenticated, code: &str) -> ServiceResult<Room> {
        let invalid =
            || ServiceError::NotFound("This invite link is invalid or has expired.".to_owned());
        if code.is_empty() || code.len() > 128 {
            return Err(invalid());
        }
        let hash = hash_refresh_token(code);
        let mut tx = self.db.begin().await?;
        let link = members::lock_link(&mut tx, &hash)
            .await?
            .ok_or_else(invalid)?;
        let expired = link.expires_at.is_some_and(|at| at <= Utc::now());
        let used_up = link.max_uses.is_some_and(|max| link.uses >= max);
        if link.revoked_at.is_some() || expired || used_up {
            return Err(invalid());
        }
        let room_id = link.room_id;
        // The link row stays locked while joining, so its last use cannot be taken twice.
        let joined = self.rooms.admit(room_id, auth.user_id, None).await?;
        if joined {
            members::use_link(&mut *tx, link.id).await?;
        }
        tx.commit().await?;
        self.rooms.get(auth, room_id).await
    }

    async fn require_admin(&self, auth: Authenticated, room_id: Uuid) -> ServiceResult<()> {
        self.rooms
            .require(auth, room_id, Role::Admin)
            .await
            .map(|_| ())
    }

    async fn pending_for_invitee(
        &self,
        auth: Authenticated,
        id: Uuid,
    ) -> ServiceResult<members::InvitationRow> {
        let mut tx = self.db.begin().await?;
        let row = members::lock_invitation(&mut tx, id)
            .await?
            .filter(|r| r.invitee_id == auth.user_id)
            .ok_or_else(invitation_not_found)?;
        if row.status != "pending" {
            return Err(ServiceError::Conflict {
                field: "status",
                message: "This invitation is no longer pending.".to_owned(),
            });
        }
        tx.commit().await?;
        Ok(row)
    }
}

fn invitation_not_found() -> ServiceError {
    ServiceError::NotFound("No such invitation.".to_owned())
}
