#!/usr/bin/env bash
# Installs everything Parley needs on this machine and starts the services. Safe to run again.
source "$(dirname "$0")/lib.sh"

ensure_rust
ensure_node
ensure_wasm_opt
ensure_services
ensure_database "${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/parley}"
if [ "${1:-}" = "--with-browser" ]; then
  ensure_chromium
  npm_ci "$ROOT/end2end"
fi
log "setup complete"
