"""What Pulumi stores of our providers: a by-reference pickle, with no credentials in it."""

from __future__ import annotations

import base64

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from modelarts_pulumi.providers import context
from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.training_job import TrainingJobProvider


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
