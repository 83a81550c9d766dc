#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan+UBSan) in FUZZ_BUILD_DIR (default
# build-asan, the build scripts/sanitize.sh tests in, so CI compiles it once) and runs each for
# FUZZ_SECONDS (default 20) from its committed seed corpus.
# New inputs go to FUZZ_BUILD_DIR/corpus, crashes to FUZZ_BUILD_DIR/artifacts; any crash, leak, timeout
# or sanitizer report fails the script. `scripts/fuzz.sh router_fuzz` runs one target.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${FUZZ_BUILD_DIR:-build-asan}"
seconds="${FUZZ_SECONDS:-20}"

scripts/configure-clang.sh "$build_dir" asan
cmake --build "$build_dir" -j "${BUILD_JOBS:-$(nproc)}" --target fuzzers

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for seeds in tests/fuzz/corpus/*/; do targets+=("$(basename "$seeds")"); done
fi
mkdir -p "$build_dir/artifacts"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for target in "${targets[@]}"; do
  work="$build_dir/corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds}s"
  if ! "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 \
        -artifact_prefix="$build_dir/artifacts/$target-" \
        "$work" "tests/fuzz/corpus/$target" >"$build_dir/$target.log" 2>&1; then
    tail -n 60 "$build_dir/$target.log"
    failed+=("$target")
  else
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$build_dir/$target.log" |
      tr '\n' ' ' | sed "s/^/fuzz: $target /;s/\$/\n/"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build_dir/artifacts)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a finding"
