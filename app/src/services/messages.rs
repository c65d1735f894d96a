//! Messages: sending with gapless per-room seqs and idempotent retries, history, edits,
//! tombstones, reactions, read markers and search. Events go on the bus after commit.

use std::{collections::HashMap, time::Duration};

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    auth::Authenticated,
    error::{ServiceError, ServiceResult},
    events,
    notifications::{
        job::{Cause, NotificationJob},
        NotificationService,
    },
    rooms::RoomService,
};
use crate::{
    infra::{
        bus::EventBus,
        db::Db,
        rate_limit::{Limit, RateLimiter, Verdict},
        store::{
            members,
            messages::{self, MessageRow, NewMessage},
            rooms::RoomRow,
            StoreError,
        },
    },
    model::{
        event::RoomEvent,
        message::{
            parse_mentions, ConversationStart, EditMessage, Message, Reaction, SearchHit,
            SendMessage, CLIENT_ID_MAX, EMOJI_MAX, HISTORY_DEFAULT, HISTORY_MAX, MESSAGE_MAX,
            SEARCH_QUERY_MAX,
        },
        room::{PostPolicy, Role},
    },
};

/// Messages in the first page of a room view.
const OPEN_PAGE: i64 = 50;
/// Messages shown above an anchor (first unread or search hit) when a room view opens there.
const OPEN_CONTEXT: i64 = 5;

/// Messages one user may send per window, across rooms.
pub const SEND_LIMIT: Limit = Limit {
    max: 30,
    window: Duration::from_secs(10),
};

/// The message service.
#[derive(Clone)]
pub struct MessageService {
    /// The primary: sending, catch-up, the newest page, and everything read after a write.
    db: PgPool,
    /// Lag-tolerant reads (search, older pages) may go to a replica.
    reads: Db,
    rooms: RoomService,
    bus: EventBus,
    limiter: RateLimiter,
    notifications: NotificationService,
}

impl MessageService {
    /// Builds the service.
    pub fn new(
        db: Db,
        rooms: RoomService,
        bus: EventBus,
        limiter: RateLimiter,
        notifications: NotificationService,
    ) -> Self {
        Self {
            db: db.primary().clone(),
            reads: db,
            rooms,
            bus,
            limiter,
            notifications,
        }
    }

    /// Sends a message. A retry with the same `client_id` returns the stored message (same id
    /// and seq) instead of storing it twice.
    pub async fn send(
        &self,
        auth: Authenticated,
        room_id: Uuid,
        req: SendMessage,
    ) -> ServiceResult<Message> {
        let (room, role) = self.rooms.visible(auth, room_id).await?;
        let role =
            role.ok_or_else(|| ServiceError::Forbidden("Join the room to post in it.".to_owned()))?;
        let body = clean_body(&req.body)?;
        let client_id = match req.client_id.as_deref().map(str::trim) {
            Some(c) if c.is_empty() || c.chars().count() > CLIENT_ID_MAX || c.contains('\0') => {
                return Err(ServiceError::invalid(
                    "client_id",
                    "client_id must be 1 to 64 characters.",
                ))
            }
            other => other,
        };
        if let Some(c) = client_id {
            if let Some(existing) =
                messages::by_client_id(&self.db, room_id, auth.user_id, c).await?
            {
                return self.resent(existing).await;
            }
        }
        let settings = room.settings();
        if settings.who_can_post == PostPolicy::Admins && role < Role::Admin {
            return Err(ServiceError::Forbidden(
                "Only admins can post in this room.".to_owned(),
            ));
        }
        if settings.slow_mode_seconds > 0 && role < Role::Admin {
            if let Some(last) = messages::last_sent_at(&self.db, room_id, auth.user_id).await? {
                let wait =
                    i64::from(settings.slow_mode_seconds) - (Utc::now() - last).num_seconds();
                if wait > 0 {
                    return Err(ServiceError::RateLimited {
                        retry_after: wait.unsigned_abs(),
                    });
                }
            }
        }
        if let Verdict::Limited { retry_after } = self
            .limiter
            .hit(&format!("send:{}", auth.user_id), SEND_LIMIT)
            .await
        {
            return Err(ServiceError::RateLimited { retry_after });
        }
        if let Some(reply) = req.reply_to {
            let parent = messages::by_id(&self.db, reply).await?;
            if parent.is_none_or(|p| p.room_id != room_id) {
                return Err(ServiceError::NotFound(
                    "No such message to reply to in this room.".to_owned(),
                ));
            }
        }
        let mentions = messages::user_ids_by_username(&self.db, &parse_mentions(&body)).await?;

        let mut tx = self.db.begin().await?;
        let seq = messages::next_seq(&mut tx, room_id)
            .await?
            .ok_or_else(super::rooms::not_found)?;
        // Under the room lock: a concurrent retry of the same send committed first, so return
        // its message (rolling back the seq we took keeps seqs gapless).
        if let Some(c) = client_id {
            if let Some(existing) =
                messages::by_client_id(&mut *tx, room_id, auth.user_id, c).await?
            {
                tx.rollback().await?;
                return self.resent(existing).await;
            }
        }
        let id = messages::insert(
            &mut tx,
            NewMessage {
                room_id,
                sender_id: auth.user_id,
                seq,
                body: &body,
                reply_to: req.reply_to,
                client_id,
                mentions: &mentions,
            },
        )
        .await?;
        // Only messages that can notify someone get a job; the consumer decides who.
        let notifies = !mentions.is_empty() || req.reply_to.is_some() || room.kind == "direct";
        if notifies {
            let job = NotificationJob::new(Cause::MessageSent { message_id: id });
            self.notifications.outbox().enqueue(&mut tx, &job).await?;
        }
        tx.commit().await?;
        crate::infra::metrics::message_stored();
        if notifies {
            self.notifications.outbox().wake();
        }
        let message = self.load(id).await?;
        self.publish(RoomEvent::MessageCreated {
            message: message.clone(),
        })
        .await;
        Ok(message)
    }

