#!/usr/bin/env bash
# Measures a Hugging Face install through venomd against `curl -o` of the same file from the
# same local server to the same disk, side by side in one run (DESIGN.md, "Performance targets":
# >= 90 % of curl's throughput, with sha256 verified while streaming).
#
# A local nginx (Debian's package, installed with apt-get when missing) plays the Hub: it serves
# /api/models/bench/model/revision/main (a generated JSON listing) and
# /bench/model/resolve/<commit>/{config.json,model.safetensors} (a generated file of BENCH_MB MiB).
# Rounds (BENCH_ROUNDS, default 2) of the two runs below, each prepared the same way (the previous
# run's copy deleted, `sync`, a page-cache warm-up: see prepare_run):
#   1. curl -o of model.safetensors, then `sync FILE DIR` (fsync) timed on its own;
#   2. venomd install of bench/model (config.json + model.safetensors; venomd hashes while it
#      streams, checks size and sha256, fsyncs, renames, publishes the snapshot); its blob is then
#      checked with sha256sum.
# venomd's best run is compared with the fastest fsync'd curl run (and the means with the means).
#
# Usage: bench/download_bench.sh [BUILD_DIR]          (BUILD_DIR defaults to "build")
# Environment:
#   BENCH_MB       size of the generated file in MiB (default 1536)
#   BENCH_ROUNDS   rounds of curl then venomd (default 2, at most 5)
#   BENCH_DIR      where the temporary directory goes (default /var/tmp; must be a real disk)
#   BENCH_WARMUP   1: write and delete a scratch copy of the file before each run (default 1)
#   BENCH_TIMEOUT  bound in seconds on each download and on each wait (default 600)
#   VENOMD_BIN     daemon binary (default BUILD_DIR/venomd)
#   NGINX_BIN      nginx binary (default: nginx from PATH or /usr/sbin/nginx)
#   BENCH_STRICT   1: exit 1 when venomd is below 90 % of curl (default: report only)
#
# Exit status: 0 when every run completed, 1 on a setup or measurement failure (or a missed
# target with BENCH_STRICT=1), 2 on bad usage.
set -euo pipefail
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

usage() {
    echo "usage: $0 [BUILD_DIR]   (env: BENCH_MB, BENCH_ROUNDS, BENCH_WARMUP, BENCH_DIR," \
        "BENCH_TIMEOUT, VENOMD_BIN, NGINX_BIN, BENCH_STRICT)"
}
die() { echo "download_bench: $*" >&2; exit 1; }
bad_usage() { echo "download_bench: $*" >&2; usage >&2; exit 2; }
note() { echo "download_bench: $*" >&2; }

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

build_dir="${1:-build}"
venomd_bin="${VENOMD_BIN:-$build_dir/venomd}"
size_mb="${BENCH_MB:-1536}"
base_dir="${BENCH_DIR:-/var/tmp}"
limit_s="${BENCH_TIMEOUT:-600}"
rounds="${BENCH_ROUNDS:-2}"
warmup="${BENCH_WARMUP:-1}"
strict="${BENCH_STRICT:-0}"

[[ "$size_mb" =~ ^[1-9][0-9]{0,5}$ ]] ||
    bad_usage "BENCH_MB must be a whole number of MiB, got '$size_mb'"
[[ "$limit_s" =~ ^[1-9][0-9]{0,4}$ ]] ||
    bad_usage "BENCH_TIMEOUT must be a whole number of seconds, got '$limit_s'"
[[ "$rounds" =~ ^[1-5]$ ]] || bad_usage "BENCH_ROUNDS must be 1 to 5, got '$rounds'"
[[ "$warmup" =~ ^[01]$ ]] || bad_usage "BENCH_WARMUP must be 0 or 1, got '$warmup'"
[ -d "$base_dir" ] || bad_usage "BENCH_DIR '$base_dir' is not a directory"
if [ "$size_mb" -lt 1024 ]; then
    note "warning: BENCH_MB=$size_mb; the DESIGN.md target is about a 1-2 GB file, and fixed" \
        "costs (requests, fsync of the directory, manifest) weigh more on a small one"
fi

for tool in curl awk sed sha256sum sha1sum mktemp timeout df sync date head stat; do
    command -v "$tool" >/dev/null || die "'$tool' not found (scripts/install-deps.sh installs curl)"
