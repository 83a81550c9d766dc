#!/usr/bin/env bash
# Live events under load (issue 11): venomd's GET /api/v1/health requests/s (wrk -t2 -c50) while
# an install runs, without and then with EVENTS_CLIENTS WebSocket clients on /ws/events, side by
# side, and whether every client received that install's events up to its final state. The Hub
# is the tests' FakeHub inside BUILD_DIR/bench/events_bench, which runs venomd as a child.
#
# Usage: bench/events_bench.sh [BUILD_DIR]          (BUILD_DIR defaults to "build")
# Environment:
#   EVENTS_CLIENTS  WebSocket clients (default 200)
#   BENCH_SECONDS   duration of each wrk run (default 5)
#   VENOMD_BIN      daemon binary (default BUILD_DIR/venomd)
#   BENCH_STRICT    1: exit 1 when the run with clients is below 90 % of the one without
#
# Exit status: 0 when both runs completed and every client got the final event, 1 otherwise,
# 2 on bad usage.
set -euo pipefail

usage() { echo "usage: $0 [BUILD_DIR]   (env: EVENTS_CLIENTS, BENCH_SECONDS, VENOMD_BIN, BENCH_STRICT)"; }
die() { echo "events_bench: $*" >&2; exit 1; }

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

build_dir="${1:-build}"
venomd_bin="${VENOMD_BIN:-$build_dir/venomd}"
bench_bin="$build_dir/bench/events_bench"
clients="${EVENTS_CLIENTS:-200}"
seconds="${BENCH_SECONDS:-5}"

[[ "$clients" =~ ^[1-9][0-9]{0,3}$ ]] || die "EVENTS_CLIENTS must be 1-9999, got '$clients'"
[[ "$seconds" =~ ^[1-9][0-9]{0,2}$ ]] || die "BENCH_SECONDS must be a whole number, got '$seconds'"
command -v wrk >/dev/null || die "'wrk' not found (scripts/install-deps.sh installs it)"
[ -x "$venomd_bin" ] || die "venomd not found at '$venomd_bin'; build it: cmake --build $build_dir"
[ -x "$bench_bin" ] ||
    die "events_bench not found at '$bench_bin'; build it: cmake --build $build_dir --target events_bench"
# 200 clients plus wrk's 50 connections and venomd's own descriptors.
[ "$(ulimit -n)" -ge 1024 ] || ulimit -n 1024 2>/dev/null ||
    die "open-file limit $(ulimit -n) is too low for $clients clients; raise it (ulimit -n 1024)"
exec "$bench_bin" "$venomd_bin" "$clients" "$seconds"
