#!/usr/bin/env bash
# Configures a clang build dir with sanitizers: `asan` (ASan+UBSan, the whole suite and, with
# SanitizerCoverage, the libFuzzer targets) or `tsan` (ThreadSanitizer). One ASan build serves
# scripts/sanitize.sh and scripts/fuzz.sh, so CI compiles the tree with ASan once, not twice.
# Usage: scripts/configure-clang.sh DIR asan|tsan
set -euo pipefail
cd "$(dirname "$0")/.."

dir="$1"
case "$2" in
  # -fno-sanitize=function: clang 14 cannot emit that check for Asio's code in http_server.cpp
  # ("Cannot represent a difference across sections"); it checks calls through function
  # pointers of the wrong type, which the rest of UBSan's checks and the compiler's own type
  # checking leave little room for in C++. The fuzz targets are built here too; CMakeLists.txt
  # gives the libraries libFuzzer's coverage (-fsanitize=fuzzer-no-link) when they are.
  asan) sanitize="-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined"
        fuzzers=ON ;;
  tsan) sanitize="-fsanitize=thread"; fuzzers=OFF ;;
  *) echo "configure-clang.sh: unknown kind '$2' (asan, tsan)" >&2; exit 2 ;;
esac
# Build type None: only these flags, so asserts stay on. -O0: the sanitized tree compiles in under
# half of -O1's time (handlers_test.cpp 8 s against 22 s, http_server.cpp 50 s against 102 s),
# which CI's 45 minutes on two cores need; the suite runs a little slower. -g1: reports keep file
# and line. clang: about half of g++'s compile time. (A build dir configured with g++ must be
# removed first.)
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None \
    -DVENOM_BUILD_BENCH=OFF -DVENOM_BUILD_FUZZERS="$fuzzers" \
    -DCMAKE_CXX_FLAGS="$sanitize -O0 -g1 -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >/dev/null
