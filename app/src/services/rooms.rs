//! Rooms: creation, settings, the directory, membership, roles and moderation, and direct
//! conversations. Private rooms answer "not found" to outsiders so their existence never leaks.

use futures::future::BoxFuture;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    auth::Authenticated,
    error::{ServiceError, ServiceResult},
    events,
    notifications::{
        job::{Cause, NotificationJob},
        outbox::Outbox,
    },
};
use crate::{
    infra::{
        bus::EventBus,
        db::Db,
        membership_cache::{Members, MembershipCache},
        store::{
            members,
            rooms::{self, DirectorySort, NewRoom, RoomChanges, RoomRow},
            users, StoreError,
        },
    },
    model::{
        event::{MemberChange, RoomEvent},
        room::{
            Ban, BanRequest, CreateRoom, MessagePreview, MyRoom, Participant, Role, Room, RoomKind,
            RoomSettings, RoomSummary, UpdateRoom, DIRECTORY_SEARCH_MAX, ROOM_DESCRIPTION_MAX,
        },
        user::PublicUser,
        validation::{self, check},
    },
};

/// Most rooms a directory page returns.
pub const DIRECTORY_MAX: i64 = 100;
/// Rooms in a directory page when the caller does not say.
pub const DIRECTORY_DEFAULT: i64 = 20;

/// A directory query.
#[derive(Debug, Clone, Default)]
pub struct DirectoryQuery {
    /// Page size (1–100, default 20).
    pub limit: Option<i64>,
    /// Rooms to skip.
    pub offset: Option<i64>,
    /// Case-insensitive text in the name or description.
    pub search: Option<String>,
    /// `members` (default) or `newest`.
    pub sort: Option<String>,
}

/// Writes that must commit or roll back together with an admission, run in its
/// transaction (an accepted invitation and the job notifying the inviter).
pub(crate) type AdmitHook =
    Box<dyn for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, ServiceResult<()>> + Send>;

/// The room service.
#[derive(Clone)]
pub struct RoomService {
    /// The primary: writes, permission checks and anything read right after a write.
    db: PgPool,
    /// Lag-tolerant reads (the directory, previews) may go to a replica.
    reads: Db,
    cache: MembershipCache,
    bus: EventBus,
    outbox: Outbox,
}

impl RoomService {
    /// Builds the service; membership changes that notify someone write to `outbox`.
    pub fn new(db: Db, cache: MembershipCache, bus: EventBus, outbox: Outbox) -> Self {
        Self {
            db: db.primary().clone(),
            reads: db,
            cache,
            bus,
            outbox,
        }
    }

    /// After a membership change commits: the cache forgets the room and the room hears of it.
    async fn members_changed(&self, room_id: Uuid, user_id: Uuid, change: MemberChange) {
        self.cache.invalidate(room_id).await;
        events::publish(
            &self.bus,
            RoomEvent::MemberChanged {
                room_id,
                user_id,
                change,
            },
        )
        .await;
    }

    /// The room's participants, from the cache when it holds them.
    pub async fn members(&self, room: Uuid) -> ServiceResult<Members> {
        if let Some(members) = self.cache.get(room).await {
            return Ok(members);
        }
        let seen = self.cache.generation(room).await;
        let members: Members = members::roles(&self.db, room).await?.into_iter().collect();
        if let Some(seen) = seen {
            self.cache.fill(room, seen, &members).await;
        }
        Ok(members)
    }

    /// The user's role in the room, if they participate.
    pub async fn role_of(&self, room: Uuid, user: Uuid) -> ServiceResult<Option<Role>> {
        Ok(self
            .roles_of(room, &[user])
            .await?
            .into_iter()
            .next()
            .flatten())
    }

    /// Which of `users` participate in the room: one cache read for all of them, so a room's
    /// event can be checked against every follower on an instance at once.
    pub async fn members_among(&self, room: Uuid, users: &[Uuid]) -> ServiceResult<Vec<Uuid>> {
        let roles = self.roles_of(room, users).await?;
        Ok(users
            .iter()
            .zip(roles)
            .filter_map(|(user, role)| role.map(|_| *user))
            .collect())
    }

