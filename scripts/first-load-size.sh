#!/usr/bin/env bash
# Builds the release front end as production serves it (split into per-page chunks,
# precompressed) and prints what a first visit to each page downloads: the main WASM, its JS
# glue, the stylesheet, the chunk loader and the chunks that page preloads. Fails when the
# largest first load is over the budget of #7: 350 KB with brotli (see first-load-size.mjs).
# Usage: scripts/first-load-size.sh [--no-build]
source "$(dirname "$0")/lib.sh"

cd "$ROOT"

if [ "${1:-}" != "--no-build" ]; then
  "$ROOT/scripts/setup.sh" >/dev/null
  log "cargo leptos build --release --precompress --split --frontend-only"
  cargo leptos build --release --precompress --split --frontend-only
fi

pkg="$ROOT/target/site/pkg"
[ -d "$pkg" ] || die "no build in $pkg"
node "$ROOT/scripts/first-load-size.mjs" "$pkg" $((350 * 1024))
