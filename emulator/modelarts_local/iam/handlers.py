"""IAM handlers: ``/v3/auth/tokens``, ``/v3/projects`` and ``/v3.0/OS-CREDENTIAL/securitytokens``. HTTP in and
out only; the work is in ``service.py``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..auth import Caller
from ..clock import now
from ..errors import AuthenticationFailed
from ..http import authenticated_caller, backend, base_url, call, json_object, json_response
from . import errors


async def create_token(request: Request) -> Response:
    """POST /v3/auth/tokens: password authentication -> 201 with ``X-Subject-Token``."""
    body = json_object(await request.body())
    if body is None:
        raise errors.IamBadRequest("the body is not a JSON object")
    iam = backend(request).iam
    record = await call(iam.issue_token, body, now())
    with_catalog = not request.query_params.get("nocatalog")
    return json_response(
        iam.token_body(record, base_url(request), with_catalog),
        status=201,
        headers={"X-Subject-Token": record.token},
    )


async def validate_token(request: Request) -> Response:
    """GET /v3/auth/tokens: the caller's token (or AK/SK) checks the one in ``X-Subject-Token``."""
    await _caller(request)
    subject = request.headers.get("x-subject-token", "").strip()
    iam = backend(request).iam
    record = await call(iam.lookup_token, subject) if subject else None
    if record is None or now() >= record.expires_at:
        raise errors.IamNotFound("the token")
    with_catalog = not request.query_params.get("nocatalog")
    return json_response(
        iam.token_body(record, base_url(request), with_catalog), headers={"X-Subject-Token": record.token}
    )


async def list_projects(request: Request) -> Response:
    """GET /v3/projects[?name=]: the projects of the caller's account."""
    caller = await _caller(request)
    name = request.query_params.get("name")
    projects = backend(request).iam.list_projects(caller.principal.domain_id, name)
    url = f"{base_url(request)}/v3/projects"
    for project in projects:
        project["links"] = {"self": f"{url}/{project['id']}"}
    return json_response({"projects": projects, "links": {"self": url, "previous": None, "next": None}})


async def create_temporary_credentials(request: Request) -> Response:
    """POST /v3.0/OS-CREDENTIAL/securitytokens: temporary AK/SK and security token for the caller's token (or
    AK/SK signature, or the deprecated ``auth.identity.token.id``) -> 201 ``{"credential": {...}}``."""
    body = json_object(await request.body())
    if body is None:
        raise errors.IamBadRequest("the body is not a JSON object")
    iam = backend(request).iam
    body_token = iam.token_in_body(body)
    if body_token and "x-auth-token" not in request.headers and "authorization" not in request.headers:
        principal = await call(iam.principal_of_token, body_token, now())
    else:
        principal = (await _caller(request)).principal
    key = await call(iam.issue_temporary_key, principal, body, now())
    return json_response(iam.credential_body(key), status=201)


async def _caller(request: Request) -> Caller:
    """IAM answers authentication failures in its own (keystone) shape."""
    try:
        caller, _ = await authenticated_caller(request)
    except AuthenticationFailed as exc:
        raise errors.IamUnauthorized(message=exc.message) from None
    return caller
