"""ModelArts v2 handlers: catalog, algorithms and training jobs (``/v2/{project_id}/...``).

HTTP in and out only: authenticate, read the path, query and body, call the domain, render the answer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..clock import now, now_ms
from ..http import authenticated_caller, backend, base_url, call, empty_response, json_object, json_response
from ..identity import Principal
from ..obs.routes import PRESIGNED_PREFIX
from . import errors
from .access import authorize_project


async def project_principal(request: Request) -> Principal:
    """The caller of a ``/v2/{project_id}/...`` call, checked against the URL's project."""
    caller, raw = await authenticated_caller(request)
    return authorize_project(backend(request).directory, caller, request.path_params["project_id"], raw.headers)


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


async def create_algorithm(request: Request) -> Response:
    principal = await project_principal(request)
    body = await json_body(request)
    return json_response(await call(backend(request).algorithms.create, principal, body, now_ms()), 201)


async def list_algorithms(request: Request) -> Response:
    principal = await project_principal(request)
    query = dict(request.query_params)
    return json_response(await call(backend(request).algorithms.list_page, principal.project_id or "", query))


async def get_algorithm(request: Request) -> Response:
    principal = await project_principal(request)
    algorithm_id = request.path_params["algorithm_id"]
    return json_response(await call(backend(request).algorithms.get, principal.project_id or "", algorithm_id))


async def update_algorithm(request: Request) -> Response:
    principal = await project_principal(request)
    body = await json_body(request)
    algorithm_id = request.path_params["algorithm_id"]
    return json_response(await call(backend(request).algorithms.update, principal, algorithm_id, body, now_ms()), 201)


async def delete_algorithm(request: Request) -> Response:
    principal = await project_principal(request)
    await call(backend(request).algorithms.delete, principal.project_id or "", request.path_params["algorithm_id"])
    return empty_response(202)


# --- training jobs -------------------------------------------------------------------------------------


async def create_training_job(request: Request) -> Response:
    principal = await project_principal(request)
    body = await json_body(request)
    return json_response(await call(backend(request).jobs.create, principal, body, now_ms()), 201)


async def get_training_job(request: Request) -> Response:
    principal = await project_principal(request)
    job_id = request.path_params["training_job_id"]
    return json_response(await call(backend(request).jobs.get, principal.project_id or "", job_id, now_ms()))


async def update_training_job(request: Request) -> Response:
    principal = await project_principal(request)
    body = await json_body(request)
    job_id = request.path_params["training_job_id"]
    await call(backend(request).jobs.update_description, principal.project_id or "", job_id, body, now_ms())
    return empty_response(200)


async def delete_training_job(request: Request) -> Response:
    principal = await project_principal(request)
    job_id = request.path_params["training_job_id"]
    await call(backend(request).jobs.delete, principal.project_id or "", job_id, now_ms())
    return empty_response(202)


async def training_job_action(request: Request) -> Response:
    principal = await project_principal(request)
    body = await json_body(request)
    job_id = request.path_params["training_job_id"]
    return json_response(
        await call(backend(request).jobs.terminate, principal.project_id or "", job_id, body, now_ms()), 202
    )


async def search_training_jobs(request: Request) -> Response:
    principal = await project_principal(request)
    body = await json_body(request)
    return json_response(await call(backend(request).jobs.search, principal.project_id or "", body, now_ms()))


async def list_training_job_tasks(request: Request) -> Response:
    principal = await project_principal(request)
    job_id = request.path_params["training_job_id"]
    query = dict(request.query_params)
    outputs = backend(request).job_outputs
    return json_response(await call(outputs.tasks, principal.project_id or "", job_id, query, now_ms()))


async def training_job_log_url(request: Request) -> Response:
    """The selector is ``Content-Type`` as a query parameter (DOC example) or header (use-case doc)."""
    principal = await project_principal(request)
    selector = request.query_params.get("Content-Type") or request.headers.get("content-type") or ""
    download = selector.split(";")[0].strip().lower() == "application/octet-stream"
    job_id = request.path_params["training_job_id"]
    task = request.path_params["task_id"]
    endpoint = base_url(request) + PRESIGNED_PREFIX
    outputs = backend(request).job_outputs
    return json_response(
        await call(outputs.log_url, principal.project_id or "", job_id, task, download, endpoint, now())
    )


async def training_job_log_preview(request: Request) -> Response:
    principal = await project_principal(request)
    job_id = request.path_params["training_job_id"]
    task = request.path_params["task_id"]
    outputs = backend(request).job_outputs
    return json_response(await call(outputs.log_preview, principal.project_id or "", job_id, task, now_ms()))


async def training_job_metrics(request: Request) -> Response:
    principal = await project_principal(request)
    job_id = request.path_params["training_job_id"]
    task = request.path_params["task_id"]
    outputs = backend(request).job_outputs
    return json_response(await call(outputs.metrics, principal.project_id or "", job_id, task, now_ms()))


async def training_job_events(request: Request) -> Response:
    principal = await project_principal(request)
    job_id = request.path_params["training_job_id"]
    query = dict(request.query_params)
    outputs = backend(request).job_outputs
    return json_response(await call(outputs.events, principal.project_id or "", job_id, query, now_ms()))
