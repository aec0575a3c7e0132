"""The engine a request names, from the inputs of either resource (the same four inputs, the same meaning)."""

from __future__ import annotations

from ..inputs import AlgorithmInputs, TrainingJobInputs
from ..wire import EngineRef


def engine_ref(inputs: AlgorithmInputs | TrainingJobInputs) -> EngineRef | None:
    """The engine by ID, by name + version, or by custom image; None when the inputs name none (a job that runs
    an algorithm resource). Validation makes sure an algorithm always names one."""
    if not (inputs.engine_id or inputs.engine_name or inputs.image_url):
        return None
    return EngineRef(
        engine_id=inputs.engine_id,
        engine_name=inputs.engine_name,
        engine_version=inputs.engine_version,
        image_url=inputs.image_url,
    )
