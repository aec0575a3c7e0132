"""Benchmark: N training jobs (default 20) and one algorithm through `pulumi up` against a local ModelArts that
injects 20% 5xx, 10% 429 and 5% answers dropped after the work was done, then `pulumi destroy` under the same
faults. Prints what was injected, what the provider did about it, and whether the server ended up holding
exactly what the state holds.

Run by hand (not a test; needs `make setup` for the Pulumi CLI):

    .venv/bin/python benchmarks/faults.py [--jobs 20] [--seed 20260501] [--pure] [--keep]

``--pure`` uses the issue's mix alone; by default the first two job creates also get their answer dropped,
so that adoption is exercised on every run. The counts of retries and adoptions come from the provider's own
log (``MODELARTS_PULUMI_LOG=debug``, relayed by `pulumi up`); the counts of faults from the server
(``GET /_local/faults``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.reliability.scenario import (  # noqa: E402
    FAULTS,
    SERVER_CONFIG,
    Runs,
    fault_counters,
    make_scenario_project,
    server_inventory,
    state_inventory,
    up_until_converged,
)
from tests.support.pulumi_cli import missing_tools  # noqa: E402
from tests.support.server import start_local_modelarts  # noqa: E402


def fault_config(seed: int, *, pure: bool) -> dict[str, Any]:
    rules = list(FAULTS["rules"])
    if not pure:
        rules.insert(0, {"methods": ["POST"], "paths": ["/v2/*/training-jobs"], "drop_rate": 1.0, "max_faults": 2})
    return {**FAULTS, "seed": seed, "rules": rules}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=FAULTS["seed"])
    parser.add_argument("--pure", action="store_true", help="the issue's fault mix only")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log, project)")
    args = parser.parse_args(argv)
    if missing := missing_tools():
        print(f"missing in .tools/bin: {', '.join(missing)}; run `make setup` first", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="modelarts-faults-bench-"))
    faults = fault_config(args.seed, pure=args.pure)
    server = start_local_modelarts(workdir / "data", config={**SERVER_CONFIG, "faults": faults})
    try:
        project = make_scenario_project(workdir / "project", server, jobs=args.jobs)
        started = time.monotonic()
        up = Runs()
        up_until_converged(project, up, attempts=5, timeout=600)
        up_seconds = time.monotonic() - started
        up_faults = fault_counters(server)

        state = state_inventory(project)
        remote = server_inventory(server)  # turns faults off to look
        duplicates = remote.duplicates()
        orphans = sorted(set(remote.jobs) - set(state.jobs)) + sorted(set(remote.algorithms) - set(state.algorithms))
        missing_remote = sorted(set(state.jobs) - set(remote.jobs))

        server.admin("PUT", "/faults", json=faults)  # the same faults for destroy, counted afresh
        started = time.monotonic()
        destroy = Runs()
        for _ in range(5):
            result = destroy.add(project.run("destroy", "--yes", "--skip-preview", timeout=600, check=False))
            if result.returncode == 0:
                break
        destroy_seconds = time.monotonic() - started
        destroy_faults = fault_counters(server)
        after = server_inventory(server)

        print(f"local ModelArts fault benchmark: {args.jobs} training jobs + 1 algorithm, seed {args.seed}")
        print(f"fault rules: {faults['rules']}")
        print()
        report("pulumi up", up, up_faults, up_seconds)
        print(f"  server holds          : {len(remote.jobs)} jobs, {len(remote.algorithms)} algorithm(s)")
        print(f"  state holds           : {len(state.jobs)} jobs, {len(state.algorithms)} algorithm(s)")
        print(f"  duplicates (by name)  : {len(duplicates)} {duplicates or ''}")
        print(f"  orphans (not in state): {len(orphans)} {orphans or ''}")
        print(f"  in state, not on server: {len(missing_remote)} {missing_remote or ''}")
        print()
        report("pulumi destroy", destroy, destroy_faults, destroy_seconds)
        print(f"  left on the server    : {len(after.jobs)} jobs, {len(after.algorithms)} algorithm(s)")
        ok = not duplicates and not orphans and not missing_remote and not after.jobs and not after.algorithms
        print()
        print("RESULT:", "converged, no duplicates, no orphans" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        server.stop()
        if args.keep:
            print(f"(kept {workdir})")
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def report(title: str, runs: Runs, faults: dict[str, Any], seconds: float) -> None:
    counters = faults["counters"]
    injected = {kind: n for kind, n in counters.items() if n}
    requests = sum(n for key, n in faults["requests"].items() if not key.startswith("POST /v3/"))
    print(
        f"{title}: {len(runs.results)} run(s) ({sum(r.returncode != 0 for r in runs.results)} failed), {seconds:.1f}s"
    )
    print(f"  requests seen         : {requests}")
    print(f"  faults injected       : {sum(injected.values())} {injected}")
    print(f"    detail              : {faults['by_detail']}")
    print(f"  transport retries     : {sum(runs.retries.values())} {dict(runs.retries)}")
    print(f"  create re-sends       : {runs.create_retries} (after a lookup found nothing)")
    print(f"  adoptions             : {sum(runs.adoptions.values())} {dict(runs.adoptions)}")
    print(f"  polls tried again     : {runs.poll_retries}")
    answered = sum(runs.retries.values()) + runs.create_retries + sum(runs.adoptions.values()) + runs.poll_retries
    print(f"  faults answered       : {answered} of {sum(injected.values()) - injected.get('latency', 0)} (one each)")


if __name__ == "__main__":
    sys.exit(main())
