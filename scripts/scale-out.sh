#!/usr/bin/env bash
# Scale-out test: HAProxy in front of three `server serve` instances and one `server worker`,
# sharing one PostgreSQL primary and a streaming replica (scripts/pg-pair.sh), the machine's
# Redis and RabbitMQ. `bench run --reconnect` runs through HAProxy while one instance is
# drained (SIGTERM) and another killed (SIGKILL); both come back on the same address. Passes
# when the bench finds nothing lost, duplicated, missing or reordered and every send was
# acknowledged exactly once. See docs/benchmarks.md ("Scale-out").
#
#   scripts/scale-out.sh --short   20 rooms × 5 members, 50 msg/s for 25 s (about 2 minutes)
#   scripts/scale-out.sh           100 rooms × 10 members, 200 msg/s for 120 s
#
# Environment:
#   PARLEY_SERVER_BIN          server binary (default: $CARGO_TARGET_DIR/debug/server, built)
#   PARLEY_BENCH_BIN           bench binary (default: $CARGO_TARGET_DIR/debug/bench, built)
#   PARLEY_PG_PAIR             the pg-pair script (default: scripts/pg-pair.sh)
#   SCALE_OUT_NO_REPLICA=1     no pg pair: a scratch database on the machine's PostgreSQL
#                              (127.0.0.1:5432) and no DATABASE_READ_URL
#   SCALE_OUT_REQUIRE_METRICS=1  fail (instead of warning) when an instance's metrics
#                              listener does not answer
#   SCALE_OUT_KEEP=1           keep the run directory (logs, reports, metrics) after exit
#   SCALE_OUT_PORT             the instances' HTTP port (default 3000), SCALE_OUT_METRICS_PORT
#                              their metrics port (default 9100); hosts are 127.0.0.2-4
#   SCALE_OUT_BENCH_ARGS       more `bench run` options (e.g. "--token-renew-after 5")
#   REDIS_URL, AMQP_URL        as for the server (defaults: the machine's)

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=long
case "${1:-}" in
  --short) MODE=short ;;
  "") ;;
  -h | --help)
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die "usage: $0 [--short]" ;;
esac

if [ "$MODE" = short ]; then
  ROOMS=20 MEMBERS=5 RATE=50 DURATION=25 DRAIN=20
  TERM_AT=8 KILL_AT=14 RESTART_AFTER=3
else
  ROOMS=100 MEMBERS=10 RATE=200 DURATION=120 DRAIN=30
  TERM_AT=30 KILL_AT=70 RESTART_AFTER=5
fi

PORT="${SCALE_OUT_PORT:-3000}"
METRICS_PORT="${SCALE_OUT_METRICS_PORT:-9100}"
HOSTS=(127.0.0.2 127.0.0.3 127.0.0.4)
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"
PG_PAIR="${PARLEY_PG_PAIR:-$ROOT/scripts/pg-pair.sh}"
RUN_ID="so$(date +%s)$$"
NAMESPACE="scaleout-$RUN_ID"
QUEUE="parley.scaleout.$RUN_ID"

RUN_DIR="$(mktemp -d /tmp/parley-scale-out.XXXXXX)"
# The pg pair lives inside; as root its binaries run as `postgres`, which must reach it.
chmod 755 "$RUN_DIR"
PIDS=()          # every process this script started (that may still run)
declare -A INSTANCE_PID
SCRATCH_DB=""
PG_DIR=""
HAPROXY_PID=""
WORKER_PID=""
FAILED=0

# ---------------------------------------------------------------------------------------------
# Helpers

# free_port: a TCP port nothing listens on at 127.0.0.1.
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 20000))
    port_open 127.0.0.1 "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}

# http_code URL: the status of a GET (000 when nothing answers).
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true; }

