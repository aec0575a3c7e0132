"""Lookups on their own: picking a flavor or an engine from the catalogs a real local ModelArts serves, and the
Outputs a program gets from ``lookup_*``, under Pulumi's mocks (no engine): known with credentials, unknown in a
preview without them, an error naming the setting or the missing object otherwise.

The interpreter matrix (noxfile.py) runs these on every supported Python."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

import modelarts_pulumi as modelarts
from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.settings import Settings
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID, REGION
from tests.support.mocked_program import run_program
from tests.support.server import LocalModelArts

CREDENTIAL_ENV_PREFIXES = ("HW_", "OS_", "HUAWEICLOUD_SDK_")


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith(CREDENTIAL_ENV_PREFIXES)]:
        monkeypatch.delenv(name)


@pytest.fixture
def settings(local_modelarts: LocalModelArts) -> Settings:
    return Settings.from_config(local_modelarts.stack_config(), env={})


def in_program(make: Callable[[], pulumi.Output[Any]], *, config: dict[str, str], preview: bool) -> tuple[bool, Any]:
    """Make an Output as a program with stack config ``config`` would; its (known, value) once settled."""
    settled = run_program(lambda: {"output": make()}, config=config, preview=preview)["output"]
    return settled.known, settled.value


# --- picking from the catalogs ------------------------------------------------------------------------------


def test_pick_flavor_by_id_or_the_first_that_allows_the_nodes(settings: Settings) -> None:
    flavors = modelarts.get_flavors("CPU", settings=settings)
    assert modelarts.pick_flavor(flavors, FLAVOR_ID).flavor_id == FLAVOR_ID
    assert modelarts.pick_flavor(flavors).flavor_id == flavors[0].flavor_id
    assert modelarts.pick_flavor(flavors, min_nodes=2).max_nodes >= 2
    with pytest.raises(modelarts.ModelArtsError, match=r"no flavor 'modelarts.vm.cpu.8u' allowing 17 node\(s\)") as err:
        modelarts.pick_flavor(flavors, FLAVOR_ID, min_nodes=17)
    assert "available: " in str(err.value) and f"{FLAVOR_ID} (max_num 16)" in str(err.value)


def test_pick_engine_by_name_and_version_else_the_newest(settings: Settings) -> None:
    engines = modelarts.get_engines(settings=settings)
    exact = modelarts.pick_engine(engines, name=ENGINE_NAME, version=ENGINE_VERSION)
    assert (exact.engine_name, exact.engine_version) == (ENGINE_NAME, ENGINE_VERSION)
    versions = sorted(e.engine_version for e in engines if e.engine_name == ENGINE_NAME)
    assert len(versions) > 1
    assert modelarts.pick_engine(engines, name=ENGINE_NAME).engine_version == versions[-1]
    assert modelarts.pick_engine(engines, engine_id=exact.engine_id) == exact
    with pytest.raises(modelarts.ModelArtsError, match=r"no engine matching .*name='PyTorch' version='9\.9'") as err:
        modelarts.pick_engine(engines, name=ENGINE_NAME, version="9.9")
    assert f"{ENGINE_NAME} {ENGINE_VERSION}" in str(err.value)


# --- lookups in a program -----------------------------------------------------------------------------------


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
def test_lookups_with_credentials_are_known_in_preview_and_up(local_modelarts: LocalModelArts, preview: bool) -> None:
    config = local_modelarts.stack_config()
    known, flavor = in_program(lambda: modelarts.lookup_flavor("CPU", FLAVOR_ID), config=config, preview=preview)
    assert known and flavor["flavor_id"] == FLAVOR_ID and flavor["flavor_type"] == "CPU"
    known, engine = in_program(
        lambda: modelarts.lookup_engine(name=ENGINE_NAME, version=ENGINE_VERSION), config=config, preview=preview
    )
    assert known and (engine["engine_name"], engine["engine_version"]) == (ENGINE_NAME, ENGINE_VERSION)


def test_lookups_stay_unknown_in_a_preview_without_credentials() -> None:
    config = {"modelarts:region": REGION}
    known, value = in_program(lambda: modelarts.lookup_flavor("CPU", FLAVOR_ID), config=config, preview=True)
    assert known is False
    assert value is None or isinstance(value, pulumi.output.Unknown)


def test_up_without_credentials_names_the_settings_to_give() -> None:
    config = {"modelarts:region": REGION}
    with pytest.raises(pulumi.RunError, match="modelarts lookup: no credentials") as err:
        in_program(lambda: modelarts.lookup_engine(name=ENGINE_NAME), config=config, preview=False)
    assert "config modelarts:accessKey or env HW_ACCESS_KEY" in str(err.value)


def test_wrong_settings_fail_a_preview_too_naming_the_key(local_modelarts: LocalModelArts) -> None:
    config = {**local_modelarts.stack_config(), "modelarts:region": "xx-nowhere-1"}
    del config["modelarts:modelartsEndpoint"]
    with pytest.raises(pulumi.RunError, match=r"unknown region 'xx-nowhere-1' \(config modelarts:region\)"):
        in_program(lambda: modelarts.lookup_flavor("CPU"), config=config, preview=True)


def test_looking_up_a_training_job_that_does_not_exist_names_its_id(local_modelarts: LocalModelArts) -> None:
    with pytest.raises(modelarts.ModelArtsError, match="no training job with ID 'no-such-job' in project"):
        in_program(
            lambda: modelarts.lookup_training_job("no-such-job"), config=local_modelarts.stack_config(), preview=False
        )


def test_searches_filter_sort_and_page_and_a_job_has_its_events(local_modelarts: LocalModelArts, settings: Settings):
    from tests.support.bodies import inline_job_body, unique

    prefix = unique("find")
    ids = []
    for n in range(3):
        body = inline_job_body("/lookup-bucket/code/", "/lookup-bucket/code/train.py", name=f"{prefix}-{n}")
        ids.append(local_modelarts.call("POST", "/training-jobs", json=body).json()["metadata"]["id"])
    client = ModelArtsClient(settings)
    client.create_training_job_tags(ids[1], {"suite": prefix})

    by_name = modelarts.find_training_jobs(name=prefix, sort_by="name", order="asc", settings=settings)
    assert [j.metadata.id for j in by_name] == ids
    paged = modelarts.find_training_jobs(name=prefix, sort_by="name", order="asc", offset=1, limit=1, settings=settings)
    assert [j.metadata.id for j in paged] == ids[1:2]
    assert [j.metadata.id for j in modelarts.find_training_jobs(tags={"suite": prefix}, settings=settings)] == [ids[1]]
    assert modelarts.find_training_jobs(name=prefix, phases=["Failed"], settings=settings) == []
    assert modelarts.find_algorithms(name=unique("none"), settings=settings) == []
    events = modelarts.get_training_job_events(ids[0], settings=settings)
    assert events and events[0].message == "Training job created."
