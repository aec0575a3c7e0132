"""The providers' check and diff, called directly: no engine, no network (no credentials configured)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pulumi.output import Unknown
from pulumi.runtime import rpc

from modelarts_pulumi.errors import ModelArtsConfigError
from modelarts_pulumi.inputs import TrainingJobInputs
from modelarts_pulumi.providers import context
from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.job_mapping import coerce_props, described_inputs, spec_differences, to_request
from modelarts_pulumi.providers.training_job import TrainingJobProvider
from modelarts_pulumi.settings import checkable_settings
from modelarts_pulumi.wire import TrainingJob

UNKNOWN = rpc.UNKNOWN


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "HW_ACCESS_KEY",
        "HW_SECRET_KEY",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HW_REGION_NAME",
    ):
        monkeypatch.delenv(var, raising=False)
    context.set_stack_config({})


def algorithm_props(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": "test-pytorch-cpu",
        "code_dir": "/bucket-a/code/",
        "boot_file": "/bucket-a/code/train.py",
        "engine_name": "PyTorch",
        "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
        "parameters": [{"name": "dist", "value": "False", "type": "Boolean"}],
        "inputs": [{"name": "data_url"}],
        "outputs": [{"name": "train_url"}],
    }
    props.update(overrides)
    return props


def job_props(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": "job-1",
        "algorithm_id": "01c399ae-8593-4ef5-9e4d-085950aacde1",
        "flavor_id": "modelarts.vm.cpu.8u",
        "hyperparameters": {"dist": False, "world_size": 1},
        "inputs": {"data_url": "/bucket-a/data/"},
        "outputs": {"train_url": "/bucket-a/outputs/"},
    }
    props.update(overrides)
    return props


def failures(result: Any) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


def test_valid_algorithm_is_normalized_with_defaults() -> None:
    result = AlgorithmProvider().check({}, algorithm_props())
    assert result.failures == []
    assert result.inputs["workspace_id"] == "0"
    assert result.inputs["parameters"][0] == {
        "name": "dist",
        "value": "False",
        "description": "",
        "type": "Boolean",
        "editable": True,
        "required": False,
        "sensitive": False,
        "valid_range": [],
    }


@pytest.mark.parametrize(
    ("overrides", "prop", "rule"),
    [
        ({"name": "bad name!"}, "name", "contains ' ', '!'"),
        ({"name": "x" * 65}, "name", "65 characters long"),
        ({"description": "d" * 257}, "description", "at most 256"),
        ({"code_dir": "not-obs"}, "code_dir", "OBS path"),
        ({"boot_file": "/other-bucket/train.py"}, "boot_file", "inside code_dir"),
        ({"parameters": [{"name": "dist", "value": "maybe", "type": "Boolean"}]}, "parameters[0].value", "Boolean"),
        ({"parameters": [{"name": "n", "value": "1.5", "type": "Integer"}]}, "parameters[0].value", "Integer"),
        ({"inputs": [{"name": "a"}, {"name": "a"}]}, "inputs", "used twice"),
        ({"engine_name": None, "engine_version": None}, "engine_name", "engine is required"),
        ({"colour": "red"}, "colour", "not a known property"),
    ],
)
def test_bad_algorithm_input_names_property_and_rule(overrides: dict[str, Any], prop: str, rule: str) -> None:
    result = AlgorithmProvider().check({}, algorithm_props(**overrides))
    found = failures(result)
    assert prop in found, found
    assert rule in found[prop]


@pytest.mark.parametrize("unknown", [UNKNOWN, Unknown()], ids=["wire-sentinel", "Unknown-object"])
def test_unknown_values_pass_check_untouched(unknown: Any) -> None:
    result = TrainingJobProvider().check({}, job_props(algorithm_id=unknown, flavor_id=unknown))
    assert result.failures == []
    assert result.inputs["algorithm_id"] is unknown


def test_known_fields_are_still_checked_when_others_are_unknown() -> None:
    result = TrainingJobProvider().check({}, job_props(algorithm_id=UNKNOWN, node_count=0))
    assert "node_count" in failures(result)


@pytest.mark.parametrize(
    ("overrides", "prop", "rule"),
    [
        ({"environments": {"1BAD": "x"}}, "environments", "must match"),
        ({"environments": {f"K{i}": "v" for i in range(101)}}, "environments", "at most 100"),
        ({"environments": {"A": "$HOME/x"}}, "environments", "'$'"),
        ({"inputs": {"data_url": "s3://x/y"}}, "inputs[0].obs_url", "OBS path"),
        ({"log_export_path": "/bucket-a/logs"}, "log_export_path", "ending with '/'"),
        ({"flavor_id": None}, "flavor_id", "flavor_id"),
        ({"wait_for": "finished"}, "wait_for", "submitted"),
        ({"auto_stop_hours": 100}, "auto_stop_hours", "72"),
        ({"code_dir": "/bucket-a/code/", "boot_file": "/bucket-a/code/t.py"}, "algorithm_id", "not both"),
    ],
)
def test_bad_job_input_names_property_and_rule(overrides: dict[str, Any], prop: str, rule: str) -> None:
    found = failures(TrainingJobProvider().check({}, job_props(**overrides)))
    assert prop in found, found
    assert rule in found[prop]


def test_hyperparameters_of_any_scalar_type_are_sent_as_strings() -> None:
    result = TrainingJobProvider().check({}, job_props(hyperparameters={"dist": True, "n": 3, "lr": 0.5}))
    assert result.inputs["hyperparameters"] == {"dist": "True", "n": "3", "lr": "0.5"}


def test_autoname_is_stable_and_follows_the_spec() -> None:
    provider = TrainingJobProvider()
    props = job_props(name=None, name_prefix="train", name_seed="proj/dev")
    first = provider.check({}, props).inputs["name"]
    again = provider.check({}, props).inputs["name"]
    other_stack = provider.check({}, {**props, "name_seed": "proj/prod"}).inputs["name"]
    other_spec = provider.check({}, {**props, "node_count": 2}).inputs["name"]
    described = provider.check({}, {**props, "description": "new words"}).inputs["name"]
    assert first == again == described
    assert first.startswith("train-")
    assert len({first, other_stack, other_spec}) == 3


def test_algorithm_autoname_survives_in_place_changes() -> None:
    provider = AlgorithmProvider()
    props = algorithm_props(name=None, name_prefix="algo", name_seed="proj/dev")
    first = provider.check({}, props).inputs["name"]
    changed = provider.check({}, {**props, "boot_file": "/bucket-a/code/other.py"}).inputs["name"]
    assert first == changed


def test_job_diff_description_updates_in_place_everything_else_replaces() -> None:
    provider = TrainingJobProvider()
    olds = provider.check({}, job_props()).inputs
    described = provider.diff("id", olds, {**olds, "description": "new"})
    assert described.changes and not described.replaces
    replaced = provider.diff("id", olds, {**olds, "hyperparameters": {"dist": "True", "world_size": "1"}})
    assert replaced.replaces == ["hyperparameters"]
    assert replaced.delete_before_replace is True  # explicit name: names collide
    unchanged = provider.diff("id", olds, dict(olds))
    assert not unchanged.changes


def test_autonamed_job_replacement_creates_first() -> None:
    provider = TrainingJobProvider()
    olds = provider.check({}, job_props(name=None, name_prefix="train", name_seed="p/s")).inputs
    news = {**olds, "triggers": ["run-2"]}
    result = provider.diff("id", olds, news)
    assert "triggers" in (result.replaces or [])
    assert result.delete_before_replace is False


def test_unknown_input_in_diff_counts_as_a_replacement() -> None:
    provider = TrainingJobProvider()
    olds = provider.check({}, job_props()).inputs
    result = provider.diff("id", olds, {**olds, "algorithm_id": UNKNOWN})
    assert result.replaces == ["algorithm_id"]


def test_algorithm_diff_name_replaces_other_fields_update() -> None:
    provider = AlgorithmProvider()
    olds = provider.check({}, algorithm_props()).inputs
    assert provider.diff("id", olds, {**olds, "name": "renamed"}).replaces == ["name"]
    update = provider.diff("id", olds, {**olds, "description": "x"})
    assert update.changes and update.replaces == []


def test_missing_location_in_program_is_not_a_move() -> None:
    provider = AlgorithmProvider()
    olds = {**provider.check({}, algorithm_props()).inputs, "region": "cn-north-4", "project_id": "p"}
    news = provider.check({}, algorithm_props()).inputs
    assert not provider.diff("id", olds, news).changes


def test_whole_numbers_arriving_as_doubles_stay_integers() -> None:
    # The engine sends every number as a double: a program's `1` arrives as `1.0`.
    result = TrainingJobProvider().check({}, job_props(hyperparameters={"world_size": 1.0, "lr": 0.25}))
    assert result.inputs["hyperparameters"] == {"world_size": "1", "lr": "0.25"}


def test_a_rule_across_fields_waits_for_unknown_fields() -> None:
    # pool_id comes from another resource: "flavor_id or pool_id" cannot be judged yet.
    result = TrainingJobProvider().check({}, job_props(flavor_id=None, pool_id=UNKNOWN))
    assert result.failures == []
    # code_dir unknown: whether boot_file lies inside it is not known either.
    inline = job_props(algorithm_id=None, code_dir=UNKNOWN, boot_file="/bucket-a/x/t.py", engine_name="PyTorch")
    inline["engine_version"] = "v1"
    assert TrainingJobProvider().check({}, inline).failures == []


def test_every_broken_rule_across_fields_is_reported_at_once() -> None:
    found = failures(
        TrainingJobProvider().check(
            {},
            job_props(
                flavor_id=None,
                code_dir="/bucket-a/code/",
                boot_file="/bucket-a/code/t.py",
                inputs=[{"name": "a", "obs_url": "/bucket-a/a/"}, {"name": "a", "obs_url": "/bucket-a/b/"}],
            ),
        )
    )
    assert set(found) >= {"algorithm_id", "flavor_id", "inputs"}, found


def test_a_misspelt_nested_key_gets_a_suggestion() -> None:
    found = failures(AlgorithmProvider().check({}, algorithm_props(parameters=[{"name": "n", "vaule": "1"}])))
    assert "did you mean 'value'" in found["parameters[0].vaule"]


@pytest.mark.parametrize(
    ("config", "env", "outcome"),
    [
        ({}, {}, None),  # nothing configured: a CI preview
        ({"modelarts:region": "cn-north-4"}, {}, None),  # no credentials
        ({"modelarts:region": "cn-north-4"}, {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK"}, "settings"),
        ({"modelarts:region": "mars-1"}, {}, "unknown region 'mars-1'"),
        ({"modelarts:region": "cn-north-4", "modelarts:modelartsEndpoint": "host:1"}, {}, "http(s) URL"),
        ({"modelarts:region": "cn-north-4", "modelarts:accessKey": "AK"}, {}, "no secret key"),
        (
            {"modelarts:region": "cn-north-4", "modelarts:token": "t"},
            {"HW_USER_PASSWORD": "p"},
            "conflicting credentials",
        ),
    ],
)
def test_settings_for_the_remote_checks(config: dict[str, str], env: dict[str, str], outcome: str | None) -> None:
    if outcome is None:
        assert checkable_settings(config, env) is None
    elif outcome == "settings":
        assert checkable_settings(config, env) is not None
    else:
        with pytest.raises(ModelArtsConfigError, match=re.escape(outcome)):
            checkable_settings(config, env)


def test_wrong_settings_fail_the_check_naming_the_key() -> None:
    context.set_stack_config(
        {
            "modelarts:region": "cn-north-4",
            "modelarts:accessKey": "AK",
            "modelarts:secretKey": "SK",
            "modelarts:password": "pw",
        }
    )
    result = AlgorithmProvider().check({}, algorithm_props())
    assert [f.property for f in result.failures] == [""]
    assert "conflicting credentials" in result.failures[0].reason
    assert "modelarts:password" in result.failures[0].reason


def test_spec_differences_name_what_an_adopted_job_lacks() -> None:
    inputs = TrainingJobInputs.model_validate(
        {"name": "j", "algorithm_id": "a1", "flavor_id": "f2", "hyperparameters": {"epochs": "5"}}
    )
    job = TrainingJob.model_validate(
        {
            "metadata": {"id": "j1", "name": "j"},
            "status": {"phase": "Running"},
            "algorithm": {"id": "a1", "parameters": [{"name": "epochs", "value": "6"}]},
            "spec": {"resource": {"flavor_id": "f1", "node_count": 1}},
        }
    )
    assert spec_differences(job, inputs) == [
        "flavor_id: the job has 'f1', the inputs say 'f2'",
        "hyperparameters.epochs: the job has '6', the inputs say '5'",
    ]


@pytest.mark.parametrize(
    "given",
    [
        {
            "algorithm_id": "a1",
            "flavor_id": "modelarts.vm.cpu.8u",
            "node_count": 2,
            "hyperparameters": {"epochs": "5", "lr": "0.1"},
            "inputs": {"data_url": "/bkt/data/"},
            "outputs": {"train_url": "/bkt/out/"},
            "log_export_path": "/bkt/logs/",
            "environments": {"MODE": "fast"},
            "auto_stop_hours": 3,
            "description": "from the console",
        },
        {
            "code_dir": "/bkt/code/",
            "boot_file": "/bkt/code/train.py",
            "engine_name": "PyTorch",
            "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
            "pool_id": "pool-1",
        },
    ],
    ids=["from-algorithm", "inline"],
)
def test_described_inputs_of_a_job_read_by_id_are_the_inputs_that_made_it(given: dict[str, Any]) -> None:
    inputs = TrainingJobInputs.model_validate(coerce_props({"name": "j", **given}))
    request = to_request(inputs).to_body()
    job = TrainingJob.model_validate(
        {**request, "metadata": {**request["metadata"], "id": "j1"}, "status": {"phase": "Running"}}
    )
    described = described_inputs(job)
    assert {key: described[key] for key in given} == given
    assert spec_differences(job, TrainingJobInputs.model_validate(coerce_props({"name": "j", **described}))) == []
