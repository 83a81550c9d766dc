# Helpers shared by the bench scripts; sourced, not run. The caller defines die().
# shellcheck shell=bash

# shellcheck disable=SC2317  # called from EXIT traps
# Stops one process: SIGTERM, up to 5 s for it to exit, then SIGKILL.
stop_process() {
    local pid="$1"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# True when some socket on this machine uses TCP port $1.
port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Prints a TCP port nobody on this machine has a socket on (and not $taken_port). Picked below
# the kernel's ephemeral range so wrk's and curl's own client ports cannot take it meanwhile.
free_port() {
    local low=20000 high=32000 port
    for _ in $(seq 100); do
        port=$((low + RANDOM % (high - low)))
        [ "$port" != "${taken_port:-}" ] || continue
        port_in_use "$port" || { echo "$port"; return 0; }
    done
    die "no free port found in $low-$high after 100 tries"
}

# Busy share of all cores over half a second, from /proc/stat (the load average lags by
# minutes): other work on the machine skews the figures, and not evenly between runs.
cpu_busy_pct() {
    local a b
    a=$(head -n 1 /proc/stat)
    sleep 0.5
    b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x, " "); split(b, y, " ")
        for (i = 2; i <= n; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
        printf "%.0f", (total > 0 ? 100 * (total - idle) / total : 0)
    }'
}
