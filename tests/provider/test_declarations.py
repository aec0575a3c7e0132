"""Every input and output declares its semantics once (declare.py); everything derived from the declarations
agrees with them, and the resource classes agree with their declarations."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, get_args, get_origin

import pulumi
import pytest
from pydantic import BaseModel

from modelarts_pulumi import Algorithm, ObsFolder, TrainingJob
from modelarts_pulumi.declare import (
    REPLACING,
    SET_BY_CLASS,
    Change,
    UndeclaredField,
    autoname_identity,
    inputs_of,
    outputs_of,
    program_inputs,
    prop,
)
from modelarts_pulumi.inputs import AlgorithmInputs, ObsFolderInputs, TrainingJobInputs
from modelarts_pulumi.outputs import AlgorithmOutputs, ObsFolderOutputs, TrainingJobOutputs
from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.algorithm_mapping import to_request as algorithm_request
from modelarts_pulumi.providers.autoname import autoname
from modelarts_pulumi.providers.job_mapping import to_request as job_request
from modelarts_pulumi.providers.obs_folder import ObsFolderProvider
from modelarts_pulumi.providers.training_job import TrainingJobProvider
from modelarts_pulumi.reference import render

REPO = Path(__file__).resolve().parents[2]
RESOURCES = [
    pytest.param(Algorithm, AlgorithmInputs, AlgorithmOutputs, AlgorithmProvider, id="Algorithm"),
    pytest.param(TrainingJob, TrainingJobInputs, TrainingJobOutputs, TrainingJobProvider, id="TrainingJob"),
    pytest.param(ObsFolder, ObsFolderInputs, ObsFolderOutputs, ObsFolderProvider, id="ObsFolder"),
]
ENGINE = {"engine_name": "PyTorch", "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"}


def own_output_annotations(cls: type) -> dict[str, Any]:
    """``{attribute: T}`` for the class's own ``attribute: pulumi.Output[T]`` annotations."""
    hints: dict[str, Any] = inspect.get_annotations(cls, eval_str=True)  # strings or not, as the module has them
    return {name: get_args(hint)[0] for name, hint in hints.items() if get_origin(hint) is pulumi.Output}


@pytest.mark.parametrize(("cls", "inputs", "outputs", "provider"), RESOURCES)
def test_every_field_declares_its_semantics(cls, inputs, outputs, provider):
    declared = inputs_of(inputs)
    assert set(declared) == set(inputs.model_fields)
    assert all(d.doc for d in declared.values()), "every input is documented"
    assert all(o.doc for o in outputs_of(outputs).values()), "every output is documented"


def test_a_field_without_a_declaration_is_refused():
    class Sloppy(BaseModel):
        declared: str = prop("", change=Change.UPDATE, doc="fine")
        forgotten: str = ""

    with pytest.raises(UndeclaredField, match=r"Sloppy\.forgotten declares nothing"):
        inputs_of(Sloppy)


@pytest.mark.parametrize(("cls", "inputs", "outputs", "provider"), RESOURCES)
def test_the_class_signature_names_exactly_the_program_inputs(cls, inputs, outputs, provider):
    parameters = inspect.signature(cls.__init__).parameters
    keywords = {name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY} - {"opts"}
    assert keywords == set(program_inputs(inputs))
    assert set(inspect.signature(cls.get).parameters) - {"resource_name", "id", "opts"} <= keywords


@pytest.mark.parametrize(("cls", "inputs", "outputs", "provider"), RESOURCES)
def test_the_class_annotates_every_declared_output_with_its_type(cls, inputs, outputs, provider):
    annotated = own_output_annotations(cls)
    for name, field in outputs.model_fields.items():
        assert name in annotated, f"{cls.__name__}.{name} is declared but not annotated"
        assert annotated[name] == field.annotation, f"{cls.__name__}.{name}: {annotated[name]} != {field.annotation}"
    # Other annotations may only show inputs (every input is an output too).
    assert set(annotated) - set(outputs.model_fields) <= set(inputs.model_fields)


@pytest.mark.parametrize(("cls", "inputs", "outputs", "provider"), RESOURCES)
def test_each_input_changes_what_it_declares(cls, inputs, outputs, provider):
    olds: dict[str, Any] = {"name": "kept", "name_prefix": "r", "name_seed": "p/s"}
    for name, declared in inputs_of(inputs).items():
        news = {**olds, name: "another value"}
        result = provider().diff("id", olds, news)
        if declared.change is Change.DERIVED:
            # From one value to another it replaces; one that appears (an older state) replaces nothing.
            assert not result.changes, name
            assert provider().diff("id", {**olds, name: "was"}, news).replaces == [name], name
        elif declared.change in REPLACING:
            assert result.replaces == [name], name
        elif declared.change in (Change.INTERNAL, Change.CONTENT):
            assert not result.changes, name
        else:
            assert result.changes and result.replaces == [], name
        if declared.change is Change.REPLACE_IF_GIVEN:
            assert not provider().diff("id", {**olds, name: "was"}, {**olds, name: None}).changes, name


