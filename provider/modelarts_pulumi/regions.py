"""Huawei Cloud regions that serve ModelArts, their default endpoints, and a job's page in the console.

The list is the official Python SDK's (``huaweicloudsdkmodelarts/v1/region/modelarts_region.py``,
release 3.1.211).
"""

from __future__ import annotations

from urllib.parse import quote

MODELARTS_REGIONS: tuple[str, ...] = (
    "af-north-1",
    "af-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "cn-east-3",
    "cn-east-4",
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-north-11",
    "cn-north-12",
    "cn-south-1",
    "cn-southwest-2",
    "cn-southwest-3",
    "la-north-2",
    "la-south-2",
    "me-east-1",
    "sa-brazil-1",
    "tr-west-1",
)

# The SDK's one irregular entry: Hong Kong's ModelArts endpoint ends in ".cn".
_MODELARTS_ENDPOINT_EXCEPTIONS = {"ap-southeast-1": "https://modelarts.ap-southeast-1.myhuaweicloud.cn"}


def default_modelarts_endpoint(region: str) -> str:
    """``https://modelarts.{region}.myhuaweicloud.com`` (with the SDK's exceptions)."""
    return _MODELARTS_ENDPOINT_EXCEPTIONS.get(region, f"https://modelarts.{region}.myhuaweicloud.com")


def default_obs_endpoint(region: str) -> str:
    """``https://obs.{region}.myhuaweicloud.com``: the regional OBS endpoint the OBS SDK documents for every region."""
    return f"https://obs.{region}.myhuaweicloud.com"


GLOBAL_IAM_ENDPOINT = "https://iam.myhuaweicloud.com"

# ModelArts regions without a regional IAM endpoint in the SDK's table (huaweicloudsdkcore/auth/endpoint.py):
# the SDK uses the global IAM endpoint there, which issues tokens for every region's projects.
_REGIONS_WITH_GLOBAL_IAM = frozenset({"af-north-1", "cn-north-11", "cn-southwest-3"})


def default_iam_endpoint(region: str) -> str:
    """``https://iam.{region}.myhuaweicloud.com``, or the global IAM endpoint where the SDK knows no regional one."""
    if region in _REGIONS_WITH_GLOBAL_IAM:
        return GLOBAL_IAM_ENDPOINT
    return f"https://iam.{region}.myhuaweicloud.com"


def console_url(region: str, job_id: str) -> str:
    """A training job's page in the Huawei Cloud console of its region."""
    return (
        f"https://console.huaweicloud.com/modelarts/?region={quote(region)}#/trainingJobs/detail?jobId={quote(job_id)}"
    )
