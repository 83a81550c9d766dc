#!/usr/bin/env bash
# Installs what is missing, builds and runs every test through CTest. Extra arguments go to
# ctest, e.g. scripts/test.sh -R Manifest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "${TEST_JOBS:-2}" --timeout 300 "$@"
