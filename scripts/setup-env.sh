#!/usr/bin/env bash
# Creates or refreshes Makker's virtual environment in .venv; quiet unless something fails.
# Usage: scripts/setup-env.sh [extras]   e.g. "dev" for the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "makker: Python 3.11 or newer is needed (found: $("$python" --version 2>&1))" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# Reinstall only when the project's metadata or the wanted extras change.
stamp=".venv/.makker-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) ${extras}"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ] && ! { [ -z "$extras" ] && [ "${have% *}" = "${want% *}" ]; }; then
  target="."
  [ -n "$extras" ] && target=".[${extras}]"
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target" >.venv/install.log 2>&1; then
    echo "makker: installing the dependencies failed; see .venv/install.log" >&2
    tail -n 20 .venv/install.log >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
