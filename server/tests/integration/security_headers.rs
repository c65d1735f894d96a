//! Security headers on pages, the offline page and the API, through the real router.

use crate::common::TestApp;

fn header(response: &crate::common::TestResponse, name: &str) -> String {
    response
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn pages_carry_a_nonce_policy_matching_their_inline_scripts() {
    let app = TestApp::spawn(&[]).await;
    for path in ["/", "/signin", "/no-such-page"] {
        let page = app.get(path).await;
        let policy = header(&page, "content-security-policy");
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {policy:?}"));
        assert!(nonce.len() >= 16, "a real nonce: {nonce}");
        let html = page.text();
        let scripts = html.matches("<script").count();
        let nonced = html.matches(&format!("nonce=\"{nonce}\"")).count();
        assert!(scripts > 0, "{path} has scripts");
        assert_eq!(
            scripts, nonced,
            "{path}: every inline script carries the nonce"
        );
        let scripts_directive = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_default();
        assert!(!scripts_directive.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
        assert_eq!(header(&page, "x-content-type-options"), "nosniff");
        assert_eq!(
            header(&page, "referrer-policy"),
            "strict-origin-when-cross-origin"
        );
        assert_eq!(header(&page, "cross-origin-opener-policy"), "same-origin");
        assert!(header(&page, "permissions-policy").contains("camera=()"));
        assert!(
            header(&page, "strict-transport-security").is_empty(),
            "no HSTS over plain http"
        );
    }
    let again = app.get("/").await;
    assert_ne!(
        header(&again, "content-security-policy"),
        header(&app.get("/").await, "content-security-policy"),
        "a new nonce per response"
    );
}

#[tokio::test]
async fn the_offline_page_allows_its_scripts_by_hash() {
    let app = TestApp::spawn(&[]).await;
    let offline = app.get("/offline").await;
    let policy = header(&offline, "content-security-policy");
    assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
    assert!(!policy.contains("'nonce-"));
}

#[tokio::test]
async fn api_answers_are_not_sniffed_or_stored_and_https_gets_hsts() {
    let app = TestApp::spawn(&[("PUBLIC_URL", "https://chat.example.com")]).await;
    let response = app.get("/api/v1/rooms/public").await;
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert!(header(&response, "strict-transport-security").starts_with("max-age="));
    let page = app.get("/").await;
    assert!(header(&page, "content-security-policy").contains("wss://chat.example.com"));
}
