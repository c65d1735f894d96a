//! Every `/api/v1/auth` and `/api/v1/users` endpoint through the real router, with each of
//! their error codes, plus the browser's cookie session.

use std::net::SocketAddr;

use crate::common::{assert_error, TestApp};
use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{header, Request},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{json, Value};

const PASSWORD: &str = "Correct-Horse-Battery";

fn token(v: &Value, key: &str) -> String {
    v[key].as_str().expect("token in response").to_owned()
}

#[tokio::test]
async fn register_login_and_bearer_access() {
    let app = TestApp::spawn(&[]).await;
    let reg = app.register("margaret", PASSWORD).await;
    assert_eq!(reg["token_type"], "bearer");
    assert_eq!(reg["expires_in"], 900);
    assert_eq!(reg["user"]["username"], "margaret");
    assert!(reg["user"].get("password_hash").is_none());
    assert!(!reg.to_string().contains(PASSWORD));

    let login = app
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "MARGARET@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let access = token(&login.json(), "access_token");
    // `username` is accepted as the field name too.
    let by_username = app
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "margaret", "password": PASSWORD})),
        )
        .await;
    assert_eq!(by_username.status, 200);

    let me = app
        .send("GET", "/api/v1/users/me", Some(&access), None)
        .await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["email"], "margaret@example.com");
    // The scheme is case-insensitive.
    let lower = app
        .request(
            Request::get("/api/v1/users/me")
                .header(header::AUTHORIZATION, format!("bearer {access}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(lower.status, 200);
}

#[tokio::test]
async fn registration_errors_have_the_right_codes() {
    let app = TestApp::spawn(&[]).await;
    app.register("hedy", PASSWORD).await;

    let dup = app
        .send(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "HEDY@example.com", "username": "other", "password": PASSWORD})),
        )
        .await;
    assert_error(&dup, 409, "conflict");
    assert_eq!(dup.json()["error"]["field"], "email");

    let dup_name = app
        .send(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "x@example.com", "username": "Hedy", "password": PASSWORD})),
        )
        .await;
    assert_error(&dup_name, 409, "conflict");
    assert_eq!(dup_name.json()["error"]["field"], "username");

    let weak = app
        .send(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(
                json!({"email": "y@example.com", "username": "yolanda", "password": "qwertyuiop"}),
            ),
        )
        .await;
    assert_error(&weak, 422, "validation_failed");
    assert_eq!(weak.json()["error"]["field"], "password");

    let missing = app
        .send(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "z@example.com", "password": PASSWORD})),
        )
        .await;
    assert_error(&missing, 422, "validation_failed");
    assert_eq!(missing.json()["error"]["field"], "username");

    let malformed = app
        .request(
            Request::post("/api/v1/auth/register")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"email\": "))
                .expect("request"),
        )
        .await;
    assert_error(&malformed, 400, "bad_request");

    let not_json = app
        .request(
            Request::post("/api/v1/auth/register")
                .body(Body::from("email=a"))
                .expect("request"),
        )
        .await;
    assert_error(&not_json, 415, "unsupported_media_type");
}

#[tokio::test]
async fn wrong_credentials_are_401_and_repeated_failures_429() {
    let app = TestApp::spawn(&[]).await;
    app.register("katherine", PASSWORD).await;
    let attempt = |password: &'static str| {
        app.send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "katherine", "password": password})),
        )
    };
    let wrong = attempt("not the password").await;
    assert_error(&wrong, 401, "unauthorized");
    assert_eq!(wrong.headers[header::WWW_AUTHENTICATE], "Bearer");
    for _ in 0..9 {
        assert_eq!(attempt("not the password").await.status, 401);
    }
    let limited = attempt(PASSWORD).await;
    assert_error(&limited, 429, "rate_limited");
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry > 0 && retry <= 900, "{retry}");
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let app = TestApp::spawn(&[("REDIS_URL", "memory")]).await;
    let from = |i: usize| {
        let mut request = Request::post("/api/v1/auth/register")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"email": format!("u{i}@example.com"), "username": format!("user{i}"),
                       "password": PASSWORD})
                .to_string(),
            ))
            .expect("request");
        let peer: SocketAddr = "198.51.100.9:4000".parse().expect("addr");
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    };
    for i in 0..20 {
        assert_eq!(app.request(from(i)).await.status, 201);
    }
    let limited = app.request(from(20)).await;
    assert_error(&limited, 429, "rate_limited");
    assert!(limited.headers.contains_key(header::RETRY_AFTER));

    // The limit is configurable.
    let app = TestApp::spawn(&[("REDIS_URL", "memory"), ("REGISTRATIONS_PER_HOUR", "2")]).await;
    for i in 0..2 {
        assert_eq!(app.request(from(i)).await.status, 201);
    }
    assert_error(&app.request(from(2)).await, 429, "rate_limited");
}

