"""ModelArts' routes (``/v2/{project_id}/...``): the training API's catalog, algorithms and training jobs."""

from __future__ import annotations

from ..service import Service, routes
from . import handlers as h
from .errors import ROUTING_ERRORS

V2 = "/v2/{project_id}"
ALGORITHM = V2 + "/algorithms/{algorithm_id}"
JOB = V2 + "/training-jobs/{training_job_id}"
JOB_TAGS = V2 + "/modelarts-training-job/{training_job_id}/tags"

ROUTES = routes(
    {
        V2 + "/training-job-flavors": {"GET": h.list_flavors},
        V2 + "/training-job-engines": {"GET": h.list_engines},
        V2 + "/algorithms": {"POST": h.create_algorithm, "GET": h.list_algorithms},
        ALGORITHM: {"GET": h.get_algorithm, "PUT": h.update_algorithm, "DELETE": h.delete_algorithm},
        V2 + "/training-jobs": {"POST": h.create_training_job},
        V2 + "/training-job-searches": {"POST": h.search_training_jobs},
        JOB: {"GET": h.get_training_job, "PUT": h.update_training_job, "DELETE": h.delete_training_job},
        JOB + "/actions": {"POST": h.training_job_action},
        JOB + "/tasks": {"GET": h.list_training_job_tasks},
        JOB + "/tasks/{task_id}/logs/url": {"GET": h.training_job_log_url},
        JOB + "/tasks/{task_id}/logs/preview": {"GET": h.training_job_log_preview},
        JOB + "/logs/{task_id}": {"GET": h.training_job_log_lines},
        JOB + "/metrics/{task_id}": {"GET": h.training_job_metrics},
        JOB + "/events": {"GET": h.training_job_events},
        JOB_TAGS: {"GET": h.training_job_tags},
        JOB_TAGS + "/create": {"POST": h.create_training_job_tags},
        JOB_TAGS + "/delete": {"DELETE": h.delete_training_job_tags},
    }
)

#: The main port's default service: what no other service claims is answered as ModelArts answers.
SERVICE = Service("modelarts", ROUTES, ROUTING_ERRORS)
