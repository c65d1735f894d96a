-- Notification preferences. Per user: kinds turned off and do not disturb (on until switched
-- off, or until a time). Per room: a level (all / mentions / nothing) on the membership row.
--
-- room_participants.muted stays what it was: a muted room produces no notifications whatever
-- its level (and the UI plays its unread badge down). The level is kept apart so unmuting
-- restores it. Users without a preferences row have the defaults, so no backfill is needed,
-- and existing memberships get the level 'all', which is what they had before.

CREATE TABLE notification_preferences (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    disabled_kinds text[] NOT NULL DEFAULT '{}' CHECK (disabled_kinds <@ ARRAY[
                       'room_invitation', 'invitation_accepted', 'mention', 'reply',
                       'direct_message', 'removed_from_room', 'banned_from_room',
                       'role_changed']::text[]),
    do_not_disturb boolean NOT NULL DEFAULT false,
    dnd_until      timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- A constant default: PostgreSQL adds the column without rewriting the table.
ALTER TABLE room_participants ADD COLUMN notify_level text NOT NULL DEFAULT 'all'
    CHECK (notify_level IN ('all', 'mentions', 'nothing'));

-- The relay deletes rows sent long ago; this keeps that from scanning the whole table.
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
