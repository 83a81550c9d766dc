#!/usr/bin/env bash
# Starts, stops and reports the Ollama server for venomd.
#
#   ollama_service.sh start|stop|restart|status
#
# Environment (process environment > env file > default; an empty value counts as unset):
#   VENOM_DATA_DIR               default <repo>/data (the repo is two directories above this file)
#   VENOM_RUNTIME_ENV_FILE       default $VENOM_DATA_DIR/llm-runtime.env, written by venomd:
#                                KEY="VALUE" lines and # comments. Parsed, not sourced; only keys
#                                the process environment lacks are taken from it.
#   VENOM_SERVICE_MANAGER        auto (default): systemd when systemctl lists the unit, else a
#                                local process; systemd; process
#   VENOM_SYSTEMD_SCOPE          system (default) | user (systemctl --user)
#   OLLAMA_SYSTEMD_UNIT          default ollama.service
#   OLLAMA_BIN                   default ollama: a name looked up in PATH, or a path
#   OLLAMA_HOST                  default 127.0.0.1:11434; passed unchanged to `ollama serve`,
#                                which binds it. The health URL is derived the way a client
#                                connects: http:// added when there is no scheme, :11434 when
#                                there is neither scheme nor port, 0.0.0.0 / :: mapped to
#                                127.0.0.1 / ::1, a path kept.
#   OLLAMA_HEALTH_URL            default <that base>/api/version; 2xx means healthy
#   VENOM_RUNTIME_START_TIMEOUT  seconds to wait for health after starting (default 60)
#   VENOM_RUNTIME_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 10)
#
# Local process mode: `$OLLAMA_BIN serve` runs detached in its own session and process group,
# stdout and stderr appended to the log. stop signals that group: SIGTERM, then SIGKILL after
# the stop timeout. Only the process recorded in the PID file is ever signalled, and only while
# its PID and start time still match (a PID reused by another process is left alone). Something
# answering at the health URL that this script did not start is reported and left alone.
# systemd mode: start/stop/restart run `systemctl [--user] <verb> $OLLAMA_SYSTEMD_UNIT`; start and
# restart then wait for health like local mode; status combines `systemctl is-active` and health.
#
# Output: one line on stdout ("ollama: started (pid N) at URL", "ollama: stopped (pid N)", ...);
# errors and the server's last log lines on stderr.
#
# Exit codes:
#   0  done; for status: running and answering (also when it was not started by this script)
#   1  failure: the server exited or timed out while starting, survived SIGKILL, systemctl
#      failed; for status: our process (or the unit) is alive but the health URL does not answer
#   2  usage: unknown or missing action
#   3  status only: stopped (no live process of ours, nothing answering)
#   4  restart only: something this script did not start answers at the health URL; it is left
#      alone (venomd answers 409 runtime_not_managed)
#   5  not installed: OLLAMA_BIN not found (or systemctl, when VENOM_SERVICE_MANAGER=systemd)
#   6  not configured: a malformed setting (service manager, scope, timeout)
#
# Files (the logs directory is created on start/stop):
#   $VENOM_DATA_DIR/logs/ollama.log   server output, appended, one header line per start
#   $VENOM_DATA_DIR/logs/ollama.pid   "<pid> <start time in clock ticks>" of the running server
#   $VENOM_DATA_DIR/logs/ollama.lock  serialises concurrent start/stop/restart
set -euo pipefail

SVC_SCRIPT=$(basename -- "${BASH_SOURCE[0]}")
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=service_common.sh
source "$script_dir/service_common.sh"

[[ $# -eq 1 && $1 =~ ^(start|stop|restart|status)$ ]] || svc_usage
svc_init "$script_dir"

export OLLAMA_HOST=${OLLAMA_HOST:-127.0.0.1:11434}
OLLAMA_BIN=${OLLAMA_BIN:-ollama}

# The base URL a client uses for OLLAMA_HOST (see the header).
ollama_base_url() {
    local scheme host port
    svc_split_url "$OLLAMA_HOST"
    scheme=${SVC_URL_SCHEME:-http}
    host=$(svc_connectable_host "$SVC_URL_HOST")
    port=$SVC_URL_PORT
    [[ -z $SVC_URL_SCHEME && -z $port ]] && port=11434
    echo "$scheme://$host${port:+:$port}${SVC_URL_PATH%/}"
}

SVC_NAME=ollama
SVC_URL=$(ollama_base_url)
SVC_HEALTH_URL=${OLLAMA_HEALTH_URL:-$SVC_URL/api/version}
SVC_UNIT=${OLLAMA_SYSTEMD_UNIT:-ollama.service}
SVC_START_TIMEOUT=${VENOM_RUNTIME_START_TIMEOUT:-60}

svc_prepare_start() {
    svc_require_binary OLLAMA_BIN "$OLLAMA_BIN" "install Ollama"
    SVC_CMD=("$SVC_BIN_PATH" serve)
    SVC_CHILD_UNSET=()
}

svc_main "$1"
