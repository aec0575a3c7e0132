"""OBS's routes: the pre-signed GET on the main port (``/_obs/...``, where the log URLs point), and the OBS
object API on the OBS port (``serve --obs-port``).

On the OBS port the path alone does not say which operation a request is: the bucket may be in the ``Host``
(virtual-host style) and the operation in the query (``?uploads``, ``?uploadId=``, ``?delete``). So one route
takes every request, and :data:`OPERATIONS` says which handler serves a method at a level (``service``: no
bucket; ``bucket``; ``object``) with a sub-resource in the query (None: none). Anything else is
``405 MethodNotAllowed``.
"""

from __future__ import annotations

from starlette.routing import Route

from ..service import Service, routes
from . import handlers
from .errors import ROUTING_ERRORS
from .handlers import OperationTable

#: Where the main port serves pre-signed object URLs.
PRESIGNED_PREFIX = "/_obs"

MAIN_PORT_ROUTES = routes({PRESIGNED_PREFIX + "/{bucket}/{key:path}": {"GET": handlers.get_presigned_object}})

OPERATIONS: OperationTable = {
    ("service", "GET"): {None: handlers.list_buckets},
    ("bucket", "HEAD"): {None: handlers.head_bucket},
    ("bucket", "GET"): {"uploads": handlers.list_multipart_uploads, None: handlers.list_objects},
    ("bucket", "PUT"): {None: handlers.create_bucket},
    ("bucket", "DELETE"): {None: handlers.delete_bucket},
    ("bucket", "POST"): {"delete": handlers.delete_objects},
    ("object", "HEAD"): {None: handlers.head_object},
    ("object", "GET"): {"uploadId": handlers.list_parts, None: handlers.get_object},
    ("object", "PUT"): {"uploadId": handlers.upload_part, None: handlers.put_object},  # put_object also copies
    ("object", "POST"): {"uploads": handlers.initiate_multipart_upload, "uploadId": handlers.complete_multipart_upload},
    ("object", "DELETE"): {"uploadId": handlers.abort_multipart_upload, None: handlers.delete_object},
}

OBS_PORT_ROUTES = [
    Route("/{path:path}", handlers.dispatcher(OPERATIONS), methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
]

#: The pre-signed URLs on the main port: what goes wrong under `/_obs/` is answered in OBS's shape.
PRESIGNED_SERVICE = Service("obs-presigned", MAIN_PORT_ROUTES, ROUTING_ERRORS, prefix=PRESIGNED_PREFIX + "/")

#: The OBS endpoint on its own port.
SERVICE = Service("obs", OBS_PORT_ROUTES, ROUTING_ERRORS)
