"""ModelArts' routes (``/v2/{project_id}/...``): the training API's catalog, algorithms and training jobs."""

from __future__ import annotations

from starlette.routing import Route

from ..service import Service
from . import handlers
from .errors import ROUTING_ERRORS

V2 = "/v2/{project_id}"
JOB = V2 + "/training-jobs/{training_job_id}"

ROUTES = [
    # catalog
    Route(V2 + "/training-job-flavors", handlers.list_flavors, methods=["GET"]),
    Route(V2 + "/training-job-engines", handlers.list_engines, methods=["GET"]),
    # algorithms
    Route(V2 + "/algorithms", handlers.create_algorithm, methods=["POST"]),
    Route(V2 + "/algorithms", handlers.list_algorithms, methods=["GET"]),
    Route(V2 + "/algorithms/{algorithm_id}", handlers.get_algorithm, methods=["GET"]),
    Route(V2 + "/algorithms/{algorithm_id}", handlers.update_algorithm, methods=["PUT"]),
    Route(V2 + "/algorithms/{algorithm_id}", handlers.delete_algorithm, methods=["DELETE"]),
    # training jobs
    Route(V2 + "/training-jobs", handlers.create_training_job, methods=["POST"]),
    Route(V2 + "/training-job-searches", handlers.search_training_jobs, methods=["POST"]),
    Route(JOB, handlers.get_training_job, methods=["GET"]),
    Route(JOB, handlers.update_training_job, methods=["PUT"]),
    Route(JOB, handlers.delete_training_job, methods=["DELETE"]),
    Route(JOB + "/actions", handlers.training_job_action, methods=["POST"]),
    Route(JOB + "/tasks", handlers.list_training_job_tasks, methods=["GET"]),
    Route(JOB + "/tasks/{task_id}/logs/url", handlers.training_job_log_url, methods=["GET"]),
    Route(JOB + "/tasks/{task_id}/logs/preview", handlers.training_job_log_preview, methods=["GET"]),
    Route(JOB + "/metrics/{task_id}", handlers.training_job_metrics, methods=["GET"]),
    Route(JOB + "/events", handlers.training_job_events, methods=["GET"]),
]

#: The main port's default service: what no other service claims is answered as ModelArts answers.
SERVICE = Service("modelarts", ROUTES, ROUTING_ERRORS)
