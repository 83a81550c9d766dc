#!/usr/bin/env bash
# Measures venomd's cheap endpoints (GET /api/v1/models among them, on an empty manifest) against
# a bare Beast server side by side (DESIGN.md,
# "Performance targets"): requests/s, p50 and p99 latency with wrk (2 threads, 50 connections),
# venomd's idle RSS and start-up time, and both servers' RSS after the load. Also GET /metrics,
# and what the per-route request counting costs the cheap endpoints (issue 13: < 5 %): a second
# venomd with VENOM_METRICS=0 is measured in the same run, rounds interleaved, best of two.
# GET /api/v1/models with 200 installed models is reported too, without the cheap-endpoint target.
#
# Usage: bench/http_bench.sh [BUILD_DIR]          (BUILD_DIR defaults to "build")
# Environment:
#   BENCH_SECONDS  duration of each wrk run (default 10)
#   VENOMD_BIN     daemon binary (default BUILD_DIR/venomd)
#   BARE_BIN       baseline binary (default BUILD_DIR/bench/bare_server)
#   BENCH_STRICT   1: exit 1 when a venomd endpoint misses a target (default: report only)
#
# Exit status: 0 when every run completed, 1 on a setup or measurement failure (or a missed
# target with BENCH_STRICT=1), 2 on bad usage.
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

usage() { echo "usage: $0 [BUILD_DIR]   (env: BENCH_SECONDS, VENOMD_BIN, BARE_BIN, BENCH_STRICT)"; }
die() { echo "http_bench: $*" >&2; exit 1; }

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

build_dir="${1:-build}"
venomd_bin="${VENOMD_BIN:-$build_dir/venomd}"
bare_bin="${BARE_BIN:-$build_dir/bench/bare_server}"
seconds="${BENCH_SECONDS:-10}"
strict="${BENCH_STRICT:-0}"

[[ "$seconds" =~ ^[1-9][0-9]{0,3}$ ]] ||
    die "BENCH_SECONDS must be a whole number of seconds, got '$seconds'"
for tool in wrk curl awk mktemp timeout; do
    command -v "$tool" >/dev/null ||
        die "'$tool' not found (scripts/install-deps.sh installs wrk and curl)"
done
[ -x "$venomd_bin" ] ||
    die "venomd not found at '$venomd_bin'; build it: cmake --build $build_dir (or set VENOMD_BIN)"
[ -x "$bare_bin" ] ||
    die "bare_server not found at '$bare_bin'; build it: cmake --build $build_dir (or set BARE_BIN)"

# A Debug build makes every figure meaningless; say so rather than print a misleading table.
if [ -f "$build_dir/CMakeCache.txt" ]; then
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
    case "$build_type" in
        Release | RelWithDebInfo | MinSizeRel) ;;
        *) echo "http_bench: warning: $build_dir has CMAKE_BUILD_TYPE='$build_type';" \
               "configure with -DCMAKE_BUILD_TYPE=Release for real figures" >&2 ;;
    esac
fi

work_dir=$(mktemp -d -t venomd-bench.XXXXXX)
data_dir=$(mktemp -d -t venomd-bench-data.XXXXXX)
data_off=$(mktemp -d -t venomd-bench-data-off.XXXXXX)
data_empty=$(mktemp -d -t venomd-bench-data-empty.XXXXXX)
venomd_pid=""
off_pid=""
empty_pid=""
bare_pid=""
wrk_pid=""

