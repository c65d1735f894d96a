#!/usr/bin/env bash
# Checks that the REST API keeps the contract its OpenAPI document states: schemathesis generates
# requests from /api/v1/openapi.json (valid and invalid ones) and runs every check it has against
# a live debug server on a scratch database. Exits non-zero on any failure.
#
#   scripts/schemathesis.sh                 # builds the debug server, runs everything
#   PARLEY_SERVER_BIN=path/to/server scripts/schemathesis.sh
#   SCHEMATHESIS_MAX_EXAMPLES=50 SCHEMATHESIS_SEED=7 scripts/schemathesis.sh
#
# Needs PostgreSQL, Redis and RabbitMQ as scripts/test.sh does (DATABASE_URL, REDIS_URL, AMQP_URL
# are honoured). The report (JUnit XML plus the server's log) ends up in $REPORT_DIR.
source "$(dirname "$0")/lib.sh"

SCHEMATHESIS_VERSION="4.32.5"
VENV="${SCHEMATHESIS_VENV:-$HOME/.cache/parley/venv-schemathesis}"
SEED="${SCHEMATHESIS_SEED:-20261202}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
REPORT_DIR="${SCHEMATHESIS_REPORT_DIR:-$CARGO_TARGET_DIR/schemathesis/$(date -u +%Y%m%dT%H%M%SZ)-$$}"

# Operations that end the caller's session (or every other one): each runs in an invocation of
# its own with a fresh account, so they cannot sign out the account the main run uses.
# (operation ids: POST /auth/logout, POST /auth/logout-all, DELETE /auth/sessions/{id},
# PUT /users/me/password)
SESSION_ENDING=(auth_logout auth_logout_all auth_revoke_session users_change_password)

ensure_schemathesis() {
  if "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
    return 0
  fi
  command -v python3 >/dev/null || apt_install python3 python3-venv
  log "installing schemathesis $SCHEMATHESIS_VERSION into ${VENV/#$HOME/\~}"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ensure_services
ensure_schemathesis
command -v curl >/dev/null || apt_install curl

WORK="$(mktemp -d)"
DB_NAME="parley_schemathesis_$(date +%s)_$$"
BASE_DB_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/parley}"
DB_URL="$(db_url_with "$BASE_DB_URL" "$DB_NAME")"
SERVER_PID=""

cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql "$(db_url_with "$BASE_DB_URL" postgres)" -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" \
    >/dev/null 2>&1 || true
  mkdir -p "$REPORT_DIR"
  [ -f "$WORK/server.log" ] && cp "$WORK/server.log" "$REPORT_DIR/server.log"
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

# The debug binary in the shared target dir can be rebuilt by anyone at any moment: build it,
# then run a private copy.
if [ -z "${PARLEY_SERVER_BIN:-}" ]; then
  log "building the debug server"
  (cd "$ROOT" && cargo build -q -p server)
  PARLEY_SERVER_BIN="$CARGO_TARGET_DIR/debug/server"
fi
cp "$PARLEY_SERVER_BIN" "$WORK/server"

ensure_database "$DB_URL"
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
log "starting the server on $BASE (database $DB_NAME)"
DATABASE_URL="$DB_URL" \
  SITE_ADDR="127.0.0.1:$PORT" \
  REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}" \
  AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}" \
  REDIS_NAMESPACE="$DB_NAME" \
  REGISTRATIONS_PER_HOUR=100000 \
  METRICS_ADDR=off \
  LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" \
  RUST_LOG="${RUST_LOG:-warn}" \
  "$WORK/server" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited; see $REPORT_DIR/server.log"
  sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null || die "the server did not become ready"

# register NAME: registers a throw-away account and prints its access token.
register() {
  curl -fsS -X POST "$BASE/api/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"$1@example.com\",\"username\":\"$1\",\"password\":\"contract-test-$1-pw\"}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

mkdir -p "$REPORT_DIR"
rm -f "$REPORT_DIR"/*.xml
FAILED=0

# run LABEL TOKEN ARGS...: one schemathesis invocation; its JUnit report is LABEL.xml.
run() {
  local label="$1" token="$2"
  shift 2
  log "schemathesis: $label"
  cd "$WORK" || return 1
  # --checks all: every check, including positive_data_acceptance (valid requests are not refused
  # with 400/422) and negative_data_rejection (invalid ones are). --seed and --max-examples keep
  # the run reproducible and bounded; the example database is off so runs do not depend on what
  # earlier ones found.
  # SCHEMATHESIS_ARGS is split into words on purpose: extra options for a local run.
  # One worker: with two, CPython 3.11 sometimes fails inside hypothesis while it describes a
  # filter ("AST constructor recursion depth mismatch"), an error of the tool, not of the API.
  # shellcheck disable=SC2086
  if ! "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/schemathesis.toml" \
    run "$BASE/api/v1/openapi.json" \
    --url "$BASE" \
    --checks all \
    --seed "$SEED" \
    --max-examples "$MAX_EXAMPLES" \
    --generation-database none \
    --workers 1 \
    --request-timeout 20 \
    --header "Authorization: Bearer $token" \
    --report junit --report-junit-path "$REPORT_DIR/$label.xml" \
    --no-color \
    "$@" ${SCHEMATHESIS_ARGS:-}; then
    FAILED=1
  fi
}

MAIN_TOKEN="$(register "contract_main")"
# A private room the main account owns: scripts/schemathesis.toml pins the room-scoped operations
# to it, so their bodies and queries reach the services instead of stopping at a 404 for a
# random id.
PARLEY_FIXTURE_ROOM="$(curl -fsS -X POST "$BASE/api/v1/rooms" -H "authorization: Bearer $MAIN_TOKEN" \
  -H 'content-type: application/json' -d '{"name": "Contract fixture", "is_private": true}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
export PARLEY_FIXTURE_ROOM
exclude=()
for op in "${SESSION_ENDING[@]}"; do
  exclude+=(--exclude-operation-id "$op")
done
run main "$MAIN_TOKEN" "${exclude[@]}"

for op in "${SESSION_ENDING[@]}"; do
  run "$op" "$(register "end_${op//_/}")" --include-operation-id "$op"
done

if [ "$FAILED" -ne 0 ]; then
  log "schemathesis found failures; reports in $REPORT_DIR (server log: $REPORT_DIR/server.log)"
  exit 1
fi
log "schemathesis: no failures; reports in $REPORT_DIR"
