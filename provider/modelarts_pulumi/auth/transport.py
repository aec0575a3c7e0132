"""The HTTP call the authentication code borrows from the transport, to talk to IAM."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import requests
from requests.auth import AuthBase


class Transport(Protocol):
    """The HTTP call the auth layer borrows from :class:`~modelarts_pulumi.http.ApiSession`.

    Raises :class:`ModelArtsApiError` for any non-2xx answer.
    """

    def __call__(
        self,
        method: str,
        url: str,
        *,
        auth: AuthBase | None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response: ...
