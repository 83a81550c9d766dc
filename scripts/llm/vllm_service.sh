#!/usr/bin/env bash
# Starts, stops and reports the vLLM OpenAI-compatible server for venomd.
#
#   vllm_service.sh start|stop|restart|status
#
# Environment (process environment > env file > default; an empty value counts as unset):
#   VENOM_DATA_DIR               default <repo>/data (the repo is two directories above this file)
#   VENOM_RUNTIME_ENV_FILE       default $VENOM_DATA_DIR/llm-runtime.env, written by venomd:
#                                KEY="VALUE" lines and # comments. Parsed, not sourced; only keys
#                                the process environment lacks are taken from it.
#   VENOM_SERVICE_MANAGER        auto (default): systemd when systemctl lists the unit, else a
#                                local process; systemd; process
#   VENOM_SYSTEMD_SCOPE          system (default) | user (systemctl --user)
#   VLLM_SYSTEMD_UNIT            default vllm.service
#   VLLM_BIN                     default vllm: a name looked up in PATH, or a path
#   VLLM_ENDPOINT                default http://127.0.0.1:8001/v1, the address venomd probes;
#                                VLLM_HOST and VLLM_PORT are derived from it unless set (no port
#                                in the URL: 80, or 443 for https)
#   VLLM_HOST, VLLM_PORT         --host/--port of `vllm serve`. Not passed to vLLM as variables:
#                                vLLM reads VLLM_PORT itself as the base port of its internal
#                                communication, which must not be the API port.
#   VLLM_MODEL_PATH              required to start: a model directory or a .gguf file (venomd
#                                writes it to the env file when a vLLM model is activated)
#   VLLM_SERVED_MODEL_NAME       default: the base name of VLLM_MODEL_PATH
#   VLLM_TOKENIZER               optional: --tokenizer (venomd sets it for a .gguf file: the base
#                                model's repo, as vLLM's GGUF docs ask)
#   VLLM_MAX_MODEL_LEN, VLLM_GPU_MEMORY_UTILIZATION, VLLM_CHAT_TEMPLATE
#                                optional: --max-model-len, --gpu-memory-utilization,
#                                --chat-template, passed through when set (venomd writes
#                                VLLM_MAX_MODEL_LEN from the model's saved context_length)
#   VLLM_OVERRIDE_GENERATION_CONFIG
#                                optional: --override-generation-config, a JSON object of
#                                default sampling values (venomd writes it from the tuning
#                                drawer's saved values: temperature, top_p, top_k,
#                                repetition_penalty, max_new_tokens)
#   VLLM_HEALTH_URL              default http://<VLLM_HOST, 0.0.0.0 as 127.0.0.1>:<VLLM_PORT>/health
#   VENOM_RUNTIME_START_TIMEOUT  seconds to wait for health after starting (default 600: loading
#                                a model takes minutes)
#   VENOM_RUNTIME_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 10)
# The VLLM_* settings above are consumed here and removed from the started server's environment.
#
# Local process mode: `$VLLM_BIN serve "$VLLM_MODEL_PATH" --host H --port P --served-model-name N
# [...]` runs detached in its own session and process group (vLLM forks engine workers; stop
# signals the whole group), stdout and stderr appended to the log. stop: SIGTERM, then SIGKILL
# after the stop timeout. Only the process recorded in the PID file is ever signalled, and only
# while its PID and start time still match. Something answering at the health URL that this
# script did not start is reported and left alone.
# systemd mode: start/stop/restart run `systemctl [--user] <verb> $VLLM_SYSTEMD_UNIT`; start and
# restart then wait for health like local mode; status combines `systemctl is-active` and health.
#
# Output: one line on stdout ("vllm: started (pid N) at URL", "vllm: stopped (pid N)", ...);
# errors and the server's last log lines on stderr.
#
# Exit codes:
#   0  done; for status: running and answering (also when it was not started by this script)
#   1  failure: the server exited or timed out while starting, survived SIGKILL, systemctl
#      failed; for status: our process (or the unit) is alive but the health URL does not answer
#      (vLLM answers only once the model is loaded, so this is also "still loading")
#   2  usage: unknown or missing action
#   3  status only: stopped (no live process of ours, nothing answering)
#   4  restart only: something this script did not start answers at the health URL; it is left
#      alone (venomd answers 409 runtime_not_managed)
#   5  not installed: VLLM_BIN not found (or systemctl, when VENOM_SERVICE_MANAGER=systemd)
#   6  not configured: VLLM_MODEL_PATH missing or not a directory/.gguf file, a malformed
#      VLLM_ENDPOINT/VLLM_PORT, service manager, scope or timeout
#
# Files (the logs directory is created on start/stop):
#   $VENOM_DATA_DIR/logs/vllm.log   server output, appended, one header line per start
#   $VENOM_DATA_DIR/logs/vllm.pid   "<pid> <start time in clock ticks>" of the running server
#   $VENOM_DATA_DIR/logs/vllm.lock  serialises concurrent start/stop/restart
set -euo pipefail

SVC_SCRIPT=$(basename -- "${BASH_SOURCE[0]}")
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=service_common.sh
source "$script_dir/service_common.sh"