    /// The roles of `users` in the room, in their order.
    async fn roles_of(&self, room: Uuid, users: &[Uuid]) -> ServiceResult<Vec<Option<Role>>> {
        // Checked for every realtime event: the users' fields from the cache, not the member
        // list.
        if let Some(roles) = self.cache.roles(room, users).await {
            return Ok(roles);
        }
        let members = self.members(room).await?;
        Ok(users
            .iter()
            .map(|user| members.get(user).copied())
            .collect())
    }

    /// The ids of the rooms the user participates in (for routing their presence).
    pub async fn room_ids_of(&self, user: Uuid) -> ServiceResult<Vec<Uuid>> {
        Ok(members::room_ids_of(&self.db, user).await?)
    }

    /// The room if the caller may see it, with the caller's role. Outsiders of private rooms
    /// get the same answer as for a room that does not exist.
    pub async fn visible(
        &self,
        auth: Authenticated,
        id: Uuid,
    ) -> ServiceResult<(RoomRow, Option<Role>)> {
        let room = rooms::by_id(&self.db, id).await?.ok_or_else(not_found)?;
        let role = self.role_of(id, auth.user_id).await?;
        if room.is_private && role.is_none() {
            return Err(not_found());
        }
        Ok((room, role))
    }

    /// The room if the caller participates with at least `min`.
    pub(crate) async fn require(
        &self,
        auth: Authenticated,
        id: Uuid,
        min: Role,
    ) -> ServiceResult<(RoomRow, Role)> {
        let (room, role) = self.visible(auth, id).await?;
        let role = role.ok_or_else(|| {
            ServiceError::Forbidden("Only participants of this room can do that.".to_owned())
        })?;
        if room.kind == "direct" && min > Role::Member {
            return Err(ServiceError::Forbidden(
                "Direct conversations have no roles or settings.".to_owned(),
            ));
        }
        if role < min {
            return Err(ServiceError::Forbidden(format!(
                "Only {} of this room can do that.",
                if min == Role::Owner {
                    "the owner"
                } else {
                    "admins"
                }
            )));
        }
        Ok((room, role))
    }

    /// Creates a group room owned by the caller.
    pub async fn create(&self, auth: Authenticated, req: CreateRoom) -> ServiceResult<Room> {
        let name = req.name.trim();
        check("name", validation::room_name(name))?;
        check(
            "description",
            validation::text_max(&req.description, ROOM_DESCRIPTION_MAX),
        )?;
        if let Some(max) = req.max_participants {
            check("max_participants", validation::max_participants(max))?;
        }
        let avatar = req
            .avatar_url
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if let Some(url) = avatar {
            check("avatar_url", validation::http_url(url))?;
        }
        let settings = match &req.settings {
            Some(patch) => RoomSettings::default()
                .merged(patch)
                .map_err(|m| ServiceError::invalid("settings", m))?,
            None => RoomSettings::default(),
        };
        let mut tx = self.db.begin().await?;
        let row = rooms::insert(
            &mut tx,
            NewRoom {
                name,
                description: req.description.trim(),
                is_private: req.is_private,
                kind: "group",
                max_participants: req.max_participants,
                avatar_url: avatar,
                settings: settings_json(&settings)?,
                creator_id: auth.user_id,
                direct_key: None,
            },
        )
        .await?;
        members::add(&mut *tx, row.id, auth.user_id, Role::Owner).await?;
        tx.commit().await?;
        self.cache.invalidate(row.id).await;
        self.get(auth, row.id).await
    }

    /// A room the caller may see.
    pub async fn get(&self, auth: Authenticated, id: Uuid) -> ServiceResult<Room> {
        let (row, role) = self.visible(auth, id).await?;
        self.to_room(auth, row, role).await
    }