fn forge(claims: Value, alg: &str, secret: Option<&[u8]>) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = match secret {
        Some(key) => {
            use jsonwebtoken::{encode, EncodingKey, Header};
            let full =
                encode(&Header::default(), &claims, &EncodingKey::from_secret(key)).expect("sign");
            full.rsplit('.').next().unwrap_or_default().to_owned()
        }
        None => String::new(),
    };
    format!("{header}.{payload}.{signature}")
}

#[tokio::test]
async fn tampered_expired_unsigned_and_foreign_tokens_are_401() {
    let app = TestApp::spawn(&[]).await;
    let reg = app.register("joan", PASSWORD).await;
    let access = token(&reg, "access_token");
    let user_id = reg["user"]["id"].as_str().expect("id").to_owned();
    let secret = app.infra.config.jwt_secret.expose().as_bytes().to_vec();
    let parts: Vec<&str> = access.split('.').collect();
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    let now = chrono::Utc::now().timestamp();

    let mut tampered_claims = claims.clone();
    tampered_claims["sub"] = json!(uuid::Uuid::new_v4());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(tampered_claims.to_string()),
        parts[2]
    );
    let mut expired_claims = claims.clone();
    expired_claims["iat"] = json!(now - 7200);
    expired_claims["exp"] = json!(now - 3600);
    let mut foreign_claims = claims.clone();
    foreign_claims["aud"] = json!("someone-else");

    let bad_tokens = [
        tampered,
        forge(expired_claims, "HS256", Some(&secret)),
        forge(claims.clone(), "none", None),
        forge(foreign_claims, "HS256", Some(&secret)),
        forge(
            claims.clone(),
            "HS256",
            Some(b"not-the-server-secret-but-long-enough"),
        ),
        "garbage".to_owned(),
    ];
    for bad in bad_tokens {
        let response = app.send("GET", "/api/v1/users/me", Some(&bad), None).await;
        assert_error(&response, 401, "unauthorized");
    }
    let missing = app.send("GET", "/api/v1/users/me", None, None).await;
    assert_error(&missing, 401, "unauthorized");
    // The genuine token still works, on every protected endpoint.
    for path in [
        "/api/v1/users/me".to_owned(),
        "/api/v1/users/me/profile".to_owned(),
        "/api/v1/auth/sessions".to_owned(),
        format!("/api/v1/users/{user_id}"),
        "/api/v1/users?search=jo".to_owned(),
    ] {
        let ok = app.send("GET", &path, Some(&access), None).await;
        assert_eq!(ok.status, 200, "{path}: {}", ok.text());
    }
}

