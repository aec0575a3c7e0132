"""Explicit ``pulumi-python`` providers with our resources (issue 12, item 4, the lead that was not shipped).

    .venv/bin/python benchmarks/explicit_providers.py

An explicit ``pulumi.ProviderResource("pulumi-python", name)`` gets a dynamic-provider process of its own, so
spreading jobs over several of them was a way around the 4 workers of one process. This script checks what it
costs with ``TrainingJob``s, on a local ModelArts where each job waits ``WAIT_SECONDS`` for Running:

1. credentials in the stack config, as a user sets them: ``up`` with the default provider, move the jobs to 4
   explicit providers, ``destroy``;
2. credentials in the environment: the same, then the reverse move (explicit to default); each time the
   preview's steps, whether the jobs kept their IDs, and that ``destroy`` leaves the server empty;
3. the time of ``up`` of 16 waiting jobs on the default provider and on 4 explicit ones.

It prints what it found; ``benchmarks/README.md`` records it. Not part of ``make bench``: it answers a design
question once, and a run takes about two minutes.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root on the path, as `-m` would have it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import local_server
from benchmarks.waits import SIMULATED, WAIT_SECONDS
from modelarts_pulumi.settings import modelarts_endpoint_env_var
from tests.support.programs import Program, code
from tests.support.pulumi_cli import PulumiProject, missing_tools
from tests.support.server import LocalModelArts, start_local_modelarts

JOBS = 16
EXPLICIT = 4
PROGRAM = (
    Program(bucket="bench-bucket")
    .line(
        'count = config.get_int("providers") or 0',
        'providers = [pulumi.ProviderResource("pulumi-python", f"dynamic-{k}") for k in range(count)]',
    )
    .algorithm(inputs=None, outputs=None)
    .training_job(
        code('f"job-{i:02d}"'),
        each=f"i in range({JOBS})",
        inputs=None,
        outputs=None,
        log_export_path=None,
        hyperparameters=code('{"epochs": i + 1}'),
        wait_for="running",
        opts=code("pulumi.ResourceOptions(provider=providers[i % count]) if count else None"),
    )
    .text()
)


def say(message: str) -> None:
    print(message, flush=True)


class Experiment:
    def __init__(self, workdir: Path, server: LocalModelArts, name: str, *, credentials_in: str) -> None:
        self.server = server
        self.project = PulumiProject.create(workdir / name, name=f"explicit-{name}", files={"__main__.py": PROGRAM})
        self.project.init_stack("bench")
        config = server.stack_config()
        for key, value in config.items():
            if credentials_in == "config" or key not in ("modelarts:accessKey", "modelarts:secretKey"):
                self.project.set_config(key, value, secret=key.endswith("Key"))
        if credentials_in == "environment":
            self.project.env.update(
                {
                    "HW_ACCESS_KEY": server.access_key,
                    "HW_SECRET_KEY": server.secret_key,
                    # An explicit provider gets no stack config at all: where ModelArts is must come from here too.
                    "HW_REGION_NAME": server.region,
                    "HW_PROJECT_ID": server.project_id,
                    "HW_AUTH_URL": server.url,
                    modelarts_endpoint_env_var(server.region): server.url,
                }
            )

    def up(self, providers: int) -> tuple[bool, float, str]:
        self.project.set_config("providers", str(providers))
        result = self.project.run("up", "--yes", "--skip-preview", check=False, timeout=600)
        return result.returncode == 0, result.seconds, _first_error(result.output)

    def preview_steps(self, providers: int) -> dict[str, int]:
        self.project.set_config("providers", str(providers))
        steps: dict[str, int] = {}
        for step in self.project.preview_json().get("steps", []):
            kind = "provider" if "pulumi:providers:" in step["urn"] else step["urn"].split("::")[-2].rsplit(":", 1)[-1]
            key = f"{step['op']} {kind}"
            steps[key] = steps.get(key, 0) + 1
        return steps

    def job_ids(self) -> dict[str, str]:
        return {r["urn"]: r["id"] for r in self.project.resources() if r["type"].endswith("TrainingJob")}

    def destroy(self) -> tuple[bool, str]:
        result = self.project.run("destroy", "--yes", "--skip-preview", check=False, timeout=600)
        state = self.server.admin("GET", "/state").json()
        left = f"the server holds {state['training_jobs']['total']} job(s), {state['algorithms']} algorithm(s)"
        return result.returncode == 0, left + (f"; {_first_error(result.output)}" if result.returncode else "")

    def move(self, start: int, end: int) -> None:
        ok, seconds, error = self.up(start)
        say(f"  `up` with {start} explicit provider(s): {'ok' if ok else 'FAILED: ' + error} ({seconds:.1f} s)")
        if not ok:
            return
        before = self.job_ids()
        say(f"  preview after moving the jobs to {end} explicit provider(s): {self.preview_steps(end)}")
        ok, seconds, error = self.up(end)
        kept = ok and self.job_ids() == before
        say(f"  `up` of the move: {'ok' if ok else 'FAILED: ' + error}; every job kept its ID: {kept}")
        say(f"  preview after it: {self.preview_steps(end)}")


def _verdict(outcome: tuple[bool, str]) -> tuple[str, str]:
    return ("ok" if outcome[0] else "FAILED"), outcome[1]


def _first_error(output: str) -> str:
    """The first Python exception line of a failed command (a provider's traceback), else its first error."""
    lines = [line.strip() for line in output.splitlines()]
    found = next((line for line in lines if re.match(r"[\w.]+(Error|Exception): ", line)), None)
    return (found or next((line for line in lines if "error:" in line), ""))[:300]


def main() -> int:
    if missing := missing_tools():
        print(f"missing in .tools/bin: {', '.join(missing)}; run `make setup` first", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="modelarts-explicit-"))
    server = start_local_modelarts(
        workdir / "server", mode="simulated", config={**local_server.SERVER_CONFIG, "simulated": SIMULATED}
    )
    try:
        say(f"{JOBS} jobs, each waiting {WAIT_SECONDS:g} s for Running; {EXPLICIT} explicit providers")
        say("1. credentials in the stack config:")
        config = Experiment(workdir, server, "config", credentials_in="config")
        config.move(0, EXPLICIT)
        ok, left = config.destroy()
        say("  `destroy`: {} ({})".format(*_verdict((ok, left))))
        if not ok:  # clean up through the default provider, which has the stack config
            config.up(0)
            say(f"  (`destroy` again after moving back to the default provider: {config.destroy()[1]})")
        say("2. credentials in the environment:")
        env = Experiment(workdir, server, "env", credentials_in="environment")
        env.move(0, EXPLICIT)
        say("  `destroy`: {} ({})".format(*_verdict(env.destroy())))
        env.move(EXPLICIT, 0)
        say("  `destroy`: {} ({})".format(*_verdict(env.destroy())))
        say("3. time of `up`, default `--parallel`:")
        for providers in (0, EXPLICIT):
            ok, seconds, error = env.up(providers)
            say(f"  {providers} explicit provider(s): {seconds:.2f} s{'' if ok else ' FAILED: ' + error}")
            env.destroy()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
