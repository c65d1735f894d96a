//! What the consumer stores for whom: every cause, the preference matrix (kinds off, do not
//! disturb, room level all / mentions / nothing, mute), direct messages already read, and
//! reading a room reading its notifications. The outbox runs through the consumer
//! synchronously here, so each step's outcome is exact.

use app::{
    model::{
        notification::{NotificationKind, NotificationPreferences, RoomNotifyLevel},
        realtime::ServerFrame,
        room::{BanRequest, InviteRequest, Role},
    },
    services::auth::Authenticated,
};
use uuid::Uuid;

use super::support::{drain, listen, next_frame, people, room, say, stored, Harness};
use crate::common::TestApp;

/// Kinds of `user`'s notifications, oldest first.
async fn kinds(app: &TestApp, user: Authenticated) -> Vec<String> {
    stored(app, user.user_id)
        .await
        .into_iter()
        .map(|(kind, _, _)| kind)
        .collect()
}

async fn set_level(app: &TestApp, who: Authenticated, room: Uuid, level: RoomNotifyLevel) {
    app.services
        .notifications
        .set_room_level(who, room, level)
        .await
        .expect("set level");
}

#[tokio::test]
async fn turned_off_kinds_store_nothing_and_the_next_kind_applies() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let [alice, bob, carol] = people(app, ["off_alice", "off_bob", "off_carol"]).await;
    let room = room(app, alice, &[bob], false).await;
    app.services
        .notifications
        .update_preferences(
            bob,
            NotificationPreferences {
                disabled_kinds: vec![NotificationKind::Mention],
                ..Default::default()
            },
        )
        .await
        .expect("save preferences");

    say(app, alice, room, "@off_bob hello", None).await;
    // Someone outside the room is not notified of a mention there.
    say(app, alice, room, "@off_carol are you here?", None).await;
    assert_eq!(drain(app).await, 0);

    let mine = say(app, bob, room, "my message", None).await;
    say(app, alice, room, "@off_bob replying", Some(mine.id)).await;
    assert_eq!(drain(app).await, 1);
    assert_eq!(
        kinds(app, bob).await,
        ["reply"],
        "mention is off, reply is not"
    );

    let direct = app
        .services
        .rooms
        .open_direct(alice, bob.user_id)
        .await
        .expect("direct room");
    say(app, alice, direct.id, "@off_bob psst", None).await;
    assert_eq!(drain(app).await, 1);
    assert_eq!(kinds(app, bob).await, ["reply", "direct_message"]);
    assert!(kinds(app, carol).await.is_empty());
}

#[tokio::test]
async fn do_not_disturb_stores_and_counts_but_does_not_alert() {
    let h = Harness::spawn(&[]).await;
    let app = &h.app;
    let [alice, bob] = people(app, ["dnd_alice", "dnd_bob"]).await;
    let room = room(app, alice, &[bob], false).await;
    let prefs = app
        .services
        .notifications
        .update_preferences(
            bob,
            NotificationPreferences {
                do_not_disturb: true,
                ..Default::default()
            },
        )
        .await
        .expect("save preferences");
    assert!(prefs.do_not_disturb);
    let mut frames = listen(app, bob.user_id).await;

    say(app, alice, room, "@dnd_bob quiet please", None).await;
    assert_eq!(drain(app).await, 1);
    match next_frame(&mut frames, bob.user_id).await {
        ServerFrame::Notification {
            alert,
            unread_count,
            ..
        } => {
            assert!(!alert, "no alert under do not disturb");
            assert_eq!(unread_count, 1);
        }
        other => panic!("expected a notification frame, got {other:?}"),
    }

    app.services
        .notifications
        .update_preferences(bob, NotificationPreferences::default())
        .await
        .expect("switch off");
    say(app, alice, room, "@dnd_bob now loud", None).await;
    assert_eq!(drain(app).await, 1);
    match next_frame(&mut frames, bob.user_id).await {
        ServerFrame::Notification {
            alert,
            unread_count,
            ..
        } => {
            assert!(alert);
            assert_eq!(unread_count, 2);
        }
        other => panic!("expected a notification frame, got {other:?}"),
    }
}

#[tokio::test]
async fn room_levels_and_mute_filter_what_a_room_causes() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let [alice, bob] = people(app, ["lvl_alice", "lvl_bob"]).await;
    let room = room(app, alice, &[bob], false).await;
    let mine = say(app, bob, room, "my message", None).await;

    // mentions: mentions only.
    set_level(app, bob, room, RoomNotifyLevel::Mentions).await;
    say(app, alice, room, "a reply", Some(mine.id)).await;
    assert_eq!(drain(app).await, 0);
    say(app, alice, room, "@lvl_bob a mention", None).await;
    assert_eq!(drain(app).await, 1);

    // nothing: not even mentions or role changes.
    set_level(app, bob, room, RoomNotifyLevel::Nothing).await;
    say(app, alice, room, "@lvl_bob again", None).await;
    app.services
        .rooms
        .change_role(alice, room, bob.user_id, Role::Admin)
        .await
        .expect("promote");
    assert_eq!(drain(app).await, 0);

    // all, but muted: still nothing.
    set_level(app, bob, room, RoomNotifyLevel::All).await;
    app.services
        .rooms
        .set_muted(bob, room, true)
        .await
        .expect("mute");
    say(app, alice, room, "@lvl_bob muted?", None).await;
    say(app, alice, room, "reply while muted", Some(mine.id)).await;
    assert_eq!(drain(app).await, 0);
    let settings = app
        .services
        .notifications
        .room_settings(bob, room)
        .await
        .expect("settings");
    assert_eq!(settings.level, RoomNotifyLevel::All);
    assert!(settings.muted);

    // Unmuted, level all: replies and mentions again.
    app.services
        .rooms
        .set_muted(bob, room, false)
        .await
        .expect("unmute");
    say(app, alice, room, "reply when unmuted", Some(mine.id)).await;
    assert_eq!(drain(app).await, 1);
    assert_eq!(kinds(app, bob).await, ["mention", "reply"]);
}

