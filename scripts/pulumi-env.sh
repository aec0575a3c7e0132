# shellcheck shell=bash
# Source me (bash): the environment the offline Pulumi CLI needs in this repo.
#   source scripts/pulumi-env.sh
# - .tools/bin first on PATH: our pulumi build, the language host and the dynamic-provider script;
# - a repo-local PULUMI_HOME and file backend under .local/ (both ignored by git);
# - PULUMI_CONFIG_PASSPHRASE: the documented local passphrase `local-modelarts`, unless a passphrase
#   (or a passphrase file) is already set. It only protects secrets in the local state files.
# - no update checks and no plugin downloads: nothing outside the package registries is reachable.

_pulumi_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export PATH="$_pulumi_env_root/.tools/bin:$_pulumi_env_root/.venv/bin:$PATH"
export PULUMI_HOME="$_pulumi_env_root/.local/pulumi-home"
export PULUMI_BACKEND_URL="file://$_pulumi_env_root/.local/state"
if [[ -z "${PULUMI_CONFIG_PASSPHRASE+set}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
    export PULUMI_CONFIG_PASSPHRASE="local-modelarts"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PULUMI_PYTHON_CMD="$_pulumi_env_root/.venv/bin/python"

mkdir -p "$PULUMI_HOME" "$_pulumi_env_root/.local/state"
unset _pulumi_env_root
