//! Notifications: the user's list, unread count and preferences (this file), and the
//! pipeline that makes them: causes write a [`job`] to the [`outbox`] in their own
//! transaction, the [`relay`] publishes it to the queue, the [`worker`] resolves recipients
//! ([`resolve`], [`policy`]), stores the notifications idempotently and [`push`]es them live.

pub mod backoff;
pub mod cursor;
pub mod job;
pub mod outbox;
pub mod pipeline;
pub mod policy;
pub mod push;
pub mod relay;
pub mod resolve;
pub mod worker;

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use self::{outbox::Outbox, relay::Relay, worker::Worker};
use super::{
    auth::Authenticated,
    error::{ServiceError, ServiceResult},
    rooms::RoomService,
};
use crate::{
    infra::{
        bus::EventBus,
        config::NotificationConfig,
        db::Db,
        queue::JobQueue,
        store::{
            notification_prefs,
            notifications::{self, PageQuery},
        },
    },
    model::{
        notification::{
            NotificationKind, NotificationPage, NotificationPreferences, RoomNotificationSettings,
            RoomNotifyLevel, UnreadCount, PAGE_DEFAULT, PAGE_MAX,
        },
        room::Role,
    },
};

/// Filters of a page of notifications, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size (1–100, default 20).
    pub limit: Option<i64>,
    /// Only unread notifications.
    pub unread_only: bool,
    /// Only this kind (its wire name).
    pub kind: Option<String>,
}

/// The notification service.
#[derive(Clone)]
pub struct NotificationService {
    /// The primary: the pipeline, every change, and counts read right after one.
    db: PgPool,
    /// Lag-tolerant reads (the list, the unread count) may go to a replica.
    reads: Db,
    bus: EventBus,
    queue: JobQueue,
    outbox: Outbox,
    rooms: RoomService,
    config: NotificationConfig,
}

impl NotificationService {
    /// Builds the service; `outbox` is the one the causes' services write to.
    pub fn new(
        db: Db,
        bus: EventBus,
        queue: JobQueue,
        outbox: Outbox,
        rooms: RoomService,
        config: NotificationConfig,
    ) -> Self {
        Self {
            db: db.primary().clone(),
            reads: db,
            bus,
            queue,
            outbox,
            rooms,
            config,
        }
    }

    /// Where causes write their jobs.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// A relay from this process's outbox to the queue.
    pub fn relay(&self) -> Relay {
        Relay::new(self.db.clone(), self.queue.clone(), self.outbox.clone())
    }

    /// A consumer of the configured queue.
    pub fn worker(&self) -> Worker {
        Worker::new(
            self.db.clone(),
            self.queue.clone(),
            self.bus.clone(),
            &self.config.queue,
            self.config.max_attempts,
        )
    }

