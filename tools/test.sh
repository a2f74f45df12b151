#!/usr/bin/env bash
# The test command: set up .venv, lint, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
.venv/bin/ruff check smoothfn tests
.venv/bin/python -m pytest -q -n 2 "$@"
