//! Queries on `room_participants`, `room_bans`, `invitations` and `invite_links`.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres};
use uuid::Uuid;

use super::{map_unique, StoreResult};
use crate::model::{
    room::{Ban, Invitation, InvitationStatus, InviteLink, Participant, Role},
    user::PublicUser,
};

/// The user's role in the room, if they participate.
pub async fn role_of(db: impl PgExecutor<'_>, room: Uuid, user: Uuid) -> StoreResult<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM room_participants WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room)
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// The rooms the user participates in.
pub async fn room_ids_of(db: impl PgExecutor<'_>, user: Uuid) -> StoreResult<Vec<Uuid>> {
    Ok(
        sqlx::query_scalar("SELECT room_id FROM room_participants WHERE user_id = $1")
            .bind(user)
            .fetch_all(db)
            .await?,
    )
}

/// The user's read marker in the room, if they participate.
pub async fn last_read_seq(
    db: impl PgExecutor<'_>,
    room: Uuid,
    user: Uuid,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT last_read_seq FROM room_participants WHERE room_id = $1 AND user_id = $2",
    )
    .bind(room)
    .bind(user)
    .fetch_optional(db)
    .await?)
}

/// Every participant's id and role (what the membership cache holds).
pub async fn roles(db: impl PgExecutor<'_>, room: Uuid) -> StoreResult<Vec<(Uuid, Role)>> {
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT user_id, role FROM room_participants WHERE room_id = $1")
            .bind(room)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, r)| Role::parse(&r).map(|r| (u, r)))
        .collect())
}

/// Participants with their public profiles, owners first, then by name.
pub async fn participants(db: impl PgExecutor<'_>, room: Uuid) -> StoreResult<Vec<Participant>> {
    let rows: Vec<ParticipantRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, pr.avatar_url, p.role, p.joined_at
         FROM room_participants p
         JOIN users u ON u.id = p.user_id
         LEFT JOIN user_profiles pr ON pr.user_id = u.id
         WHERE p.room_id = $1
         ORDER BY CASE p.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END,
                  lower(u.display_name), u.id",
    )
    .bind(room)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Participant {
                user: PublicUser {
                    id: r.id,
                    username: r.username,
                    display_name: r.display_name,
                    avatar_url: r.avatar_url,
                },
                role: Role::parse(&r.role)?,
                joined_at: r.joined_at,
            })
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    id: Uuid,
    username: String,
    display_name: String,
    avatar_url: Option<String>,
    role: String,
    joined_at: DateTime<Utc>,
}

/// Adds a participant; false when they already were one.
pub async fn add(db: impl PgExecutor<'_>, room: Uuid, user: Uuid, role: Role) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO room_participants (room_id, user_id, role, last_read_seq)
         SELECT $1, $2, $3, last_seq FROM rooms WHERE id = $1
         ON CONFLICT (room_id, user_id) DO NOTHING",
    )
    .bind(room)
    .bind(user)
    .bind(role.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a participant; false when they were not one.
pub async fn remove(db: impl PgExecutor<'_>, room: Uuid, user: Uuid) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM room_participants WHERE room_id = $1 AND user_id = $2")
        .bind(room)
        .bind(user)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Changes a participant's role; false when they are not one.
pub async fn set_role(
    db: impl PgExecutor<'_>,
    room: Uuid,
    user: Uuid,
    role: Role,
) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE room_participants SET role = $3 WHERE room_id = $1 AND user_id = $2")
            .bind(room)
            .bind(user)
            .bind(role.as_str())
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// How many owners the room has.
pub async fn owner_count(db: impl PgExecutor<'_>, room: Uuid) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM room_participants WHERE room_id = $1 AND role = 'owner'",
    )
    .bind(room)
    .fetch_one(db)
    .await?)
}

/// Mutes or unmutes the room for one participant.
pub async fn set_muted(
    db: impl PgExecutor<'_>,
    room: Uuid,
    user: Uuid,
    muted: bool,
) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE room_participants SET muted = $3 WHERE room_id = $1 AND user_id = $2")
            .bind(room)
            .bind(user)
            .bind(muted)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the user is banned from the room.
