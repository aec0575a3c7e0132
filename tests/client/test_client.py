"""ModelArtsClient's calls that the providers do not make (public API for programs and tools), against the
fake cloud: the path each one asks and the wire model it returns."""

from __future__ import annotations

from modelarts_pulumi.client import ModelArtsClient
from tests.client.fake_cloud import PID, FakeCloud, Reply, make_settings


def client_for(cloud: FakeCloud) -> ModelArtsClient:
    return ModelArtsClient(make_settings(cloud))


def test_the_tasks_of_a_job_and_where_they_run(cloud: FakeCloud):
    cloud.route(
        "GET",
        f"/v2/{PID}/training-jobs/j1/tasks",
        Reply(200, [{"task": "worker-0", "ip": "10.0.0.2", "host_ip": "192.168.0.2", "schedule_count": 1}]),
    )
    (task,) = client_for(cloud).list_training_job_tasks("j1")
    assert (task.task, task.ip, task.host_ip, task.schedule_count) == ("worker-0", "10.0.0.2", "192.168.0.2", 1)


def test_the_events_of_a_job(cloud: FakeCloud):
    events = [{"time": "2024-01-01T00:00:00Z", "level": "Info", "message": "Job created", "source": "Job"}]
    cloud.route("GET", f"/v2/{PID}/training-jobs/j1/events", Reply(200, {"total": 1, "events": events}))
    found = client_for(cloud).list_events("j1", limit=10)
    assert found.total == 1
    assert [event.message for event in found.events] == ["Job created"]
    assert cloud.seen[-1].query == [("limit", "10")]