#[tokio::test]
async fn refresh_rotation_reuse_logout_and_sessions() {
    let app = TestApp::spawn(&[]).await;
    let first = app.register("mary", PASSWORD).await;
    let refresh = |t: String| {
        app.send(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": t})),
        )
    };
    let second = refresh(token(&first, "refresh_token")).await;
    assert_eq!(second.status, 200, "{}", second.text());
    let second = second.json();
    assert_ne!(second["refresh_token"], first["refresh_token"]);

    let reuse = refresh(token(&first, "refresh_token")).await;
    assert_error(&reuse, 401, "unauthorized");
    let after = app
        .send(
            "GET",
            "/api/v1/users/me",
            Some(&token(&second, "access_token")),
            None,
        )
        .await;
    assert_error(&after, 401, "unauthorized");
    assert_error(&refresh(String::new()).await, 401, "unauthorized");

    // Sessions: list, end one, 404 for unknown ids, 400 for non-ids.
    let login = |_: ()| {
        app.send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "mary", "password": PASSWORD})),
        )
    };
    let a = login(()).await.json();
    let b = login(()).await.json();
    let a_token = token(&a, "access_token");
    let list = app
        .send("GET", "/api/v1/auth/sessions", Some(&a_token), None)
        .await;
    let list = list.json();
    let sessions = list.as_array().expect("array");
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("other session")
        .to_owned();
    let end = app
        .send(
            "DELETE",
            &format!("/api/v1/auth/sessions/{other}"),
            Some(&a_token),
            None,
        )
        .await;
    assert_eq!(end.status, 204);
    let b_me = app
        .send(
            "GET",
            "/api/v1/users/me",
            Some(&token(&b, "access_token")),
            None,
        )
        .await;
    assert_error(&b_me, 401, "unauthorized");
    let again = app
        .send(
            "DELETE",
            &format!("/api/v1/auth/sessions/{other}"),
            Some(&a_token),
            None,
        )
        .await;
    assert_error(&again, 404, "not_found");
    let bad_id = app
        .send(
            "DELETE",
            "/api/v1/auth/sessions/not-a-uuid",
            Some(&a_token),
            None,
        )
        .await;
    assert_error(&bad_id, 400, "bad_request");

    let logout = app
        .send("POST", "/api/v1/auth/logout", Some(&a_token), None)
        .await;
    assert_eq!(logout.status, 204);
    let gone = app
        .send("GET", "/api/v1/users/me", Some(&a_token), None)
        .await;
    assert_error(&gone, 401, "unauthorized");

    let c = login(()).await.json();
    let d = login(()).await.json();
    let all = app
        .send(
            "POST",
            "/api/v1/auth/logout-all",
            Some(&token(&c, "access_token")),
            None,
        )
        .await;
    assert_eq!(all.status, 204);
    for t in [&c, &d] {
        let r = app
            .send(
                "GET",
                "/api/v1/users/me",
                Some(&token(t, "access_token")),
                None,
            )
            .await;
        assert_error(&r, 401, "unauthorized");
    }
}

#[tokio::test]
async fn account_password_profile_and_user_lookup() {
    let app = TestApp::spawn(&[]).await;
    let reg = app.register("grace", PASSWORD).await;
    let other = app.register("gracie", PASSWORD).await;
    let t = token(&reg, "access_token");

    let renamed = app
        .send(
            "PATCH",
            "/api/v1/users/me",
            Some(&t),
            Some(json!({"display_name": "Grace Hopper"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(renamed.json()["display_name"], "Grace Hopper");
    let taken = app
        .send(
            "PATCH",
            "/api/v1/users/me",
            Some(&t),
            Some(json!({"username": "GRACIE"})),
        )
        .await;
    assert_error(&taken, 409, "conflict");
    let unknown_field = app
        .send(
            "PATCH",
            "/api/v1/users/me",
            Some(&t),
            Some(json!({"is_admin": true})),
        )
        .await;
    assert_error(&unknown_field, 422, "validation_failed");

    let wrong = app
        .send(
            "PUT",
            "/api/v1/users/me/password",
            Some(&t),
            Some(
                json!({"current_password": "nope-nope-nope", "new_password": "cobol forever 1959"}),
            ),
        )
        .await;
    assert_error(&wrong, 422, "validation_failed");
    assert_eq!(wrong.json()["error"]["field"], "current_password");
    let changed = app
        .send(
            "PUT",
            "/api/v1/users/me/password",
            Some(&t),
            Some(json!({"current_password": PASSWORD, "new_password": "cobol forever 1959"})),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text());

    let profile = app
        .send(
            "PATCH",
            "/api/v1/users/me/profile",
            Some(&t),
            Some(json!({"company": "US Navy", "birth_date": "1906-12-09",
                        "avatar_url": "https://example.com/grace.png"})),
        )
        .await;
    assert_eq!(profile.status, 200, "{}", profile.text());
    assert_eq!(profile.json()["birth_date"], "1906-12-09");
    let read = app
        .send("GET", "/api/v1/users/me/profile", Some(&t), None)
        .await;
    assert_eq!(read.json()["company"], "US Navy");
    let bad_date = app
        .send(
            "PATCH",
            "/api/v1/users/me/profile",
            Some(&t),
            Some(json!({"birth_date": "1906-13-40"})),
        )
        .await;
    assert_error(&bad_date, 422, "validation_failed");
    assert_eq!(bad_date.json()["error"]["field"], "birth_date");

    let other_id = other["user"]["id"].as_str().expect("id");
    let found = app
        .send("GET", &format!("/api/v1/users/{other_id}"), Some(&t), None)
        .await;
    assert_eq!(found.status, 200);
    assert_eq!(found.json()["username"], "gracie");
    assert!(found.json().get("email").is_none(), "email is private");
    let missing = app
        .send(
            "GET",
            &format!("/api/v1/users/{}", uuid::Uuid::new_v4()),
            Some(&t),
            None,
        )
        .await;
    assert_error(&missing, 404, "not_found");
    let bad = app.send("GET", "/api/v1/users/xyz", Some(&t), None).await;
    assert_error(&bad, 400, "bad_request");

    let search = app
        .send("GET", "/api/v1/users?search=GRA", Some(&t), None)
        .await;
    let names: Vec<String> = search
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["username"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["grace", "gracie"]);
    let exact = app
        .send("GET", "/api/v1/users?username=GRACIE", Some(&t), None)
        .await;
    assert_eq!(exact.json()[0]["username"], "gracie");
    let neither = app.send("GET", "/api/v1/users", Some(&t), None).await;
    assert_error(&neither, 422, "validation_failed");
    for odd in [
        "/api/v1/users?search=%00",
        "/api/v1/users?search=%F0%9F%98%80",
    ] {
        let r = app.send("GET", odd, Some(&t), None).await;
        assert_eq!(r.status, 200, "{odd}: {}", r.text());
        assert_eq!(r.json(), json!([]));
    }
    let nul_name = app
        .send("GET", "/api/v1/users?username=a%00b", Some(&t), None)
        .await;
    assert_error(&nul_name, 404, "not_found");
    let nul_login = app
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "gr\u{0}ace", "password": "x"})),
        )
        .await;
    assert_error(&nul_login, 401, "unauthorized");
    let nul_profile = app
        .send(
            "PATCH",
            "/api/v1/users/me/profile",
            Some(&t),
            Some(json!({"city": "a\u{0}b"})),
        )
        .await;
    assert_error(&nul_profile, 422, "validation_failed");
    let huge = app
        .send(
            "PATCH",
            "/api/v1/users/me",
            Some(&t),
            Some(json!({"display_name": "x".repeat(10_000)})),
        )
        .await;
    assert_error(&huge, 422, "validation_failed");
    let bad_limit = app
        .send("GET", "/api/v1/users?search=g&limit=abc", Some(&t), None)
        .await;
    assert_error(&bad_limit, 400, "bad_request");
}

