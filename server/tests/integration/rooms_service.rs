//! The room and invitation services against the real PostgreSQL and Redis.

use crate::common::TestApp;
use app::{
    model::room::{BanRequest, CreateInviteLink, CreateRoom, InviteRequest, Role, UpdateRoom},
    services::{auth::Authenticated, ServiceError, Services},
};
use serde_json::json;
use uuid::Uuid;

async fn user(s: &Services, name: &str) -> Authenticated {
    crate::common::service_user(s, name).await
}

async fn room(s: &Services, owner: Authenticated, name: &str, private: bool) -> Uuid {
    s.rooms
        .create(
            owner,
            CreateRoom {
                name: name.into(),
                is_private: private,
                ..Default::default()
            },
        )
        .await
        .expect("create room")
        .id
}

fn kind(result: &Result<impl std::fmt::Debug, ServiceError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(ServiceError::Invalid(_)) => "invalid",
        Err(ServiceError::Conflict { .. }) => "conflict",
        Err(ServiceError::Unauthenticated(_)) => "unauthenticated",
        Err(ServiceError::Forbidden(_)) => "forbidden",
        Err(ServiceError::NotFound(_)) => "not_found",
        Err(ServiceError::RateLimited { .. }) => "rate_limited",
        Err(ServiceError::Internal(_)) => "internal",
    }
}

/// Who may do what: each action is tried by the owner, an admin, a member and an outsider of a
/// public room, against a fresh target each time.
#[tokio::test]
async fn roles_matrix() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let owner = user(s, "owner").await;
    let admin = user(s, "admin").await;
    let member = user(s, "member").await;
    let outsider = user(s, "outsider").await;
    let id = room(s, owner, "matrix", false).await;
    s.rooms.join(admin, id).await.expect("join");
    s.rooms.join(member, id).await.expect("join");
    s.rooms
        .change_role(owner, id, admin.user_id, Role::Admin)
        .await
        .expect("promote");

    // (action, [owner, admin, member, outsider])
    let expectations: [(&str, [&str; 4]); 6] = [
        ("update", ["ok", "ok", "forbidden", "forbidden"]),
        ("remove_member", ["ok", "ok", "forbidden", "forbidden"]),
        ("ban_member", ["ok", "ok", "forbidden", "forbidden"]),
        (
            "promote_member",
            ["ok", "forbidden", "forbidden", "forbidden"],
        ),
        ("list_bans", ["ok", "ok", "forbidden", "forbidden"]),
        ("create_link", ["ok", "ok", "forbidden", "forbidden"]),
    ];
    let actors = [owner, admin, member, outsider];
    for (action, expected) in expectations {
        for (actor, want) in actors.iter().zip(expected) {
            // A fresh member to act on, so earlier rows do not affect later ones.
            let target = user(
                s,
                &format!("t{}", &Uuid::new_v4().simple().to_string()[..8]),
            )
            .await;
            s.rooms.join(target, id).await.expect("target joins");
            let got = match action {
                "update" => kind(
                    &s.rooms
                        .update(
                            *actor,
                            id,
                            UpdateRoom {
                                description: Some("x".into()),
                                ..Default::default()
                            },
                        )
                        .await,
                ),
                "remove_member" => kind(&s.rooms.remove(*actor, id, target.user_id).await),
                "ban_member" => kind(
                    &s.rooms
                        .ban(
                            *actor,
                            id,
                            BanRequest {
                                user_id: target.user_id,
                                reason: None,
                            },
                        )
                        .await,
                ),
                "promote_member" => kind(
                    &s.rooms
                        .change_role(*actor, id, target.user_id, Role::Admin)
                        .await,
                ),
                "list_bans" => kind(&s.rooms.bans(*actor, id).await),
                "create_link" => kind(
                    &s.invitations
                        .create_link(*actor, id, CreateInviteLink::default())
                        .await,
                ),
                _ => unreachable!(),
            };
            assert_eq!(got, want, "{action} by actor {:?}", actor.user_id);
        }
    }

    // Rank: an admin cannot remove or ban the owner or another admin; only the owner deletes.
    assert_eq!(
        kind(&s.rooms.remove(admin, id, owner.user_id).await),
        "forbidden"
    );
    assert_eq!(
        kind(
            &s.rooms
                .ban(
                    admin,
                    id,
                    BanRequest {
                        user_id: owner.user_id,
                        reason: None
                    }
                )
                .await
        ),
        "forbidden"
    );
    assert_eq!(kind(&s.rooms.delete(admin, id).await), "forbidden");
    assert_eq!(kind(&s.rooms.remove(owner, id, admin.user_id).await), "ok");
    assert_eq!(kind(&s.rooms.delete(owner, id).await), "ok");
    assert_eq!(kind(&s.rooms.get(owner, id).await), "not_found");
}

