//! The auth and user services against the real PostgreSQL (and Redis for rate limits).

use crate::common::TestApp;
use app::{
    model::{
        auth::{LoginRequest, RegisterRequest},
        user::{AccountUpdate, PasswordChange, ProfileUpdate},
    },
    services::{
        auth::{ClientInfo, CookieRefresh, IssuedTokens},
        ServiceError, Services,
    },
};

const PASSWORD: &str = "Tr0ub4dor&3-horse";

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("203.0.113.7".into()),
        user_agent: Some("service-test".into()),
    }
}

async fn register(s: &Services, email: &str, username: &str) -> Result<IssuedTokens, ServiceError> {
    s.auth
        .register(
            RegisterRequest {
                email: email.into(),
                username: username.into(),
                password: PASSWORD.into(),
                display_name: None,
            },
            &client(),
        )
        .await
}

async fn login(s: &Services, login: &str, password: &str) -> Result<IssuedTokens, ServiceError> {
    s.auth
        .login(
            LoginRequest {
                login: login.into(),
                password: password.into(),
            },
            &client(),
        )
        .await
}

fn auth_of(t: &IssuedTokens) -> app::services::auth::Authenticated {
    app::services::auth::Authenticated {
        user_id: t.user.id,
        session_id: t.session_id,
    }
}

#[tokio::test]
async fn duplicates_are_conflicts_regardless_of_case() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let first = register(s, "Ada@Example.com", "Ada")
        .await
        .expect("register");
    assert_eq!(first.user.display_name, "Ada");

    match register(s, "ada@example.COM", "someone_else").await {
        Err(ServiceError::Conflict { field, .. }) => assert_eq!(field, "email"),
        other => panic!("expected an email conflict, got {:?}", other.err()),
    }
    match register(s, "other@example.com", "ADA").await {
        Err(ServiceError::Conflict { field, .. }) => assert_eq!(field, "username"),
        other => panic!("expected a username conflict, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn registration_validates_every_field() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let cases = [
        ("not-an-email", "valid_name", PASSWORD, "email"),
        ("a@example.com", "x", PASSWORD, "username"),
        ("a@example.com", "valid_name", "password1", "password"),
        ("a@example.com", "valid_name", "short", "password"),
        ("a@example.com", "valid_name", "valid_name", "password"),
    ];
    for (email, username, password, field) in cases {
        let result = s
            .auth
            .register(
                RegisterRequest {
                    email: email.into(),
                    username: username.into(),
                    password: password.into(),
                    display_name: None,
                },
                &client(),
            )
            .await;
        match result {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.field, field, "{email} {username}"),
            other => panic!("expected invalid {field}, got {:?}", other.err()),
        }
    }
}

#[tokio::test]
async fn login_by_email_or_username_and_wrong_password() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    register(s, "grace@example.com", "Grace")
        .await
        .expect("register");
    assert!(login(s, "GRACE@example.com", PASSWORD).await.is_ok());
    assert!(login(s, "grace", PASSWORD).await.is_ok());
    assert!(matches!(
        login(s, "grace", "wrong-password-1").await,
        Err(ServiceError::Unauthenticated(_))
    ));
    assert!(matches!(
        login(s, "nobody", PASSWORD).await,
        Err(ServiceError::Unauthenticated(_))
    ));
}

