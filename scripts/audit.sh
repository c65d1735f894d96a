#!/usr/bin/env bash
# Dependency audit: RustSec advisories for the crates the workspace builds (cargo-deny, with
# deny.toml), and npm advisories for the end-to-end tooling. The first run fetches the advisory
# database from GitHub into ~/.cargo/advisory-dbs; later runs can stay offline on that copy:
#   scripts/audit.sh --disable-fetch
# The test machines reach neither GitHub nor npm's audit endpoint, so the test command does not
# run this; the last result is in README.md (Security).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

if ! cargo deny --version >/dev/null 2>&1; then
  log "installing cargo-deny"
  cargo install cargo-deny --locked
fi

log "cargo deny check advisories"
cargo deny check "$@" advisories

log "npm audit (end-to-end tooling)"
(cd end2end && npm audit)
(cd scripts/tools && npm audit)
log "no known advisories"
