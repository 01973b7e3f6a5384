#!/usr/bin/env bash
# Install, then start the whole system on local defaults (Tansu broker, PostgreSQL, services,
# a simulated day of a real network). Extra arguments go to `kulkuri up` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/kulkuri up "$@"