    /// A page of the caller's notifications, newest first.
    pub async fn list(&self, auth: Authenticated, q: ListQuery) -> ServiceResult<NotificationPage> {
        let limit = q.limit.unwrap_or(PAGE_DEFAULT);
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                format!("limit must be between 1 and {PAGE_MAX}"),
            ));
        }
        let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(cursor::decode(c).ok_or_else(|| {
                ServiceError::invalid(
                    "cursor",
                    "cursor must be a next_cursor from a previous page",
                )
            })?),
        };
        let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(NotificationKind::parse(k).ok_or_else(|| {
                ServiceError::invalid("kind", format!("{k:?} is not a notification kind"))
            })?),
        };
        // One extra row says whether another page follows.
        let page = PageQuery {
            user_id: auth.user_id,
            before,
            unread_only: q.unread_only,
            kind,
            limit: limit + 1,
        };
        // A listing: a replica may serve it (live pushes carry what is newer).
        let mut items = self
            .reads
            .read_with_fallback(|pool| async move { notifications::page(&pool, page).await })
            .await?;
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next_cursor = match items.last() {
            Some(last) if more => Some(cursor::encode(last.created_at, last.id)),
            _ => None,
        };
        Ok(NotificationPage { items, next_cursor })
    }

    /// The caller's stored number of unread notifications (a replica may serve it).
    pub async fn unread_count(&self, auth: Authenticated) -> ServiceResult<UnreadCount> {
        let user = auth.user_id;
        Ok(UnreadCount {
            unread_count: self
                .reads
                .read_with_fallback(
                    |pool| async move { notifications::unread_count(&pool, user).await },
                )
                .await?,
        })
    }

    /// Marks one of the caller's notifications read.
    pub async fn mark_read(&self, auth: Authenticated, id: Uuid) -> ServiceResult<UnreadCount> {
        if !notifications::mark_read(&self.db, auth.user_id, id).await? {
            return Err(not_found());
        }
        self.count_changed(auth.user_id).await
    }

    /// Marks all of the caller's notifications read.
    pub async fn mark_all_read(&self, auth: Authenticated) -> ServiceResult<UnreadCount> {
        notifications::mark_all_read(&self.db, auth.user_id).await?;
        self.count_changed(auth.user_id).await
    }

    /// Deletes one of the caller's notifications.
    pub async fn delete(&self, auth: Authenticated, id: Uuid) -> ServiceResult<UnreadCount> {
        if !notifications::delete(&self.db, auth.user_id, id).await? {
            return Err(not_found());
        }
        self.count_changed(auth.user_id).await
    }

    /// Deletes every read notification of the caller.
    pub async fn delete_read(&self, auth: Authenticated) -> ServiceResult<UnreadCount> {
        notifications::delete_read(&self.db, auth.user_id).await?;
        // Read right after the write: from the primary.
        Ok(UnreadCount {
            unread_count: notifications::unread_count(&self.db, auth.user_id).await?,
        })
    }

    /// After the caller read a room up to `seq`: the notifications pointing into what they
    /// read are read too, so the bell agrees with what they have seen.
    pub async fn room_read(&self, user: Uuid, room: Uuid, seq: i64) -> ServiceResult<()> {
        if notifications::mark_read_in_room(&self.db, user, room, seq).await? > 0 {
            self.count_changed(user).await?;
        }
        Ok(())
    }

    /// The caller's preferences.
    pub async fn preferences(&self, auth: Authenticated) -> ServiceResult<NotificationPreferences> {
        Ok(notification_prefs::preferences(&self.db, auth.user_id).await?)
    }

    /// Replaces the caller's preferences; returns them as stored.
    pub async fn update_preferences(
        &self,
        auth: Authenticated,
        prefs: NotificationPreferences,
    ) -> ServiceResult<NotificationPreferences> {
        let prefs = prefs.validated(Utc::now())?;
        notification_prefs::save_preferences(&self.db, auth.user_id, &prefs).await?;
        Ok(prefs)
    }

    /// The caller's level and mute for a room they are in.
    pub async fn room_settings(
        &self,
        auth: Authenticated,
        room: Uuid,
    ) -> ServiceResult<RoomNotificationSettings> {
        self.rooms.require(auth, room, Role::Member).await?;
        let (level, muted) = notification_prefs::room_settings(&self.db, room, auth.user_id)
            .await?
            .ok_or_else(super::rooms::not_found)?;
        Ok(RoomNotificationSettings {
            room_id: room,
            level,
            muted,
        })
    }

    /// Sets the caller's level for a room they are in.
    pub async fn set_room_level(
        &self,
        auth: Authenticated,
        room: Uuid,
        level: RoomNotifyLevel,
    ) -> ServiceResult<RoomNotificationSettings> {
        self.rooms.require(auth, room, Role::Member).await?;
        if !notification_prefs::set_room_level(&self.db, room, auth.user_id, level).await? {
            return Err(super::rooms::not_found());
        }
        self.room_settings(auth, room).await
    }

    /// Tells the user's other tabs and devices the new count.
    async fn count_changed(&self, user: Uuid) -> ServiceResult<UnreadCount> {
        let unread_count = notifications::unread_count(&self.db, user).await?;
        push::count(&self.bus, user, unread_count).await;
        Ok(UnreadCount { unread_count })
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("No such notification.".to_owned())
}
