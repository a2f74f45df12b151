#!/usr/bin/env bash
# The test command: set up .venv, lint, run the default (fast) tier of the tests and name the 15
# slowest. The exhaustive tier: `.venv/bin/python -m pytest -n 2 -m slow` (docs/development.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
.venv/bin/ruff check smoothfn tests
.venv/bin/python -m pytest -q -n 2 --durations=15 "$@"