[[ $# -eq 1 && $1 =~ ^(start|stop|restart|status)$ ]] || svc_usage
svc_init "$script_dir"

VLLM_BIN=${VLLM_BIN:-vllm}
VLLM_ENDPOINT=${VLLM_ENDPOINT:-http://127.0.0.1:8001/v1}

svc_split_url "$VLLM_ENDPOINT"
[[ -n $SVC_URL_SCHEME && -n $SVC_URL_HOST ]] ||
    svc_die "$SVC_EXIT_NOT_CONFIGURED" "VLLM_ENDPOINT must be a URL like" \
        "http://127.0.0.1:8001/v1 (got '$VLLM_ENDPOINT')"
if [[ -z $SVC_URL_PORT && $SVC_URL_SCHEME == https ]]; then
    SVC_URL_PORT=443
elif [[ -z $SVC_URL_PORT ]]; then
    SVC_URL_PORT=80
fi
VLLM_HOST=${VLLM_HOST:-$SVC_URL_HOST}
VLLM_PORT=${VLLM_PORT:-$SVC_URL_PORT}
if ! [[ $VLLM_PORT =~ ^[0-9]{1,5}$ ]] || ((10#$VLLM_PORT < 1 || 10#$VLLM_PORT > 65535)); then
    svc_die "$SVC_EXIT_NOT_CONFIGURED" "VLLM_PORT must be a port number (got '$VLLM_PORT')"
fi
VLLM_HOST=${VLLM_HOST#[}
VLLM_HOST=${VLLM_HOST%]}

SVC_NAME=vllm
SVC_URL="http://$(svc_connectable_host "$VLLM_HOST"):$VLLM_PORT/v1"
SVC_HEALTH_URL=${VLLM_HEALTH_URL:-${SVC_URL%/v1}/health}
SVC_UNIT=${VLLM_SYSTEMD_UNIT:-vllm.service}
SVC_START_TIMEOUT=${VENOM_RUNTIME_START_TIMEOUT:-600}

svc_prepare_start() {
    svc_require_binary VLLM_BIN "$VLLM_BIN" "install vLLM (pip install vllm)"
    local path=${VLLM_MODEL_PATH:-}
    [[ -n $path ]] ||
        svc_die "$SVC_EXIT_NOT_CONFIGURED" "VLLM_MODEL_PATH is not set; activate a vLLM model" \
            "in venomd (it writes ${VENOM_RUNTIME_ENV_FILE:-$VENOM_DATA_DIR/llm-runtime.env})" \
            "or set it to a model directory or .gguf file"
    if [[ ! -e $path ]]; then
        svc_die "$SVC_EXIT_NOT_CONFIGURED" "VLLM_MODEL_PATH '$path' does not exist"
    elif [[ ! -d $path && ! ($path == *.gguf && -f $path) ]]; then
        svc_die "$SVC_EXIT_NOT_CONFIGURED" \
            "VLLM_MODEL_PATH '$path' is neither a model directory nor a .gguf file"
    fi
    local trimmed=${path%/}
    local served=${VLLM_SERVED_MODEL_NAME:-${trimmed##*/}}

    SVC_CMD=("$SVC_BIN_PATH" serve "$path" --host "$VLLM_HOST" --port "$VLLM_PORT"
        --served-model-name "$served")
    if [[ -n ${VLLM_MAX_MODEL_LEN:-} ]]; then
        SVC_CMD+=(--max-model-len "$VLLM_MAX_MODEL_LEN")
    fi
    if [[ -n ${VLLM_GPU_MEMORY_UTILIZATION:-} ]]; then
        SVC_CMD+=(--gpu-memory-utilization "$VLLM_GPU_MEMORY_UTILIZATION")
    fi
    if [[ -n ${VLLM_CHAT_TEMPLATE:-} ]]; then
        SVC_CMD+=(--chat-template "$VLLM_CHAT_TEMPLATE")
    fi
    # vllm/config/model.py ModelConfig.override_generation_config: merged over the model's
    # generation_config.json as the default sampling parameters of every request.
    if [[ -n ${VLLM_OVERRIDE_GENERATION_CONFIG:-} ]]; then
        SVC_CMD+=(--override-generation-config "$VLLM_OVERRIDE_GENERATION_CONFIG")
    fi
    # vLLM docs/features/quantization/gguf.md: a GGUF file is served with the base model's
    # tokenizer (venomd sets it from the GGUF repo card's base_model).
    if [[ -n ${VLLM_TOKENIZER:-} ]]; then
        SVC_CMD+=(--tokenizer "$VLLM_TOKENIZER")
    fi
    SVC_CHILD_UNSET=(VLLM_BIN VLLM_ENDPOINT VLLM_HOST VLLM_PORT VLLM_MODEL_PATH
        VLLM_SERVED_MODEL_NAME VLLM_TOKENIZER VLLM_MAX_MODEL_LEN VLLM_GPU_MEMORY_UTILIZATION VLLM_CHAT_TEMPLATE
        VLLM_OVERRIDE_GENERATION_CONFIG VLLM_HEALTH_URL VLLM_SYSTEMD_UNIT)
}

svc_main "$1"
