#!/usr/bin/env bash
# Assembles the file tree the runtime image holds, so the Dockerfile and the checks that run it
# outside a container (scripts/image-check.sh) ship exactly the same thing:
#   OUT_DIR/app/server     the release server binary
#   OUT_DIR/app/hash.txt   the content hashes of the same build (the server reads the hash file
#                          next to its own executable; without it pages link unhashed names)
#   OUT_DIR/app/site/      LEPTOS_SITE_ROOT of the same build: pkg/ (hashed JS, WASM, CSS,
#                          split chunks and their .br/.gz twins) and the public/ assets
# Usage: scripts/image-tree.sh OUT_DIR [--no-build]
#   without --no-build it runs the release build of scripts/run.sh first;
#   with --no-build it takes the existing release build in $CARGO_TARGET_DIR and $ROOT/target/site.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage="usage: scripts/image-tree.sh OUT_DIR [--no-build]"
out="${1:-}"
[ -n "$out" ] || die "$usage"
build=1
case "${2:-}" in
  "") ;;
  --no-build) build=0 ;;
  *) die "$usage" ;;
esac

cd "$ROOT" || exit 1
if [ "$build" -eq 1 ]; then
  # Only what the build needs (not setup.sh): the Docker builder has no database or broker,
  # and must not try to install or start them.
  ensure_rust
  ensure_wasm_opt
  log "cargo leptos build --release --precompress --split"
  cargo leptos build --release --precompress --split
fi

bin="$CARGO_TARGET_DIR/release/server"
hash_file="$CARGO_TARGET_DIR/release/hash.txt"
# site-root in Cargo.toml is relative to the workspace, not to CARGO_TARGET_DIR.
site="$ROOT/target/site"
hint="run scripts/image-tree.sh without --no-build, or cargo leptos build --release --precompress --split"
[ -x "$bin" ] || die "no release server binary at $bin ($hint)"
[ -f "$hash_file" ] || die "no $hash_file from a release build with hash-files ($hint)"
[ -d "$site/pkg" ] || die "no built site in $site/pkg ($hint)"

# The server silently falls back to unhashed names when binary and site come from different
# builds (it only logs a warning), which would ship pages linking files that do not exist:
# refuse to assemble such a tree. CARGO_TARGET_DIR may be shared by several work trees, so a
# --no-build tree can otherwise pick up another tree's binary.
hash_of() { sed -n "s/^$1: *\([A-Za-z0-9_-]*\) *$/\1/p" "$hash_file"; }
expected=()
for ext in js wasm css; do
  h="$(hash_of "$ext")"
  [ -n "$h" ] || die "$hash_file has no $ext hash; is hash-files still on in Cargo.toml?"
  expected+=("pkg/parley.$h.$ext")
done
h="$(hash_of split)"
[ -z "$h" ] || expected+=("pkg/__wasm_split.$h.js")
h="$(hash_of manifest)"
[ -z "$h" ] || expected+=("pkg/__wasm_split_manifest.$h.json")
for file in "${expected[@]}"; do
  [ -f "$site/$file" ] || die "$hash_file names $file, which is not in $site: binary and site come from different builds ($hint)"
done
# A release build with --precompress leaves a brotli twin of the WASM; without it the site is
# a debug or unprecompressed build that must not be shipped.
[ -f "$site/${expected[1]}.br" ] \
  || die "$site/${expected[1]} has no .br twin: not a --release --precompress build ($hint)"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -rf "$out/app"
mkdir -p "$out/app"
cp "$bin" "$out/app/server"
cp "$hash_file" "$out/app/hash.txt"
cp -R "$site" "$out/app/site"
# Read-only for everyone: the runtime writes nothing here (readOnlyRootFilesystem), and the
# non-root user of the image must only be able to read and execute.
chmod -R a+rX,go-w "$out/app"
log "image tree in $out/app ($(du -sh "$out/app" | cut -f1))"
