#!/usr/bin/env bash
# The UI performance benchmark (#17): hydration time of the landing page and of a room, and
# long tasks while scrolling a 10,000-message room to its first message and back, at full CPU
# speed and throttled four times. Builds the release site and server as production serves them,
# runs end2end/perf/ui-perf.spec.ts against them on a database of its own and prints the results
# as the tables in docs/benchmarks.md ("UI performance").
# Usage: scripts/ui-perf.sh [--no-build]
# Environment: UI_PERF_MESSAGES (10000), UI_PERF_RUNS (5 loads per page), UI_PERF_THROTTLE ("1,4").
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

if [ "${1:-}" != "--no-build" ]; then
  "$ROOT/scripts/setup.sh" --with-browser >/dev/null
  log "cargo leptos build --release --precompress --split"
  cargo leptos build --release --precompress --split
fi
server="$CARGO_TARGET_DIR/release/server"
[ -x "$server" ] || die "no release server at $server"

db="$(db_url_with "${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/parley}" parley_uiperf)"
psql "$(db_url_with "$db" postgres)" -qc 'DROP DATABASE IF EXISTS parley_uiperf WITH (FORCE)' >/dev/null
ensure_database "$db"

out="$(mktemp --suffix=.json)"
trap 'rm -f "$out"' EXIT
log "Playwright: end2end/perf (release build)"
(
  cd "$ROOT/end2end"
  E2E_DATABASE_URL="$db" E2E_PORT="${E2E_PORT:-3200}" PARLEY_SERVER_BIN="$server" \
    LEPTOS_SITE_ROOT="$ROOT/target/site" UI_PERF_OUT="$out" \
    npx playwright test --config playwright.perf.config.ts
)
node "$ROOT/scripts/ui-perf-table.mjs" "$out"
