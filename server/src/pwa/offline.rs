//! `/offline`: the page the service worker shows for a navigation it cannot reach the server
//! for. Plain HTML with the site's stylesheet and no WASM, so it renders from the cache alone.

use app::ui::theme::THEME_BOOTSTRAP;

/// Retries as soon as the browser reports a connection again (the worker retries the network
/// first, so the reload shows the real page).
pub const RETRY_SCRIPT: &str = "addEventListener('online',function(){location.reload()});\
document.getElementById('offline-retry').addEventListener('click',function(){location.reload()});";

/// The offline page linking the stylesheet at `css_url`.
pub fn page(css_url: &str) -> String {
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="#4f46e5">
<title>Offline · Parley</title>
<link rel="stylesheet" href="{css_url}">
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<link rel="manifest" href="/manifest.webmanifest">
<script>{THEME_BOOTSTRAP}</script>
</head>
<body data-offline="true">
<div class="site">
<header class="site-header"><div class="container header-inner">
<a href="/" class="brand" aria-label="Parley home"><svg class="logo-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true"><rect x="2" y="4" width="20" height="16" rx="6" fill="var(--brand)"/><path d="M7 20 L7 26 L13 20 Z" fill="var(--brand)"/><rect x="12" y="11" width="18" height="14" rx="5" fill="var(--brand-2)" opacity="0.92"/><path d="M25 25 L25 30 L20 25 Z" fill="var(--brand-2)" opacity="0.92"/></svg><span class="brand-name">Parley</span></a>
</div></header>
<main id="main" class="site-main">
<section class="container offline-page" aria-labelledby="offline-title" data-testid="offline-page">
<p class="eyebrow">Offline</p>
<h1 id="offline-title">You are offline</h1>
<p class="lead" role="status">Parley cannot reach the server right now. This page opens by itself as soon as your connection is back.</p>
<button type="button" class="button button-primary" id="offline-retry">Try again</button>
</section>
</main>
</div>
<script>{RETRY_SCRIPT}</script>
</body>
</html>
"##
    )
}
