-- The whole data model of ARCHITECTURE.md. Text columns with CHECK constraints stand in for
-- enums so new values need no type migration; case-insensitive uniqueness uses lower().
-- gen_random_uuid() is built into PostgreSQL 13+, so no extension is needed.

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
    password_hash text NOT NULL,
    display_name  text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 64),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
-- Prefix search ("ali" finds "Alice") must use an index regardless of the collation.
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops);

CREATE TABLE user_profiles (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    phone       text CHECK (char_length(phone) <= 32),
    address     text CHECK (char_length(address) <= 200),
    city        text CHECK (char_length(city) <= 100),
    country     text CHECK (char_length(country) <= 100),
    postal_code text CHECK (char_length(postal_code) <= 20),
    birth_date  date,
    gender      text CHECK (char_length(gender) <= 50),
    company     text CHECK (char_length(company) <= 100),
    education   text CHECK (char_length(education) <= 200),
    bio         text CHECK (char_length(bio) <= 1000),
    avatar_url  text CHECK (char_length(avatar_url) <= 2048),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A login session: one family of rotating refresh tokens.
CREATE TABLE refresh_sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   text CHECK (char_length(user_agent) <= 512),
    ip_address   text CHECK (char_length(ip_address) <= 64),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoked_reason text
);
CREATE INDEX refresh_sessions_user_id_idx ON refresh_sessions (user_id);

-- Every refresh token ever issued, stored hashed. A token presented after it was rotated
-- (rotated_at set) is a replay: the whole session is revoked.
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES refresh_sessions (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    rotated_at  timestamptz
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

CREATE TABLE rooms (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
    description      text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    is_private       boolean NOT NULL DEFAULT false,
    kind             text NOT NULL DEFAULT 'group' CHECK (kind IN ('group', 'direct')),
    max_participants integer CHECK (max_participants BETWEEN 2 AND 100000),
    avatar_url       text CHECK (char_length(avatar_url) <= 2048),
    settings         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    creator_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    -- For direct rooms: the two user ids in sorted order, so a pair has exactly one room.
    direct_key       text UNIQUE,
    last_seq         bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rooms_direct_shape CHECK (
        (kind = 'direct' AND is_private AND direct_key IS NOT NULL)
        OR (kind = 'group' AND direct_key IS NULL)
    )
);
CREATE INDEX rooms_creator_id_idx ON rooms (creator_id);
CREATE INDEX rooms_directory_created_idx ON rooms (created_at DESC, id)
    WHERE kind = 'group' AND NOT is_private;

CREATE TABLE room_participants (
    room_id       uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    joined_at     timestamptz NOT NULL DEFAULT now(),
    last_read_seq bigint NOT NULL DEFAULT 0 CHECK (last_read_seq >= 0),
    muted         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_participants_user_id_idx ON room_participants (user_id);

CREATE TABLE room_bans (
    room_id    uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    banned_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    reason     text CHECK (char_length(reason) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_bans_user_id_idx ON room_bans (user_id);
CREATE INDEX room_bans_banned_by_idx ON room_bans (banned_by);

CREATE TABLE invitations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    room_id      uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    inviter_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    invitee_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    responded_at timestamptz
);
CREATE UNIQUE INDEX invitations_one_pending_key ON invitations (room_id, invitee_id)
    WHERE status = 'pending';
CREATE INDEX invitations_room_id_idx ON invitations (room_id);
CREATE INDEX invitations_inviter_id_idx ON invitations (inviter_id);
CREATE INDEX invitations_invitee_id_idx ON invitations (invitee_id, created_at DESC);

CREATE TABLE invite_links (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    room_id    uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    creator_id uuid REFERENCES users (id) ON DELETE SET NULL,
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz,
    max_uses   integer CHECK (max_uses > 0),
    uses       integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invite_links_uses_within_max CHECK (max_uses IS NULL OR uses <= max_uses)
);
CREATE INDEX invite_links_room_id_idx ON invite_links (room_id);
CREATE INDEX invite_links_creator_id_idx ON invite_links (creator_id);

CREATE TABLE messages (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    room_id    uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    sender_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    seq        bigint NOT NULL CHECK (seq > 0),
    -- Erased (empty) once deleted_at is set: a tombstone keeps the seq without the content.
    body       text NOT NULL CHECK (char_length(body) <= 4000),
    reply_to   uuid REFERENCES messages (id) ON DELETE SET NULL,
    client_id  text CHECK (char_length(client_id) BETWEEN 1 AND 64),
    mentions   uuid[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at  timestamptz,
    deleted_at timestamptz,
    search     tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED,
    CONSTRAINT messages_room_seq_key UNIQUE (room_id, seq)
);
-- A retried send with the same client_id finds the stored message instead of duplicating it.
CREATE UNIQUE INDEX messages_idempotency_key ON messages (room_id, sender_id, client_id)
    WHERE client_id IS NOT NULL;
CREATE INDEX messages_sender_id_idx ON messages (sender_id);
CREATE INDEX messages_reply_to_idx ON messages (reply_to);
CREATE INDEX messages_search_idx ON messages USING gin (search);
CREATE INDEX messages_mentions_idx ON messages USING gin (mentions);

CREATE TABLE message_reactions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      text NOT NULL CHECK (char_length(emoji) BETWEEN 1 AND 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id, emoji)
);
CREATE INDEX message_reactions_user_id_idx ON message_reactions (user_id);

CREATE TABLE notifications (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN (
                   'room_invitation', 'invitation_accepted', 'mention', 'reply',
                   'direct_message', 'removed_from_room', 'banned_from_room', 'role_changed')),
    payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Identifies the cause, so a redelivered job cannot store the same notification twice.
    dedupe_key text NOT NULL CHECK (char_length(dedupe_key) <= 200),
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_dedupe_key UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- Transactional outbox: written with its cause, relayed to RabbitMQ after commit.
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic      text NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 200),
    payload    jsonb NOT NULL,
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
