"""What ``app.py`` needs to know of an emulated service: its routes, and how it words the errors that no
handler of its own raises (a path nobody serves, a wrong method, a crash)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute

from .errors import ApiError


@dataclass(frozen=True)
class RoutingErrors:
    """A service's answers to routing failures and unexpected exceptions."""

    not_found: Callable[[str], ApiError]  # the path
    method_not_allowed: Callable[[str], ApiError]  # the method
    bad_request: Callable[[str], ApiError]  # Starlette's detail, for any other routing failure
    internal: Callable[[str], ApiError]  # the exception's type name


@dataclass(frozen=True)
class Service:
    """One emulated API (or the local admin API) as mounted on a port."""

    name: str
    routes: Sequence[BaseRoute]
    errors: RoutingErrors
    #: On a port shared with other services, the path prefix of this one's requests ("" = the port's default).
    prefix: str = ""

    def owns(self, path: str) -> bool:
        return bool(self.prefix) and path.startswith(self.prefix)


def service_of(path: str, services: Sequence[Service]) -> Service:
    """The service a path belongs to: the first whose prefix matches, else the first without a prefix."""
    for service in services:
        if service.owns(path):
            return service
    return next(service for service in services if not service.prefix)
