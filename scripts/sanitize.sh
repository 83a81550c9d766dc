#!/usr/bin/env bash
# The test suite under sanitizers (issue 9): every test in an ASan+UBSan build (build-asan),
# then the concurrency tests (operation queue, caches, pools, locks) in a TSan build
# (build-tsan). Any sanitizer report fails the test that caused it. `scripts/sanitize.sh asan`
# or `tsan` runs one of the two.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${BUILD_JOBS:-$(nproc)}"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(asan tsan)

configure() {  # dir, flags
  # Build type None: only these flags, so asserts stay on and -O1 keeps the suite fast enough.
  # clang, as for the fuzzers: it compiles the sanitized tree in about half of g++'s time, which
  # CI's 45 minutes on two cores need. (A build dir configured with g++ must be removed first.)
  CC=clang CXX=clang++ cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=None -DVENOM_BUILD_BENCH=OFF \
      -DCMAKE_CXX_FLAGS="$2 -O1 -g1 -fno-omit-frame-pointer" \
      -DCMAKE_EXE_LINKER_FLAGS="$2" >/dev/null
}

# Left out of the ASan run: 300 kill -9 rounds of a tiny manifest writer take 150 s under ASan
# and test durability, not memory; the Release stage runs them, and ManifestStoreTest runs the
# same writer code under ASan here.
asan_skip='ManifestKill9Test'

# The ThreadSanitizer's share of the suite: the code whose correctness is about threads (the
# operation queue and its runtime locks, caches, pools, handler deadlines, quota reservations,
# the router and the handlers that answer from workers, the live-event bus, the translation
# workers).
tsan_filter='DeadlineTimer*:TranslationService*:TranslationCache*:EventBus*:EventPublishers*:ServiceHistory*:OperationQueue*:TtlCache*:BlockingPool*:HandlerDeadline*:StorageQuota*:ManifestStore*:Router*:Handlers*:LlmServerController*:RuntimeHandlers*'

for stage in "${stages[@]}"; do
  case "$stage" in
    asan)
      # -fno-sanitize=function: clang 14 cannot emit that check for Asio's code in http_server.cpp
      # ("Cannot represent a difference across sections"); it checks calls through function
      # pointers of the wrong type, which the rest of UBSan's checks and the compiler's own
      # type checking leave little room for in C++.
      configure build-asan "-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined"
      cmake --build build-asan -j "$jobs"
      # Leaks are reported at exit of every test process, daemon children included.
      ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
      UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        ctest --test-dir build-asan --output-on-failure -j "${TEST_JOBS:-2}" --timeout 600 \
          -E "$asan_skip"
      ;;
    tsan)
      configure build-tsan "-fsanitize=thread"
      cmake --build build-tsan -j "$jobs" --target venom_unit_tests
      TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
        build-tsan/tests/venom_unit_tests --gtest_filter="$tsan_filter" --gtest_brief=1
      ;;
    *) echo "sanitize.sh: unknown stage '$stage' (asan, tsan)" >&2; exit 2 ;;
  esac
done