pub async fn is_banned(db: impl PgExecutor<'_>, room: Uuid, user: Uuid) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM room_bans WHERE room_id = $1 AND user_id = $2)",
    )
    .bind(room)
    .bind(user)
    .fetch_one(db)
    .await?)
}

/// Bans a user (updating the reason if already banned).
pub async fn ban(
    db: impl PgExecutor<'_>,
    room: Uuid,
    user: Uuid,
    by: Uuid,
    reason: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO room_bans (room_id, user_id, banned_by, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (room_id, user_id) DO UPDATE SET reason = EXCLUDED.reason",
    )
    .bind(room)
    .bind(user)
    .bind(by)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(())
}

/// Lifts a ban; false when there was none.
pub async fn unban(db: impl PgExecutor<'_>, room: Uuid, user: Uuid) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2")
        .bind(room)
        .bind(user)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The room's bans, newest first.
pub async fn bans(db: impl PgExecutor<'_>, room: Uuid) -> StoreResult<Vec<Ban>> {
    let rows: Vec<BanRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, b.banned_by, b.reason, b.created_at
         FROM room_bans b JOIN users u ON u.id = b.user_id
         WHERE b.room_id = $1 ORDER BY b.created_at DESC",
    )
    .bind(room)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Ban {
            user: PublicUser {
                id: r.id,
                username: r.username,
                display_name: r.display_name,
                avatar_url: None,
            },
            banned_by: r.banned_by,
            reason: r.reason,
            created_at: r.created_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct BanRow {
    id: Uuid,
    username: String,
    display_name: String,
    banned_by: Option<Uuid>,
    reason: Option<String>,
    created_at: DateTime<Utc>,
}

/// Creates a pending invitation; a second pending one for the same pair is a `Duplicate`.
pub async fn invite(
    db: impl PgExecutor<'_>,
    room: Uuid,
    inviter: Uuid,
    invitee: Uuid,
) -> StoreResult<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO invitations (room_id, inviter_id, invitee_id) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(room)
    .bind(inviter)
    .bind(invitee)
    .fetch_one(db)
    .await
    .map_err(map_unique)
}

/// The raw facts of an invitation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    /// Identifier.
    pub id: Uuid,
    /// Room.
    pub room_id: Uuid,
    /// Inviter.
    pub inviter_id: Option<Uuid>,
    /// Invitee.
    pub invitee_id: Uuid,
    /// `pending`, `accepted`, `declined` or `revoked`.
    pub status: String,
}

