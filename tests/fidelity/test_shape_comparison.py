"""The comparison of answers with the guide's examples catches what it must (so a passing fidelity test means
something), and the guide's examples are what the flow tests compare against."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.fidelity.guide import EXPECTED_DIFFERENCES, GUIDE, shape_problems

DETAILS: dict[str, Any] = GUIDE["training_job_details_response"]


def altered(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(DETAILS)
    change(document)
    return document


def test_the_guides_own_examples_match_themselves():
    for name, example in GUIDE.items():
        if not name.startswith("_"):
            assert shape_problems(example, copy.deepcopy(example)) == [], name


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["metadata"].pop("workspace_id"), "metadata.workspace_id: missing"),
        (lambda d: d["status"].update(duration="268000"), "status.duration: expected integer"),
        (lambda d: d["status"].update(start_time=1.5), "status.start_time: expected integer"),
        (lambda d: d["algorithm"]["parameters"][0].update(i18n_description=""), "i18n_description: expected null"),
        (lambda d: d["spec"].update(is_hosted_log="true"), "spec.is_hosted_log: expected boolean"),
        (lambda d: d["spec"]["resource"].update(node_count=2), "spec.resource.node_count: expected 1, got 2"),
        (lambda d: d["algorithm"]["parameters"].pop(), "no item with name='world_size'"),
        (lambda d: d["status"].update(node_count_metrics=[]), "status.node_count_metrics: empty"),
        (lambda d: d["status"].update(node_count_metrics=[["t", 0]]), "node_count_metrics[][][0]: string"),
        (lambda d: d["status"].update(tasks="worker-0"), "status.tasks: expected array"),
    ],
)
def test_a_departure_from_the_guide_is_reported(change: Any, problem: str):
    problems = shape_problems(DETAILS, altered(change))
    assert any(problem in line for line in problems), problems


def test_values_may_differ_only_where_expected_and_extra_fields_are_allowed():
    def run_values(d: dict[str, Any]) -> None:
        d["metadata"].update(id="another-id", create_time=1, user_name="local-user")
        d["status"].update(phase="Completed", duration=5, node_count_metrics=[[1, 1]])
        d["status"]["running_records"] = []  # a field the guide does not show

    assert shape_problems(DETAILS, altered(run_values)) == []
    assert "metadata.name" not in EXPECTED_DIFFERENCES
    assert shape_problems(DETAILS, altered(lambda d: d["metadata"].update(name="x")))