done
[ -x "$venomd_bin" ] ||
    die "venomd not found at '$venomd_bin'; build it: cmake --build $build_dir (or set VENOMD_BIN)"
venomd_bin=$(cd "$(dirname "$venomd_bin")" && pwd)/$(basename "$venomd_bin")

if [ -f "$build_dir/CMakeCache.txt" ]; then
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
    case "$build_type" in
        Release | RelWithDebInfo | MinSizeRel) ;;
        *) note "warning: $build_dir has CMAKE_BUILD_TYPE='$build_type';" \
               "configure with -DCMAKE_BUILD_TYPE=Release for real figures" ;;
    esac
fi

# --- nginx ----------------------------------------------------------------------------------------
# Debian's nginx; installed here when missing (bookworm: "nginx"; older releases also have
# "nginx-light"). policy-rc.d or the lack of systemd keeps apt from starting the system service;
# this script never uses it and runs its own instance in the foreground.
find_nginx() {
    if [ -n "${NGINX_BIN:-}" ]; then echo "$NGINX_BIN"; return 0; fi
    command -v nginx 2>/dev/null && return 0
    [ -x /usr/sbin/nginx ] && { echo /usr/sbin/nginx; return 0; }
    return 1
}
if ! nginx_bin=$(find_nginx); then
    command -v apt-get >/dev/null ||
        die "nginx not found and no apt-get to install it (set NGINX_BIN)"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    package=""
    for candidate in nginx nginx-light; do
        if apt-cache policy "$candidate" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
            package="$candidate"
            break
        fi
    done
    if [ -z "$package" ]; then
        "${sudo_cmd[@]}" apt-get update -qq
        for candidate in nginx nginx-light; do
            if apt-cache policy "$candidate" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
                package="$candidate"
                break
            fi
        done
    fi
    [ -n "$package" ] || die "neither nginx nor nginx-light can be installed with apt-get"
    note "installing $package with apt-get"
    DEBIAN_FRONTEND=noninteractive timeout "$limit_s" \
        "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$package" >/dev/null ||
        die "apt-get install $package failed"
    nginx_bin=$(find_nginx) || die "$package installed but no nginx binary found"
fi
[ -x "$nginx_bin" ] || die "nginx at '$nginx_bin' is not executable"

# --- temporary directory, on the disk being measured ----------------------------------------------
size_bytes=$((size_mb * 1024 * 1024))
need_bytes=$((3 * size_bytes + 64 * 1024 * 1024))  # served file, curl's copy, venomd's blob
avail_bytes=$(df -P -B1 "$base_dir" | awk 'NR == 2 { print $4 }')
[ -n "$avail_bytes" ] || die "df cannot tell the free space of '$base_dir'"
if [ "$avail_bytes" -lt "$need_bytes" ]; then
    die "not enough room in $base_dir: $((avail_bytes / 1048576)) MiB free, this run needs" \
        "$((need_bytes / 1048576)) MiB (3 x $size_mb MiB + 64 MiB); lower BENCH_MB or set BENCH_DIR"
fi
fs_type=$(df --output=fstype "$base_dir" 2>/dev/null | awk 'NR == 2 { print $1 }' || true)
fs_type=${fs_type:-unknown fs}
if [ "$fs_type" = tmpfs ] || [ "$fs_type" = ramfs ]; then
    note "warning: $base_dir is $fs_type: fsync costs nothing there, so this measures memory" \
        "copies, not the disk; set BENCH_DIR to a directory on a real disk"
fi

# The served file should stay in the page cache for every run (nginx then reads it from memory the
# same way for curl and venomd), next to the two copies written: warn when memory is short of that.
mem_avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
if [ "${mem_avail_kb:-0}" -lt $((3 * size_bytes / 1024)) ]; then
    note "warning: $((mem_avail_kb / 1024)) MiB of memory available, less than 3 x $size_mb MiB:" \
        "the served file may be read from disk in some runs and not others"
fi

work_dir=$(mktemp -d "$base_dir/venomd-dl-bench.XXXXXX")
srv_dir="$work_dir/srv"   # what nginx serves
ngx_dir="$work_dir/nginx" # nginx's config, pid, logs and temp paths
out_dir="$work_dir/out"   # curl's downloads
data_dir="$work_dir/data" # venomd's --data-dir
mkdir -p "$srv_dir" "$ngx_dir" "$out_dir" "$data_dir"
nginx_pid=""
venomd_pid=""
curl_pid=""

