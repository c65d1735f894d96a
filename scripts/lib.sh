# Shared helpers for scripts/*.sh: idempotent installation of the toolchain and services.
# Sourced, not executed. Every step checks first and only acts when something is missing.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/parley/target}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PATH="$HOME/.cargo/bin:$ROOT/scripts/tools/node_modules/.bin:$PATH"

CARGO_LEPTOS_VERSION="0.3.10"
WASM_BINDGEN_VERSION="0.2.130"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# apt_install PKG...: installs the Debian packages that are not installed yet (root only).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  is_root || die "missing Debian packages: ${missing[*]} (run as root, or install them with apt-get)"
  log "installing ${missing[*]}"
  if [ -z "${PARLEY_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    PARLEY_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port NAME HOST PORT SECONDS
wait_port() {
  local i
  for ((i = 0; i < $4 * 2; i++)); do
    port_open "$2" "$3" && return 0
    sleep 0.5
  done
  die "$1 did not start listening on $2:$3 within $4 s"
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs), then re-run"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes a while, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # No --locked: its lock file names a crate version the registry no longer has.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

ensure_node() {
  command -v npm >/dev/null || apt_install nodejs npm
}

# npm_ci DIR: installs the locked npm packages of DIR unless they are already in place.
npm_ci() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
    || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.parley-lock"; then
    log "installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.parley-lock"
  fi
}

# wasm-opt shrinks release WASM; Debian's binaryen is too old, so it comes from npm.
ensure_wasm_opt() {
  ensure_node
  npm_ci "$ROOT/scripts/tools"
}

ensure_chromium() {
  if [ -z "${CHROMIUM_PATH:-}" ]; then
    command -v chromium >/dev/null || apt_install chromium
    CHROMIUM_PATH="$(command -v chromium)"
    export CHROMIUM_PATH
  fi
}

# URL helpers: "memory" (or another in-process keyword) means the service is not wanted.
is_in_process() { case "$1" in memory | in-process | none | off) return 0 ;; *) return 1 ;; esac; }
url_is_local() { case "$1" in *@127.0.0.1:* | *@localhost:* | *://127.0.0.1:* | *://localhost:* | *://127.0.0.1 | *://localhost) return 0 ;; *) return 1 ;; esac; }

ensure_postgres() {
  local url="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/parley}"
  if url_is_local "$url" && ! port_open 127.0.0.1 5432; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      apt_install postgresql
    fi
    log "starting PostgreSQL"
    is_root || die "PostgreSQL is installed but stopped; start it (as root: pg_ctlcluster ... main start)"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
    wait_port PostgreSQL 127.0.0.1 5432 60
  fi
  command -v psql >/dev/null || apt_install postgresql-client
  # A fresh Debian PostgreSQL wants a password over TCP; give the postgres role the one our
  # default URL uses. Machines with trust authentication accept the URL as it is.
  if url_is_local "$url" && ! psql "$(db_url_with "$url" postgres)" -qtAc 'select 1' >/dev/null 2>&1; then
    if is_root && id postgres >/dev/null 2>&1; then
      log "setting the local postgres role's password to match DATABASE_URL"
      runuser -u postgres -- psql -qc "ALTER ROLE postgres PASSWORD 'postgres'" >/dev/null
    fi
  fi
  psql "$(db_url_with "$url" postgres)" -qtAc 'select 1' >/dev/null \
    || die "cannot connect to PostgreSQL at ${url%%\?*} (set DATABASE_URL)"
}

# db_url_with URL NAME: URL with its database name replaced.
db_url_with() {
  local url="$1" name="$2" query=""
  case "$url" in *\?*) query="?${url#*\?}"; url="${url%%\?*}" ;; esac
  printf '%s/%s%s' "${url%/*}" "$name" "$query"
}

# ensure_database URL: creates the database named in URL when it does not exist.
ensure_database() {
  local url="$1" name
  name="${url%%\?*}"; name="${name##*/}"
  if ! psql "$(db_url_with "$url" postgres)" -qtAc "select 1 from pg_database where datname = '$name'" | grep -q 1; then
    log "creating database $name"
    psql "$(db_url_with "$url" postgres)" -qc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}

ensure_redis() {
  local url="${REDIS_URL:-redis://127.0.0.1:6379}"
  is_in_process "$url" && return 0
  url_is_local "$url" || return 0
  port_open 127.0.0.1 6379 && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  is_root || die "Redis is installed but stopped; start it or set REDIS_URL=memory"
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port Redis 127.0.0.1 6379 30
}

ensure_rabbitmq() {
  local url="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"
  is_in_process "$url" && return 0
  url_is_local "$url" || return 0
  port_open 127.0.0.1 5672 && return 0
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  is_root || die "RabbitMQ is installed but stopped; start it or set AMQP_URL=memory"
  log "starting RabbitMQ"
  rabbitmq-server -detached
  wait_port RabbitMQ 127.0.0.1 5672 120
}

ensure_services() {
  ensure_postgres
  ensure_redis
  ensure_rabbitmq
}