#[tokio::test]
async fn unknown_accounts_and_wrong_passwords_cost_one_verification_each() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    register(s, "ada@example.com", "ada")
        .await
        .expect("register");
    let before = s.auth.password_verifications();
    let unknown = login(s, "no_such_person", PASSWORD).await;
    let after_unknown = s.auth.password_verifications();
    let wrong = login(s, "ada", "not the password 1").await;
    let after_wrong = s.auth.password_verifications();
    let (Err(ServiceError::Unauthenticated(a)), Err(ServiceError::Unauthenticated(b))) =
        (unknown, wrong)
    else {
        panic!("both sign-ins fail as unauthenticated");
    };
    assert_eq!(a, b, "the same answer for both");
    assert_eq!(
        after_unknown - before,
        1,
        "an unknown account verifies one (dummy) hash"
    );
    assert_eq!(
        after_wrong - after_unknown,
        1,
        "a wrong password verifies one hash"
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let issued = register(s, "linus@example.com", "linus")
        .await
        .expect("register");

    let second = s
        .auth
        .refresh(&issued.refresh_token)
        .await
        .expect("refresh");
    assert_ne!(second.refresh_token, issued.refresh_token);
    assert_eq!(second.session_id, issued.session_id);
    s.auth
        .authenticate(&second.access_token)
        .await
        .expect("new access token works");

    // Replaying the used token is theft: the whole session ends, new tokens included.
    assert!(matches!(
        s.auth.refresh(&issued.refresh_token).await,
        Err(ServiceError::Unauthenticated(_))
    ));
    assert!(s.auth.refresh(&second.refresh_token).await.is_err());
    assert!(s.auth.authenticate(&second.access_token).await.is_err());
    assert!(s.auth.refresh("not-a-token").await.is_err());
}

#[tokio::test]
async fn cookie_refresh_tolerates_two_tabs_but_not_late_replays() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let issued = register(s, "tabs@example.com", "tabs")
        .await
        .expect("register");
    let CookieRefresh::Rotated(next) = s
        .auth
        .refresh_cookie(&issued.refresh_token)
        .await
        .expect("first refresh")
    else {
        panic!("first refresh must rotate");
    };
    match s.auth.refresh_cookie(&issued.refresh_token).await {
        Ok(CookieRefresh::AlreadyRotated(auth)) => assert_eq!(auth, auth_of(&issued)),
        _ => panic!("a concurrent refresh within the grace period is not theft"),
    }
    // The session is intact.
    assert!(s.auth.authenticate(&next.access_token).await.is_ok());
}

#[tokio::test]
async fn logout_revokes_at_once_and_logout_all_ends_every_session() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = register(s, "barbara@example.com", "barbara")
        .await
        .expect("register");
    let b = login(s, "barbara", PASSWORD).await.expect("login");
    let c = login(s, "barbara", PASSWORD).await.expect("login");
    assert_eq!(
        s.auth.sessions(auth_of(&a)).await.expect("sessions").len(),
        3
    );

    s.auth.logout(auth_of(&a)).await.expect("logout");
    assert!(s.auth.authenticate(&a.access_token).await.is_err());
    assert!(s.auth.refresh(&a.refresh_token).await.is_err());
    assert!(s.auth.authenticate(&b.access_token).await.is_ok());

    s.auth
        .revoke_session(auth_of(&b), c.session_id)
        .await
        .expect("revoke other");
    assert!(s.auth.authenticate(&c.access_token).await.is_err());
    assert!(matches!(
        s.auth.revoke_session(auth_of(&b), c.session_id).await,
        Err(ServiceError::NotFound(_))
    ));

    let d = login(s, "barbara", PASSWORD).await.expect("login");
    assert_eq!(s.auth.logout_all(auth_of(&b)).await.expect("logout all"), 2);
    assert!(s.auth.authenticate(&b.access_token).await.is_err());
    assert!(s.auth.authenticate(&d.access_token).await.is_err());
}

