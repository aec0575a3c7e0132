#!/usr/bin/env bash
# Idempotent setup for developers and CI (used by `make setup`, `make up` and `make test`):
#   1. .venv (python3 -m venv) with requirements.txt + requirements-dev.txt (which includes
#      requirements-test.txt), skipped while a stamp of their hash is current;
#   2. the Pulumi CLI, built from the Go module proxy (tools/pulumi-cli) into .tools/bin/pulumi, skipped
#      while `.tools/bin/pulumi version` prints the pinned version;
#   3. the runtime scripts the CLI needs next to it (copied from the sdk/v3 Go module);
#   4. the `pulumi-language-python` launcher for our Python language host (tools/langhost).
# Go's module and build caches stay in their default places; only binaries land in .tools/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PULUMI_VERSION="3.260.0" # keep in lockstep with requirements.txt (pulumi==) and tools/pulumi-cli/go.mod
VENV="$ROOT/.venv"
BIN="$ROOT/.tools/bin"
SDK_MODULE="github.com/pulumi/pulumi/sdk/v3"

log() { printf 'setup: %s\n' "$*"; }
# SETUP_QUIET=1 (used by `make pulumi`): report only what was actually done.
note() { [[ -n "${SETUP_QUIET:-}" ]] || log "$@"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"
mkdir -p "$BIN" "$ROOT/.local"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# --- 1. virtualenv and Python packages -------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
    command -v python3 >/dev/null || die "python3 not found"
    python3 -m venv "$VENV"
    log "created .venv ($("$VENV/bin/python" --version))"
fi

# The stamp covers everything that changes what pip would install, including the local packages'
# metadata (they are installed editable, so their source changes need no reinstall).
stamp_inputs=(requirements.txt requirements-dev.txt requirements-test.txt)
for f in provider/pyproject.toml emulator/pyproject.toml; do
    [[ -f "$f" ]] && stamp_inputs+=("$f")
done
req_hash="$({ "$VENV/bin/python" --version; cat "${stamp_inputs[@]}"; } | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.requirements.sha256"
if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$req_hash" ]]; then
    log "pip install -r requirements.txt -r requirements-dev.txt"
    "$VENV/bin/python" -m pip install --quiet -r requirements.txt -r requirements-dev.txt
    echo "$req_hash" >"$stamp"
    log "python packages installed"
else
    note "python packages up to date"
fi

sdk_version="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')"
[[ "$sdk_version" == "$PULUMI_VERSION" ]] ||
    die "the venv has pulumi==$sdk_version but the CLI is pinned to $PULUMI_VERSION; align requirements.txt"

# --- 2. the Pulumi CLI --------------------------------------------------------------------------------
go_env() {
    command -v go >/dev/null || die "go not found (needed once to build the Pulumi CLI)"
    # GOTOOLCHAIN=local: never try to download another Go toolchain; -buildvcs=false: the wrapper
    # module's VCS state must not change the binary.
    export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
}

built_cli=false
if [[ -x "$BIN/pulumi" && "$("$BIN/pulumi" version 2>/dev/null || true)" == "v$PULUMI_VERSION" ]]; then
    note "pulumi CLI v$PULUMI_VERSION present"
else
    go_env
    log "building the pulumi CLI v$PULUMI_VERSION from tools/pulumi-cli (first build takes several minutes)"
    start=$SECONDS
    # The version stamp is mandatory: without it `pulumi version` is empty and the Automation API fails.
    (cd "$ROOT/tools/pulumi-cli" && go build -trimpath -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    mv -f "$BIN/pulumi.tmp" "$BIN/pulumi"
    built_cli=true
    log "built .tools/bin/pulumi ($("$BIN/pulumi" version)) in $((SECONDS - start))s"
fi

# --- 3. runtime scripts from the sdk/v3 module ----------------------------------------------------------
# pulumi-language-python-exec runs programs; pulumi-resource-pulumi-python starts dynamic providers.
# Module-cache files are read-only and have no exec bit, hence the copy with mode 755.
runtime_scripts=(pulumi-language-python-exec pulumi-resource-pulumi-python)
need_scripts=$built_cli
for s in "${runtime_scripts[@]}"; do [[ -x "$BIN/$s" ]] || need_scripts=true; done
if [[ "$need_scripts" == true ]]; then
    go_env
    sdk_dir="$(cd "$ROOT/tools/pulumi-cli" && go mod download -json "$SDK_MODULE@v$PULUMI_VERSION" |
        "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
    install -m 755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
    install -m 755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"
    log "installed ${runtime_scripts[*]} from $SDK_MODULE@v$PULUMI_VERSION"
else
    note "runtime scripts present"
fi

# --- 4. the language host launcher -------------------------------------------------------------------------
# The Go language host module is not served by the proxy here, so the engine's `pulumi-language-python`
# is our Python implementation (tools/langhost), run on the repo's venv.
launcher="$BIN/pulumi-language-python"
launcher_text="#!/bin/sh
# Generated by scripts/setup.sh. The Pulumi language host for Python, implemented in Python
# (tools/langhost/pulumi_language_python.py) because the Go module is not served here.
exec \"$VENV/bin/python\" -u \"$ROOT/tools/langhost/pulumi_language_python.py\" \\
    --use-executor \"$BIN/pulumi-language-python-exec\" \"\$@\""
if [[ ! -x "$launcher" || "$(cat "$launcher")" != "$launcher_text" ]]; then
    printf '%s\n' "$launcher_text" >"$launcher.tmp"
    chmod 755 "$launcher.tmp"
    mv -f "$launcher.tmp" "$launcher"
    log "installed .tools/bin/pulumi-language-python (Python language host launcher)"
else
    note "language host launcher present"
fi

note "ready: $("$BIN/pulumi" version) in .tools/bin, Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())') in .venv"