    /// A page of history: `after` a seq (oldest first) for catching up, or `before` a seq
    /// (default: the newest) for scrolling back; returned in seq order.
    pub async fn history(
        &self,
        auth: Authenticated,
        room_id: Uuid,
        before: Option<i64>,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> ServiceResult<Vec<Message>> {
        self.rooms.visible(auth, room_id).await?;
        let limit = limit.unwrap_or(HISTORY_DEFAULT);
        if !(1..=HISTORY_MAX).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                "limit must be between 1 and 100",
            ));
        }
        if before.is_some() && after.is_some() {
            return Err(ServiceError::invalid(
                "before",
                "give before or after, not both",
            ));
        }
        if before.is_some_and(|b| b < 0) || after.is_some_and(|a| a < 0) {
            return Err(ServiceError::invalid("before", "seq must not be negative"));
        }
        let Some(before) = before else {
            // Catching up (`after`: what a reconnecting socket replays, gap filling) and the
            // newest page must see every committed message: the primary.
            let rows = messages::page(&self.db, room_id, None, after, limit).await?;
            return self.with_reactions_all(rows).await;
        };
        // Scrolling back: a replica may serve the page, as long as it holds every seq below
        // `before` (the client has seen `before`, so a lagging copy shows as missing seqs).
        let (rows, reactions) = self
            .reads
            .read_checked(
                |pool| async move {
                    let rows = messages::page(&pool, room_id, Some(before), None, limit).await?;
                    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
                    let reactions = messages::reactions(&pool, &ids).await?;
                    Ok::<_, StoreError>((rows, reactions))
                },
                |(rows, _)| {
                    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
                    complete_page_before(&seqs, before, limit)
                },
            )
            .await?;
        Ok(with_their_reactions(rows, reactions))
    }

    /// The first page of a room view: around `at` when given (a search hit), else from just
    /// before the caller's first unread message when that is far back, else the newest page.
    pub async fn open(
        &self,
        auth: Authenticated,
        room_id: Uuid,
        at: Option<i64>,
    ) -> ServiceResult<ConversationStart> {
        let (room, role) = self.rooms.visible(auth, room_id).await?;
        let last_read_seq = match role {
            Some(_) => members::last_read_seq(&self.db, room_id, auth.user_id).await?,
            None => None,
        };
        // Start a few messages early so the anchor has context above it.
        let after = match (at, last_read_seq) {
            (Some(at), _) if at >= 1 => Some((at - OPEN_CONTEXT).max(0)),
            (None, Some(read)) if room.last_seq - read > OPEN_PAGE => {
                Some((read - OPEN_CONTEXT).max(0))
            }
            _ => None,
        };
        let rows = messages::page(&self.db, room_id, None, after, OPEN_PAGE).await?;
        Ok(ConversationStart {
            messages: self.with_reactions_all(rows).await?,
            last_read_seq,
            last_seq: room.last_seq,
        })
    }

    /// Changes a message's text (its author, if the room allows editing and within its window).
    pub async fn edit(
        &self,
        auth: Authenticated,
        id: Uuid,
        req: EditMessage,
    ) -> ServiceResult<Message> {
        let (row, room, _) = self.visible_message(auth, id).await?;
        if row.sender_id != Some(auth.user_id) {
            return Err(ServiceError::Forbidden(
                "Only the author can edit a message.".to_owned(),
            ));
        }
        if row.deleted_at.is_some() {
            return Err(ServiceError::Conflict {
                field: "id",
                message: "This message was deleted.".to_owned(),
            });
        }
        let settings = room.settings();
        if !settings.allow_editing {
            return Err(ServiceError::Forbidden(
                "Editing is turned off in this room.".to_owned(),
            ));
        }
        let age = (Utc::now() - row.created_at).num_seconds();
        if settings.edit_window_seconds > 0 && age > i64::from(settings.edit_window_seconds) {
            return Err(ServiceError::Forbidden(
                "This message can no longer be edited.".to_owned(),
            ));
        }
        let body = clean_body(&req.body)?;
        let mentions = messages::user_ids_by_username(&self.db, &parse_mentions(&body)).await?;
        messages::edit(&self.db, id, &body, &mentions).await?;
        let message = self.load(id).await?;
        self.publish(RoomEvent::MessageEdited {
            message: message.clone(),
        })
        .await;
        Ok(message)
    }

    /// Deletes a message (its author, or an admin of the room): the content is erased.
    pub async fn delete(&self, auth: Authenticated, id: Uuid) -> ServiceResult<()> {
        let (row, _, role) = self.visible_message(auth, id).await?;
        if row.sender_id != Some(auth.user_id) && role < Some(Role::Admin) {
            return Err(ServiceError::Forbidden(
                "Only the author or an admin can delete a message.".to_owned(),
            ));
        }
        if row.deleted_at.is_none() {
            messages::tombstone(&self.db, id).await?;
            self.publish(RoomEvent::MessageDeleted {
                room_id: row.room_id,
                message_id: id,
                seq: row.seq,
            })
            .await;
        }
        Ok(())
    }

    /// Adds or removes the caller's reaction; returns the message's reactions.
    pub async fn toggle_reaction(
        &self,
        auth: Authenticated,
        id: Uuid,
        emoji: &str,
    ) -> ServiceResult<Vec<Reaction>> {
        let (row, _, role) = self.visible_message(auth, id).await?;
        if role.is_none() {
            return Err(ServiceError::Forbidden(
                "Join the room to react.".to_owned(),
            ));
        }
        if row.deleted_at.is_some() {
            return Err(ServiceError::Conflict {
                field: "id",
                message: "This message was deleted.".to_owned(),
            });
        }
        let emoji = emoji.trim();
        if emoji.is_empty()
            || emoji.chars().count() > EMOJI_MAX
            || emoji
                .chars()
                .any(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || c.is_control())
        {
            return Err(ServiceError::invalid("emoji", "Give one emoji."));
        }
        messages::toggle_reaction(&self.db, id, auth.user_id, emoji).await?;
        let reactions: Vec<Reaction> = messages::reactions(&self.db, &[id])
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        self.publish(RoomEvent::ReactionsChanged {
            room_id: row.room_id,
            message_id: id,
            reactions: reactions.clone(),
        })
        .await;
        Ok(reactions)
    }

    /// Moves the caller's read marker forward; returns the marker.
    pub async fn mark_read(
        &self,
        auth: Authenticated,
        room_id: Uuid,
        seq: i64,
    ) -> ServiceResult<i64> {
        let (_, role) = self.rooms.visible(auth, room_id).await?;
        if role.is_none() {
            return Err(ServiceError::Forbidden("Join the room first.".to_owned()));
        }
        if seq < 0 {
            return Err(ServiceError::invalid("seq", "seq must not be negative"));
        }
        let marker = messages::mark_read(&self.db, room_id, auth.user_id, seq).await?;
        // The marker moved (or not) either way; a failure here only leaves notifications
        // unread, which the user can still clear, so it must not fail the read.
        if let Err(e) = self
            .notifications
            .room_read(auth.user_id, room_id, marker)
            .await
        {
            tracing::warn!(error = %e, "cannot mark a room's notifications read");
        }
        Ok(marker)
    }

    /// Full-text search over the caller's rooms.
    pub async fn search(&self, auth: Authenticated, query: &str) -> ServiceResult<Vec<SearchHit>> {
        let query = query.trim();
        if query.is_empty() || query.chars().count() > SEARCH_QUERY_MAX || query.contains('\0') {
            return Err(ServiceError::invalid(
                "q",
                "Enter 1 to 200 characters to search for.",
            ));
        }
        // Lag-tolerant: a replica serves search when one is healthy.
        let (hits, reactions) = self
            .reads
            .read_with_fallback(|pool| async move {
                let hits = messages::search(&pool, auth.user_id, query, 50).await?;
                let ids: Vec<Uuid> = hits.iter().map(|(m, _)| m.id).collect();
                let reactions = messages::reactions(&pool, &ids).await?;
                Ok::<_, StoreError>((hits, reactions))
            })
            .await?;
        let mut reactions = group(reactions);
        Ok(hits
            .into_iter()
            .map(|(row, room_name)| {
                let r = reactions.remove(&row.id).unwrap_or_default();
                SearchHit {
                    message: row.into_message(r),
                    room_name,
                }
            })
            .collect())
    }

    /// The message with its room and the caller's role there; a message of a room the caller
    /// may not see does not exist for them.
    async fn visible_message(
        &self,
        auth: Authenticated,
        id: Uuid,
    ) -> ServiceResult<(MessageRow, RoomRow, Option<Role>)> {
        let not_found = || ServiceError::NotFound("No such message.".to_owned());
        let row = messages::by_id(&self.db, id).await?.ok_or_else(not_found)?;
        let (room, role) = match self.rooms.visible(auth, row.room_id).await {
            Ok(visible) => visible,
            Err(ServiceError::NotFound(_)) => return Err(not_found()),
            Err(e) => return Err(e),
        };
        Ok((row, room, role))
    }

    async fn load(&self, id: Uuid) -> ServiceResult<Message> {
        let row = messages::by_id(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::Internal("message vanished".to_owned()))?;
        self.with_reactions(row).await
    }

    /// A retried send of a stored message: its stored form, published again. The first
    /// attempt's instance may have died between commit and publish; followers drop the repeat
    /// by seq, so publishing twice costs a frame, never a duplicate.
    async fn resent(&self, existing: MessageRow) -> ServiceResult<Message> {
        let message = self.with_reactions(existing).await?;
        self.publish(RoomEvent::MessageCreated {
            message: message.clone(),
        })
        .await;
        Ok(message)
    }

    async fn with_reactions(&self, row: MessageRow) -> ServiceResult<Message> {
        let mut all = self.with_reactions_all(vec![row]).await?;
        all.pop()
            .ok_or_else(|| ServiceError::Internal("message vanished".to_owned()))
    }

    async fn with_reactions_all(&self, rows: Vec<MessageRow>) -> ServiceResult<Vec<Message>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let reactions = messages::reactions(&self.db, &ids).await?;
        Ok(with_their_reactions(rows, reactions))
    }

    /// Announces that the caller is typing (members only; not stored).
    pub async fn typing(&self, auth: Authenticated, room_id: Uuid) -> ServiceResult<()> {
        if self.rooms.role_of(room_id, auth.user_id).await?.is_none() {
            return Err(super::rooms::not_found());
        }
        self.publish(RoomEvent::Typing {
            room_id,
            user_id: auth.user_id,
        })
        .await;
        Ok(())
    }

    /// Publishes an event on the bus (best effort: clients catch up by seq).
    pub async fn publish(&self, event: RoomEvent) {
        events::publish(&self.bus, event).await;
    }
}

