#!/usr/bin/env bash
# The test suite under sanitizers (issue 9): every test in an ASan+UBSan build (build-asan),
# then the concurrency tests (operation queue, caches, pools, locks) in a TSan build
# (build-tsan). Any sanitizer report fails the test that caused it. `scripts/sanitize.sh asan`
# or `tsan` runs one of the two. build-asan also holds the fuzz targets that scripts/fuzz.sh
# runs (scripts/configure-clang.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${BUILD_JOBS:-$(nproc)}"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(asan tsan)

# Left out of the ASan run: 300 kill -9 rounds of a tiny manifest writer take 150 s under ASan
# and test durability, not memory; the Release stage runs them, and ManifestStoreTest runs the
# same writer code under ASan here.
asan_skip='ManifestKill9Test'

for stage in "${stages[@]}"; do
  case "$stage" in
    asan)
      scripts/configure-clang.sh build-asan asan
      cmake --build build-asan -j "$jobs"
      # Leaks are reported at exit of every test process, daemon children included.
      ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
      UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        ctest --test-dir build-asan --output-on-failure -j "${TEST_JOBS:-2}" --timeout 600 \
          -E "$asan_skip"
      ;;
    tsan)
      # The concurrency tests (tests/CMakeLists.txt, venom_concurrency_tests): the code whose
      # correctness is about threads.
      scripts/configure-clang.sh build-tsan tsan
      cmake --build build-tsan -j "$jobs" --target venom_concurrency_tests
      TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
        build-tsan/tests/venom_concurrency_tests --gtest_brief=1
      ;;
    *) echo "sanitize.sh: unknown stage '$stage' (asan, tsan)" >&2; exit 2 ;;
  esac
done