#[tokio::test]
async fn the_last_owner_cannot_leave_until_ownership_moves() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let owner = user(s, "founder").await;
    let heir = user(s, "heir").await;
    let id = room(s, owner, "succession", false).await;
    s.rooms.join(heir, id).await.expect("join");
    assert_eq!(kind(&s.rooms.leave(owner, id).await), "conflict");
    s.rooms
        .change_role(owner, id, heir.user_id, Role::Owner)
        .await
        .expect("transfer");
    assert_eq!(
        s.rooms.role_of(id, owner.user_id).await.expect("role"),
        Some(Role::Admin)
    );
    s.rooms.leave(owner, id).await.expect("former owner leaves");
    assert_eq!(kind(&s.rooms.leave(owner, id).await), "not_found");
}

async fn race_for_last_seat(overrides: &[(&str, &str)]) {
    let app = TestApp::spawn(overrides).await;
    let s = &app.services;
    let owner = user(s, "host").await;
    let a = user(s, "racer_a").await;
    let b = user(s, "racer_b").await;
    let id = s
        .rooms
        .create(
            owner,
            CreateRoom {
                name: "two seats".into(),
                max_participants: Some(2),
                ..Default::default()
            },
        )
        .await
        .expect("create")
        .id;
    let (ra, rb) = tokio::join!(s.rooms.join(a, id), s.rooms.join(b, id));
    let outcomes = [kind(&ra), kind(&rb)];
    assert!(
        outcomes.contains(&"ok") && outcomes.contains(&"conflict"),
        "{outcomes:?}"
    );
    assert_eq!(
        s.rooms
            .get(owner, id)
            .await
            .expect("room")
            .participant_count,
        2
    );
}

#[tokio::test]
async fn exactly_one_of_two_racing_joins_gets_the_last_seat() {
    race_for_last_seat(&[]).await;
}

#[tokio::test]
async fn the_seat_race_holds_with_the_in_process_cache() {
    race_for_last_seat(&[("REDIS_URL", "memory")]).await;
}

#[tokio::test]
async fn banned_users_are_out_at_once_and_stay_out() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let owner = user(s, "mod").await;
    let troll = user(s, "troll").await;
    let id = room(s, owner, "civil", true).await;
    // Private room: join through an invitation.
    let inv = s
        .invitations
        .invite(
            owner,
            id,
            InviteRequest {
                user: "troll".into(),
            },
        )
        .await
        .expect("invite");
    s.invitations.accept(troll, inv.id).await.expect("accept");
    assert!(
        s.rooms.participants(troll, id).await.is_ok(),
        "member sees the room"
    );

    s.rooms
        .ban(
            owner,
            id,
            BanRequest {
                user_id: troll.user_id,
                reason: Some("spam".into()),
            },
        )
        .await
        .expect("ban");
    // The cache was warm; the change must still be visible at once.
    assert_eq!(kind(&s.rooms.participants(troll, id).await), "not_found");
    assert_eq!(kind(&s.rooms.get(troll, id).await), "not_found");
    let link = s
        .invitations
        .create_link(owner, id, CreateInviteLink::default())
        .await
        .expect("link");
    let code = link.code.expect("code");
    assert_eq!(
        kind(&s.invitations.join_by_link(troll, &code).await),
        "forbidden"
    );
    assert_eq!(
        kind(
            &s.invitations
                .invite(
                    owner,
                    id,
                    InviteRequest {
                        user: "troll".into()
                    }
                )
                .await
        ),
        "conflict"
    );
    s.rooms
        .unban(owner, id, troll.user_id)
        .await
        .expect("unban");
    s.invitations
        .join_by_link(troll, &code)
        .await
        .expect("back after unban");
}

