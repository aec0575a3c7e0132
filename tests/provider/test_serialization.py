"""What Pulumi stores of our providers: a by-reference pickle, with no credentials in it."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from modelarts_pulumi.providers import context
from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.training_job import TrainingJobProvider

FIXTURE = Path(__file__).resolve().parents[1] / "engine" / "state_compat"


@pytest.mark.parametrize("provider_class", [AlgorithmProvider, TrainingJobProvider])
def test_provider_pickles_by_reference_without_secrets(
    provider_class: type[AlgorithmProvider | TrainingJobProvider],
) -> None:
    context.set_stack_config({"modelarts:accessKey": "AK-SHOULD-NOT-LEAK", "modelarts:secretKey": "SK-NOT"})
    blob = serialize_provider(provider_class())
    raw = base64.b64decode(blob)
    assert len(raw) < 200, "the class must be pickled by reference, not by value"
    assert b"SHOULD-NOT-LEAK" not in raw and b"SK-NOT" not in raw
    assert isinstance(dill.loads(raw), provider_class)
    assert provider_class.serialize_as_secret_always is False


@pytest.mark.parametrize("provider_class", [AlgorithmProvider, TrainingJobProvider])
def test_the_blob_is_the_one_release_0f3c04b_wrote(
    provider_class: type[AlgorithmProvider | TrainingJobProvider],
) -> None:
    # The same bytes: an upgrade changes no resource's `__provider` input (tests/engine/test_state_compat.py).
    state = json.loads((FIXTURE / "stack-0f3c04b.json").read_text(encoding="utf-8"))
    kind = provider_class.__name__.removesuffix("Provider")
    written = {r["inputs"]["__provider"] for r in state["deployment"]["resources"] if r["type"].endswith(f":{kind}")}
    assert written == {serialize_provider(provider_class())}
