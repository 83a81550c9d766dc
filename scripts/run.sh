#!/usr/bin/env bash
# Installs what is missing, builds (Release) and runs venomd on 127.0.0.1:8000 with its state in
# ./data. Extra arguments go to venomd, e.g. scripts/run.sh --port 9000 --log-level debug.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
VENOM_BUILD_TESTS=OFF VENOM_BUILD_BENCH=OFF scripts/build.sh
exec "${BUILD_DIR:-build}/venomd" --host 127.0.0.1 --port 8000 --data-dir ./data "$@"