async fn exhaust_login_limit(s: &Services) {
    register(s, "target@example.com", "target")
        .await
        .expect("register");
    for _ in 0..10 {
        assert!(matches!(
            login(s, "target", "wrong-password-x").await,
            Err(ServiceError::Unauthenticated(_))
        ));
    }
    // Locked now, even with the right password; other accounts are unaffected.
    match login(s, "Target", PASSWORD).await {
        Err(ServiceError::RateLimited { retry_after }) => assert!(retry_after > 0),
        other => panic!("expected rate limit, got {:?}", other.err()),
    }
    register(s, "other@example.com", "other")
        .await
        .expect("register");
    assert!(login(s, "other", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn failed_logins_lock_the_account_in_redis() {
    let app = TestApp::spawn(&[]).await;
    exhaust_login_limit(&app.services).await;
}

#[tokio::test]
async fn failed_logins_lock_the_account_in_process() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory")]).await;
    exhaust_login_limit(&app.services).await;
}

#[tokio::test]
async fn password_change_requires_the_current_one_and_signs_out_others() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = register(s, "alan@example.com", "alan")
        .await
        .expect("register");
    let b = login(s, "alan", PASSWORD).await.expect("login");
    let wrong = s
        .users
        .change_password(
            auth_of(&a),
            PasswordChange {
                current_password: "not-it-at-all".into(),
                new_password: "a new long passphrase".into(),
            },
        )
        .await;
    assert!(matches!(wrong, Err(ServiceError::Invalid(ref e)) if e.field == "current_password"));
    s.users
        .change_password(
            auth_of(&a),
            PasswordChange {
                current_password: PASSWORD.into(),
                new_password: "a new long passphrase".into(),
            },
        )
        .await
        .expect("change");
    assert!(s.auth.authenticate(&a.access_token).await.is_ok());
    assert!(s.auth.authenticate(&b.access_token).await.is_err());
    assert!(login(s, "alan", PASSWORD).await.is_err());
    assert!(login(s, "alan", "a new long passphrase").await.is_ok());
}

#[tokio::test]
async fn account_and_profile_updates() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    let a = register(s, "edsger@example.com", "edsger")
        .await
        .expect("register");
    register(s, "taken@example.com", "taken")
        .await
        .expect("register");
    let me = auth_of(&a);

    let user = s
        .users
        .update_account(
            me,
            AccountUpdate {
                display_name: Some("Edsger W. Dijkstra".into()),
                ..Default::default()
            },
        )
        .await
        .expect("rename");
    assert_eq!(user.display_name, "Edsger W. Dijkstra");

    let taken = s
        .users
        .update_account(
            me,
            AccountUpdate {
                username: Some("TAKEN".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(
        taken,
        Err(ServiceError::Conflict {
            field: "username",
            ..
        })
    ));

    let no_password = s
        .users
        .update_account(
            me,
            AccountUpdate {
                email: Some("new@example.com".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(no_password, Err(ServiceError::Invalid(ref e)) if e.field == "current_password")
    );
    let moved = s
        .users
        .update_account(
            me,
            AccountUpdate {
                email: Some("new@example.com".into()),
                current_password: Some(PASSWORD.into()),
                ..Default::default()
            },
        )
        .await
        .expect("email change");
    assert_eq!(moved.email, "new@example.com");

    let profile = s
        .users
        .update_profile(
            me,
            ProfileUpdate {
                city: Some("Nuenen".into()),
                birth_date: Some("1930-05-11".into()),
                bio: Some("Go To Statement Considered Harmful".into()),
                ..Default::default()
            },
        )
        .await
        .expect("profile");
    assert_eq!(profile.city.as_deref(), Some("Nuenen"));
    assert_eq!(
        profile.birth_date.map(|d| d.to_string()).as_deref(),
        Some("1930-05-11")
    );

    // Absent fields are kept, empty strings clear.
    let profile = s
        .users
        .update_profile(
            me,
            ProfileUpdate {
                city: Some(String::new()),
                ..Default::default()
            },
        )
        .await
        .expect("clear city");
    assert_eq!(profile.city, None);
    assert!(profile.bio.is_some());

    let bad = s
        .users
        .update_profile(
            me,
            ProfileUpdate {
                avatar_url: Some("javascript:x".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(bad, Err(ServiceError::Invalid(ref e)) if e.field == "avatar_url"));
}

#[tokio::test]
async fn search_by_prefix_is_case_insensitive_and_literal() {
    let app = TestApp::spawn(&[]).await;
    let s = &app.services;
    for name in ["alice", "Alfred", "bob", "al_x"] {
        register(s, &format!("{name}@example.com"), name)
            .await
            .expect("register");
    }
    let found: Vec<String> = s
        .users
        .search("AL", None)
        .await
        .expect("search")
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(found, ["al_x", "Alfred", "alice"]);
    // '_' is not a wildcard.
    let found = s.users.search("al_", None).await.expect("search");
    assert_eq!(found.len(), 1);
    assert!(s.users.search("", None).await.is_err());
    assert!(s.users.search("a", Some(0)).await.is_err());
}
