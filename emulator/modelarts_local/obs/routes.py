"""OBS's routes: the pre-signed GET on the main port (``/_obs/...``, where the log URLs point), and the
OBS port (``serve --obs-port``), path style as the official SDK addresses an IP-literal endpoint.

The OBS object API goes into ``OBS_PORT_ROUTES``: bucket-level calls on ``/{bucket}``, object calls on
``/{bucket}/{key:path}``, told apart by method and sub-resource (``?uploads``, ``?delete``, ...).
"""

from __future__ import annotations

from ..service import Service, routes
from . import handlers
from .errors import ROUTING_ERRORS

#: Where the main port serves pre-signed object URLs.
PRESIGNED_PREFIX = "/_obs"

MAIN_PORT_ROUTES = routes({PRESIGNED_PREFIX + "/{bucket}/{key:path}": {"GET": handlers.get_presigned_object}})

OBS_PORT_ROUTES = routes({"/{bucket}/{key:path}": {"GET": handlers.get_presigned_object}})

#: The pre-signed URLs on the main port: what goes wrong under `/_obs/` is answered in OBS's shape.
PRESIGNED_SERVICE = Service("obs-presigned", MAIN_PORT_ROUTES, ROUTING_ERRORS, prefix=PRESIGNED_PREFIX + "/")

#: The OBS endpoint on its own port.
SERVICE = Service("obs", OBS_PORT_ROUTES, ROUTING_ERRORS)