# shellcheck disable=SC2317
cleanup() {
    stop_process "$curl_pid"
    stop_process "$venomd_pid"
    stop_process "$nginx_pid"
    rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() { date +%s%N; }
# Seconds between two nanosecond stamps, 3 decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# Polls URL until it answers 2xx: at most 250 tries 20 ms apart (about 5 s plus curl time).
wait_ready() {
    local name="$1" pid="$2" url="$3" log="$4"
    for _ in $(seq 250); do
        if ! kill -0 "$pid" 2>/dev/null; then
            note "$name exited before serving; its output:"
            tail -n 20 "$log" >&2
            exit 1
        fi
        curl -sf -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.02
    done
    note "$name not ready at $url after 250 polls; its output:"
    tail -n 20 "$log" >&2
    exit 1
}

# CPU seconds (user + system) a process has used so far, from /proc/PID/stat.
cpu_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
ticks_to_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }

# --- the fake Hub's content -----------------------------------------------------------------------
# Pseudo-random bytes (so nothing on the way can compress them): AES-128-CTR of zeros with a fixed
# key, which openssl produces at several GB/s; /dev/urandom when openssl is missing.
model_file="$srv_dir/model.safetensors"
note "generating $size_mb MiB in $work_dir ($fs_type)"
if command -v openssl >/dev/null; then
    { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
        -iv 00000000000000000000000000000000 </dev/zero 2>/dev/null || true; } |
        head -c "$size_bytes" >"$model_file"
else
    head -c "$size_bytes" /dev/urandom >"$model_file"
fi
[ "$(stat -c %s "$model_file")" -eq "$size_bytes" ] || die "could not generate $model_file"
model_sha256=$(sha256sum "$model_file" | cut -c1-64)

echo '{"architectures":["LlamaForCausalLM"],"model_type":"llama","max_position_embeddings":4096}' \
    >"$srv_dir/config.json"