tail_log() { # NAME FILE
  [ -f "$2" ] || return 0
  printf '\n----- last lines of %s (%s) -----\n' "$1" "$2" >&2
  tail -n "${3:-25}" "$2" >&2
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# stop_pid PID: TERM, then KILL after 5 s; only ever a process this script started.
stop_pid() {
  local pid="$1" i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  set +e
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ -n "$PG_DIR" ]; then
    "$PG_PAIR" stop "$PG_DIR" >/dev/null 2>&1 || log "warning: could not stop the pg pair in $PG_DIR"
  fi
  if [ -n "$SCRATCH_DB" ]; then
    psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "DROP DATABASE IF EXISTS \"$SCRATCH_DB\" WITH (FORCE)" >/dev/null 2>&1 \
      || log "warning: could not drop database $SCRATCH_DB"
  fi
  # This run's Redis keys (cache, presence, rate limits) all carry its namespace.
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "$NAMESPACE:*" 2>/dev/null \
      | xargs -r -n 500 redis-cli -u "$REDIS_URL" DEL >/dev/null 2>&1
  fi
  # The run's notification queues (best effort: needs rabbitmqctl rights on this machine).
  if command -v rabbitmqctl >/dev/null && url_is_local "$AMQP_URL"; then
    timeout 30 rabbitmqctl -q delete_queue "$QUEUE" >/dev/null 2>&1
    timeout 30 rabbitmqctl -q delete_queue "$QUEUE.dead" >/dev/null 2>&1
  fi
  if [ "${SCALE_OUT_KEEP:-0}" = 1 ]; then
    log "run directory kept: $RUN_DIR"
  else
    rm -rf "$RUN_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Binaries and services

apt_install haproxy curl prometheus
ensure_redis
ensure_rabbitmq
command -v psql >/dev/null || apt_install postgresql-client

if [ -z "${PARLEY_SERVER_BIN:-}" ]; then
  log "building the server (debug)"
  (cd "$ROOT" && cargo build -q -p server)
  SERVER_BIN="$CARGO_TARGET_DIR/debug/server"
else
  SERVER_BIN="$PARLEY_SERVER_BIN"
fi
[ -x "$SERVER_BIN" ] || die "no server binary at $SERVER_BIN"
# The target directory is shared: another worktree's build may replace the file at any time
# (even while the next build waits for the lock), so copy it at once.
cp "$SERVER_BIN" "$RUN_DIR/server" && SERVER_BIN="$RUN_DIR/server"
if [ -z "${PARLEY_BENCH_BIN:-}" ]; then
  # Debug is enough for a correctness gate, and shares its dependencies with the server's.
  log "building the bench (debug)"
  (cd "$ROOT" && cargo build -q -p bench)
  BENCH_BIN="$CARGO_TARGET_DIR/debug/bench"
else
  BENCH_BIN="$PARLEY_BENCH_BIN"
fi
[ -x "$BENCH_BIN" ] || die "no bench binary at $BENCH_BIN"
cp "$BENCH_BIN" "$RUN_DIR/bench" && BENCH_BIN="$RUN_DIR/bench"

for host in "${HOSTS[@]}"; do
  port_open "$host" "$PORT" && die "$host:$PORT is in use (another scale-out run?); set SCALE_OUT_PORT"
  port_open "$host" "$METRICS_PORT" && die "$host:$METRICS_PORT is in use; set SCALE_OUT_METRICS_PORT"
done

if [ "${SCALE_OUT_NO_REPLICA:-0}" = 1 ]; then
  ensure_postgres
  SCRATCH_DB="parley_$RUN_ID"
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$SCRATCH_DB"
  ensure_database "$DATABASE_URL"
  DATABASE_READ_URL=""
  log "database: scratch $SCRATCH_DB on 127.0.0.1:5432, no replica (SCALE_OUT_NO_REPLICA=1)"
else
  [ -x "$PG_PAIR" ] || die "$PG_PAIR not found (set PARLEY_PG_PAIR, or SCALE_OUT_NO_REPLICA=1 to run without a replica)"
  PG_PRIMARY_PORT="$(free_port)"
  PG_REPLICA_PORT="$(free_port)"
  [ "$PG_PRIMARY_PORT" != "$PG_REPLICA_PORT" ] || PG_REPLICA_PORT="$(free_port)"
  PG_DIR="$RUN_DIR/pg"
  log "starting a PostgreSQL primary (:$PG_PRIMARY_PORT) and streaming replica (:$PG_REPLICA_PORT)"
  "$PG_PAIR" start "$PG_DIR" "$PG_PRIMARY_PORT" "$PG_REPLICA_PORT"
  psql "postgres://postgres@127.0.0.1:$PG_PRIMARY_PORT/postgres" -qc 'CREATE DATABASE parley' >/dev/null
  DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PRIMARY_PORT/parley"
  DATABASE_READ_URL="postgres://postgres@127.0.0.1:$PG_REPLICA_PORT/parley"
fi

mkdir -p "$RUN_DIR/site"
export DATABASE_URL REDIS_URL AMQP_URL
export REDIS_NAMESPACE="$NAMESPACE" NOTIFICATION_QUEUE="$QUEUE"
export SHUTDOWN_GRACE_SECONDS=2 REGISTRATIONS_PER_HOUR=1000000
export JWT_SECRET="scale-out-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export LEPTOS_SITE_ROOT="$RUN_DIR/site" LOG_LEVEL="${LOG_LEVEL:-info}"
[ -n "$DATABASE_READ_URL" ] && export DATABASE_READ_URL
unset SITE_ADDR LEPTOS_SITE_ADDR METRICS_ADDR NOTIFICATION_WORKER
export TRUSTED_PROXIES=127.0.0.1

log "applying migrations"
"$SERVER_BIN" migrate >"$RUN_DIR/migrate.log" 2>&1 || { tail_log migrate "$RUN_DIR/migrate.log"; die "migrations failed"; }

# start_instance N: `server serve` number N (1-3) on its own loopback address.
start_instance() {
  local n="$1" host="${HOSTS[$(($1 - 1))]}"
  SITE_ADDR="$host:$PORT" METRICS_ADDR="$host:$METRICS_PORT" NOTIFICATION_WORKER=false \
    "$SERVER_BIN" serve >>"$RUN_DIR/server$n.log" 2>&1 &
  INSTANCE_PID[$n]=$!
  PIDS+=($!)
}

# wait_ready N SECONDS: until instance N answers /readyz with 200.
wait_ready() {
  local n="$1" host="${HOSTS[$(($1 - 1))]}" i
  for ((i = 0; i < $2 * 5; i++)); do
    [ "$(http_code "http://$host:$PORT/readyz")" = 200 ] && return 0
    alive "${INSTANCE_PID[$n]}" || { tail_log "server$n" "$RUN_DIR/server$n.log"; die "server$n exited while starting"; }
    sleep 0.2
  done
  tail_log "server$n" "$RUN_DIR/server$n.log"
  die "server$n ($host:$PORT) not ready within $2 s"
}

log "starting 3 instances on ${HOSTS[*]} :$PORT and a worker"
for n in 1 2 3; do start_instance "$n"; done
"$SERVER_BIN" worker >"$RUN_DIR/worker.log" 2>&1 &
WORKER_PID=$!
PIDS+=($!)
for n in 1 2 3; do wait_ready "$n" 90; done

LB_PORT="$(free_port)"
STATS_PORT="$(free_port)"
[ "$LB_PORT" != "$STATS_PORT" ] || STATS_PORT="$(free_port)"
cat >"$RUN_DIR/haproxy.cfg" <<EOF
# generated by scripts/scale-out.sh
global
    maxconn 5000
    log stderr format raw local0 notice

defaults
    mode http
    log global
    option dontlognull
    option redispatch
    retries 3
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout tunnel 1h
    timeout check 2s
    # The instances trust 127.0.0.1 (TRUSTED_PROXIES), so rate limits see the bench's clients.
    option forwardfor

frontend parley
    bind 127.0.0.1:$LB_PORT
    default_backend instances

backend instances
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server s1 ${HOSTS[0]}:$PORT check
    server s2 ${HOSTS[1]}:$PORT check
    server s3 ${HOSTS[2]}:$PORT check

listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /stats
EOF
haproxy -c -q -f "$RUN_DIR/haproxy.cfg" || die "invalid HAProxy configuration ($RUN_DIR/haproxy.cfg)"
haproxy -db -f "$RUN_DIR/haproxy.cfg" >"$RUN_DIR/haproxy.log" 2>&1 &
HAPROXY_PID=$!
PIDS+=($!)
wait_port HAProxy 127.0.0.1 "$LB_PORT" 20

# backends_up: how many of the three servers HAProxy has UP.
backends_up() {
  curl -s -m 3 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null \
    | awk -F, '$1 == "instances" && $2 ~ /^s[0-9]$/ && $18 ~ /^UP/ { n++ } END { print n + 0 }'
}
for ((i = 0; i < 100; i++)); do
  [ "$(backends_up)" = 3 ] && break
  sleep 0.2
done
[ "$(backends_up)" = 3 ] || die "HAProxy does not see all three instances up"
log "HAProxy on 127.0.0.1:$LB_PORT (stats :$STATS_PORT), all three instances up"

# scrape WHEN: every instance's metrics into the run directory; fails only when required.
METRICS_MISSING=0
scrape() {
  local n host code
  for n in 1 2 3; do
    host="${HOSTS[$((n - 1))]}"
    code="$(curl -s -m 5 -o "$RUN_DIR/metrics-server$n-$1.txt" -w '%{http_code}' "http://$host:$METRICS_PORT/metrics" 2>/dev/null || true)"
    if [ "$code" != 200 ]; then
      METRICS_MISSING=1
      rm -f "$RUN_DIR/metrics-server$n-$1.txt"
      log "warning: no metrics from server$n at $host:$METRICS_PORT/metrics (status ${code:-000})"
    fi
  done
}
scrape before
for n in 1 2 3; do
  code="$(http_code "http://${HOSTS[$((n - 1))]}:$PORT/metrics")"
  if [ "$code" = 200 ]; then
    log "FAIL: /metrics is served on the public port of server$n (${HOSTS[$((n - 1))]}:$PORT)"
    FAILED=1
  fi
done

# ---------------------------------------------------------------------------------------------
# The run

log "bench: $ROOMS rooms × $MEMBERS members, $RATE msg/s for $DURATION s through HAProxy; SIGTERM server1 at ${TERM_AT} s, SIGKILL server2 at ${KILL_AT} s, each back ${RESTART_AFTER} s later"
ulimit -n 20000 2>/dev/null || true
"$BENCH_BIN" run --server "127.0.0.1:$LB_PORT" --reconnect \
  --rooms "$ROOMS" --members "$MEMBERS" --rate "$RATE" --duration "$DURATION" --drain "$DRAIN" \
  ${SCALE_OUT_BENCH_ARGS:-} >"$RUN_DIR/bench.txt" 2>"$RUN_DIR/bench.log" &
BENCH_PID=$!
PIDS+=($!)

# Wait for the sending phase: the chaos is timed from the first send.
for ((i = 0; i < 1200; i++)); do
  grep -q '^sending ' "$RUN_DIR/bench.log" 2>/dev/null && break
  alive "$BENCH_PID" || break
  sleep 0.1
done
alive "$BENCH_PID" || { tail_log bench "$RUN_DIR/bench.log"; die "the bench ended before sending"; }
SEND_START=$SECONDS
CHAOS_LOG="$RUN_DIR/chaos.log"
note() { printf '%s +%ss %s\n' "$(date -u +%H:%M:%S)" "$((SECONDS - SEND_START))" "$*" | tee -a "$CHAOS_LOG" >&2; }

sleep_until() { # SECONDS after the first send
  local left=$(($1 - (SECONDS - SEND_START)))
  [ "$left" -gt 0 ] && sleep "$left"
  return 0
}

# restart N: start instance N again on its address and wait until HAProxy has it up.
restart() {
  local n="$1" i
  start_instance "$n"
  wait_ready "$n" 60
  for ((i = 0; i < 50; i++)); do
    [ "$(backends_up)" = 3 ] && break
    sleep 0.2
  done
  note "server$n restarted (pid ${INSTANCE_PID[$n]}); HAProxy has $(backends_up)/3 up"
}

sleep_until "$TERM_AT"
note "SIGTERM server1 (pid ${INSTANCE_PID[1]}): drain"
kill -TERM "${INSTANCE_PID[1]}"
TERM_PID="${INSTANCE_PID[1]}"
for ((i = 0; i < 150; i++)); do
  alive "$TERM_PID" || break
  sleep 0.1
done
if alive "$TERM_PID"; then
  note "server1 still running 15 s after SIGTERM: killing it"
  kill -KILL "$TERM_PID"
  FAILED=1
fi
wait "$TERM_PID" 2>/dev/null && note "server1 exited with status 0" || note "server1 exited with status $?"
sleep_until $((TERM_AT + RESTART_AFTER))
restart 1

sleep_until "$KILL_AT"
note "SIGKILL server2 (pid ${INSTANCE_PID[2]})"
kill -KILL "${INSTANCE_PID[2]}"
wait "${INSTANCE_PID[2]}" 2>/dev/null || true
sleep_until $((KILL_AT + RESTART_AFTER))
restart 2

# The bench ends by itself: sending, then draining (bounded by --drain without progress).
BENCH_RC=0
wait "$BENCH_PID" || BENCH_RC=$?
note "bench exited with status $BENCH_RC"
cat "$RUN_DIR/bench.txt"
grep -E '^(bench:|  [0-9]+ s:|  draining )' "$RUN_DIR/bench.log" >&2 || true

scrape after
# Every scrape must be a valid exposition by Prometheus's own linter.
for file in "$RUN_DIR"/metrics-server*.txt; do
  [ -e "$file" ] || continue
  if ! promtool check metrics <"$file" >"$file.lint" 2>&1; then
    log "FAIL: promtool check metrics rejects ${file##*/}:"
    head -n 20 "$file.lint" >&2
    FAILED=1
  fi
done
curl -s -m 3 "http://127.0.0.1:$STATS_PORT/stats;csv" >"$RUN_DIR/haproxy-stats.csv" 2>/dev/null || true
UP="$(backends_up)"
[ "$UP" = 3 ] || { log "FAIL: HAProxy has $UP of 3 instances up at the end"; FAILED=1; }
for n in 1 2 3; do
  if ! alive "${INSTANCE_PID[$n]}"; then
    log "FAIL: server$n is not running at the end"
    tail_log "server$n" "$RUN_DIR/server$n.log"
    FAILED=1
  fi
done
if ! alive "$WORKER_PID"; then
  log "FAIL: the worker is not running at the end"
  tail_log worker "$RUN_DIR/worker.log"
  FAILED=1
fi
if ! alive "$HAPROXY_PID"; then
  log "FAIL: HAProxy is not running at the end"
  tail_log haproxy "$RUN_DIR/haproxy.log"
  FAILED=1
fi
if [ "$METRICS_MISSING" = 1 ] && [ "${SCALE_OUT_REQUIRE_METRICS:-0}" = 1 ]; then
  log "FAIL: some instance did not serve its metrics (SCALE_OUT_REQUIRE_METRICS=1)"
  FAILED=1
fi
if [ "$BENCH_RC" != 0 ]; then
  tail_log bench "$RUN_DIR/bench.log" 40
  for n in 1 2 3; do tail_log "server$n" "$RUN_DIR/server$n.log" 15; done
  tail_log haproxy "$RUN_DIR/haproxy.log" 15
  log "FAIL: bench run --reconnect exited with status $BENCH_RC"
  FAILED=1
fi

if [ "$FAILED" = 0 ]; then
  log "scale-out ($MODE): PASS"
else
  log "scale-out ($MODE): FAIL"
  exit 1
fi