    /// Changes name, description, limit, picture or settings (owner or admin).
    pub async fn update(
        &self,
        auth: Authenticated,
        id: Uuid,
        req: UpdateRoom,
    ) -> ServiceResult<Room> {
        let (room, role) = self.require(auth, id, Role::Admin).await?;
        let mut changes = RoomChanges::default();
        if let Some(name) = &req.name {
            check("name", validation::room_name(name))?;
            changes.name = Some(name.trim().to_owned());
        }
        if let Some(description) = &req.description {
            check(
                "description",
                validation::text_max(description, ROOM_DESCRIPTION_MAX),
            )?;
            changes.description = Some(description.trim().to_owned());
        }
        if let Some(max) = req.max_participants {
            if max == 0 {
                changes.max_participants = Some(None);
            } else {
                check("max_participants", validation::max_participants(max))?;
                if max < room.participant_count {
                    return Err(ServiceError::invalid(
                        "max_participants",
                        format!(
                            "The room already has {} participants.",
                            room.participant_count
                        ),
                    ));
                }
                changes.max_participants = Some(Some(max));
            }
        }
        if let Some(url) = &req.avatar_url {
            let url = url.trim();
            if url.is_empty() {
                changes.avatar_url = Some(None);
            } else {
                check("avatar_url", validation::http_url(url))?;
                changes.avatar_url = Some(Some(url.to_owned()));
            }
        }
        if let Some(patch) = &req.settings {
            let current = room.settings();
            let merged = current
                .merged(patch)
                .map_err(|m| ServiceError::invalid("settings", m))?;
            changes.settings = Some(settings_json(&merged)?);
        }
        let row = rooms::update(&self.db, id, changes)
            .await?
            .ok_or_else(not_found)?;
        self.to_room(auth, row, Some(role)).await
    }

    /// Deletes the room and its history (owner).
    pub async fn delete(&self, auth: Authenticated, id: Uuid) -> ServiceResult<()> {
        self.require(auth, id, Role::Owner).await?;
        rooms::delete(&self.db, id).await?;
        self.cache.invalidate(id).await;
        Ok(())
    }

