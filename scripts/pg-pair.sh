#!/usr/bin/env bash
# A throwaway PostgreSQL primary and streaming replica for tests and scale-out experiments,
# built with the installed server binaries (/usr/lib/postgresql/<major>/bin).
#
#   pg-pair.sh start DIR PRIMARY_PORT REPLICA_PORT   create (if DIR lacks them) and start both;
#                                                    returns once both accept connections and
#                                                    the replica is streaming
#   pg-pair.sh stop DIR                              stop both and remove DIR
#   pg-pair.sh stop-replica DIR | start-replica DIR  stop or start the replica only
#   pg-pair.sh pause-replay DIR | resume-replay DIR  pg_wal_replay_pause()/resume() on the replica
#
# Both listen on 127.0.0.1 only, trust authentication, superuser `postgres`, no Unix socket.
# Settings are cheap (small buffers, fsync off): never keep data in such a pair. Prints nothing
# but errors. As root, the binaries run as the `postgres` user, which must be able to reach DIR.

set -euo pipefail

die() { printf 'pg-pair: %s\n' "$*" >&2; exit 1; }

usage() {
  die "usage: $0 start DIR PRIMARY_PORT REPLICA_PORT | stop DIR | stop-replica DIR | start-replica DIR | pause-replay DIR | resume-replay DIR"
}

find_bin() {
  local major
  if [ -n "${PG_BIN:-}" ]; then
    printf '%s' "$PG_BIN"
    return
  fi
  major="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)"
  [ -n "$major" ] && [ -x "/usr/lib/postgresql/$major/bin/initdb" ] ||
    die "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
  printf '%s' "/usr/lib/postgresql/$major/bin"
}

BIN="$(find_bin)"

# as_pg CMD...: runs a PostgreSQL binary, as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# quiet CMD...: runs CMD, showing its output only when it fails.
quiet() {
  local out
  if ! out="$("$@" 2>&1)"; then
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# sql PORT QUERY: one value from the server on PORT.
sql() {
  as_pg "$BIN/psql" -X -q -A -t -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"
}

port_of() { cat "$1/$2.port" 2>/dev/null || die "$1 holds no $2 (start it first)"; }

# wait_for SECONDS WHAT CMD...: polls CMD until it succeeds.
wait_for() {
  local seconds="$1" what="$2" i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "$what within $seconds s"
}

streaming() {
  [ "$(sql "$(port_of "$1" primary)" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" -ge 1 ]
}

accepts() { sql "$1" "SELECT 1" | grep -qx 1; }

settings() {
  cat <<EOF
# pg-pair.sh: a cheap test server, never for real data
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = ''
shared_buffers = 16MB
max_connections = 50
fsync = off
synchronous_commit = off
wal_level = replica
max_wal_senders = 5
wal_keep_size = 128MB
max_wal_size = 256MB
checkpoint_timeout = 30min
hot_standby = on
wal_receiver_status_interval = 1s
autovacuum = off
log_min_messages = warning
logging_collector = off
EOF
}

start_server() { # DIR NAME
  as_pg "$BIN/pg_ctl" -D "$1/$2" status >/dev/null 2>&1 && return 0
  quiet as_pg "$BIN/pg_ctl" -D "$1/$2" -l "$1/$2.log" -w -t 60 -s start ||
    die "the $2 did not start; see $1/$2.log"
}

stop_server() { # DIR NAME
  [ -f "$1/$2/postmaster.pid" ] || return 0
  quiet as_pg "$BIN/pg_ctl" -D "$1/$2" -w -t 60 -s -m fast stop || true
}

prepare_dir() {
  mkdir -p "$1"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$1"
    chmod 700 "$1"
    runuser -u postgres -- test -w "$1" ||
      die "the postgres user cannot reach $1: make its parent directories searchable (chmod o+x)"
  fi
}

start() {
  local dir="$1" primary_port="$2" replica_port="$3"
  prepare_dir "$dir"
  if [ ! -f "$dir/primary/PG_VERSION" ]; then
    rm -rf "$dir/primary" "$dir/replica"
    quiet as_pg "$BIN/initdb" -D "$dir/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync ||
      die "initdb failed"
    settings "$primary_port" | as_pg tee -a "$dir/primary/postgresql.conf" >/dev/null
    printf '%s\n' "$primary_port" | as_pg tee "$dir/primary.port" >/dev/null
  fi
  [ "$(port_of "$dir" primary)" = "$primary_port" ] ||
    die "$dir holds a pair on other ports (primary $(port_of "$dir" primary)); stop it first"
  start_server "$dir" primary
  wait_for 60 "the primary did not accept connections" accepts "$(port_of "$dir" primary)"
  if [ ! -f "$dir/replica/PG_VERSION" ]; then
    rm -rf "$dir/replica"
    quiet as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$(port_of "$dir" primary)" -U postgres \
      -D "$dir/replica" -R -X stream -c fast --no-sync || die "pg_basebackup failed"
    printf 'port = %s\n' "$replica_port" | as_pg tee -a "$dir/replica/postgresql.conf" >/dev/null
    printf '%s\n' "$replica_port" | as_pg tee "$dir/replica.port" >/dev/null
  fi
  [ "$(port_of "$dir" replica)" = "$replica_port" ] ||
    die "$dir holds a pair on other ports (replica $(port_of "$dir" replica)); stop it first"
  start_replica "$dir"
}

start_replica() {
  local dir="$1"
  start_server "$dir" replica
  wait_for 60 "the replica did not accept connections" accepts "$(port_of "$dir" replica)"
  wait_for 60 "the replica did not start streaming" streaming "$dir"
}

stop() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  stop_server "$dir" replica
  stop_server "$dir" primary
  rm -rf "$dir"
}

replay() { # DIR pause|resume
  sql "$(port_of "$1" replica)" "SELECT pg_wal_replay_$2()" >/dev/null
}

[ $# -ge 2 ] || usage
command="$1"
dir="$2"
case "$command" in
  start)
    [ $# -eq 4 ] || usage
    start "$dir" "$3" "$4"
    ;;
  stop) stop "$dir" ;;
  stop-replica) stop_server "$dir" replica ;;
  start-replica) start_replica "$dir" ;;
  pause-replay) replay "$dir" pause ;;
  resume-replay) replay "$dir" resume ;;
  *) usage ;;
esac