#[tokio::test]
async fn invitation_flow_and_links() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let host = user(s, "host").await;
    let guest = user(s, "guest").await;
    let other = user(s, "other").await;
    let id = room(s, host, "secret", true).await;

    // Outsiders cannot see or preview it.
    assert_eq!(kind(&s.rooms.preview(guest, id).await), "not_found");
    assert_eq!(kind(&s.rooms.join(guest, id).await), "not_found");

    let inv = s
        .invitations
        .invite(
            host,
            id,
            InviteRequest {
                user: "GUEST@example.com".into(),
            },
        )
        .await
        .expect("invite by email");
    assert_eq!(
        kind(
            &s.invitations
                .invite(
                    host,
                    id,
                    InviteRequest {
                        user: "guest".into()
                    }
                )
                .await
        ),
        "conflict",
        "one pending invitation per person"
    );
    assert_eq!(s.invitations.mine(guest).await.expect("inbox").len(), 1);
    // Only the invitee can answer.
    assert_eq!(
        kind(&s.invitations.accept(other, inv.id).await),
        "not_found"
    );
    let joined = s.invitations.accept(guest, inv.id).await.expect("accept");
    assert_eq!(joined.my_role, Some(Role::Member));
    assert_eq!(kind(&s.invitations.accept(guest, inv.id).await), "conflict");

    // Revoke by inviter; decline by invitee.
    let inv2 = s
        .invitations
        .invite(
            guest,
            id,
            InviteRequest {
                user: "other".into(),
            },
        )
        .await
        .expect("member invites");
    s.invitations
        .revoke(guest, inv2.id)
        .await
        .expect("inviter revokes");
    assert_eq!(
        kind(&s.invitations.accept(other, inv2.id).await),
        "conflict"
    );
    let inv3 = s
        .invitations
        .invite(
            guest,
            id,
            InviteRequest {
                user: "other".into(),
            },
        )
        .await
        .expect("invite again");
    s.invitations
        .decline(other, inv3.id)
        .await
        .expect("decline");
    assert_eq!(kind(&s.rooms.get(other, id).await), "not_found");

    // Links: use limit and revocation.
    let link = s
        .invitations
        .create_link(
            host,
            id,
            CreateInviteLink {
                max_uses: Some(1),
                expires_in_seconds: Some(3600),
            },
        )
        .await
        .expect("link");
    let code = link.code.expect("code");
    s.invitations
        .join_by_link(other, &code)
        .await
        .expect("first use");
    let late = user(s, "late").await;
    assert_eq!(
        kind(&s.invitations.join_by_link(late, &code).await),
        "not_found"
    );
    assert_eq!(
        kind(&s.invitations.join_by_link(late, "nonsense").await),
        "not_found"
    );
    let second = s
        .invitations
        .create_link(host, id, CreateInviteLink::default())
        .await
        .expect("link");
    s.invitations
        .revoke_link(host, id, second.id)
        .await
        .expect("revoke");
    assert_eq!(
        kind(
            &s.invitations
                .join_by_link(late, second.code.as_deref().unwrap_or_default())
                .await
        ),
        "not_found"
    );
    assert_eq!(
        kind(
            &s.invitations
                .create_link(
                    host,
                    id,
                    CreateInviteLink {
                        expires_in_seconds: Some(5),
                        max_uses: None
                    }
                )
                .await
        ),
        "invalid"
    );
}

#[tokio::test]
async fn direct_conversations_are_unique_private_and_roleless() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = user(s, "anna").await;
    let b = user(s, "bert").await;
    let c = user(s, "carl").await;
    let (first, second) = tokio::join!(
        s.rooms.open_direct(a, b.user_id),
        s.rooms.open_direct(b, a.user_id)
    );
    let (first, second) = (first.expect("open"), second.expect("open"));
    assert_eq!(
        first.id, second.id,
        "one room per pair, even when both start it at once"
    );
    assert_eq!(first.name, "bert");
    assert_eq!(second.name, "anna");
    assert_eq!(
        s.rooms.open_direct(a, b.user_id).await.expect("again").id,
        first.id
    );
    assert_eq!(kind(&s.rooms.get(c, first.id).await), "not_found");
    assert_eq!(kind(&s.rooms.join(c, first.id).await), "not_found");
    assert_eq!(kind(&s.rooms.open_direct(a, a.user_id).await), "forbidden");
    assert_eq!(
        kind(&s.rooms.open_direct(a, Uuid::new_v4()).await),
        "not_found"
    );
    assert_eq!(kind(&s.rooms.leave(a, first.id).await), "forbidden");
    assert_eq!(
        kind(
            &s.rooms
                .update(
                    a,
                    first.id,
                    UpdateRoom {
                        name: Some("x".into()),
                        ..Default::default()
                    }
                )
                .await
        ),
        "forbidden"
    );
    let (page, _) = s
        .rooms
        .directory(Default::default())
        .await
        .expect("directory");
    assert!(
        page.iter().all(|r| r.id != first.id),
        "never in the directory"
    );
    let mine = s.rooms.mine(a).await.expect("mine");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0].peer.as_ref().map(|p| p.username.as_str()),
        Some("bert")
    );
}

#[tokio::test]
async fn settings_are_validated_and_merged() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let owner = user(s, "setter").await;
    let id = room(s, owner, "announcements", false).await;
    let updated = s
        .rooms
        .update(
            owner,
            id,
            UpdateRoom {
                settings: Some(json!({"who_can_post": "admins"})),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(
        serde_json::to_value(&updated.settings).expect("json")["who_can_post"],
        "admins"
    );
    let unknown = s
        .rooms
        .update(
            owner,
            id,
            UpdateRoom {
                settings: Some(json!({"theme": "dark"})),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(unknown, Err(ServiceError::Invalid(ref e)) if e.field == "settings"));
    let wrong_type = s
        .rooms
        .create(
            owner,
            CreateRoom {
                name: "x".into(),
                settings: Some(json!({"allow_editing": "yes"})),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(wrong_type, Err(ServiceError::Invalid(ref e)) if e.field == "settings"));
    assert_eq!(
        kind(
            &s.rooms
                .create(
                    owner,
                    CreateRoom {
                        name: "  ".into(),
                        ..Default::default()
                    }
                )
                .await
        ),
        "invalid"
    );
}
