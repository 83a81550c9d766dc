#!/usr/bin/env bash
# Long-text translation (issue 12): the 20 KB text of a dozen paragraphs translated through a
# fake runtime (the tests' FakeOpenAi) that answers each chunk after a fixed delay, serially and
# with the parallel chunking; prints both times and the ratio.
#
# Usage: bench/translate_bench.sh [BUILD_DIR]       (BUILD_DIR defaults to "build")
# Environment:
#   TRANSLATE_DELAY_MS     the fake runtime's time per chunk (default 100)
#   TRANSLATE_PARALLELISM  chunks in flight in the parallel run (default 3, the daemon's default)
set -euo pipefail

case "${1:-}" in
    -h | --help) echo "usage: $0 [BUILD_DIR]   (env: TRANSLATE_DELAY_MS, TRANSLATE_PARALLELISM)"; exit 0 ;;
esac
build_dir="${1:-build}"
bin="$build_dir/bench/translate_bench"
if [ ! -x "$bin" ]; then
    cmake --build "$build_dir" --target translate_bench >/dev/null
fi
"$bin" "${TRANSLATE_DELAY_MS:-100}" "${TRANSLATE_PARALLELISM:-3}"