# shellcheck disable=SC2317
cleanup() {
    stop_process "$wrk_pid"
    stop_process "$venomd_pid"
    stop_process "$off_pid"
    stop_process "$empty_pid"
    stop_process "$bare_pid"
    rm -rf "$work_dir" "$data_dir" "$data_off" "$data_empty"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Polls URL until it answers 2xx: at most 250 tries 20 ms apart (about 5 s plus curl time).
# Fails at once if the server process has exited. Prints the milliseconds since start_ms.
wait_ready() {
    local name="$1" pid="$2" url="$3" log="$4" start_ms="$5"
    for _ in $(seq 250); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "http_bench: $name exited before serving; its output:" >&2
            tail -n 20 "$log" >&2
            exit 1
        fi
        if curl -sf -o /dev/null --max-time 1 "$url"; then
            echo $(($(now_ms) - start_ms))
            return 0
        fi
        sleep 0.02
    done
    echo "http_bench: $name not ready at $url after 250 polls; its output:" >&2
    tail -n 20 "$log" >&2
    exit 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
kb_to_mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# Seeds venomd's operation history (<data-dir>/operations.json) with 50 completed installs, so
# GET /api/v1/models/operations serialises real objects instead of an empty list.
write_operations() {
    local file="$1" i sep
    {
        printf '{"operations":['
        for i in $(seq 1 50); do
            sep=","
            [ "$i" -eq 50 ] && sep=""
            printf '{"operation_id":"%08x-0000-4000-8000-%012x","model_name":"m%d:latest",' \
                "$((0x5eed0000 + i))" "$i" "$i"
            printf '"provider":"ollama","runtime":"ollama","operation_type":"install",'
            printf '"status":"completed","progress":100.0,"message":"done","error":null,'
            printf '"bytes_total":1000,"bytes_done":1000,"started_at":"2026-11-28T03:00:00.000Z",'
            printf '"updated_at":"2026-11-28T03:00:01.000Z",'
            printf '"completed_at":"2026-11-28T03:00:01.000Z"}%s' "$sep"
        done
        printf ']}\n'
    } >"$file"
}

# write_manifest FILE N: a manifest of N installed Ollama models, for GET /api/v1/models.
write_manifest() {
    local file="$1" n="$2" i sep
    mkdir -p "$(dirname "$file")"
    {
        printf '{"models":['
        for i in $(seq 1 "$n"); do
            sep=","
            [ "$i" -eq "$n" ] && sep=""
            printf '{"name":"bench-model-%d:latest","provider":"ollama","display_name":"bench %d",' \
                "$i" "$i"
            printf '"size_gb":4.7,"status":"installed","runtime":"ollama",'
            printf '"installed_at":"2026-11-28T03:00:00.000Z","local_path":null,"sha256":null,'
            printf '"capabilities":{"supports_system_role":true,"supports_function_calling":false,'
            printf '"allowed_roles":["system","user","assistant"],"prompt_template":null,'
            printf '"max_context_length":8192,"quantization":"Q4_K_M","features":["chat"]}}%s' \
                "$sep"
        done
        printf '],"updated_at":"2026-11-28T03:00:00.000Z"}\n'
    } >"$file"
}

write_operations "$data_dir/operations.json"
write_manifest "$data_dir/models/manifest.json" 200
# An active runtime with a last model on each, so GET /system/llm-servers/active (which the web
# panel polls every 5-10 s) answers in full: payload, config_hash, last models.
cat >"$data_dir/runtime.json" <<'JSON'
{"active_runtime": "ollama", "active_model": "llama3:latest",
 "last_model": {"ollama": "llama3:latest", "vllm": "Qwen/Qwen2.5-0.5B-Instruct"},
 "vllm_model_path": null, "vllm_served_model_name": null}
JSON

load_before="$(cpu_busy_pct)% cpu busy"
if [ "${load_before%%%*}" -gt 20 ]; then
    echo "http_bench: warning: the machine is already $load_before; figures from a busy" \
        "machine are noisy (compare runs only on an idle one)" >&2
fi

# --- start both servers -----------------------------------------------------------------------
venomd_port=$(free_port)
taken_port="$venomd_port"
bare_port=$(free_port)

start_ms=$(now_ms)
"$venomd_bin" --port "$venomd_port" --host 127.0.0.1 --data-dir "$data_dir" --log-level warn \
    >"$work_dir/venomd.log" 2>&1 </dev/null &
venomd_pid=$!
venomd_start_ms=$(wait_ready venomd "$venomd_pid" "http://127.0.0.1:$venomd_port/api/v1/health" \
    "$work_dir/venomd.log" "$start_ms")
venomd_idle_kb=$(rss_kb "$venomd_pid")

# The same daemon and data without per-route metrics: the baseline of the bookkeeping's cost.
cp "$data_dir/operations.json" "$data_dir/runtime.json" "$data_off/"
off_port=$(free_port)
VENOM_METRICS=0 "$venomd_bin" --port "$off_port" --host 127.0.0.1 --data-dir "$data_off" \
    --log-level warn >"$work_dir/venomd-off.log" 2>&1 </dev/null &
off_pid=$!
wait_ready "venomd (metrics off)" "$off_pid" "http://127.0.0.1:$off_port/api/v1/health" \
    "$work_dir/venomd-off.log" "$(now_ms)" >/dev/null

# A venomd with nothing installed: GET /api/v1/models there is a cheap endpoint like the others.
empty_port=$(free_port)
"$venomd_bin" --port "$empty_port" --host 127.0.0.1 --data-dir "$data_empty" --log-level warn \
    >"$work_dir/venomd-empty.log" 2>&1 </dev/null &
empty_pid=$!
wait_ready "venomd (empty manifest)" "$empty_pid" "http://127.0.0.1:$empty_port/api/v1/health" \
    "$work_dir/venomd-empty.log" "$(now_ms)" >/dev/null

start_ms=$(now_ms)
"$bare_bin" --port "$bare_port" >"$work_dir/bare.log" 2>&1 </dev/null &
bare_pid=$!
wait_ready bare_server "$bare_pid" "http://127.0.0.1:$bare_port/" "$work_dir/bare.log" \
    "$start_ms" >/dev/null
bare_idle_kb=$(rss_kb "$bare_pid")

# The operations figure only means something if the endpoint serves the seeded objects.
ops_url="http://127.0.0.1:$venomd_port/api/v1/models/operations"
ops_body=$(curl -sf --max-time 5 "$ops_url") || die "GET $ops_url failed before the load"
ops_count=$(grep -o '"operation_id"' <<<"$ops_body" | wc -l || true)
ops_bytes=${#ops_body}
if [ "$ops_count" -eq 0 ]; then
    echo "http_bench: warning: $ops_url returned no operation objects; venomd did not load" \
        "$data_dir/operations.json" >&2
fi

# --- measure ------------------------------------------------------------------------------------
# run_wrk NAME URL: runs wrk once, keeps its output in $work_dir/NAME.wrk.
run_wrk() {
    local name="$1" url="$2" out="$work_dir/$1.wrk"
    echo "http_bench: wrk -t2 -c50 -d${seconds}s $url" >&2
    # In the background and waited for, so a Ctrl-C or SIGTERM runs the trap at once instead of
    # after wrk finishes (timeout puts wrk in its own process group, out of reach of the tty).
    timeout $((seconds + 30)) wrk -t2 -c50 -d"${seconds}s" --latency "$url" >"$out" 2>&1 &
    wrk_pid=$!
    if ! wait "$wrk_pid"; then
        wrk_pid=""
        echo "http_bench: wrk failed against $url:" >&2
        cat "$out" >&2
        exit 1
    fi
    wrk_pid=""
}

# parse_wrk FILE: prints "req_per_s p50_ms p99_ms errors" from wrk's report ("n/a" when absent).
# wrk prints latencies as <number><unit> with unit us, ms, s, m or h.
parse_wrk() {
    awk '
        function to_ms(v,   n, u) {
            n = v + 0
            u = v
            sub(/^[0-9.]+/, "", u)
            if (u == "us") return n / 1000
            if (u == "ms") return n
            if (u == "s") return n * 1000
            if (u == "m") return n * 60000
            if (u == "h") return n * 3600000
            return -1
        }
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" && in_dist { p50 = to_ms($2) }
        $1 == "99%" && in_dist { p99 = to_ms($2) }
        /Latency Distribution/ { in_dist = 1 }
        /requests in/ { in_dist = 0 }
        /Non-2xx or 3xx responses:/ { errors += $NF }
        /Socket errors:/ {
            for (i = 3; i <= NF; i++) { v = $i; gsub(/,/, "", v); if (v ~ /^[0-9]+$/) errors += v }
        }
        END {
            printf "%s %s %s %d\n", (rps == "" ? "n/a" : rps), (p50 == "" ? "n/a" : p50),
                (p99 == "" ? "n/a" : p99), errors
        }
    ' "$1"
}

run_wrk bare "http://127.0.0.1:$bare_port/"
run_wrk health "http://127.0.0.1:$venomd_port/api/v1/health"
run_wrk operations "$ops_url"
run_wrk active_server "http://127.0.0.1:$venomd_port/api/v1/system/llm-servers/active"
run_wrk models_empty "http://127.0.0.1:$empty_port/api/v1/models"
run_wrk models "http://127.0.0.1:$venomd_port/api/v1/models"
run_wrk metrics "http://127.0.0.1:$venomd_port/metrics"
# Metrics on and off, interleaved so a drift of the machine hits both alike.
for round in 1 2; do
    run_wrk "health_off_$round" "http://127.0.0.1:$off_port/api/v1/health"
    run_wrk "health_on_$round" "http://127.0.0.1:$venomd_port/api/v1/health"
    run_wrk "ops_off_$round" "http://127.0.0.1:$off_port/api/v1/models/operations"
    run_wrk "ops_on_$round" "$ops_url"
done

venomd_after_kb=$(rss_kb "$venomd_pid")
bare_after_kb=$(rss_kb "$bare_pid")

read -r bare_rps _ < <(parse_wrk "$work_dir/bare.wrk")
if [ "$bare_rps" = "n/a" ]; then
    cat "$work_dir/bare.wrk" >&2
    die "no figures in wrk's output for bare /"
fi

# --- report -------------------------------------------------------------------------------------
missed=0
# row NAME WRK_FILE IS_VENOMD: prints one table line; returns 1 when a venomd row misses a target.
row() {
    local name="$1" file="$2" is_venomd="$3" rps p50 p99 err
    read -r rps p50 p99 err < <(parse_wrk "$file")
    if [ "$rps" = "n/a" ]; then
        echo "http_bench: no figures in wrk's output for $name:" >&2
        cat "$file" >&2
    fi
    awk -v name="$name" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v err="$err" \
        -v base="$bare_rps" -v check="$is_venomd" '
        function num(v) { return v == "n/a" ? "n/a" : sprintf("%.2f", v) }
        BEGIN {
            pct = (rps == "n/a" || base == 0) ? "n/a" : sprintf("%.0f%%", 100 * rps / base)
            verdict = "-"
            if (check == 1) {
                ok = rps != "n/a" && p50 != "n/a" && p99 != "n/a" && err == 0 \
                    && rps >= 0.85 * base && p50 < 1 && p99 < 5
                verdict = ok ? "ok" : "MISSED"
            }
            printf "%-34s %9s %8s %8s %8s %7s  %s\n", name,
                (rps == "n/a" ? "n/a" : sprintf("%.0f", rps)), num(p50), num(p99), pct, err,
                verdict
            exit(verdict == "MISSED")
        }'
}

echo
echo "wrk -t2 -c50 -d${seconds}s --latency, $(nproc) cores, $load_before before the run"
printf '%-34s %9s %8s %8s %8s %7s  %s\n' endpoint req/s "p50 ms" "p99 ms" "vs bare" errors target
row "bare /" "$work_dir/bare.wrk" 0
row "venomd /api/v1/health" "$work_dir/health.wrk" 1 || missed=1
row "venomd /api/v1/models/operations" "$work_dir/operations.wrk" 1 || missed=1
row "venomd .../llm-servers/active" "$work_dir/active_server.wrk" 1 || missed=1
row "venomd /api/v1/models (empty)" "$work_dir/models_empty.wrk" 1 || missed=1
row "venomd /api/v1/models (200)" "$work_dir/models.wrk" 0
row "venomd /metrics" "$work_dir/metrics.wrk" 0
echo "targets: >= 85% of bare req/s (issue 14; DESIGN.md asks 70%), p50 < 1 ms, p99 < 5 ms," \
    "no errors"
models_count=$(curl -sf --max-time 5 "http://127.0.0.1:$venomd_port/api/v1/models" |
    grep -o '"count":[0-9]*' | head -n 1 || true)
echo "models response: ${models_count#\"count\":} installed models listed (the 200 row)"

# best NAME: the better req/s of NAME's two rounds.
best() {
    local a b
    read -r a _ < <(parse_wrk "$work_dir/${1}_1.wrk")
    read -r b _ < <(parse_wrk "$work_dir/${1}_2.wrk")
    awk -v a="$a" -v b="$b" 'BEGIN { print (a == "n/a" ? b : (b == "n/a" || a > b) ? a : b) }'
}
echo
printf '%-34s %12s %12s %9s  %s\n' "per-route metrics cost" "off req/s" "on req/s" "cost" target
for pair in "health:/api/v1/health" "ops:/api/v1/models/operations"; do
    off=$(best "${pair%%:*}_off")
    on=$(best "${pair%%:*}_on")
    awk -v name="${pair#*:}" -v off="$off" -v on="$on" 'BEGIN {
        cost = (off == "n/a" || on == "n/a" || off == 0) ? "n/a" : 100 * (off - on) / off
        verdict = (cost == "n/a") ? "n/a" : (cost < 5 ? "ok" : "MISSED")
        printf "%-34s %12.0f %12.0f %8s%%  %s\n", name, off, on,
            (cost == "n/a" ? "n/a" : sprintf("%.1f", cost)), verdict
        exit(verdict == "MISSED")
    }' || missed=1
done
echo "target: counting requests per route costs the cheap endpoints < 5% (best of 2 rounds each)"
echo "operations response: $ops_count operation objects, $ops_bytes bytes"
echo
printf '%-34s %9s %9s\n' "memory (VmRSS)" "idle MB" "after MB"
printf '%-34s %9s %9s\n' "bare_server" "$(kb_to_mb "$bare_idle_kb")" "$(kb_to_mb "$bare_after_kb")"
printf '%-34s %9s %9s\n' "venomd" "$(kb_to_mb "$venomd_idle_kb")" "$(kb_to_mb "$venomd_after_kb")"
echo "venomd start to first served request: ${venomd_start_ms} ms (20 ms poll, so an upper bound)"
echo "targets: idle RSS < 20 MB, start to first request < 100 ms (DESIGN.md)"

if ! kill -0 "$venomd_pid" 2>/dev/null; then
    die "venomd exited during the run; its output: $(tail -n 20 "$work_dir/venomd.log")"
fi
awk -v kb="$venomd_idle_kb" -v ms="$venomd_start_ms" \
    'BEGIN { exit !(kb < 20 * 1024 && ms < 100) }' || missed=1

if [ "$strict" = 1 ] && [ "$missed" = 1 ]; then
    echo "http_bench: a venomd target was missed (BENCH_STRICT=1)" >&2
    exit 1
fi
exit 0
