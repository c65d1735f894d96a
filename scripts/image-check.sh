#!/usr/bin/env bash
# Checks the container image without a container engine: lints the Dockerfile, assembles the
# image's file tree from the existing release build (scripts/image-tree.sh --no-build) and runs
# that tree's server as the image would: working directory = the tree's app dir, the image's
# ENV (read from the Dockerfile) and only the settings an operator must add. It then checks
# `migrate`, `serve` (/readyz, a page and the hashed JS/WASM it links), `worker`, and that both
# long-running commands exit 0 on SIGTERM within SHUTDOWN_GRACE_SECONDS + 10 s.
# Usage: scripts/image-check.sh   (after a release build: cargo leptos build --release --precompress --split)
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/pytools.sh
source "$ROOT/scripts/pytools.sh"

GRACE=1
ensure_pytools
command -v curl >/dev/null || apt_install curl

log "hadolint Dockerfile"
hadolint "$ROOT/Dockerfile" || die "hadolint found problems in Dockerfile"

tmp="$(mktemp -d)"
run_id="image_check_$$"
base_url="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/parley}"
db_url="$(db_url_with "$base_url" "parley_$run_id")"
queue="parley.$run_id"
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    # Only a process a failed check left behind; disown first so bash does not report it.
    disown "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
  psql "$(db_url_with "$base_url" postgres)" -qc "DROP DATABASE IF EXISTS \"parley_$run_id\" WITH (FORCE)" \
    >/dev/null 2>&1 || true
  # The queues the worker and the relay declared are durable; leave no trace in a shared broker.
  if command -v rabbitmqctl >/dev/null && is_root && url_is_local "${AMQP_URL:-amqp://127.0.0.1}"; then
    rabbitmqctl -q delete_queue "$queue" >/dev/null 2>&1 || true
    rabbitmqctl -q delete_queue "$queue.dead" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$ROOT/scripts/image-tree.sh" "$tmp/root" --no-build
app_dir="$tmp/root/app"

ensure_services
psql "$(db_url_with "$base_url" postgres)" -qc "CREATE DATABASE \"parley_$run_id\"" >/dev/null

