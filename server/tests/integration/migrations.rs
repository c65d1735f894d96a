//! The migrations build the whole data model from an empty database.

use crate::common::TestDb;

#[tokio::test]
async fn migrations_create_the_data_model_from_empty() {
    let db = TestDb::empty().await;
    app::infra::db::migrate(&db.pool)
        .await
        .expect("migrations apply on an empty database");

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .expect("list tables");
    for expected in [
        "invitations",
        "invite_links",
        "message_reactions",
        "messages",
        "notifications",
        "outbox",
        "refresh_sessions",
        "refresh_tokens",
        "room_bans",
        "room_participants",
        "rooms",
        "user_profiles",
        "users",
    ] {
        assert!(
            tables.iter().any(|t| t == expected),
            "missing table {expected}: {tables:?}"
        );
    }
}

#[tokio::test]
async fn migrating_twice_is_a_no_op() {
    let db = TestDb::migrated().await;
    app::infra::db::migrate(&db.pool)
        .await
        .expect("second run applies nothing and succeeds");
}

#[tokio::test]
async fn every_foreign_key_is_backed_by_an_index() {
    let db = TestDb::migrated().await;
    // A foreign key is covered when some index starts with exactly its columns.
    let uncovered: Vec<String> = sqlx::query_scalar(
        "SELECT c.conrelid::regclass::text || '.' || c.conname
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
           AND NOT EXISTS (
             SELECT 1 FROM pg_index i
             WHERE i.indrelid = c.conrelid
               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)",
    )
    .fetch_all(&db.pool)
    .await
    .expect("query catalog");
    assert!(
        uncovered.is_empty(),
        "foreign keys without an index: {uncovered:?}"
    );
}

#[tokio::test]
async fn uniqueness_is_case_insensitive_and_idempotency_keys_are_unique() {
    let db = TestDb::migrated().await;
    let insert_user = "INSERT INTO users (email, username, password_hash, display_name)
                       VALUES ($1, $2, 'x', 'X') RETURNING id";
    let alice: uuid::Uuid = sqlx::query_scalar(insert_user)
        .bind("alice@example.com")
        .bind("alice")
        .fetch_one(&db.pool)
        .await
        .expect("first user");
    let dup_email = sqlx::query(insert_user)
        .bind("ALICE@example.com")
        .bind("alice2")
        .execute(&db.pool)
        .await;
    assert!(
        dup_email.is_err(),
        "emails must be unique regardless of case"
    );
    let dup_name = sqlx::query(insert_user)
        .bind("other@example.com")
        .bind("Alice")
        .execute(&db.pool)
        .await;
    assert!(
        dup_name.is_err(),
        "usernames must be unique regardless of case"
    );

    let room: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO rooms (name, creator_id) VALUES ('general', $1) RETURNING id",
    )
    .bind(alice)
    .fetch_one(&db.pool)
    .await
    .expect("room");
    let insert_message = "INSERT INTO messages (room_id, sender_id, seq, body, client_id)
                          VALUES ($1, $2, $3, 'hi', 'c-1')";
    sqlx::query(insert_message)
        .bind(room)
        .bind(alice)
        .bind(1_i64)
        .execute(&db.pool)
        .await
        .expect("first message");
    let retried = sqlx::query(insert_message)
        .bind(room)
        .bind(alice)
        .bind(2_i64)
        .execute(&db.pool)
        .await;
    assert!(retried.is_err(), "(room, sender, client_id) must be unique");
    let same_seq = sqlx::query(
        "INSERT INTO messages (room_id, sender_id, seq, body) VALUES ($1, $2, 1, 'again')",
    )
    .bind(room)
    .bind(alice)
    .execute(&db.pool)
    .await;
    assert!(same_seq.is_err(), "(room, seq) must be unique");
}

#[tokio::test]
async fn an_older_release_starts_on_a_schema_a_newer_one_migrated() {
    let db = TestDb::empty().await;
    app::infra::db::migrate(&db.pool).await.expect("migrate");
    // What a newer release leaves behind: a migration this binary does not know.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (20991231000000, 'from the future', true, '\\x00'::bytea, 0)",
    )
    .execute(&db.pool)
    .await
    .expect("record a future migration");
    app::infra::db::migrate(&db.pool)
        .await
        .expect("a rollback to this release still starts");
}
