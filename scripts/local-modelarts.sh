#!/usr/bin/env bash
# Manage the local ModelArts (python -m modelarts_local serve) in the background.
#   scripts/local-modelarts.sh start|stop|status|restart
# State: pid file .local/modelarts.pid, log .local/modelarts.log, data dir .local/modelarts.
# Overridable: MODELARTS_LOCAL_HOST (127.0.0.1), MODELARTS_LOCAL_PORT (8770), MODELARTS_LOCAL_OBS_PORT (8771: the
# OBS endpoint), MODELARTS_LOCAL_DATA,
# MODELARTS_LOCAL_BUCKETS (space-separated NAME=DIR, default modelarts-local-demo=examples/bucket),
# MODELARTS_LOCAL_ARGS (extra serve arguments, e.g. "--mode simulated --config FILE.json").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST="${MODELARTS_LOCAL_HOST:-127.0.0.1}"
PORT="${MODELARTS_LOCAL_PORT:-8770}"
OBS_PORT="${MODELARTS_LOCAL_OBS_PORT:-8771}"
DATA="${MODELARTS_LOCAL_DATA:-$ROOT/.local/modelarts}"
BUCKETS="${MODELARTS_LOCAL_BUCKETS:-modelarts-local-demo=$ROOT/examples/bucket}"
PIDFILE="$ROOT/.local/modelarts.pid"
LOGFILE="$ROOT/.local/modelarts.log"
PYTHON="$ROOT/.venv/bin/python"
HEALTH_URL="http://$HOST:$PORT/_local/health"
START_TIMEOUT="${MODELARTS_LOCAL_START_TIMEOUT:-30}"

say() { printf 'local-modelarts: %s\n' "$*"; }

healthy() {
    "$PYTHON" - "$HEALTH_URL" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
}

# The pid from the pid file, if that process is alive and really is our server (pids get reused).
live_pid() {
    local pid
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'modelarts_local' && echo "$pid"
}

start() {
    local pid
    if pid="$(live_pid)"; then
        if healthy; then
            say "already running (pid $pid) on http://$HOST:$PORT, OBS on http://$HOST:$OBS_PORT"
            return 0
        fi
        say "pid $pid is alive but not healthy; restarting it"
        stop
    elif [[ -f "$PIDFILE" ]]; then
        say "removing stale pid file"
        rm -f "$PIDFILE"
    fi
    if healthy; then
        say "error: something else already answers on http://$HOST:$PORT (not started by this script)" >&2
        return 1
    fi
    [[ -x "$PYTHON" ]] || { say "error: $PYTHON missing; run scripts/setup.sh first" >&2; return 1; }

    mkdir -p "$DATA" "$(dirname "$LOGFILE")"
    local args=(serve --host "$HOST" --port "$PORT" --obs-port "$OBS_PORT" --data-dir "$DATA")
    local b
    for b in $BUCKETS; do
        mkdir -p "${b#*=}"
        args+=(--bucket "$b")
    done
    # shellcheck disable=SC2206 # word splitting of the extra args is intended
    args+=(${MODELARTS_LOCAL_ARGS:-})
    printf '\n=== %s start: %s -m modelarts_local %s\n' "$(date -Is)" "$PYTHON" "${args[*]}" >>"$LOGFILE"
    # setsid: its own session, so Ctrl-C in the calling terminal or make does not stop it.
    (cd "$ROOT" && exec setsid "$PYTHON" -m modelarts_local "${args[@]}" </dev/null >>"$LOGFILE" 2>&1) &
    pid=$!
    echo "$pid" >"$PIDFILE"

    local deadline=$((SECONDS + START_TIMEOUT))
    until healthy; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PIDFILE"
            say "error: the server exited during start; last log lines:" >&2
            tail -n 20 "$LOGFILE" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            say "error: no answer from $HEALTH_URL after ${START_TIMEOUT}s; see $LOGFILE" >&2
            stop
            return 1
        fi
        sleep 0.2
    done
    say "started (pid $pid) on http://$HOST:$PORT, OBS on http://$HOST:$OBS_PORT, data in $DATA, log in $LOGFILE"
}

stop() {
    local pid
    if ! pid="$(live_pid)"; then
        rm -f "$PIDFILE"
        say "not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid ignored SIGTERM for 10s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    say "stopped (pid $pid)"
}

status() {
    local pid
    if pid="$(live_pid)"; then
        if healthy; then
            say "running (pid $pid) on http://$HOST:$PORT, OBS on http://$HOST:$OBS_PORT"
        else
            say "pid $pid alive but $HEALTH_URL does not answer"
        fi
        return 0
    fi
    say "not running"
    return 3
}

case "${1:-}" in
start) start ;;
stop) stop ;;
restart) stop && start ;;
status) status ;;
*)
    echo "usage: $0 start|stop|status|restart" >&2
    exit 2
    ;;
esac