@pytest.mark.parametrize(("cls", "inputs", "outputs", "provider"), RESOURCES)
def test_the_autoname_follows_exactly_the_identity_inputs(cls, inputs, outputs, provider):
    base = {"name_prefix": "res", "name_seed": "proj/dev"}
    first = autoname(base, inputs)
    identity = set(autoname_identity(inputs))
    for name in program_inputs(inputs):
        renamed = autoname({**base, name: "another value"}, inputs) != first
        assert renamed is (name in identity), name


def test_which_inputs_make_an_autoname():
    # A job: every input that replaces it, so that a replacement can be created before the old job goes.
    replacing = {n for n, d in inputs_of(TrainingJobInputs).items() if d.change in REPLACING} - {"name"}
    assert set(autoname_identity(TrainingJobInputs)) == replacing
    # An algorithm: names are unique per project, so one given another location keeps its name, as release 0.1
    # named it (adopt_id does not matter: an adopted algorithm is never autonamed).
    assert set(autoname_identity(AlgorithmInputs)) == {"workspace_id", "adopt_id"}


# What both resources take: code in OBS, an engine by every name it has, a description and a workspace.
CODE = {
    "description": "d",
    "workspace_id": "ws",
    "code_dir": "/bkt/code/",
    "boot_file": "/bkt/code/train.py",
    "command": "python train.py",
    "engine_id": "e1",
    "image_url": "swr.example/img:1",
    **ENGINE,
}


def body_value(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body[part]
    return body


WIRE_EXAMPLES = [
    pytest.param(
        AlgorithmInputs,
        algorithm_request,
        {
            **CODE,
            "name": "algo",
            "parameters_customization": False,
            "parameters": [{"name": "lr"}],
            "inputs": [{"name": "data_url"}],
            "outputs": [{"name": "train_url"}],
            "tags": {"team": "ml"},
        },
        id="algorithm",
    ),
    pytest.param(
        TrainingJobInputs,
        job_request,
        {
            **CODE,
            "name": "job",
            "kind": "job",
            "flavor_id": "f1",
            "pool_id": "p1",
            "node_count": 2,
            "log_export_path": "/bkt/logs/",
            "auto_stop_hours": 3,
            "hyperparameters": {"lr": "0.1"},
            "inputs": [{"name": "data_url", "obs_url": "/bkt/data/"}],
            "outputs": [{"name": "train_url", "obs_url": "/bkt/out/"}],
            "environments": {"MODE": "x"},
            "volumes": [{"nfs": {"id": "n1"}}],
            "annotations": {"a": "b"},
        },
        id="inline-job",
    ),
    pytest.param(
        TrainingJobInputs, job_request, {"name": "job", "algorithm_id": "a1", "flavor_id": "f1"}, id="job-by-id"
    ),
]


@pytest.mark.parametrize(("model", "to_request", "given"), WIRE_EXAMPLES)
def test_the_declared_api_fields_are_where_the_request_puts_the_inputs(model, to_request, given):
    inputs = model.model_validate(given)
    body = to_request(inputs).to_body()
    for name, declared in inputs_of(model).items():
        if declared.wire is None or name not in given:
            continue
        value = getattr(inputs, name)
        sent = body_value(body, declared.wire)
        if isinstance(value, (str, int, bool)):
            assert sent == value, f"{name} -> {declared.wire}"
        else:
            assert sent, f"{name} -> {declared.wire}"


def test_secrets_and_placeholders_come_from_the_declarations():
    assert TrainingJob.DECLARED.options(None).additional_secret_outputs == ["log_url"]  # type: ignore[union-attr]
    assert Algorithm.DECLARED.options(None) is None
    args = dict.fromkeys(program_inputs(AlgorithmInputs)) | {"name": "explicit"}
    props = Algorithm.DECLARED.props("res", args)
    computed = set(AlgorithmOutputs.model_fields) - set(AlgorithmInputs.model_fields)
    assert set(props) == set(program_inputs(AlgorithmInputs)) | computed
    assert all(props[name] is None for name in computed)


@pytest.mark.parametrize(("cls", "inputs", "outputs", "provider"), RESOURCES)
def test_the_docstring_documents_every_input_and_output(cls, inputs, outputs, provider):
    doc = cls.__doc__ or ""
    for name, declared in inputs_of(inputs).items():
        if declared.change not in SET_BY_CLASS:
            assert f"    {name}: {declared.doc[:40]}" in doc, name
    for name in outputs.model_fields:
        assert f"    {name} (" in doc, name


def test_docs_reference_is_up_to_date():
    committed = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/reference.md is stale: python -m modelarts_pulumi.reference > docs/reference.md"