config_size=$(stat -c %s "$srv_dir/config.json")
# A non-LFS file's blobId is its git blob id, sha1("blob <size>\0" + content); venomd checks it.
git_blob_id() { { printf 'blob %d\0' "$1"; cat; } | sha1sum | cut -c1-40; } # SIZE < CONTENT
config_blob=$(git_blob_id "$config_size" <"$srv_dir/config.json")
# An LFS file's blobId is the git blob id of its pointer file (venomd checks the sha256 instead).
pointer=$(printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n' \
    "$model_sha256" "$size_bytes")
pointer_size=$((${#pointer} + 1))
model_blob=$(printf '%s\n' "$pointer" | git_blob_id "$pointer_size")
commit=$(printf 'venomd download bench %s\n' "$model_sha256" | sha1sum | cut -c1-40)
cat >"$srv_dir/revision.json" <<EOF
{
  "_id": "bench", "id": "bench/model", "modelId": "bench/model", "sha": "$commit",
  "private": false, "gated": false, "pipeline_tag": "text-generation",
  "tags": ["safetensors", "llama", "text-generation"],
  "siblings": [
    {"rfilename": "config.json", "size": $config_size, "blobId": "$config_blob"},
    {"rfilename": "model.safetensors", "size": $size_bytes, "blobId": "$model_blob",
     "lfs": {"sha256": "$model_sha256", "size": $size_bytes, "pointerSize": $pointer_size}}
  ]
}
EOF
# nginx's workers run as "nobody" when the master is root: let them read the served files.
chmod 0755 "$work_dir" "$srv_dir"
chmod 0644 "$srv_dir"/*

# --- start nginx ----------------------------------------------------------------------------------
nginx_port=$(free_port)
taken_port="$nginx_port"
hub="http://127.0.0.1:$nginx_port"
cat >"$ngx_dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $ngx_dir/nginx.pid;
error_log $ngx_dir/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30s;
    types { }
    default_type application/octet-stream;
    client_body_temp_path $ngx_dir/client_body;
    proxy_temp_path $ngx_dir/proxy;
    fastcgi_temp_path $ngx_dir/fastcgi;
    uwsgi_temp_path $ngx_dir/uwsgi;
    scgi_temp_path $ngx_dir/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        # Exact matches; the query (?blobs=true) plays no part in location matching.
        location = /api/models/bench/model/revision/main {
            default_type application/json;
            alias $srv_dir/revision.json;
        }
        location = /bench/model/resolve/$commit/config.json {
            alias $srv_dir/config.json;
        }
        location = /bench/model/resolve/$commit/model.safetensors {
            alias $srv_dir/model.safetensors;
        }
        location / { return 404; }
    }
}
EOF
"$nginx_bin" -p "$ngx_dir/" -c "$ngx_dir/nginx.conf" -e "$ngx_dir/error.log" \
    >"$ngx_dir/stdout.log" 2>&1 </dev/null &
nginx_pid=$!
wait_ready nginx "$nginx_pid" "$hub/api/models/bench/model/revision/main?blobs=true" \
    "$ngx_dir/error.log"
served=$(curl -sfI --max-time 5 "$hub/bench/model/resolve/$commit/model.safetensors" |
    awk 'NR == 1 { code = $2 } tolower($1) == "content-length:" { len = $2 + 0 }
         END { print code, len }') ||
    die "nginx does not serve $hub/bench/model/resolve/$commit/model.safetensors"
[ "$served" = "200 $size_bytes" ] ||
    die "nginx answered '$served' (status, length) for the model file, expected '200 $size_bytes'"

# --- start venomd ---------------------------------------------------------------------------------
# From the temporary directory, so no config/venom.json of the caller's directory applies; with the
# variables that would change its behaviour (token, models dir, quota) cleared or set.
venomd_port=$(free_port)
api="http://127.0.0.1:$venomd_port/api/v1"
quota_gb=$(((need_bytes >> 30) + 10))
(
    cd "$work_dir"
    exec env -u VENOM_API_TOKEN -u VENOM_MODELS_DIR -u VENOM_CONFIG -u HF_TOKEN \
        HF_ENDPOINT="$hub" MAX_STORAGE_GB="$quota_gb" \
        "$venomd_bin" --port "$venomd_port" --host 127.0.0.1 --data-dir "$data_dir" \
        --log-level warn
) >"$work_dir/venomd.log" 2>&1 </dev/null &
venomd_pid=$!
wait_ready venomd "$venomd_pid" "$api/health" "$work_dir/venomd.log"

load_before="$(cpu_busy_pct)% cpu busy"
if [ "${load_before%%%*}" -gt 20 ]; then
    note "warning: the machine is already $load_before; figures from a busy machine are noisy" \
        "(a build running alongside takes cores and disk bandwidth, and not evenly between runs)"
fi

# Where venomd puts the install (the Hub cache layout under <data-dir>/models).
repo_dir="$data_dir/models/huggingface/hub/models--bench--model"
blob="$repo_dir/blobs/$model_sha256"

# prepare_run: makes every run start from the same state.
# - Deletes what the previous run wrote (curl's copy, or venomd's install through
#   DELETE /api/v1/models/registry/bench%2Fmodel), so each run follows the deletion of one copy of
#   the file: on this machine kind the root filesystem is ext4 mounted with `discard`, and the
#   trims for a freed 1.5 GB file go on after the unlink; deleting only before venomd's runs
#   would handicap venomd alone.
# - sync, so earlier dirty pages are not flushed inside the run.
# - BENCH_WARMUP=1: writes a scratch copy of the file and deletes it, so the run writes into
#   page-cache pages the kernel has just recycled. On a VM with free page reporting
#   (virtio-balloon; this machine kind is one) the host takes back memory the guest freed a while
#   ago, and the first touch of such pages costs a fault in the host: copying the same cached
#   1.5 GB file takes 0.45 s to 4.8 s depending on where the kernel finds its pages, which then,
#   not the client, decides the figures. Pages freed just now are reported only after a delay
#   (about 2 s), hence right before the run.
prepare_run() {
    local id
    rm -f "$out_dir"/curl-*
    if [ -d "$repo_dir" ]; then
        id=$(api_call DELETE /models/registry/bench%2Fmodel)
        wait_operation "$id"
        [ "$op_status" = completed ] || die "removing the previous install failed: $op"
        [ ! -e "$blob" ] || die "the previous install's blob is still there after its removal"
    fi
    sync
    [ "$warmup" = 1 ] || return 0
    timeout "$limit_s" dd if="$model_file" of="$work_dir/warm" bs=1M status=none ||
        die "could not write the warm-up copy $work_dir/warm"
    rm -f "$work_dir/warm"
}

# --- curl -o --------------------------------------------------------------------------------------
# The `times` builtin's second line: user and system CPU of this shell's waited-for children,
# e.g. "0m1.234s 0m0.567s". Run in this shell (not in $(...), whose children are its own).
times_seconds() {
    awk -v line="$1" 'BEGIN {
        n = split(line, f, " ")
        for (i = 1; i <= n; i++) { split(f[i], ms, "m"); t += ms[1] * 60 + ms[2] }
        printf "%.3f", t
    }'
}

# run_curl N: downloads the model file to out/curl-N, then fsyncs it and its directory. Sets
# curl_bytes, curl_s (curl's time_total), fsync_s and curl_cpu (user + sys seconds of curl).
run_curl() {
    local n="$1" out="$out_dir/curl-$1" t0 t1 code c0 c1
    prepare_run
    note "curl -o run $n"
    times >"$work_dir/times"
    c0=$(awk 'NR == 2' "$work_dir/times")
    # In the background and waited for, so a Ctrl-C or SIGTERM runs the trap at once.
    curl -s -S --max-time "$limit_s" -o "$out" -w '%{http_code} %{size_download} %{time_total}\n' \
        "$hub/bench/model/resolve/$commit/model.safetensors" >"$work_dir/curl.w" \
        2>"$work_dir/curl.err" &
    curl_pid=$!
    if ! wait "$curl_pid"; then
        curl_pid=""
        die "curl run $n failed: $(cat "$work_dir/curl.err")"
    fi
    curl_pid=""
    times >"$work_dir/times"
    c1=$(awk 'NR == 2' "$work_dir/times")
    curl_cpu=$(awk -v a="$(times_seconds "$c0")" -v b="$(times_seconds "$c1")" \
        'BEGIN { printf "%.2f", b - a }')
    read -r code curl_bytes curl_s <"$work_dir/curl.w"
    if [ "$code" != 200 ] || [ "$curl_bytes" -ne "$size_bytes" ]; then
        die "curl run $n got HTTP $code and $curl_bytes bytes, expected 200 and $size_bytes"
    fi
    t0=$(now_ns)
    timeout "$limit_s" sync "$out" "$out_dir" || die "sync of $out failed or took over ${limit_s}s"
    t1=$(now_ns)
    fsync_s=$(secs "$t0" "$t1")
}

# --- venomd install -------------------------------------------------------------------------------
json_field() { # json_field NAME < JSON: the value of the flat string or number field "NAME"
    sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[0-9.eE+-]*\|null\).*/\1/p" | head -n 1 | tr -d '"'
}
rfc3339_ns() { date -d "$1" +%s%N; }

# wait_operation ID: polls GET /operations/ID every 100 ms, at most BENCH_TIMEOUT seconds, until
# it is completed, failed or cancelled. Sets op (the last answer), op_status, and last_byte_at:
# the operation's updated_at in the first answer that had every byte but was still
# "downloading" (the time of the last byte, before venomd's fsync), or "" when no poll saw it.
wait_operation() {
    local id="$1" deadline got total
    op=""
    op_status=""
    last_byte_at=""
    deadline=$(($(date +%s) + limit_s))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if ! kill -0 "$venomd_pid" 2>/dev/null; then
            note "venomd exited during an operation; its output:"
            tail -n 20 "$work_dir/venomd.log" >&2
            exit 1
        fi
        op=$(curl -sf --max-time 5 "$api/models/operations/$id" || true)
        op_status=$(json_field status <<<"$op")
        case "$op_status" in completed | failed | cancelled) return 0 ;; esac
        if [ -z "$last_byte_at" ]; then
            got=$(json_field bytes_done <<<"$op")
            total=$(json_field bytes_total <<<"$op")
            if [ -n "$got" ] && [ "$got" = "$total" ] &&
                [[ "$(json_field message <<<"$op")" == downloading* ]]; then
                last_byte_at=$(json_field updated_at <<<"$op")
            fi
        fi
        sleep 0.1
    done
}

# api_call METHOD PATH [BODY]: sends it, expects 202, prints the operation id.
api_call() {
    local reply code id
    reply=$(curl -s -S --max-time 30 -X "$1" -H 'Content-Type: application/json' \
        ${3:+-d "$3"} -w '\n%{http_code}' "$api$2") || die "$1 $2 failed"
    code=${reply##*$'\n'}
    [ "$code" = 202 ] || die "$1 $2 answered $code: ${reply%$'\n'*}"
    id=$(json_field operation_id <<<"$reply")
    [ -n "$id" ] || die "no operation_id in the answer to $1 $2: $reply"
    echo "$id"
}

# run_venomd N: installs bench/model (prepare_run removed any earlier install, outside the
# timing). Sets venomd_bytes, venomd_s (the operation's started_at -> completed_at),
# venomd_wall_s (POST to the poll that saw it completed) and venomd_cpu (the daemon's CPU).
run_venomd() {
    local n="$1" id cpu0 cpu1 t_post t_seen blob_sha256 blob_bytes link
    prepare_run
    note "venomd install of bench/model, run $n"
    cpu0=$(cpu_ticks "$venomd_pid")
    t_post=$(now_ns)
    id=$(api_call POST /models/registry/install \
        '{"name":"bench/model","provider":"huggingface","runtime":"vllm"}')
    wait_operation "$id"
    t_seen=$(now_ns)
    cpu1=$(cpu_ticks "$venomd_pid")
    [ "$op_status" = completed ] ||
        die "install run $n did not complete (status '${op_status:-none}'): $op"
    venomd_bytes=$(json_field bytes_done <<<"$op")
    venomd_s=$(secs "$(rfc3339_ns "$(json_field started_at <<<"$op")")" \
        "$(rfc3339_ns "$(json_field completed_at <<<"$op")")")
    venomd_wall_s=$(secs "$t_post" "$t_seen")
    venomd_transfer_s="n/a"
    if [ -n "$last_byte_at" ]; then
        venomd_transfer_s=$(secs "$(rfc3339_ns "$(json_field started_at <<<"$op")")" \
            "$(rfc3339_ns "$last_byte_at")")
    fi
    venomd_cpu=$(ticks_to_s $((cpu1 - cpu0)))

    # What venomd wrote, checked independently of its own (libcrypto) hash.
    [ -f "$blob" ] || die "no blob at $blob; venomd's tree: $(find "$repo_dir" | head -n 20)"
    link="$repo_dir/snapshots/$commit/model.safetensors"
    [ "$(readlink -f "$link")" = "$(readlink -f "$blob")" ] || die "$link does not point at $blob"
    note "checking venomd's blob with sha256sum"
    blob_sha256=$(sha256sum "$blob" | cut -c1-64)
    blob_bytes=$(stat -c %s "$blob")
    if [ "$blob_sha256" != "$model_sha256" ] || [ "$blob_bytes" -ne "$size_bytes" ]; then
        die "venomd's blob has sha256 $blob_sha256 and $blob_bytes bytes, expected" \
            "$model_sha256 and $size_bytes"
    fi
    venomd_sha256="$blob_sha256"
}

# --- the runs: curl, venomd, curl, venomd, ... ----------------------------------------------------
rows=()       # "name|bytes|seconds|cpu" per table line
phases=()     # "name|transfer seconds|seconds after the last byte" per run
curl_fsync_s=()
curl_cpus=()
venomd_cpus=()
venomd_runs_s=()
venomd_runs_bytes=()
for round in $(seq "$rounds"); do
    run_curl "$round"
    rows+=("curl -o, run $round (no fsync)|$curl_bytes|$curl_s|$curl_cpu")
    total=$(awk -v a="$curl_s" -v b="$fsync_s" 'BEGIN { printf "%.3f", a + b }')
    rows+=("curl -o, run $round (+fsync $fsync_s s)|$curl_bytes|$total|$curl_cpu")
    curl_fsync_s+=("$total")
    curl_cpus+=("$curl_cpu")
    phases+=("curl -o, run $round|$curl_s|$fsync_s")

    run_venomd "$round"
    rows+=("venomd install, run $round (sha256, fsync)|$venomd_bytes|$venomd_s|$venomd_cpu")
    rows+=("  same, wall seen by the client|$venomd_bytes|$venomd_wall_s|-")
    venomd_runs_s+=("$venomd_s")
    venomd_cpus+=("$venomd_cpu")
    tail_s="n/a"
    if [ "$venomd_transfer_s" != n/a ]; then
        tail_s=$(awk -v a="$venomd_s" -v b="$venomd_transfer_s" 'BEGIN { printf "%.3f", a - b }')
    fi
    phases+=("venomd install, run $round|$venomd_transfer_s|$tail_s")
    venomd_runs_bytes+=("$venomd_bytes")
done

# --- report ---------------------------------------------------------------------------------------
# The reference: the fastest fsync'd curl run; venomd's headline: its fastest run.
min_of() { printf '%s\n' "$@" | sort -g | head -n 1; }
mean_of() { printf '%s\n' "$@" | awk '{ t += $1 } END { printf "%.3f", t / NR }'; }
ref_s=$(min_of "${curl_fsync_s[@]}")
ref_rate=$(awk -v s="$ref_s" -v n="$size_bytes" 'BEGIN { printf "%.6f", n / s }')

# row NAME BYTES SECONDS CPU: one table line, MB/s = 10^6 bytes/s, share of the reference rate.
row() {
    awk -v name="$1" -v bytes="$2" -v s="$3" -v cpu="$4" -v ref="$ref_rate" 'BEGIN {
        rate = s > 0 ? bytes / s : 0
        printf "%-42s %11d %8.3f %8.1f %7.0f%% %7s\n", name, bytes, s, rate / 1e6,
            100 * rate / ref, cpu
    }'
}

echo
echo "download of $size_mb MiB ($size_bytes bytes) from a local nginx to the same disk" \
    "($fs_type, $base_dir)"
echo "$(nproc) cores, $load_before before the runs, page warm-up before each run:" \
    "$([ "$warmup" = 1 ] && echo on || echo off)"
printf '%-42s %11s %8s %8s %8s %7s\n' client bytes seconds MB/s "vs curl" "cpu s"
for r in "${rows[@]}"; do
    IFS='|' read -r name bytes seconds cpu <<<"$r"
    row "$name" "$bytes" "$seconds" "$cpu"
done
echo
printf '%-42s %11s %8s %8s\n' "phases" "transfer s" "MB/s" "then s"
for p in "${phases[@]}"; do
    IFS='|' read -r name transfer after <<<"$p"
    awk -v name="$name" -v t="$transfer" -v after="$after" -v n="$size_bytes" 'BEGIN {
        na = t == "n/a"
        printf "%-42s %11s %8s %8s\n", name, (na ? t : sprintf("%.3f", t)),
            (na ? "n/a" : sprintf("%.1f", n / t / 1e6)), after
    }'
done
echo "curl: transfer = time_total, then = sync FILE DIR. venomd: transfer + sha256 = started_at to"
echo "the last byte (updated_at of the first poll that saw every byte while still downloading; n/a"
echo "when no poll fell in that window), then = fsync, rename, dir fsync, snapshot, manifest."
echo
best_s=$(min_of "${venomd_runs_s[@]}")
share=$(awk -v b="${venomd_runs_bytes[0]}" -v s="$best_s" -v ref="$ref_rate" \
    'BEGIN { printf "%.0f", (s > 0 ? 100 * (b / s) / ref : 0) }')
mean_share=$(awk -v v="$(mean_of "${venomd_runs_s[@]}")" -v c="$(mean_of "${curl_fsync_s[@]}")" \
    'BEGIN { printf "%.0f", (v > 0 ? 100 * c / v : 0) }')
echo "vs curl: share of the fastest curl -o (+fsync) run, $ref_s s. venomd: the operation's"
echo "started_at -> completed_at; client wall: POST to the 100 ms poll that saw it completed."
echo "venomd (best of $rounds): $share % of curl -o (+fsync, best of $rounds);" \
    "mean of $rounds vs mean of $rounds: $mean_share %"
cpu_ratio=$(awk -v v="$(mean_of "${venomd_cpus[@]}")" -v c="$(mean_of "${curl_cpus[@]}")" \
    'BEGIN { printf "%.2f", (c > 0 ? v / c : 0) }')
echo "cpu: venomd's mean $(mean_of "${venomd_cpus[@]}") s = ${cpu_ratio}x curl's mean" \
    "$(mean_of "${curl_cpus[@]}") s (venomd hashes every byte, curl does not)"
echo "targets: >= 90 % of curl -o (DESIGN.md), >= 95 % with cpu <= 1.3x curl's (issue 14)"
echo "venomd blob sha256 (sha256sum): $venomd_sha256 (matches the served file)"

if [ "$strict" = 1 ] && [ "$share" -lt 90 ]; then
    note "venomd is below 90 % of curl -o (BENCH_STRICT=1)"
    exit 1
fi
exit 0
