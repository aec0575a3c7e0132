"""Issue #5, "Bad input": every case of the corpus (``corpus.py``) fails `pulumi preview` with a diagnostic that
names the property (or config key) and the rule, and the server is left untouched.

All CLI runs happen once, in the module fixture (see ``harness.py`` for how cases share runs); the tests then
assert one case each on the recorded diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.inputs import AlgorithmInputs
from modelarts_pulumi.providers.algorithm import to_request
from tests.bad_input.corpus import BASES, CASES, CONFIG_CASES, PYTORCH, SEED_ALGORITHMS, Case, ConfigCase, make_folders
from tests.bad_input.harness import (
    PROGRAM,
    Group,
    Run,
    apply,
    init_stack,
    is_program_error,
    pack,
    preview,
    resolve,
    resources_file,
    run_all,
    write_stack_config,
)
from tests.engine.stack import make_project, server_client
from tests.support import server as server_support
from tests.support.server import LocalModelArts

pytestmark = [pytest.mark.pulumi_cli, pytest.mark.timeout(900)]

CONTROL = "control"
# Requests that change something on the server. Searches are reads sent as POST.
MUTATING = re.compile(r'"(?:POST|PUT|DELETE|PATCH) /v2/(?!\S*training-job-searches)')


@dataclass
class Corpus:
    groups: list[Group]
    runs: dict[str, Run]
    state_before: dict[str, Any]
    state_after: dict[str, Any]
    log: str

    def group_of(self, case: Case) -> Group:
        return next(g for g in self.groups if case in g.cases)


@dataclass
class Seeded:
    server: LocalModelArts
    ids: dict[str, str]


@pytest.fixture(scope="module")
def bad_input_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A server of its own, logging every request, with the two algorithms the cases refer to."""
    data_dir = tmp_path_factory.mktemp("bad-input-server") / "data"
    config = {"simulated": server_support.FAST_SIMULATED}
    with server_support.serving(data_dir, config=config, log_level="info") as server:
        client = server_client(server)
        ids: dict[str, str] = {}
        for key, spec in SEED_ALGORITHMS.items():
            inputs = AlgorithmInputs(
                name=f"bad-input-{key}",
                code_dir="/bad-bucket/code/",
                boot_file="/bad-bucket/code/train.py",
                engine_name="PyTorch",
                engine_version=PYTORCH,
                **spec,
            )
            ids[key] = client.create_algorithm(to_request(inputs)).metadata.id
        yield Seeded(server, ids)


def _config_run(project: Any, server: Any, case: ConfigCase, control: list[str]) -> Any:
    def go() -> Run:
        settings = {k: v for k, v in server.stack_config().items() if k.removeprefix("modelarts:") not in case.remove}
        settings.update({f"modelarts:{k}": v for k, v in case.set.items()})
        init_stack(project, case.id)
        write_stack_config(project, case.id, settings)
        return preview(project, case.id, control, stack=case.id)

    return go


@pytest.fixture(scope="module")
def corpus(bad_input_server: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    server, ids = bad_input_server.server, bad_input_server.ids
    groups = pack(CASES, ids, server.stack_config())
    project = make_project(tmp_path_factory.mktemp("bad-input") / "project", server, PROGRAM, name="bad-input")
    make_folders(project.directory)
    specs: dict[str, tuple[str, dict[str, Any]]] = {}
    for base_name, (kind, props) in BASES.items():
        specs[f"{CONTROL}-{base_name}".replace("_", "-")] = (kind, resolve(props, ids))
    for group in groups:
        kind, props = BASES[group.base]
        specs[group.name] = (kind, resolve(apply(props, group.change), ids))
    resources_file(project.directory, specs)
    control = [name for name in specs if name.startswith(CONTROL)]

    log_offset = server.log_path.stat().st_size
    before = server.admin("GET", "/state").json()
    jobs: list[Any] = [lambda: preview(project, CONTROL, control)]
    jobs += [lambda g=group: preview(project, g.name, [g.name]) for group in groups]
    jobs += [_config_run(project, server, case, control) for case in CONFIG_CASES]
    runs = {run.label: run for run in run_all(jobs)}
    after = server.admin("GET", "/state").json()
    with server.log_path.open("rb") as handle:
        handle.seek(log_offset)
        log = handle.read().decode(errors="replace")
    return Corpus(groups, runs, before, after, log)


def test_the_corpus_is_large_and_its_bases_are_valid(corpus: Corpus) -> None:
    assert len(CASES) + len(CONFIG_CASES) >= 40
    assert len({c.id for c in CASES} | {c.id for c in CONFIG_CASES}) == len(CASES) + len(CONFIG_CASES)
    control = corpus.runs[CONTROL]
    # Unchanged, every base previews cleanly, so each case fails because of its own change.
    assert control.result.returncode == 0, control.result.describe()
    assert control.errors == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_preview_naming_property_and_rule(case: Case, corpus: Corpus) -> None:
    group = corpus.group_of(case)
    run = corpus.runs[group.name]
    assert run.result.returncode != 0, run.result.describe()
    if is_program_error(case):
        # A misspelt argument: Python stops the program; the stack's diagnostic names it.
        where = [m for urn, m in run.errors if "pulumi:pulumi:Stack::" in urn or not urn]
        matching = [m for m in where if case.prop in m and all(r in m for r in case.rule)]
    else:
        where = [m for urn, m in run.errors if urn.endswith(f"::{group.name}")]
        matching = [m for m in where if f"{case.prop}: " in m and all(r in m for r in case.rule)]
    assert matching, (
        f"case {case.id} (resource {group.name}, with {[c.id for c in group.cases]}): no error diagnostic "
        f"names {case.prop!r} with {case.rule}; errors:\n" + "\n".join(m for _, m in run.errors)
    )


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c.id for c in CONFIG_CASES])
def test_bad_config_fails_preview_naming_the_key_and_rule(case: ConfigCase, corpus: Corpus) -> None:
    run = corpus.runs[case.id]
    assert run.result.returncode != 0, run.result.describe()
    matching = [m for _, m in run.errors if all(fragment in m for fragment in case.expect)]
    assert matching, f"config case {case.id}: no error diagnostic with {case.expect}:\n{run.result.describe()}"


def test_nothing_was_created_and_nothing_changed(corpus: Corpus, bad_input_server: Seeded) -> None:
    assert corpus.state_after["algorithms"] == corpus.state_before["algorithms"]
    assert corpus.state_after["training_jobs"] == corpus.state_before["training_jobs"]
    assert not MUTATING.findall(corpus.log), [line for line in corpus.log.splitlines() if MUTATING.search(line)]
    # ... while the remote checks did ask the server (so "nothing changed" is not "nothing ran").
    assert "GET /v2/" in corpus.log and "/training-job-flavors" in corpus.log
    client: ModelArtsClient = server_client(bad_input_server.server)
    assert sorted(a.metadata.name for a in client.list_algorithms()) == ["bad-input-open", "bad-input-strict"]