/// An invitation, locked for the rest of the transaction.
pub async fn lock_invitation(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    id: Uuid,
) -> StoreResult<Option<InvitationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, room_id, inviter_id, invitee_id, status FROM invitations WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Records the answer to an invitation.
pub async fn set_invitation_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    status: &str,
) -> StoreResult<()> {
    sqlx::query("UPDATE invitations SET status = $2, responded_at = now() WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks a pending invitation accepted; false when it was no longer pending (answered by a
/// concurrent request), so only one acceptance counts.
pub async fn accept_invitation(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE invitations SET status = 'accepted', responded_at = now()
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

const INVITATION_SELECT: &str =
    "SELECT i.id, i.room_id, r.name AS room_name, i.status, i.created_at,
        ir.id AS inviter_id, ir.username AS inviter_username, ir.display_name AS inviter_name,
        ie.id AS invitee_id, ie.username AS invitee_username, ie.display_name AS invitee_name
     FROM invitations i
     JOIN rooms r ON r.id = i.room_id
     JOIN users ie ON ie.id = i.invitee_id
     LEFT JOIN users ir ON ir.id = i.inviter_id";

#[derive(sqlx::FromRow)]
struct InvitationView {
    id: Uuid,
    room_id: Uuid,
    room_name: String,
    status: String,
    created_at: DateTime<Utc>,
    inviter_id: Option<Uuid>,
    inviter_username: Option<String>,
    inviter_name: Option<String>,
    invitee_id: Uuid,
    invitee_username: String,
    invitee_name: String,
}

impl From<InvitationView> for Invitation {
    fn from(v: InvitationView) -> Self {
        let inviter = PublicUser::from_columns(v.inviter_id, v.inviter_username, v.inviter_name);
        Invitation {
            id: v.id,
            room_id: v.room_id,
            room_name: v.room_name,
            inviter,
            invitee: PublicUser {
                id: v.invitee_id,
                username: v.invitee_username,
                display_name: v.invitee_name,
                avatar_url: None,
            },
            status: match v.status.as_str() {
                "accepted" => InvitationStatus::Accepted,
                "declined" => InvitationStatus::Declined,
                "revoked" => InvitationStatus::Revoked,
                _ => InvitationStatus::Pending,
            },
            created_at: v.created_at,
        }
    }
}

/// The user's pending invitations, newest first.
pub async fn pending_for(db: impl PgExecutor<'_>, user: Uuid) -> StoreResult<Vec<Invitation>> {
    let rows: Vec<InvitationView> = sqlx::query_as(&format!(
        "{INVITATION_SELECT} WHERE i.invitee_id = $1 AND i.status = 'pending' ORDER BY i.created_at DESC"
    ))
    .bind(user)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The room's pending invitations, newest first.
pub async fn pending_in(db: impl PgExecutor<'_>, room: Uuid) -> StoreResult<Vec<Invitation>> {
    let rows: Vec<InvitationView> = sqlx::query_as(&format!(
        "{INVITATION_SELECT} WHERE i.room_id = $1 AND i.status = 'pending' ORDER BY i.created_at DESC"
    ))
    .bind(room)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One invitation as shown to its parties.
pub async fn invitation(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<Option<Invitation>> {
    let row: Option<InvitationView> =
        sqlx::query_as(&format!("{INVITATION_SELECT} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(Into::into))
}

/// An invite link row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    /// Identifier.
    pub id: Uuid,
    /// Room.
    pub room_id: Uuid,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Use limit.
    pub max_uses: Option<i32>,
    /// Uses so far.
    pub uses: i32,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl LinkRow {
    /// The API view, with the code when it was just created.
    pub fn into_link(self, code: Option<String>) -> InviteLink {
        InviteLink {
            id: self.id,
            room_id: self.room_id,
            code,
            expires_at: self.expires_at,
            max_uses: self.max_uses,
            uses: self.uses,
            created_at: self.created_at,
        }
    }
}

const LINK_COLUMNS: &str = "id, room_id, expires_at, max_uses, uses, revoked_at, created_at";

/// Stores a new link by the hash of its code.
pub async fn create_link(
    db: impl PgExecutor<'_>,
    room: Uuid,
    creator: Uuid,
    hash: &[u8],
    expires_at: Option<DateTime<Utc>>,
    max_uses: Option<i32>,
) -> StoreResult<LinkRow> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO invite_links (room_id, creator_id, token_hash, expires_at, max_uses)
         VALUES ($1, $2, $3, $4, $5) RETURNING {LINK_COLUMNS}"
    ))
    .bind(room)
    .bind(creator)
    .bind(hash)
    .bind(expires_at)
    .bind(max_uses)
    .fetch_one(db)
    .await?)
}

/// The link with this code hash, locked so concurrent uses count exactly.
pub async fn lock_link(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    hash: &[u8],
) -> StoreResult<Option<LinkRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM invite_links WHERE token_hash = $1 FOR UPDATE"
    ))
    .bind(hash)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Counts one use.
pub async fn use_link(db: impl PgExecutor<'_>, id: Uuid) -> StoreResult<()> {
    sqlx::query("UPDATE invite_links SET uses = uses + 1 WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The room's usable links.
pub async fn links(db: impl PgExecutor<'_>, room: Uuid) -> StoreResult<Vec<LinkRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM invite_links WHERE room_id = $1 AND revoked_at IS NULL
         ORDER BY created_at DESC"
    ))
    .bind(room)
    .fetch_all(db)
    .await?)
}

/// Revokes a link of the room; false when there is no such active link.
pub async fn revoke_link(db: impl PgExecutor<'_>, room: Uuid, id: Uuid) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE invite_links SET revoked_at = now() WHERE id = $1 AND room_id = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(room)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