# The image's environment: the KEY=VALUE words of the runtime stage's ENV instructions, with
# paths under /app mapped into the tree.
image_env=()
while read -r kv; do
  case "$kv" in
    *=/app) kv="${kv%=/app}=$app_dir" ;;
    *=/app/*) kv="${kv%%=*}=$app_dir/${kv#*=/app/}" ;;
  esac
  image_env+=("$kv")
done < <(awk '
  /^FROM /   { in_env = 0; n = 0; delete words; next }
  /^ENV /    { in_env = 1; sub(/^ENV /, "") }
  in_env     { cont = sub(/\\[ \t]*$/, ""); for (i = 1; i <= NF; i++) words[++n] = $i; if (!cont) in_env = 0 }
  END        { for (i = 1; i <= n; i++) print words[i] }
' "$ROOT/Dockerfile")
printf '%s\n' "${image_env[@]}" | grep -qx 'APP_ENV=production' \
  || die "could not read the runtime ENV from the Dockerfile (got: ${image_env[*]})"

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    port_open 127.0.0.1 "$port" || { echo "$port"; return; }
  done
}
site_port="$(free_port)"
metrics_port="$(free_port)"
[ "$metrics_port" != "$site_port" ] || metrics_port=$((site_port + 1))

# Only what an operator adds to the image's environment (plus a queue and Redis namespace of
# our own, so a shared broker's real consumers never see this run). PATH is not needed by the
# server; HOME is unset as under a numeric user without a passwd entry.
run_env=(
  "${image_env[@]}"
  "DATABASE_URL=$db_url"
  "REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}"
  "AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"
  "JWT_SECRET=image-check-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  "SITE_ADDR=127.0.0.1:$site_port"
  "METRICS_ADDR=127.0.0.1:$metrics_port"
  "SHUTDOWN_GRACE_SECONDS=$GRACE"
  "NOTIFICATION_QUEUE=$queue"
  "REDIS_NAMESPACE=parley-$run_id"
)

# As the image's USER when we can switch to it: the tree is root-owned and read-only to that
# user, so anything the server tried to write at runtime would fail here as in the image.
image_user="$(awk '/^FROM /{u=""} /^USER /{u=$2} END{print u}' "$ROOT/Dockerfile")"
[[ "$image_user" =~ ^[0-9]+:[0-9]+$ ]] || die "the runtime stage needs a numeric USER uid:gid (got ${image_user:-none})"
as_user=()
if is_root && command -v setpriv >/dev/null; then
  as_user=(setpriv "--reuid=${image_user%%:*}" "--regid=${image_user##*:}" --clear-groups)
  chmod 0755 "$tmp" "$tmp/root"
fi

# start NAME COMMAND: starts the tree's server in the background like the image's ENTRYPOINT.
start() {
  (cd "$app_dir" && exec "${as_user[@]}" env -i "${run_env[@]}" ./server "$2" >"$tmp/$1.log" 2>&1) &
  pids+=($!)
  pid=$!
}

fail_with_log() {
  printf '%s\n' "--- $tmp/$1.log" >&2
  tail -n 40 "$tmp/$1.log" >&2 || true
  die "$2"
}

# stop NAME PID: SIGTERM, then expects exit code 0 within the grace period plus 10 s.
stop() {
  local name="$1" pid="$2" i rc=0
  kill -TERM "$pid"
  for ((i = 0; i < (GRACE + 10) * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail_with_log "$name" "$name still running $((GRACE + 10)) s after SIGTERM"
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || fail_with_log "$name" "$name exited with $rc after SIGTERM (expected 0)"
  log "$name exited 0 after SIGTERM"
}

log "server migrate (from the image tree, image env)"
(cd "$app_dir" && "${as_user[@]}" env -i "${run_env[@]}" ./server migrate >"$tmp/migrate.log" 2>&1) \
  || fail_with_log migrate "server migrate failed"

log "server serve on 127.0.0.1:$site_port"
start serve serve
serve_pid="$pid"
site="http://127.0.0.1:$site_port"
ready=""
for ((i = 0; i < 60; i++)); do
  kill -0 "$serve_pid" 2>/dev/null || fail_with_log serve "server serve exited during start"
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$site/readyz")" = 200 ]; then
    ready=1
    break
  fi
  sleep 0.5
done
[ -n "$ready" ] || fail_with_log serve "/readyz did not answer 200 within 30 s"

code="$(curl -s -o "$tmp/page.html" -w '%{http_code}' "$site/")"
[ "$code" = 200 ] || fail_with_log serve "GET / answered $code, expected 200"
# Every /pkg file the page links must be served: a binary paired with another build's site
# would link names that are not there.
mapfile -t assets < <(grep -oE '/pkg/[A-Za-z0-9_.-]+\.(js|wasm|css)' "$tmp/page.html" | sort -u)
printf '%s\n' "${assets[@]}" | grep -qE '^/pkg/parley\.[A-Za-z0-9_-]+\.js$' \
  || fail_with_log serve "the page links no hashed /pkg/parley.<hash>.js (found: ${assets[*]:-nothing})"
printf '%s\n' "${assets[@]}" | grep -qE '^/pkg/parley\.[A-Za-z0-9_-]+\.wasm$' \
  || fail_with_log serve "the page links no hashed /pkg/parley.<hash>.wasm (found: ${assets[*]})"
for asset in "${assets[@]}"; do
  code="$(curl -s -o /dev/null -H 'Accept-Encoding: br, gzip' -w '%{http_code}' "$site$asset")"
  [ "$code" = 200 ] || fail_with_log serve "GET $asset answered $code, expected 200"
done
log "/readyz 200; / 200 and its ${#assets[@]} /pkg files fetchable"

# /metrics only when this build has the listener (it is being added separately).
if port_open 127.0.0.1 "$metrics_port"; then
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_port/metrics")"
  [ "$code" = 200 ] || fail_with_log serve "GET /metrics on METRICS_ADDR answered $code"
  log "/metrics 200 on METRICS_ADDR"
fi

stop serve "$serve_pid"

log "server worker"
start worker worker
worker_pid="$pid"
started=""
for ((i = 0; i < 60; i++)); do
  kill -0 "$worker_pid" 2>/dev/null || fail_with_log worker "server worker exited during start"
  if grep -q "backends:" "$tmp/worker.log"; then
    started=1
    break
  fi
  sleep 0.5
done
[ -n "$started" ] || fail_with_log worker "server worker did not report its backends within 30 s"
# The SIGTERM handler is installed right after that line; do not race it.
sleep 1
stop worker "$worker_pid"

log "image check passed"
