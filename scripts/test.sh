#!/usr/bin/env bash
# Sets everything up, then runs every check: formatting, lints, unit and integration tests
# against the real services, and the Playwright suite in Chromium. Stops at the first failure.
source "$(dirname "$0")/lib.sh"
# Incremental artifacts only help an edit-compile loop; in a test run they just fill the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

"$ROOT/scripts/setup.sh" --with-browser
cd "$ROOT"

log "cargo fmt --check"
cargo fmt --all -- --check

log "deployment artefacts (Dockerfile, Kubernetes, Compose, HAProxy)"
"$ROOT/scripts/deploy-lint.sh"

# The workspace cannot be linted as a whole: `app` has mutually exclusive ssr/hydrate features.
log "clippy (app/ssr, server, app/hydrate, frontend)"
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p bench --all-targets -- -D warnings
cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

log "unit and integration tests"
cargo test -p app --features ssr
cargo test -p server
cargo test -p bench

log "API contract: schemathesis with every check against a live server"
"$ROOT/scripts/schemathesis.sh"

log "scale-out: HAProxy, 3 instances and a worker on a primary + streaming replica; one drained, one killed"
SCALE_OUT_REQUIRE_METRICS=1 "$ROOT/scripts/scale-out.sh" --short

log "first-load budget (release build)"
# Before the browser tests' build: this one writes the release bundle into the same site dir.
"$ROOT/scripts/first-load-size.sh"

log "runtime image tree (release server, run outside a container)"
# first-load-size builds only the front end; the image needs the release server of that build.
cargo leptos build --release --precompress --split --server-only
"$ROOT/scripts/image-check.sh"

log "building the site for the browser tests"
# Split as in production, so the tests exercise pages loading their own chunks.
cargo leptos build --split

log "Playwright (Chromium)"
E2E_DATABASE_URL="$(db_url_with "${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/parley}" parley_e2e)"
psql "$(db_url_with "$E2E_DATABASE_URL" postgres)" -qc 'DROP DATABASE IF EXISTS parley_e2e WITH (FORCE)' >/dev/null
ensure_database "$E2E_DATABASE_URL"
export E2E_DATABASE_URL
export PARLEY_SERVER_BIN="$CARGO_TARGET_DIR/debug/server"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT_BUILT:-$ROOT/target/site}"
cd "$ROOT/end2end"
CI=1 npx playwright test

log "all checks passed"
