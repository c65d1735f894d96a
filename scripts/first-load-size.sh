#!/usr/bin/env bash
# Builds the release front end (WASM, JS, CSS, precompressed as the server sends them) and
# prints what a first page load downloads, failing when it is over the budget of #7:
# 350 KB compressed. Usage: scripts/first-load-size.sh [--no-build]
source "$(dirname "$0")/lib.sh"

BUDGET_BYTES=$((350 * 1024))
cd "$ROOT"

if [ "${1:-}" != "--no-build" ]; then
  "$ROOT/scripts/setup.sh" >/dev/null
  log "cargo leptos build --release --precompress --frontend-only"
  cargo leptos build --release --precompress --frontend-only
fi

pkg="$ROOT/target/site/pkg"
[ -d "$pkg" ] || die "no build in $pkg"

size() { stat -c %s "$1"; }
total_raw=0 total_gz=0 total_br=0
printf '| File | Raw | gzip | brotli |\n|---|---:|---:|---:|\n'
# The newest build of each kind: hashed names change with every build and old ones linger.
for ext in wasm js css; do
  file="$(ls -t "$pkg"/*."$ext" 2>/dev/null | head -n1)"
  [ -n "$file" ] || die "no .$ext file in $pkg"
  [ -f "$file.gz" ] && [ -f "$file.br" ] || die "$file has no .gz/.br twin: build with --precompress"
  raw=$(size "$file") gz=$(size "$file.gz") br=$(size "$file.br")
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
  printf '| `%s` | %d KB | %d KB | %d KB |\n' "$(basename "$file")" $((raw / 1024)) $((gz / 1024)) $((br / 1024))
done
printf '| **first load** | **%d KB** | **%d KB** | **%d KB** |\n' \
  $((total_raw / 1024)) $((total_gz / 1024)) $((total_br / 1024))

# Browsers that do not take brotli get gzip, so gzip is what must fit.
if [ "$total_gz" -gt "$BUDGET_BYTES" ]; then
  die "first load is $((total_gz / 1024)) KB gzip, over the $((BUDGET_BYTES / 1024)) KB budget"
fi
log "within the $((BUDGET_BYTES / 1024)) KB budget (gzip $((total_gz / 1024)) KB, brotli $((total_br / 1024)) KB)"