    /// The caller's rooms and direct conversations, newest activity first.
    pub async fn mine(&self, auth: Authenticated) -> ServiceResult<Vec<MyRoom>> {
        let rows = rooms::for_member(&self.db, auth.user_id).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let peer =
                    PublicUser::from_columns(r.peer_id, r.peer_username, r.peer_display_name);
                let direct = r.kind == "direct";
                MyRoom {
                    id: r.id,
                    name: match (&peer, direct) {
                        (Some(p), true) => p.display_name.clone(),
                        _ => r.name,
                    },
                    kind: if direct {
                        RoomKind::Direct
                    } else {
                        RoomKind::Group
                    },
                    is_private: r.is_private,
                    role: Role::parse(&r.role).unwrap_or(Role::Member),
                    muted: r.muted,
                    unread_count: r.unread_count,
                    last_message: r.last_body.zip(r.last_at).map(|(body, at)| MessagePreview {
                        sender_name: r.last_sender,
                        text: body.chars().take(140).collect(),
                        created_at: at,
                    }),
                    peer,
                }
            })
            .collect())
    }

    /// A page of the public directory and the total number of matching rooms.
    pub async fn directory(&self, q: DirectoryQuery) -> ServiceResult<(Vec<RoomSummary>, i64)> {
        let limit = q.limit.unwrap_or(DIRECTORY_DEFAULT);
        if !(1..=DIRECTORY_MAX).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                "limit must be between 1 and 100",
            ));
        }
        let offset = q.offset.unwrap_or(0);
        if offset < 0 {
            return Err(ServiceError::invalid(
                "offset",
                "offset must not be negative",
            ));
        }
        let sort = match q.sort.as_deref().unwrap_or("members") {
            "members" => DirectorySort::Members,
            "newest" => DirectorySort::Newest,
            _ => {
                return Err(ServiceError::invalid(
                    "sort",
                    "sort must be \"members\" or \"newest\"",
                ))
            }
        };
        let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = search {
            check("search", validation::text_max(s, DIRECTORY_SEARCH_MAX))?;
        }
        let pattern = search.map(rooms::contains_pattern);
        let pattern = pattern.as_deref();
        // Lag-tolerant: a replica serves the directory when one is healthy.
        let (page, total) = self
            .reads
            .read_with_fallback(|pool| async move {
                let total = rooms::directory_count(&pool, pattern).await?;
                let page = rooms::directory_page(&pool, pattern, sort, limit, offset).await?;
                Ok::<_, StoreError>((page, total))
            })
            .await?;
        Ok((page, total))
    }

    /// What a prospective member sees before joining.
    pub async fn preview(&self, auth: Authenticated, id: Uuid) -> ServiceResult<RoomSummary> {
        let (room, _) = self.visible(auth, id).await?;
        if room.kind == "direct" {
            return Err(not_found());
        }
        // The permission check above ran on the primary; the summary may come from a replica,
        // unless it does not have the room yet (just created).
        self.reads
            .read_checked(
                |pool| async move { rooms::summary(&pool, id).await },
                Option::is_some,
            )
            .await?
            .ok_or_else(not_found)
    }

    /// Joins a public room (idempotent); banned users and full rooms are refused.
    pub async fn join(&self, auth: Authenticated, id: Uuid) -> ServiceResult<Room> {
        let (room, role) = self.visible(auth, id).await?;
        if role.is_some() {
            return self.to_room(auth, room, role).await;
        }
        if room.kind == "direct" || room.is_private {
            return Err(not_found());
        }
        self.admit(id, auth.user_id, None).await?;
        self.get(auth, id).await
    }

    /// Adds `user` to the room under its row lock: refuses banned users and full rooms, so two
    /// joins racing for the last seat cannot both win. `hook` runs inside the transaction,
    /// only when the user is actually added.
    pub(crate) async fn admit(
        &self,
        room_id: Uuid,
        user: Uuid,
        hook: Option<AdmitHook>,
    ) -> ServiceResult<bool> {
        let mut tx = self.db.begin().await?;
        let room = rooms::lock(&mut tx, room_id).await?.ok_or_else(not_found)?;
        if members::is_banned(&mut *tx, room_id, user).await? {
            return Err(ServiceError::Forbidden(
                "You are banned from this room.".to_owned(),
            ));
        }
        if members::role_of(&mut *tx, room_id, user).await?.is_some() {
            return Ok(false);
        }
        if room
            .max_participants
            .is_some_and(|max| room.participant_count >= max)
        {
            return Err(ServiceError::Conflict {
                field: "room",
                message: "This room is full.".to_owned(),
            });
        }
        members::add(&mut *tx, room_id, user, Role::Member).await?;
        if let Some(hook) = hook {
            hook(&mut tx).await?;
        }
        tx.commit().await?;
        self.members_changed(room_id, user, MemberChange::Joined)
            .await;
        Ok(true)
    }

    /// Leaves a room; the last owner must hand ownership over or delete the room first.
    pub async fn leave(&self, auth: Authenticated, id: Uuid) -> ServiceResult<()> {
        let (room, role) = self.visible(auth, id).await?;
        let Some(role) = role else {
            return Err(ServiceError::NotFound(
                "You are not in this room.".to_owned(),
            ));
        };
        if room.kind == "direct" {
            return Err(ServiceError::Forbidden(
                "You cannot leave a direct conversation; mute it instead.".to_owned(),
            ));
        }
        let mut tx = self.db.begin().await?;
        rooms::lock(&mut tx, id).await?;
        if role == Role::Owner && members::owner_count(&mut *tx, id).await? <= 1 {
            return Err(ServiceError::Conflict {
                field: "role",
                message: "You are the only owner: make someone else owner or delete the room."
                    .to_owned(),
            });
        }
        members::remove(&mut *tx, id, auth.user_id).await?;
        tx.commit().await?;
        self.members_changed(id, auth.user_id, MemberChange::Left)
            .await;
        Ok(())
    }

    /// Participants with roles (anyone who may see the room).
    pub async fn participants(
        &self,
        auth: Authenticated,
        id: Uuid,
    ) -> ServiceResult<Vec<Participant>> {
        self.visible(auth, id).await?;
        Ok(members::participants(&self.db, id).await?)
    }

    /// Sets a participant's role (owner). Giving `owner` transfers ownership.
    pub async fn change_role(
        &self,
        auth: Authenticated,
        id: Uuid,
        target: Uuid,
        role: Role,
    ) -> ServiceResult<Participant> {
        self.require(auth, id, Role::Owner).await?;
        if target == auth.user_id {
            return Err(ServiceError::Forbidden(
                "You cannot change your own role; make someone else owner instead.".to_owned(),
            ));
        }
        let mut tx = self.db.begin().await?;
        rooms::lock(&mut tx, id).await?;
        let previous = members::role_of(&mut *tx, id, target).await?;
        if !members::set_role(&mut *tx, id, target, role).await? {
            return Err(ServiceError::NotFound(
                "That user is not in this room.".to_owned(),
            ));
        }
        if role == Role::Owner {
            members::set_role(&mut *tx, id, auth.user_id, Role::Admin).await?;
        }
        let changed = previous != Some(role);
        if changed {
            let cause = Cause::RoleChanged {
                room_id: id,
                user_id: target,
                actor_id: auth.user_id,
                role,
            };
            self.outbox
                .enqueue(&mut tx, &NotificationJob::new(cause))
                .await?;
        }
        tx.commit().await?;
        if changed {
            self.outbox.wake();
        }
        self.members_changed(id, target, MemberChange::RoleChanged { role })
            .await;
        if role == Role::Owner {
            let role = Role::Admin;
            self.members_changed(id, auth.user_id, MemberChange::RoleChanged { role })
                .await;
        }
        members::participants(&self.db, id)
            .await?
            .into_iter()
            .find(|p| p.user.id == target)
            .ok_or_else(|| ServiceError::NotFound("That user is not in this room.".to_owned()))
    }

    /// Removes a participant (admins remove members; the owner removes anyone).
    pub async fn remove(&self, auth: Authenticated, id: Uuid, target: Uuid) -> ServiceResult<()> {
        let (_, my_role) = self.require(auth, id, Role::Admin).await?;
        if target == auth.user_id {
            return Err(ServiceError::Forbidden(
                "Use leave to remove yourself.".to_owned(),
            ));
        }
        let Some(their_role) = self.role_of(id, target).await? else {
            return Err(ServiceError::NotFound(
                "That user is not in this room.".to_owned(),
            ));
        };
        outranks(my_role, their_role)?;
        let mut tx = self.db.begin().await?;
        let removed = members::remove(&mut *tx, id, target).await?;
        if removed {
            let cause = Cause::RemovedFromRoom {
                room_id: id,
                user_id: target,
                actor_id: auth.user_id,
            };
            self.outbox
                .enqueue(&mut tx, &NotificationJob::new(cause))
                .await?;
        }
        tx.commit().await?;
        if removed {
            self.outbox.wake();
        }
        self.members_changed(id, target, MemberChange::Removed)
            .await;
        Ok(())
    }

    /// Bans a user: removes them and keeps them out (admins and owner, by rank).
    pub async fn ban(&self, auth: Authenticated, id: Uuid, req: BanRequest) -> ServiceResult<()> {
        let (_, my_role) = self.require(auth, id, Role::Admin).await?;
        if req.user_id == auth.user_id {
            return Err(ServiceError::Forbidden(
                "You cannot ban yourself.".to_owned(),
            ));
        }
        let reason = req
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(r) = reason {
            check(
                "reason",
                validation::text_max(r, validation::BAN_REASON_MAX),
            )?;
        }
        if users::by_id(&self.db, req.user_id).await?.is_none() {
            return Err(ServiceError::NotFound("No such user.".to_owned()));
        }
        if let Some(their_role) = self.role_of(id, req.user_id).await? {
            outranks(my_role, their_role)?;
        }
        let mut tx = self.db.begin().await?;
        // Only someone who was in the room hears of the ban: telling an outsider would
        // reveal a private room to them.
        let was_in = members::remove(&mut *tx, id, req.user_id).await?;
        members::ban(&mut *tx, id, req.user_id, auth.user_id, reason).await?;
        if was_in {
            let cause = Cause::BannedFromRoom {
                room_id: id,
                user_id: req.user_id,
                actor_id: auth.user_id,
            };
            self.outbox
                .enqueue(&mut tx, &NotificationJob::new(cause))
                .await?;
        }
        tx.commit().await?;
        if was_in {
            self.outbox.wake();
        }
        self.members_changed(id, req.user_id, MemberChange::Banned)
            .await;
        Ok(())
    }

    /// Lifts a ban (admins and owner).
    pub async fn unban(&self, auth: Authenticated, id: Uuid, target: Uuid) -> ServiceResult<()> {
        self.require(auth, id, Role::Admin).await?;
        if members::unban(&self.db, id, target).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(
                "That user is not banned here.".to_owned(),
            ))
        }
    }

    /// The room's bans (admins and owner).
    pub async fn bans(&self, auth: Authenticated, id: Uuid) -> ServiceResult<Vec<Ban>> {
        self.require(auth, id, Role::Admin).await?;
        Ok(members::bans(&self.db, id).await?)
    }

    /// Mutes or unmutes the room for the caller.
    pub async fn set_muted(&self, auth: Authenticated, id: Uuid, muted: bool) -> ServiceResult<()> {
        self.require(auth, id, Role::Member).await?;
        members::set_muted(&self.db, id, auth.user_id, muted).await?;
        Ok(())
    }

    /// The direct conversation with `other`, created on first contact.
    pub async fn open_direct(&self, auth: Authenticated, other: Uuid) -> ServiceResult<Room> {
        if other == auth.user_id {
            return Err(ServiceError::Forbidden(
                "You cannot start a conversation with yourself.".to_owned(),
            ));
        }
        if users::by_id(&self.db, other).await?.is_none() {
            return Err(ServiceError::NotFound("No such user.".to_owned()));
        }
        let (a, b) = if auth.user_id < other {
            (auth.user_id, other)
        } else {
            (other, auth.user_id)
        };
        let key = format!("{a}:{b}");
        if let Some(room) = rooms::direct_by_key(&self.db, &key).await? {
            return self.get(auth, room.id).await;
        }
        let mut tx = self.db.begin().await?;
        let created = rooms::insert(
            &mut tx,
            NewRoom {
                name: "Direct conversation",
                description: "",
                is_private: true,
                kind: "direct",
                max_participants: Some(2),
                avatar_url: None,
                settings: settings_json(&RoomSettings::default())?,
                creator_id: auth.user_id,
                direct_key: Some(&key),
            },
        )
        .await;
        let room = match created {
            Ok(room) => room,
            // The other person opened it at the same moment: use theirs.
            Err(crate::infra::store::StoreError::Duplicate(_)) => {
                drop(tx);
                let room = rooms::direct_by_key(&self.db, &key)
                    .await?
                    .ok_or_else(not_found)?;
                return self.get(auth, room.id).await;
            }
            Err(e) => return Err(e.into()),
        };
        members::add(&mut *tx, room.id, a, Role::Member).await?;
        members::add(&mut *tx, room.id, b, Role::Member).await?;
        tx.commit().await?;
        self.cache.invalidate(room.id).await;
        self.get(auth, room.id).await
    }

    async fn to_room(
        &self,
        auth: Authenticated,
        row: RoomRow,
        role: Option<Role>,
    ) -> ServiceResult<Room> {
        let direct = row.kind == "direct";
        let settings = row.settings();
        let name = if direct {
            // A direct room is named after the other person, for each of them.
            let others = members::participants(&self.db, row.id).await?;
            others
                .into_iter()
                .find(|p| p.user.id != auth.user_id)
                .map(|p| p.user.display_name)
                .unwrap_or(row.name)
        } else {
            row.name
        };
        Ok(Room {
            id: row.id,
            name,
            description: row.description,
            is_private: row.is_private,
            kind: if direct {
                RoomKind::Direct
            } else {
                RoomKind::Group
            },
            max_participants: row.max_participants,
            avatar_url: row.avatar_url,
            settings,
            creator_id: row.creator_id,
            participant_count: row.participant_count,
            last_seq: row.last_seq,
            my_role: role,
            created_at: row.created_at,
        })
    }
}

/// The one answer for missing rooms and rooms the caller may not know about.
pub fn not_found() -> ServiceError {
    ServiceError::NotFound("No such room.".to_owned())
}

fn outranks(mine: Role, theirs: Role) -> ServiceResult<()> {
    if mine > theirs {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "You can only remove or ban participants below your own role.".to_owned(),
        ))
    }
}

fn settings_json(settings: &RoomSettings) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(settings).map_err(|e| ServiceError::Internal(e.to_string()))
}