#[tokio::test]
async fn openapi_documents_every_account_endpoint() {
    let app = TestApp::spawn(&[]).await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    for (path, method) in [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/logout-all", "post"),
        ("/api/v1/auth/sessions", "get"),
        ("/api/v1/auth/sessions/{id}", "delete"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/users/me", "patch"),
        ("/api/v1/users/me/password", "put"),
        ("/api/v1/users/me/profile", "get"),
        ("/api/v1/users/me/profile", "patch"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// The value of `name` among the response's `Set-Cookie` headers.
fn set_cookie(response: &crate::common::TestResponse, name: &str) -> Option<String> {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

#[tokio::test]
async fn browser_pages_know_the_user_from_cookies_and_refresh_silently() {
    let app = TestApp::spawn(&[]).await;
    let reg = app.register("ada", PASSWORD).await;
    let access = token(&reg, "access_token");
    let refresh = token(&reg, "refresh_token");

    let page = |cookie: String| {
        app.request(
            Request::get("/")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request"),
        )
    };
    let signed_in = page(format!("parley_at={access}")).await;
    assert_eq!(signed_in.status, 200);
    assert!(signed_in.text().contains("data-testid=\"account-name\""));

    // Only the refresh cookie: the server rotates it and sets both cookies again.
    let silent = page(format!("parley_rt={refresh}")).await;
    assert!(silent.text().contains("data-testid=\"account-name\""));
    let new_access = set_cookie(&silent, "parley_at").expect("access cookie set");
    assert!(new_access.contains("HttpOnly") && new_access.contains("SameSite=Lax"));
    assert!(
        !new_access.contains("Secure"),
        "plain http must not set Secure"
    );
    assert!(set_cookie(&silent, "parley_rt").is_some());

    // A private page without a session redirects to sign-in and back.
    let private = app
        .request(
            Request::get("/settings")
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(private.status, 302, "{}", private.text());
    assert_eq!(private.headers[header::LOCATION], "/signin?next=/settings");

    // Invalid cookies are cleared rather than retried forever.
    let stale = page("parley_rt=forged".to_owned()).await;
    let cleared = set_cookie(&stale, "parley_rt").expect("cleared");
    assert!(cleared.contains("Max-Age=0"));
    assert!(!stale.text().contains("data-testid=\"account-name\""));
}
