"""AK/SK-signed requests for tests, signed by the official SDK's own signer (huaweicloudsdkcore).

Using the SDK's ``Signer`` (not a copy of the algorithm) means a test that passes proves the server
accepts exactly what the SDK sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer


def signed_request(
    method: str,
    url: str,
    access_key: str,
    secret_key: str,
    *,
    query: list[tuple[str, Any]] | None = None,
    json_body: Any = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    project_id: str | None = None,
    security_token: str | None = None,
    sdk_date: datetime | None = None,
    tamper: Callable[[dict[str, str]], None] | None = None,
    send_body: bytes | None = None,
) -> requests.Response:
    """Sign with the SDK signer and send with requests.

    ``tamper`` may edit the headers after signing; ``send_body`` replaces the body after signing.
    """
    parts = urlsplit(url)
    header_params: dict[str, str] = {"Content-Type": "application/json", **(headers or {})}
    if project_id:
        header_params["X-Project-Id"] = project_id
    if security_token:
        header_params["X-Security-Token"] = security_token
    if sdk_date is not None:
        header_params["X-Sdk-Date"] = sdk_date.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    if json_body is not None:
        body = json.dumps(json_body).encode()
    request = SdkRequest(
        method=method,
        schema=parts.scheme,
        host=parts.netloc,
        resource_path=parts.path,
        query_params=list(query or []),
        header_params=header_params,
        body=body or "",
    )
    Signer(BasicCredentials(access_key, secret_key)).sign(request)
    if tamper is not None:
        tamper(request.header_params)
    return requests.request(
        method,
        request.url,
        headers=request.header_params,
        data=send_body if send_body is not None else (request.body or None),
        timeout=30,
    )
