# shellcheck shell=bash disable=SC2034  # the SVC_* variables set here are read by the scripts
# Shared by ollama_service.sh and vllm_service.sh; sourced, never run. See either script's header
# for the environment contract, the exit codes and the files.
#
# A runtime script sets SVC_SCRIPT (its file name, for error messages) before sourcing, calls
# svc_init after checking the action, then sets, before calling svc_main "$@":
#   SVC_NAME            ollama | vllm (log, PID and lock file names, message prefix)
#   SVC_URL             where the runtime serves, printed in messages
#   SVC_HEALTH_URL      probed for a 2xx answer
#   SVC_UNIT            systemd unit name
#   SVC_START_TIMEOUT   seconds, already defaulted per runtime
# and defines svc_prepare_start, which validates what a start needs (binary, model) and fills
# SVC_CMD (the command line) and SVC_CHILD_UNSET (variables the started process must not see).
# Validation exits before anything is stopped, so a restart with a broken setting leaves the
# running runtime alone.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    echo "service_common.sh: source this file from a service script, do not run it" >&2
    exit 2
fi

# Job control would put each background child in its own process group, and setsid(1) would then
# fork instead of exec, so $! would no longer be the server's PID.
set +m

readonly SVC_EXIT_FAILURE=1
readonly SVC_EXIT_USAGE=2
readonly SVC_EXIT_STOPPED=3
readonly SVC_EXIT_FOREIGN=4
readonly SVC_EXIT_NOT_INSTALLED=5
readonly SVC_EXIT_NOT_CONFIGURED=6

svc_die() {
    local code=$1
    shift
    echo "$SVC_SCRIPT: $*" >&2
    exit "$code"
}

svc_usage() {
    echo "usage: $SVC_SCRIPT start|stop|restart|status" >&2
    exit "$SVC_EXIT_USAGE"
}

# ---- configuration ----------------------------------------------------------------------------

# Keys the env file may set: what venomd writes there and the runtime settings the scripts
# document. Anything else (PYTHONPATH, LD_PRELOAD, BASH_ENV, PATH, ...) is ignored, so a value
# that smuggled in a line of its own could not reach the runtime (issue 9, finding 6).
svc_env_key_allowed() {
    case $1 in
        # The binary to execute never comes from a file venomd writes model ids into.
        *_BIN) return 1 ;;
        LLM_SERVICE_TYPE | ACTIVE_LLM_SERVER | LLM_MODEL_NAME | LAST_MODEL_[A-Z0-9_]*) return 0 ;;
        VLLM_[A-Z0-9_]* | OLLAMA_[A-Z0-9_]*) return 0 ;;
        VENOM_SERVICE_MANAGER | VENOM_SYSTEMD_SCOPE | VENOM_RUNTIME_START_TIMEOUT | \
            VENOM_RUNTIME_STOP_TIMEOUT) return 0 ;;
    esac
    return 1
}

