"""ModelArts v2 handlers: catalog, algorithms and training jobs (``/v2/{project_id}/...``).

HTTP in and out only: authenticate, read the path, query and body, call the domain, render the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from ..clock import now, now_ms
from ..http import authenticated_caller, backend, base_url, call, empty_response, json_object, json_response
from ..identity import Principal
from ..obs.routes import PRESIGNED_PREFIX
from . import errors
from .access import authorize_project

T = TypeVar("T")


async def project_principal(request: Request) -> Principal:
    """The caller of a ``/v2/{project_id}/...`` call, checked against the URL's project."""
    caller, raw = await authenticated_caller(request)
    return authorize_project(backend(request).directory, caller, request.path_params["project_id"], raw.headers)


async def project_id(request: Request) -> str:
    """The URL's project, once the caller is known to act in it."""
    return (await project_principal(request)).project_id or ""


def _job(request: Request) -> str:
    return str(request.path_params["training_job_id"])


def _task(request: Request) -> str:
    return str(request.path_params["task_id"])


def _algorithm(request: Request) -> str:
    return str(request.path_params["algorithm_id"])


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object (ModelArts.2787 otherwise); any Content-Type is accepted."""
    body = json_object(await request.body())
    if body is None:
        raise errors.InvalidJsonBody()
    return body


# --- catalog ---------------------------------------------------------------------------------------------


async def list_flavors(request: Request) -> Response:
    await project_principal(request)
    flavors = backend(request).catalog.list_flavors(request.query_params.get("flavor_type"))
    return json_response({"total_count": len(flavors), "flavors": flavors})


async def list_engines(request: Request) -> Response:
    await project_principal(request)
    engines = backend(request).catalog.list_engines()
    return json_response({"total": len(engines), "items": engines})


# --- algorithms ----------------------------------------------------------------------------------------


async def _created(request: Request, create: Callable[[Principal, dict[str, Any], int], dict[str, Any]]) -> Response:
    """201 with what ``create`` made of the body."""
    principal = await project_principal(request)
    body = await json_body(request)
    return json_response(await call(create, principal, body, now_ms()), 201)


async def create_algorithm(request: Request) -> Response:
    return await _created(request, backend(request).algorithms.create)


async def list_algorithms(request: Request) -> Response:
    project = await project_id(request)
    return json_response(await call(backend(request).algorithms.list_page, project, dict(request.query_params)))


async def get_algorithm(request: Request) -> Response:
    project = await project_id(request)
    return json_response(await call(backend(request).algorithms.get, project, _algorithm(request)))


async def update_algorithm(request: Request) -> Response:
    principal = await project_principal(request)
    body = await json_body(request)
    algorithms = backend(request).algorithms
    return json_response(await call(algorithms.update, principal, _algorithm(request), body, now_ms()), 201)


async def delete_algorithm(request: Request) -> Response:
    project = await project_id(request)
    await call(backend(request).algorithms.delete, project, _algorithm(request))
    return empty_response(202)


# --- training jobs -------------------------------------------------------------------------------------


async def create_training_job(request: Request) -> Response:
    return await _created(request, backend(request).jobs.create)


async def search_training_jobs(request: Request) -> Response:
    project = await project_id(request)
    body = await json_body(request)
    return json_response(await call(backend(request).jobs.search, project, body, now_ms()))


async def _on_job(request: Request, action: Callable[[str, str, int], T]) -> T:
    """What ``action(project, job, now)`` answers for the URL's job."""
    project = await project_id(request)
    return await call(action, project, _job(request), now_ms())


async def _on_job_with_body(request: Request, action: Callable[[str, str, dict[str, Any], int], T]) -> T:
    """What ``action(project, job, body, now)`` answers for the URL's job; the body is read once the caller is
    known (an unauthenticated call is refused as such, whatever its body)."""
    project = await project_id(request)
    body = await json_body(request)
    return await call(action, project, _job(request), body, now_ms())


async def get_training_job(request: Request) -> Response:
    return json_response(await _on_job(request, backend(request).jobs.get))


async def update_training_job(request: Request) -> Response:
    await _on_job_with_body(request, backend(request).jobs.update_description)
    return empty_response(200)


async def delete_training_job(request: Request) -> Response:
    await _on_job(request, backend(request).jobs.delete)
    return empty_response(202)


async def training_job_tags(request: Request) -> Response:
    return json_response(await _on_job(request, backend(request).jobs.tags))


async def create_training_job_tags(request: Request) -> Response:
    await _on_job_with_body(request, backend(request).jobs.create_tags)
    return empty_response(204)


async def delete_training_job_tags(request: Request) -> Response:
    await _on_job_with_body(request, backend(request).jobs.delete_tags)
    return empty_response(204)


async def training_job_action(request: Request) -> Response:
    return json_response(await _on_job_with_body(request, backend(request).jobs.terminate), 202)


# --- what a job produced -----------------------------------------------------------------------------


async def list_training_job_tasks(request: Request) -> Response:
    project = await project_id(request)
    query = dict(request.query_params)
    return json_response(await call(backend(request).job_outputs.tasks, project, _job(request), query, now_ms()))


async def training_job_log_url(request: Request) -> Response:
    """The selector is ``Content-Type`` as a query parameter (DOC example) or header (use-case doc)."""
    project = await project_id(request)
    selector = request.query_params.get("Content-Type") or request.headers.get("content-type") or ""
    download = selector.split(";")[0].strip().lower() == "application/octet-stream"
    endpoint = base_url(request) + PRESIGNED_PREFIX
    log_url = backend(request).job_outputs.log_url
    return json_response(await call(log_url, project, _job(request), _task(request), download, endpoint, now()))


async def training_job_log_preview(request: Request) -> Response:
    project = await project_id(request)
    preview = backend(request).job_outputs.log_preview
    return json_response(await call(preview, project, _job(request), _task(request), now_ms()))


async def training_job_log_lines(request: Request) -> Response:
    project = await project_id(request)
    query = dict(request.query_params)
    lines = backend(request).job_outputs.log_lines
    return json_response(await call(lines, project, _job(request), _task(request), query, now_ms()))


async def training_job_metrics(request: Request) -> Response:
    project = await project_id(request)
    metrics = backend(request).job_outputs.metrics
    return json_response(await call(metrics, project, _job(request), _task(request), now_ms()))


async def training_job_events(request: Request) -> Response:
    project = await project_id(request)
    query = dict(request.query_params)
    return json_response(await call(backend(request).job_outputs.events, project, _job(request), query, now_ms()))
