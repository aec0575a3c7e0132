"""OBS (Huawei Cloud Object Storage) client over requests: signing, objects, multipart, parallel transfers.

Knows nothing of Pulumi. ``docs/obs-client.md`` says why this is not the official SDK (``esdk-obs-python``),
which stays the test-only reference our signatures and requests are checked against.
"""

from __future__ import annotations

from .bodies import DeleteResult, MultipartUpload, ObjectListing, ObjectSummary, PartInfo, PartListing
from .client import CONTENT_SHA256, ObjectInfo, ObsClient, PutResult
from .connect import connect, credential_source
from .credentials import CredentialSource, ObsCredentials, StaticCredentials, credentials_from_settings
from .endpoint import ObsEndpoint, default_obs_endpoint
from .errors import ObsError, ObsTransportError
from .temporary_credentials import TemporaryCredentials, request_temporary_credentials
from .transfer import TransferConfig, TransferError, TransferReport, UploadItem, download_prefix, upload_files

__all__ = [
    "CONTENT_SHA256",
    "CredentialSource",
    "DeleteResult",
    "MultipartUpload",
    "ObjectInfo",
    "ObjectListing",
    "ObjectSummary",
    "ObsClient",
    "ObsCredentials",
    "ObsEndpoint",
    "ObsError",
    "ObsTransportError",
    "PartInfo",
    "PartListing",
    "PutResult",
    "StaticCredentials",
    "TemporaryCredentials",
    "TransferConfig",
    "TransferError",
    "TransferReport",
    "UploadItem",
    "connect",
    "credential_source",
    "credentials_from_settings",
    "default_obs_endpoint",
    "download_prefix",
    "request_temporary_credentials",
    "upload_files",
]
