#!/usr/bin/env bash
# Create .venv (if missing) and install kulkuri with its development tools into it.
# Editable in "strict" mode: a link tree that mypy and the import system both understand
# (setuptools warns at length about that mode; PYTHONWARNINGS keeps the output readable).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
PYTHONWARNINGS=ignore .venv/bin/python -m pip install --quiet -e '.[dev,bench]' --config-settings editable_mode=strict
