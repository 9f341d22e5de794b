#!/usr/bin/env bash
# Run Makker: sets up .venv on first use, migrates the database and starts the bot.
# Extra arguments go to the CLI, e.g. ./run.sh migrate, ./run.sh backup FILE.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup-env.sh
exec .venv/bin/python -m bot "$@"