/// Whether `seqs` (ascending) are the whole page of up to `limit` messages before seq
/// `before`: seqs are gapless from 1 and never removed (deleting leaves a tombstone), so a
/// copy that lags behind shows up as missing seqs.
fn complete_page_before(seqs: &[i64], before: i64, limit: i64) -> bool {
    let expected = (before - 1).clamp(0, limit);
    seqs.len() as i64 == expected
        && seqs
            .iter()
            .enumerate()
            .all(|(i, &seq)| seq == before - expected + i as i64)
}

/// The messages of `rows`, each with its reactions out of `reactions`.
fn with_their_reactions(rows: Vec<MessageRow>, reactions: Vec<(Uuid, Reaction)>) -> Vec<Message> {
    let mut reactions = group(reactions);
    rows.into_iter()
        .map(|row| {
            let r = reactions.remove(&row.id).unwrap_or_default();
            row.into_message(r)
        })
        .collect()
}

fn group(pairs: Vec<(Uuid, Reaction)>) -> HashMap<Uuid, Vec<Reaction>> {
    let mut map: HashMap<Uuid, Vec<Reaction>> = HashMap::new();
    for (id, r) in pairs {
        map.entry(id).or_default().push(r);
    }
    map
}

fn clean_body(body: &str) -> ServiceResult<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(ServiceError::invalid("body", "Write something first."));
    }
    if body.chars().count() > MESSAGE_MAX {
        return Err(ServiceError::invalid(
            "body",
            format!("Messages can be at most {MESSAGE_MAX} characters."),
        ));
    }
    if body.contains('\0') {
        return Err(ServiceError::invalid(
            "body",
            "Messages may not contain NUL characters.",
        ));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::complete_page_before;

    #[test]
    fn a_page_before_a_seq_is_complete_only_without_missing_seqs() {
        assert!(complete_page_before(&[7, 8, 9], 10, 3));
        assert!(complete_page_before(&[1, 2], 3, 50));
        assert!(complete_page_before(&[], 1, 50));
        // A lagging copy lacks the newest seqs, or the whole room.
        assert!(!complete_page_before(&[5, 6, 7], 10, 3));
        assert!(!complete_page_before(&[1, 2], 4, 50));
        assert!(!complete_page_before(&[], 4, 50));
        assert!(!complete_page_before(&[7, 9], 10, 2));
    }
}
