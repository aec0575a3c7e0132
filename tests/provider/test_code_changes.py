"""Code changes reach the jobs, decided by check and diff (no engine, no network): a job is replaced when the
code it runs changes (its algorithm's ``code_dir``, or its inline ``code_dir``), says so, keeps it when asked,
and a state written before the algorithm's code was recorded replaces nothing."""

from __future__ import annotations

from typing import Any

import pytest

from modelarts_pulumi.providers import context
from modelarts_pulumi.providers.training_job import TrainingJobProvider
from tests.provider.test_check_and_diff import UNKNOWN, job_props

OLD = "/bucket-a/uploads/code/1111111111111111/"
NEW = "/bucket-a/uploads/code/2222222222222222/"


@pytest.fixture(autouse=True)
def no_credentials() -> None:
    context.set_stack_config({})


def autonamed(**overrides: Any) -> dict[str, Any]:
    return job_props(name=None, name_prefix="train", name_seed="proj/dev", **overrides)


def inline(code_dir: str, **overrides: Any) -> dict[str, Any]:
    return autonamed(
        algorithm_id=None,
        code_dir=code_dir,
        boot_file=code_dir + "train.py",
        engine_name="PyTorch",
        engine_version="pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
        **overrides,
    )


def deploy(props: dict[str, Any]) -> dict[str, Any]:
    """The state after an ``up``: the checked inputs (plus an output, as the state has)."""
    return {**TrainingJobProvider().check({}, props).inputs, "phase": "Completed"}


def plan(olds: dict[str, Any], props: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """What the engine does next: check against the old inputs, then diff."""
    provider = TrainingJobProvider()
    news = provider.check(olds, props).inputs
    return news, provider.diff("id", olds, news)


def test_a_new_algorithm_code_dir_replaces_the_job_first_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    olds = deploy(autonamed(algorithm_code_dir=OLD))
    news, result = plan(olds, autonamed(algorithm_code_dir=NEW))
    assert set(result.replaces or []) == {"algorithm_code_dir", "name"}
    assert news["name"] != olds["name"]  # another autoname: the new job is created before the old one goes
    assert result.delete_before_replace is False
    err = capsys.readouterr().err
    assert f"training job {olds['name']}: code changed: {OLD} -> {NEW}; replaced by a job that runs the new code" in err


def test_unchanged_code_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    olds = deploy(autonamed(algorithm_code_dir=OLD))
    news, result = plan(olds, autonamed(algorithm_code_dir=OLD))
    assert not result.changes and news["name"] == olds["name"]
    assert "code changed" not in capsys.readouterr().err


def test_a_new_inline_code_dir_replaces_the_job_too(capsys: pytest.CaptureFixture[str]) -> None:
    olds = deploy(inline(OLD))
    _, result = plan(olds, inline(NEW))
    assert {"code_dir", "boot_file"} <= set(result.replaces or [])
    assert f"code changed: {OLD} -> {NEW}" in capsys.readouterr().err


@pytest.mark.parametrize("make", [inline, lambda code: autonamed(algorithm_code_dir=code)], ids=["inline", "algorithm"])
def test_rerun_on_code_change_false_keeps_the_job(make: Any, capsys: pytest.CaptureFixture[str]) -> None:
    olds = deploy(make(OLD))
    props = make(NEW)
    props["rerun_on_code_change"] = False
    if "algorithm_code_dir" in props:
        del props["algorithm_code_dir"]  # the class leaves it out when asked not to rerun
    news, result = plan(olds, props)
    assert not result.replaces and news["name"] == olds["name"]
    err = capsys.readouterr().err
    if "code_dir" in props:  # inline: the new paths are recorded, the job stays
        assert result.changes and f"code changed: {OLD} -> {NEW}; kept, as rerun_on_code_change=False asks" in err


def test_a_state_from_before_the_code_was_recorded_replaces_nothing() -> None:
    olds = deploy(autonamed())  # an earlier release: no algorithm_code_dir
    news, result = plan(olds, autonamed(algorithm_code_dir=OLD))
    assert not result.changes
    assert news["name"] == olds["name"]  # the autoname gained an input, yet the job keeps its name
    # ... and from then on, the next code change replaces it.
    _, later = plan({**news, "phase": "Completed"}, autonamed(algorithm_code_dir=NEW))
    assert "algorithm_code_dir" in (later.replaces or [])


def test_unknown_code_at_preview_counts_as_a_replacement_without_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    olds = deploy(autonamed(algorithm_code_dir=OLD))
    result = TrainingJobProvider().diff("id", olds, {**olds, "algorithm_code_dir": UNKNOWN})
    assert "algorithm_code_dir" in (result.replaces or [])
    assert "code changed" not in capsys.readouterr().err
