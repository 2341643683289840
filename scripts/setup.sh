#!/usr/bin/env bash
# Create .venv with Python 3.12 and install rlssm with its test and docs extras.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=""
for candidate in python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12; do
    if "$candidate" --version >/dev/null 2>&1; then PY="$candidate"; break; fi
done
if [ -z "$PY" ]; then echo "setup: Python 3.12 not found" >&2; exit 1; fi
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,docs]"
