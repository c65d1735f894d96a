#!/usr/bin/env bash
# Sets everything up, then builds Parley in release mode and serves it on http://127.0.0.1:3000.
# Pass --dev for a debug build that rebuilds and reloads on every change.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/setup.sh"
cd "$ROOT"
if [ "${1:-}" = "--dev" ]; then
  exec cargo leptos watch --split
fi
# --precompress writes .br/.gz twins of the static files, which the server sends as they are;
# --split gives each page its own WASM chunks, so a first visit loads only what it shows.
exec cargo leptos serve --release --precompress --split
