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


def test_a_log_page_by_line(cloud: FakeCloud):
    page = {"start_line": "51", "end_line": "52", "lines": 2, "content": "epoch 1\nepoch 2\n"}
    cloud.route("GET", f"/v2/{PID}/training-jobs/j1/logs/worker-0", Reply(200, page))
    found = client_for(cloud).get_log_lines("j1", "worker-0", base_line="50", lines=500, order="asc")
    assert (found.texts, found.end_line) == (["epoch 1", "epoch 2"], "52")
    assert sorted(cloud.seen[-1].query) == [("base_line", "50"), ("lines", "500"), ("order", "asc")]


def test_tags_of_a_job_are_created_read_and_deleted(cloud: FakeCloud):
    base = f"/v2/{PID}/modelarts-training-job/j1/tags"
    cloud.route("POST", base + "/create", Reply(204, None))
    cloud.route("DELETE", base + "/delete", Reply(204, None))
    cloud.route("GET", base, Reply(200, {"tags": [{"key": "team", "value": "vision"}]}))
    client = client_for(cloud)
    client.create_training_job_tags("j1", {"team": "vision", "run": "a1"})
    assert cloud.seen[-1].json() == {"tags": [{"key": "run", "value": "a1"}, {"key": "team", "value": "vision"}]}
    client.delete_training_job_tags("j1", ["run"])
    assert (cloud.seen[-1].method, cloud.seen[-1].json()) == ("DELETE", {"tags": [{"key": "run", "value": ""}]})
    assert client.get_training_job_tags("j1") == {"team": "vision"}


def test_a_search_page_sends_filters_tags_sorting_and_the_page(cloud: FakeCloud):
    from modelarts_pulumi.wire import JobSearchFilter, TagFilter

    cloud.route("POST", f"/v2/{PID}/training-job-searches", Reply(200, {"total": 3, "count": 0, "items": []}))
    client_for(cloud).search_training_jobs_page(
        filters=[JobSearchFilter(key="phase", operator="in", value=["Failed"])],
        tags=[TagFilter(key="team", values=["vision"])],
        sort_by="duration",
        order="asc",
        page=2,
        limit=10,
    )
    assert cloud.seen[-1].json() == {
        "offset": 2,
        "limit": 10,
        "sort_by": "duration",
        "order": "asc",
        "filters": [{"key": "phase", "operator": "in", "value": ["Failed"]}],
        "tags": [{"key": "team", "values": ["vision"]}],
    }
