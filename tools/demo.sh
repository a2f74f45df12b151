#!/usr/bin/env bash
# The main job: set up .venv and run the demo on built-in defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
.venv/bin/smoothfn demo
