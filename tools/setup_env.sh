#!/usr/bin/env bash
# Create .venv with everything smoothfn needs. Idempotent; a fresh machine needs only Python 3.10+.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
PY=.venv/bin/python
$PY -m pip install -q --upgrade pip
# Users bring their own torch; here, when none is installed, take the pinned CPU build
# (an unpinned torch would pull a multi-GB CUDA build).
if ! $PY -c "import torch" 2>/dev/null; then
  $PY -m pip install -q torch==2.13.0
fi
$PY -m pip install -q -e ".[test,demo]"
