"""What ``app.py`` needs to know of an emulated service: its routes, and how it words the errors that no
handler of its own raises (a path nobody serves, a wrong method, a crash)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

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
    #: On a port shared with other services, the path prefix(es) of this one's requests ("" = the port's default).
    prefix: str | tuple[str, ...] = ""

    def owns(self, path: str) -> bool:
        return bool(self.prefix) and path.startswith(self.prefix)


Handler = Callable[[Request], Awaitable[Response]]


def routes(table: Mapping[str, Mapping[str, Handler]]) -> list[BaseRoute]:
    """Starlette routes from ``{path: {method: handler}}``: a route file reads one line per path."""
    return [
        Route(path, handler, methods=[method])
        for path, by_method in table.items()
        for method, handler in by_method.items()
    ]


def service_of(path: str, services: Sequence[Service]) -> Service:
    """The service a path belongs to: the first whose prefix matches, else the first without a prefix."""
    for service in services:
        if service.owns(path):
            return service
    return next(service for service in services if not service.prefix)