#[tokio::test]
async fn direct_messages_notify_unless_already_read_and_reading_clears_them() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let [alice, bob] = people(app, ["dm_alice", "dm_bob"]).await;
    let direct = app
        .services
        .rooms
        .open_direct(alice, bob.user_id)
        .await
        .expect("direct room")
        .id;
    let first = say(app, alice, direct, "are you there?", None).await;
    assert_eq!(drain(app).await, 1);
    let notes = stored(app, bob.user_id).await;
    assert_eq!(notes[0].0, "direct_message");
    assert_eq!(
        notes[0].1["room"]["name"], "dm_alice",
        "named after the sender"
    );
    assert_eq!(
        notes[0].1["link"],
        format!("/rooms/{direct}?at={}", first.seq)
    );

    // Bob has the conversation open and reads it before the job is consumed: nothing.
    let second = say(app, alice, direct, "I see you typing", None).await;
    app.services
        .messages
        .mark_read(bob, direct, second.seq)
        .await
        .expect("read");
    assert_eq!(drain(app).await, 0);
    assert_eq!(stored(app, bob.user_id).await.len(), 1);

    // Reading the conversation read the notification that pointed into it.
    let notes = stored(app, bob.user_id).await;
    assert!(notes[0].2, "read with the conversation");
    let count = app
        .services
        .notifications
        .unread_count(bob)
        .await
        .expect("count");
    assert_eq!(count.unread_count, 0);

    // Alice's own messages never notify her.
    assert!(stored(app, alice.user_id).await.is_empty());
}

#[tokio::test]
async fn invitations_acceptances_and_withdrawals() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let [alice, bob, carol] = people(app, ["inv_alice", "inv_bob", "inv_carol"]).await;
    let private = room(app, alice, &[], true).await;
    let invitation = app
        .services
        .invitations
        .invite(
            alice,
            private,
            InviteRequest {
                user: "inv_bob".into(),
            },
        )
        .await
        .expect("invite");
    assert_eq!(drain(app).await, 1);
    let to_bob = stored(app, bob.user_id).await;
    assert_eq!(to_bob[0].0, "room_invitation");
    assert_eq!(to_bob[0].1["link"], "/invitations");
    assert_eq!(to_bob[0].1["invitation_id"], invitation.id.to_string());
    assert_eq!(to_bob[0].1["actor"]["username"], "inv_alice");

    app.services
        .invitations
        .accept(bob, invitation.id)
        .await
        .expect("accept");
    assert_eq!(drain(app).await, 1);
    let to_alice = stored(app, alice.user_id).await;
    assert_eq!(to_alice[0].0, "invitation_accepted");
    assert_eq!(to_alice[0].1["actor"]["username"], "inv_bob");
    assert_eq!(to_alice[0].1["link"], format!("/rooms/{private}"));

    // Withdrawn before the job is consumed: nothing to act on, so no notification.
    let withdrawn = app
        .services
        .invitations
        .invite(
            alice,
            private,
            InviteRequest {
                user: "inv_carol".into(),
            },
        )
        .await
        .expect("invite");
    app.services
        .invitations
        .revoke(alice, withdrawn.id)
        .await
        .expect("revoke");
    assert_eq!(drain(app).await, 0);
    assert!(stored(app, carol.user_id).await.is_empty());
}

#[tokio::test]
async fn role_changes_removals_and_bans_notify_the_person_concerned() {
    let h = Harness::spawn(&[("AMQP_URL", "memory")]).await;
    let app = &h.app;
    let [alice, bob, carol] = people(app, ["mod_alice", "mod_bob", "mod_carol"]).await;
    let room = room(app, alice, &[bob], false).await;

    app.services
        .rooms
        .change_role(alice, room, bob.user_id, Role::Admin)
        .await
        .expect("promote");
    // The same role again changes nothing, so it notifies nobody.
    app.services
        .rooms
        .change_role(alice, room, bob.user_id, Role::Admin)
        .await
        .expect("promote again");
    assert_eq!(drain(app).await, 1);

    // Muted and at level nothing: removal and ban still come (the membership is gone).
    set_level(app, bob, room, RoomNotifyLevel::Nothing).await;
    app.services
        .rooms
        .set_muted(bob, room, true)
        .await
        .expect("mute");
    app.services
        .rooms
        .remove(alice, room, bob.user_id)
        .await
        .expect("remove");
    app.services.rooms.join(bob, room).await.expect("rejoin");
    app.services
        .rooms
        .ban(
            alice,
            room,
            BanRequest {
                user_id: bob.user_id,
                reason: None,
            },
        )
        .await
        .expect("ban");
    // A ban of someone never in the room tells them nothing.
    app.services
        .rooms
        .ban(
            alice,
            room,
            BanRequest {
                user_id: carol.user_id,
                reason: None,
            },
        )
        .await
        .expect("ban carol");
    assert_eq!(drain(app).await, 2);

    let notes = stored(app, bob.user_id).await;
    let kinds: Vec<&str> = notes.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["role_changed", "removed_from_room", "banned_from_room"]
    );
    assert_eq!(notes[0].1["role"], "admin");
    assert_eq!(notes[0].1["link"], format!("/rooms/{room}"));
    assert_eq!(notes[1].1["link"], "/rooms");
    assert_eq!(notes[2].1["actor"]["username"], "mod_alice");
    assert!(stored(app, carol.user_id).await.is_empty());
}