# Reads KEY="VALUE" / KEY='VALUE' / KEY=VALUE lines (optionally prefixed by `export`) and exports
# each allowed key (svc_env_key_allowed) that is unset or empty in the process environment, so
# the process environment wins. The file is parsed, never sourced or evaluated: sourcing would
# override the caller's variables and run whatever the file contains. Double-quoted values are
# read the way systemd's EnvironmentFile= reads them: \" \\ \$ \` stand for the character, other
# characters (a newline included: the value then continues on the next line) are literal.
# Single-quoted values are literal; other lines are ignored.
svc_load_env_file() {
    local file=$1 line key value rest out ch next i closed
    [[ -f $file ]] || return 0
    [[ -r $file ]] || svc_die "$SVC_EXIT_NOT_CONFIGURED" "cannot read env file $file"
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        key=${BASH_REMATCH[2]}
        value=${BASH_REMATCH[3]}
        if [[ $value == \"* ]]; then
            rest=${value:1}
            out=
            closed=0
            while :; do
                for ((i = 0; i < ${#rest}; i++)); do
                    ch=${rest:i:1}
                    if [[ $ch == '\' ]]; then
                        next=${rest:i+1:1}
                        case $next in
                            '"' | '\' | '$' | '`')
                                out+=$next
                                ((i += 1))
                                continue
                                ;;
                        esac
                    elif [[ $ch == '"' ]]; then
                        closed=1
                        break
                    fi
                    out+=$ch
                done
                ((closed)) && break
                # The quotes continue on the next line: it is part of this value, not a key.
                IFS= read -r rest || break
                rest=${rest%$'\r'}
                out+=$'\n'
            done
            ((closed)) || continue # unterminated: nothing of it is used
            value=$out
        elif [[ $value =~ ^\'(.*)\'[[:space:]]*$ ]]; then
            value=${BASH_REMATCH[1]}
        fi
        svc_env_key_allowed "$key" || continue
        if [[ -z ${!key:-} ]]; then
            export "$key=$value"
        fi
    done <"$file"
}

# Seconds (integer or decimal) to milliseconds; exits 6 naming the variable when malformed.
svc_seconds_to_ms() {
    local name=$1 value=$2 whole fraction
    [[ $value =~ ^([0-9]+)(\.([0-9]{1,3})[0-9]*)?$ ]] ||
        svc_die "$SVC_EXIT_NOT_CONFIGURED" "$name must be a number of seconds (got '$value')"
    whole=${BASH_REMATCH[1]}
    fraction=${BASH_REMATCH[3]}
    fraction=${fraction}000
    echo $((10#$whole * 1000 + 10#${fraction:0:3}))
}

# Sets the defaults every runtime shares, after the env file has had its say.
svc_init() {
    local script_dir=$1
    : "${VENOM_DATA_DIR:=$(cd "$script_dir/../.." && pwd)/data}"
    export VENOM_DATA_DIR
    svc_load_env_file "${VENOM_RUNTIME_ENV_FILE:-$VENOM_DATA_DIR/llm-runtime.env}"

    SVC_LOG_DIR=$VENOM_DATA_DIR/logs
    SVC_MANAGER=${VENOM_SERVICE_MANAGER:-auto}
    case $SVC_MANAGER in
        auto | systemd | process) ;;
        *) svc_die "$SVC_EXIT_NOT_CONFIGURED" \
            "VENOM_SERVICE_MANAGER must be auto, systemd or process (got '$SVC_MANAGER')" ;;
    esac
    SVC_SYSTEMCTL=(systemctl)
    case ${VENOM_SYSTEMD_SCOPE:-system} in
        system) ;;
        user) SVC_SYSTEMCTL+=(--user) ;;
        *) svc_die "$SVC_EXIT_NOT_CONFIGURED" \
            "VENOM_SYSTEMD_SCOPE must be system or user (got '$VENOM_SYSTEMD_SCOPE')" ;;
    esac
    SVC_STOP_TIMEOUT_MS=$(svc_seconds_to_ms VENOM_RUNTIME_STOP_TIMEOUT \
        "${VENOM_RUNTIME_STOP_TIMEOUT:-10}")
}

# Splits an http(s) URL or a bare host[:port] into SVC_URL_SCHEME, SVC_URL_HOST (IPv6 without
# brackets), SVC_URL_PORT (empty when absent) and SVC_URL_PATH (empty or starting with '/').
svc_split_url() {
    local url=$1 rest hostport
    if [[ $url == *://* ]]; then
        SVC_URL_SCHEME=${url%%://*}
        rest=${url#*://}
    else
        SVC_URL_SCHEME=
        rest=$url
    fi
    hostport=${rest%%/*}
    SVC_URL_PATH=
    [[ $rest == */* ]] && SVC_URL_PATH=/${rest#*/}
    SVC_URL_PORT=
    if [[ $hostport =~ ^\[([^]]*)\](:([0-9]*))?$ ]]; then
        SVC_URL_HOST=${BASH_REMATCH[1]}
        SVC_URL_PORT=${BASH_REMATCH[3]}
    elif [[ $hostport =~ ^([^:]*):([0-9]*)$ ]]; then
        SVC_URL_HOST=${BASH_REMATCH[1]}
        SVC_URL_PORT=${BASH_REMATCH[2]}
    else
        SVC_URL_HOST=$hostport # a name, an IPv4 address or a bare IPv6 address
    fi
}

# A host a client can connect to: servers bind the wildcard addresses, clients cannot reach
# them. IPv6 comes back in brackets, ready for a URL.
svc_connectable_host() {
    case $1 in
        '' | 0.0.0.0) echo 127.0.0.1 ;;
        :: | '::0') echo '[::1]' ;;
        *:*) echo "[$1]" ;;
        *) echo "$1" ;;
    esac
}

svc_require_binary() {
    local variable=$1 value=$2 hint=$3
    SVC_BIN_PATH=$(command -v -- "$value" 2>/dev/null) ||
        svc_die "$SVC_EXIT_NOT_INSTALLED" "$variable '$value' not found; $hint or set $variable"
    [[ -x $SVC_BIN_PATH && ! -d $SVC_BIN_PATH ]] ||
        svc_die "$SVC_EXIT_NOT_INSTALLED" "$variable '$value' is not an executable file"
}

svc_use_systemd() {
    case $SVC_MANAGER in
        process) return 1 ;;
        systemd)
            command -v systemctl >/dev/null 2>&1 ||
                svc_die "$SVC_EXIT_NOT_INSTALLED" \
                    "VENOM_SERVICE_MANAGER=systemd but systemctl is not installed"
            return 0
            ;;
    esac
    command -v systemctl >/dev/null 2>&1 || return 1
    # One "<unit> <state> <preset>" line per installed unit file; none (and exit 1) when absent
    # or when there is no systemd to ask, as in most containers.
    local listed unit
    listed=$("${SVC_SYSTEMCTL[@]}" list-unit-files --no-legend "$SVC_UNIT" 2>/dev/null) || true
    while read -r unit _; do
        [[ $unit == "$SVC_UNIT" ]] && return 0
    done <<<"$listed"
    return 1
}

# ---- time, health, processes -------------------------------------------------------------------

svc_now_ms() {
    local now=${EPOCHREALTIME/[.,]/}
    echo $((now / 1000))
}

# True when the URL answers 2xx. Short timeouts: this runs every ~0.2 s while a runtime starts.
# Proxies are bypassed for loopback, where the runtimes started here listen.
svc_healthy() {
    local code
    code=$(curl --silent --output /dev/null --write-out '%{http_code}' \
        --connect-timeout 1 --max-time 2 --noproxy '127.0.0.1,localhost,::1' \
        -- "$SVC_HEALTH_URL" 2>/dev/null) || true
    [[ $code == 2?? ]]
}

# Reads /proc/PID/stat into SVC_PROC_STATE and SVC_PROC_START (start time in clock ticks since
# boot, field 22). Fails when there is no such process.
svc_proc_stat() {
    local stat fields
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    # comm (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
    read -r -a fields <<<"${stat##*) }"
    SVC_PROC_STATE=${fields[0]}
    SVC_PROC_START=${fields[19]}
}

# True while PID is a live (non-zombie) process started at START ticks: the identity recorded in
# the PID file, so a process that merely reused the PID is never taken for ours.
svc_is_ours() {
    local pid=$1 start=$2
    [[ $pid =~ ^[0-9]+$ && $start =~ ^[0-9]+$ ]] || return 1
    svc_proc_stat "$pid" || return 1
    [[ $SVC_PROC_STATE != Z && $SVC_PROC_START == "$start" ]]
}

# A zombie counts as gone: it holds no port and no memory, and only its parent can reap it.
svc_gone() {
    ! svc_proc_stat "$1" || [[ $SVC_PROC_STATE == Z ]]
}

# True while a live process remains in process group PGID (the server and whatever it forked,
# e.g. Ollama's runners or vLLM's workers, unless they left the group).
svc_group_alive() {
    local pgid=$1 stat fields entry
    for entry in /proc/[0-9]*/stat; do
        { read -r stat <"$entry"; } 2>/dev/null || continue
        read -r -a fields <<<"${stat##*) }"
        [[ ${fields[2]} == "$pgid" && ${fields[0]} != Z ]] && return 0
    done
    return 1
}

# Polls every 0.1 s until the process and its group are gone or MS milliseconds have passed.
svc_wait_gone() {
    local pid=$1 deadline=$(($(svc_now_ms) + $2))
    while :; do
        if svc_gone "$pid" && ! svc_group_alive "$pid"; then
            return 0
        fi
        (($(svc_now_ms) < deadline)) || return 1
        sleep 0.1
    done
}

svc_signal_group() {
    kill "-$1" -- "-$2" 2>/dev/null || true
    kill "-$1" -- "$2" 2>/dev/null || true
}

# ---- PID file ----------------------------------------------------------------------------------
# One line: "<pid> <start time in clock ticks>". A file without a valid start time (hand-written,
# or from an older script) never matches a process, so it is treated as stale.

svc_read_pidfile() {
    SVC_PID=
    SVC_PID_START=
    [[ -f $SVC_PID_FILE ]] || return 1
    # A last line without a newline still fills the variables; read only reports the EOF.
    read -r SVC_PID SVC_PID_START _ <"$SVC_PID_FILE" 2>/dev/null || true
    return 0
}

# Removes the PID file only while it still names PID: a concurrent start may have replaced it.
svc_remove_pidfile_of() {
    local pid start
    [[ -f $SVC_PID_FILE ]] || return 0
    read -r pid start _ <"$SVC_PID_FILE" 2>/dev/null || true
    if [[ ${pid:-} == "$1" ]]; then
        rm -f -- "$SVC_PID_FILE"
    fi
}

# Serialises start/stop/restart of one runtime (two starts must not both spawn a server). Held
# while deciding, spawning and stopping, not while a start waits for health, so that a stop can
# interrupt a slow start. The file descriptor is closed in the spawned server.
svc_lock() {
    local wait_s=$((SVC_STOP_TIMEOUT_MS / 1000 + 30))
    exec 9>>"$SVC_LOCK_FILE"
    flock -w "$wait_s" 9 ||
        svc_die "$SVC_EXIT_FAILURE" "another start/stop of $SVC_NAME holds $SVC_LOCK_FILE"
}

svc_unlock() {
    flock -u 9 2>/dev/null || true
    exec 9>&-
}

# What the server wrote to its log since byte OFFSET, last 20 lines, for failure messages.
svc_log_since() {
    local offset=$1
    [[ -f $SVC_LOG_FILE ]] || return 0
    tail -c "+$((offset + 1))" -- "$SVC_LOG_FILE" 2>/dev/null | tail -n 20 | sed 's/^/  | /' >&2
}

svc_log_size() {
    if [[ -f $SVC_LOG_FILE ]]; then
        stat -c %s -- "$SVC_LOG_FILE"
    else
        echo 0
    fi
}

# ---- local process mode ------------------------------------------------------------------------

# Sends SIGTERM to PID's group, waits up to the stop timeout, then SIGKILL. Sets SVC_KILLED=1
# when SIGKILL was needed. Fails when the process survives SIGKILL (e.g. stuck in the kernel).
svc_terminate() {
    local pid=$1
    SVC_KILLED=0
    svc_signal_group TERM "$pid"
    if svc_wait_gone "$pid" "$SVC_STOP_TIMEOUT_MS"; then
        return 0
    fi
    SVC_KILLED=1
    svc_signal_group KILL "$pid"
    svc_wait_gone "$pid" 5000
}

# Waits for the health URL. Returns 0 when healthy; otherwise prints why on stderr and returns 1.
# PID (optional) is a process of ours whose exit ends the wait early.
svc_wait_healthy() {
    local pid=$1 start=$2 timeout_ms=$3 log_offset=$4
    local deadline=$(($(svc_now_ms) + timeout_ms)) status
    while :; do
        if svc_healthy; then
            return 0
        fi
        if [[ -n $pid ]] && ! svc_is_ours "$pid" "$start"; then
            status=
            # Our own child can be reaped for its exit status; one started by an earlier run
            # cannot.
            if wait "$pid" 2>/dev/null; then status=0; else status=$?; fi
            [[ $status == 127 ]] && status=
            echo "$SVC_SCRIPT: $SVC_NAME (pid $pid) exited${status:+ with status $status}" \
                "before answering at $SVC_HEALTH_URL; log $SVC_LOG_FILE:" >&2
            svc_log_since "$log_offset"
            svc_remove_pidfile_of "$pid"
            return 1
        fi
        if (($(svc_now_ms) >= deadline)); then
            echo "$SVC_SCRIPT: $SVC_NAME did not answer at $SVC_HEALTH_URL within" \
                "$((timeout_ms / 1000))s (VENOM_RUNTIME_START_TIMEOUT); log $SVC_LOG_FILE:" >&2
            svc_log_since "$log_offset"
            return 1
        fi
        sleep 0.2
    done
}

svc_start_local() {
    local timeout_ms pid start log_offset
    timeout_ms=$(svc_seconds_to_ms VENOM_RUNTIME_START_TIMEOUT "$SVC_START_TIMEOUT")
    svc_prepare_start
    mkdir -p -- "$SVC_LOG_DIR"
    svc_lock

    if svc_healthy; then
        svc_unlock
        if svc_read_pidfile && svc_is_ours "$SVC_PID" "$SVC_PID_START"; then
            echo "$SVC_NAME: already running (pid $SVC_PID) at $SVC_URL"
        elif [[ ${SVC_ACTION:-} == restart ]]; then
            # A restart must load what the env file says; a server this script did not start
            # cannot be made to, and waiting for it to change would only time out.
            svc_die "$SVC_EXIT_FOREIGN" "$SVC_NAME at $SVC_URL was not started by this script" \
                "and is left alone; stop it, or restart it yourself"
        else
            echo "$SVC_NAME: already running at $SVC_URL (not started by this script)"
        fi
        return 0
    fi

    if svc_read_pidfile; then
        if svc_is_ours "$SVC_PID" "$SVC_PID_START"; then
            # Started earlier and still loading (or hung): wait for it rather than start another
            # server on the same port.
            pid=$SVC_PID
            svc_unlock
            echo "$SVC_SCRIPT: $SVC_NAME (pid $pid) is already starting; waiting for" \
                "$SVC_HEALTH_URL" >&2
            svc_wait_healthy "$pid" "$SVC_PID_START" "$timeout_ms" "$(svc_log_size)" ||
                return "$SVC_EXIT_FAILURE"
            echo "$SVC_NAME: started (pid $pid) at $SVC_URL"
            return 0
        fi
        echo "$SVC_SCRIPT: removing stale PID file $SVC_PID_FILE (pid ${SVC_PID:-?} is not" \
            "a process this script started)" >&2
        rm -f -- "$SVC_PID_FILE"
    fi

    printf '==== %s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SVC_SCRIPT" "${SVC_CMD[*]}" \
        >>"$SVC_LOG_FILE"
    log_offset=$(svc_log_size)
    # Own session and process group, so that stop can signal the server and its children as a
    # group, and so that nothing of the caller's (terminal, daemon's signals) reaches it. Without
    # job control the child is not a group leader, so setsid(1) execs in place: $! is the server.
    (
        for variable in "${SVC_CHILD_UNSET[@]}"; do unset "$variable"; done
        exec setsid -- "${SVC_CMD[@]}" >>"$SVC_LOG_FILE" 2>&1 </dev/null 9>&-
    ) &
    pid=$!
    if ! svc_proc_stat "$pid"; then
        svc_unlock
        echo "$SVC_SCRIPT: $SVC_NAME exited at once; log $SVC_LOG_FILE:" >&2
        svc_log_since "$log_offset"
        return "$SVC_EXIT_FAILURE"
    fi
    start=$SVC_PROC_START # set at fork, unchanged by exec
    echo "$pid $start" >"$SVC_PID_FILE"
    svc_unlock

    if ! svc_wait_healthy "$pid" "$start" "$timeout_ms" "$log_offset"; then
        # Left running, a server that never answered would hold the port (and the GPU).
        if ! svc_is_ours "$pid" "$start"; then
            :
        elif svc_terminate "$pid"; then
            svc_remove_pidfile_of "$pid"
            echo "$SVC_SCRIPT: stopped $SVC_NAME (pid $pid)" \
                "$( ((SVC_KILLED)) && echo "with SIGKILL" || echo "with SIGTERM")" >&2
        else
            echo "$SVC_SCRIPT: $SVC_NAME (pid $pid) survived SIGKILL; PID file kept" >&2
        fi
        return "$SVC_EXIT_FAILURE"
    fi
    echo "$SVC_NAME: started (pid $pid) at $SVC_URL"
}

# Stop leaves alone what it did not start, but says so: the caller may expect the port freed.
svc_foreign_note() {
    if svc_healthy; then
        echo "; something not started by this script answers at $SVC_HEALTH_URL, left alone"
    fi
}

svc_stop_local() {
    local pid
    mkdir -p -- "$SVC_LOG_DIR"
    svc_lock
    if ! svc_read_pidfile; then
        svc_unlock
        echo "$SVC_NAME: not running (no PID file)$(svc_foreign_note)"
        return 0
    fi
    pid=$SVC_PID
    if ! svc_is_ours "$pid" "$SVC_PID_START"; then
        rm -f -- "$SVC_PID_FILE"
        svc_unlock
        echo "$SVC_NAME: not running (stale PID file removed: pid ${pid:-?} is not a process" \
            "this script started)$(svc_foreign_note)"
        return 0
    fi
    if ! svc_terminate "$pid"; then
        svc_unlock
        svc_die "$SVC_EXIT_FAILURE" "$SVC_NAME (pid $pid) survived SIGKILL; PID file kept"
    fi
    rm -f -- "$SVC_PID_FILE"
    svc_unlock
    if ((SVC_KILLED)); then
        echo "$SVC_NAME: stopped (pid $pid, SIGKILL after $((SVC_STOP_TIMEOUT_MS / 1000))s" \
            "without exiting on SIGTERM)"
    else
        echo "$SVC_NAME: stopped (pid $pid)"
    fi
}

# Read-only: reports, never cleans up (start and stop do).
svc_status_local() {
    local ours=0 healthy=0
    if svc_read_pidfile && svc_is_ours "$SVC_PID" "$SVC_PID_START"; then ours=1; fi
    if svc_healthy; then healthy=1; fi
    if ((ours && healthy)); then
        echo "$SVC_NAME: running (pid $SVC_PID) at $SVC_URL"
        return 0
    elif ((ours)); then
        echo "$SVC_NAME: unhealthy: pid $SVC_PID is alive but $SVC_HEALTH_URL does not answer" \
            "(still starting, or hung)"
        return "$SVC_EXIT_FAILURE"
    elif ((healthy)); then
        echo "$SVC_NAME: running at $SVC_URL (not started by this script)"
        return 0
    fi
    echo "$SVC_NAME: stopped"
    return "$SVC_EXIT_STOPPED"
}

# ---- systemd mode ------------------------------------------------------------------------------

svc_unit_state() {
    "${SVC_SYSTEMCTL[@]}" is-active "$SVC_UNIT" 2>/dev/null || true
}

svc_journal_hint() {
    if [[ ${VENOM_SYSTEMD_SCOPE:-system} == user ]]; then
        echo "journalctl --user -u $SVC_UNIT"
    else
        echo "journalctl -u $SVC_UNIT"
    fi
}

# `systemctl start` returns once the unit is started, not once it serves; wait for that too, and
# give up early when the unit fails.
svc_systemd_start_or_restart() {
    local verb=$1 timeout_ms deadline state polls=0
    timeout_ms=$(svc_seconds_to_ms VENOM_RUNTIME_START_TIMEOUT "$SVC_START_TIMEOUT")
    "${SVC_SYSTEMCTL[@]}" "$verb" "$SVC_UNIT" ||
        svc_die "$SVC_EXIT_FAILURE" "${SVC_SYSTEMCTL[*]} $verb $SVC_UNIT failed; see $(svc_journal_hint)"
    deadline=$(($(svc_now_ms) + timeout_ms))
    until svc_healthy; do
        if ((polls++ % 5 == 4)); then
            state=$(svc_unit_state)
            if [[ $state == failed || $state == inactive ]]; then
                svc_die "$SVC_EXIT_FAILURE" "unit $SVC_UNIT is $state; see $(svc_journal_hint)"
            fi
        fi
        (($(svc_now_ms) < deadline)) ||
            svc_die "$SVC_EXIT_FAILURE" "unit $SVC_UNIT did not answer at $SVC_HEALTH_URL within" \
                "$((timeout_ms / 1000))s; see $(svc_journal_hint)"
        sleep 0.2
    done
    echo "$SVC_NAME: started (systemd unit $SVC_UNIT) at $SVC_URL"
}

svc_systemd_stop() {
    "${SVC_SYSTEMCTL[@]}" stop "$SVC_UNIT" ||
        svc_die "$SVC_EXIT_FAILURE" "${SVC_SYSTEMCTL[*]} stop $SVC_UNIT failed"
    echo "$SVC_NAME: stopped (systemd unit $SVC_UNIT)"
}

svc_systemd_status() {
    local state
    state=$(svc_unit_state)
    state=${state:-unknown}
    if svc_healthy; then
        if [[ $state == active ]]; then
            echo "$SVC_NAME: running (systemd unit $SVC_UNIT) at $SVC_URL"
        else
            echo "$SVC_NAME: running at $SVC_URL (not started by unit $SVC_UNIT, which is $state)"
        fi
        return 0
    fi
    case $state in
        active | activating | reloading | deactivating)
            echo "$SVC_NAME: unhealthy: unit $SVC_UNIT is $state but $SVC_HEALTH_URL does not" \
                "answer"
            return "$SVC_EXIT_FAILURE"
            ;;
    esac
    echo "$SVC_NAME: stopped (systemd unit $SVC_UNIT is $state)"
    return "$SVC_EXIT_STOPPED"
}

# ---- entry point -------------------------------------------------------------------------------

svc_main() {
    SVC_PID_FILE=$SVC_LOG_DIR/$SVC_NAME.pid
    SVC_LOG_FILE=$SVC_LOG_DIR/$SVC_NAME.log
    SVC_LOCK_FILE=$SVC_LOG_DIR/$SVC_NAME.lock
    local action=$1
    SVC_ACTION=$action
    if svc_use_systemd; then
        case $action in
            start | restart) svc_systemd_start_or_restart "$action" ;;
            stop) svc_systemd_stop ;;
            status) svc_systemd_status ;;
        esac
        return
    fi
    case $action in
        start) svc_start_local ;;
        stop) svc_stop_local ;;
        restart)
            # Validate first: a restart that cannot start must not stop the running runtime.
            svc_prepare_start
            svc_stop_local
            svc_start_local
            ;;
        status) svc_status_local ;;
    esac
}
