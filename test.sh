#!/usr/bin/env bash
# Run every check: sets up .venv with the test tools, then ruff (lint and format) and the whole test suite
# (unit, handler and end-to-end tests; the fake Bot API they use is part of tests/).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup-env.sh dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
