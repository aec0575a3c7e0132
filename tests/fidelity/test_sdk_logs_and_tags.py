"""Fidelity: the official SDK (unchanged) reads a task's log by line (``show_training_job_logs_from_aom``) and
manages a job's tags (``create_train_job_tags``, ``show_train_job_tags``, ``delete_train_job_tags``, and the
``tags`` filter of ``list_training_jobs``) on the local ModelArts: a real local-mode run, and a simulated one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmodelarts.v1 import (
    CreateTmsTagsRequest,
    CreateTrainingJobRequest,
    CreateTrainJobTagsRequest,
    DeleteTmsTagsRequest,
    DeleteTrainJobTagsRequest,
    Job,
    JobAlgorithm,
    JobEngine,
    JobMetadata,
    JobSearches,
    ListTagFilter,
    ListTrainingJobsRequest,
    ModelArtsClient,
    ShowTrainingJobLogsFromAomRequest,
    ShowTrainJobTagsRequest,
    Spec,
    SpecResource,
    TmsTag,
)

from tests.support.bodies import PYTORCH, unique
from tests.support.server import FAST_LOCAL, FAST_SIMULATED, LocalModelArts

LINES = 120
SCRIPT = f"""
import sys
for number in range(1, {LINES} + 1):
    print(f"line {{number}} of {LINES}")
print("no newline at the end", end="")
"""


def sdk(server: LocalModelArts) -> Any:
    credentials = BasicCredentials(server.access_key, server.secret_key, server.project_id)
    return (
        ModelArtsClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([server.url])
        .with_http_config(HttpConfig.get_default_config())
        .build()
    )


def submit(client: Any, code_dir: str, boot_file: str) -> str:
    job = Job(
        kind="job",
        metadata=JobMetadata(name=unique("aom")),
        algorithm=JobAlgorithm(
            code_dir=code_dir,
            boot_file=boot_file,
            engine=JobEngine(engine_name="PyTorch", engine_version=PYTORCH),
        ),
        spec=Spec(resource=SpecResource(flavor_id="modelarts.vm.cpu.8u", node_count=1)),
    )
    return str(client.create_training_job(CreateTrainingJobRequest(body=job)).metadata.id)


def log_page(client: Any, job_id: str, **query: Any) -> Any:
    return client.show_training_job_logs_from_aom(
        ShowTrainingJobLogsFromAomRequest(training_job_id=job_id, task_id="worker-0", **query)
    )


def test_sdk_reads_a_real_log_by_line_both_ways(start_local_modelarts: Any, tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    (bucket / "code").mkdir(parents=True)
    (bucket / "code" / "lines.py").write_text(SCRIPT)
    server = start_local_modelarts(mode="local", config={"local": FAST_LOCAL}, buckets={"aom": bucket})
    client = sdk(server)
    job_id = submit(client, "/aom/code/", "/aom/code/lines.py")
    server.wait_for_phase(job_id, "Completed")
    expected = [f"line {n} of {LINES}" for n in range(1, LINES + 1)] + ["no newline at the end"]

    newest = log_page(client, job_id)  # the defaults: the newest 50 lines, newest first
    assert newest.lines == 50
    assert newest.content.splitlines() == expected[::-1][:50]
    assert (newest.start_line, newest.end_line) == (str(len(expected)), str(len(expected) - 49))

    pages, base = [], None
    while True:  # from the first line, oldest first, each page starting where the last ended
        page = log_page(client, job_id, order="asc", lines=50, **({"base_line": base} if base else {}))
        if page.lines == 0:
            assert page.end_line == base  # nothing new: the position stays
            break
        pages.append(page.content.splitlines())
        base = page.end_line
    assert [len(p) for p in pages] == [50, 50, 21]
    assert [line for p in pages for line in p] == expected

    older = log_page(client, job_id, order="desc", lines=3, base_line="4")
    assert older.content.splitlines() == expected[2::-1]

    for bad in ({"lines": 0}, {"lines": 501}, {"order": "sideways"}, {"base_line": "x"}):
        with pytest.raises(ClientRequestException) as caught:
            log_page(client, job_id, **bad)
        assert (caught.value.status_code, caught.value.error_code) == (400, "ModelArts.2764"), bad


def test_sdk_reads_the_synthesised_log_and_manages_tags(start_local_modelarts: Any) -> None:
    server = start_local_modelarts(config={"simulated": {**FAST_SIMULATED, "pending_seconds": 3.0}})
    client = sdk(server)
    job_id = submit(client, "/sim/code/", "/sim/code/train.py")
    other_id = submit(client, "/sim/code/", "/sim/code/train.py")

    before = log_page(client, job_id)  # not started: no log yet (ModelArts.2776, a 204 without a body)
    assert before.lines is None and before.content is None
    server.wait_for_phase(job_id, "Completed")
    lines = log_page(client, job_id, order="asc", lines=500).content.splitlines()
    assert lines[0].startswith("[ModelArts Service Log] training job") and "epoch 1: loss=0.6931" in lines
    assert lines[-1] == "worker-0: exited with code 0"

    def tags(of: str) -> list[tuple[str, str]]:
        return [(t.key, t.value) for t in client.show_train_job_tags(ShowTrainJobTagsRequest(training_job_id=of)).tags]

    assert tags(job_id) == []
    add = [TmsTag(key="team", value="vision"), TmsTag(key="run", value="a1")]
    client.create_train_job_tags(CreateTrainJobTagsRequest(training_job_id=job_id, body=CreateTmsTagsRequest(add)))
    client.create_train_job_tags(
        CreateTrainJobTagsRequest(training_job_id=other_id, body=CreateTmsTagsRequest([TmsTag("team", "nlp")]))
    )
    assert tags(job_id) == [("run", "a1"), ("team", "vision")]
    overwrite = CreateTmsTagsRequest([TmsTag(key="run", value="a2")])
    client.create_train_job_tags(CreateTrainJobTagsRequest(training_job_id=job_id, body=overwrite))
    assert tags(job_id) == [("run", "a2"), ("team", "vision")]

    def found(*filters: ListTagFilter) -> list[str]:
        answer = client.list_training_jobs(ListTrainingJobsRequest(body=JobSearches(tags=list(filters))))
        return sorted(item.metadata.id for item in answer.items)

    assert found(ListTagFilter(key="team")) == sorted([job_id, other_id])
    assert found(ListTagFilter(key="team", values=["nlp"])) == [other_id]
    assert found(ListTagFilter(key="team"), ListTagFilter(key="run", values=["a2"])) == [job_id]

    remove = DeleteTmsTagsRequest([TmsTag(key="run", value="a2"), TmsTag(key="absent", value="")])
    client.delete_train_job_tags(DeleteTrainJobTagsRequest(training_job_id=job_id, body=remove))
    assert tags(job_id) == [("team", "vision")]

    bad = CreateTmsTagsRequest([TmsTag(key="_sys_x", value="1")])
    with pytest.raises(ClientRequestException) as caught:
        client.create_train_job_tags(CreateTrainJobTagsRequest(training_job_id=job_id, body=bad))
    assert (caught.value.status_code, caught.value.error_code) == (400, "ModelArts.2788")
    assert "tags[0].key" in caught.value.error_msg
    with pytest.raises(ClientRequestException) as caught:
        client.show_train_job_tags(ShowTrainJobTagsRequest(training_job_id="00000000-0000-0000-0000-000000000000"))
    assert caught.value.error_code == "ModelArts.2775"
