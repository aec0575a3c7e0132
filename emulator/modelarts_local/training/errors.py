"""The ModelArts error catalogue: one small class per wire error, carrying its HTTP status, code and message.

The body is ``{"error_code": "ModelArts.NNNN", "error_msg": "..."}``; messages follow the ModelArts
error-code table (its "Description" column, with ``%s`` filled in). The local admin API answers in the
same shape with ``ModelArtsLocal.*`` codes. At the end: the answers of fault injection and of routing
failures on the ModelArts port.
"""

from __future__ import annotations

from typing import Any

from .. import errors as gateway
from ..errors import ApiError, JsonError, Throttled
from ..faults import FaultAnswers
from ..service import RoutingErrors


class ModelArtsError(JsonError):
    """A ModelArts service error."""

    def body(self, request_id: str) -> dict[str, Any] | None:
        if self.status == 204:
            # HTTP forbids a body on 204 (clients would read it as the start of the next response).
            return None
        return super().body(request_id)

    def headers(self) -> dict[str, str]:
        # A 204 cannot carry the error body, so the code travels in headers for anyone who looks.
        if self.status == 204:
            return {"X-Error-Code": self.code, "X-Error-Message": self.message}
        return {}


# --- ModelArts: authentication and authorization -----------------------------------------------------


class TokenNotProjectScoped(ModelArtsError):
    status = 401
    code = "ModelArts.0207"
    template = "The token is not scoped to a project."


class ProjectMismatch(ModelArtsError):
    status = 403
    code = "ModelArts.0210"
    template = "The project ID (%s) in the request does not match the project of the credentials."


# --- ModelArts: request format -------------------------------------------------------------------------


class InvalidArgument(ModelArtsError):
    status = 400
    code = "ModelArts.0101"
    template = "Invalid Argument."


class InvalidJsonBody(ModelArtsError):
    status = 400
    code = "ModelArts.2787"
    template = "Invalid JSON request body."


class InvalidParam(ModelArtsError):
    status = 400
    code = "ModelArts.2788"
    template = "Invalid parameter(%s)."


class QueryParamsError(ModelArtsError):
    status = 400
    code = "ModelArts.2764"
    template = "Invalid query parameter (%s)."


class PathNotFound(ModelArtsError):
    status = 404
    code = "ModelArts.2836"
    template = "The requested path (%s) does not exist."


class MethodNotAllowed(ModelArtsError):
    status = 405
    code = "ModelArts.2803"
    template = "The method (%s) is not allowed for this path."


class TooManyRequests(Throttled, ModelArtsError):
    status = 429
    code = "ModelArts.2799"
    template = "services too many requests"


class InternalError(ModelArtsError):
    status = 500
    code = "ModelArts.2950"
    template = "Unknown error: %s"


# --- ModelArts: algorithms -------------------------------------------------------------------------------


class AlgorithmNotFound(ModelArtsError):
    status = 400
    code = "ModelArts.2755"
    template = "algorithm not found."


class DuplicateAlgorithmName(ModelArtsError):
    status = 400
    code = "ModelArts.2821"
    template = "Duplicate algorithm (name %s)."


class CodeDirError(ModelArtsError):
    status = 400
    code = "ModelArts.2757"
    template = "code directory path error."


class BootFileDirError(ModelArtsError):
    status = 400
    code = "ModelArts.2758"
    template = "code startup file path error."


class TooManyCodeFiles(ModelArtsError):
    status = 400
    code = "ModelArts.2759"
    template = "There are too many code files. A maximum of %s files can be uploaded."


class CodeFolderTooDeep(ModelArtsError):
    status = 400
    code = "ModelArts.2760"
    template = "Insufficient quota, too many levels of code directories, supporting up to %s directories"


class ParameterKeyRepeat(ModelArtsError):
    status = 400
    code = "ModelArts.2767"
    template = "parameter key repeat."


class DefaultValueTypeError(ModelArtsError):
    status = 400
    code = "ModelArts.2768"
    template = "Default value does not match parameter type."


class DefaultValueIsNotInRange(ModelArtsError):
    status = 400
    code = "ModelArts.2769"
    template = "default value is not in the setting range."


class RangeError(ModelArtsError):
    status = 400
    code = "ModelArts.2770"
    template = "Parameter range error."


class EngineNotFound(ModelArtsError):
    status = 400
    code = "ModelArts.2780"
    template = "AI engine(id:%s) not found."


class InvalidObsPath(ModelArtsError):
    status = 400
    code = "ModelArts.2791"
    template = "Invalid obs path: %s, reason: %s."


class MustHaveCmdAndImage(ModelArtsError):
    status = 400
    code = "ModelArts.2806"
    template = "Custom image jobs command and engine.url cannot be empty."


class InputsOutputsMessageError(ModelArtsError):
    status = 400
    code = "ModelArts.2753"
    template = "input and output channel information is not standardized."


# --- ModelArts: training jobs ------------------------------------------------------------------------


class DuplicateTrainingJobName(ModelArtsError):
    status = 400
    code = "ModelArts.2751"
    template = "Duplicate training job (name %s)."


class DoNotHaveFlavor(ModelArtsError):
    status = 400
    code = "ModelArts.2763"
    template = "The selected flavor is invalid."


class FlavorNotFound(ModelArtsError):
    status = 400
    code = "ModelArts.2781"
    template = "Flavor (%s) not found."


class FlavorOutOfRange(ModelArtsError):
    status = 400
    code = "ModelArts.2793"
    template = "The number of flavor instances (%d) exceeds the maximum (%d)."


class DatasetNotFound(ModelArtsError):
    status = 400
    code = "ModelArts.2783"
    template = "Dataset (ID: %s) not found."


class TrainingJobNotFound(ModelArtsError):
    status = 400
    code = "ModelArts.2775"
    template = "Training job (ID: %s) not found."


class NotReadyToFetchLog(ModelArtsError):
    status = 204
    code = "ModelArts.2776"
    template = "not ready for fetch log, wait for training to return data"


class NotReadyToFetchMetric(ModelArtsError):
    status = 204
    code = "ModelArts.2777"
    template = "not ready for fetch metric, wait for training to return data"


class UnsupportedSortBy(ModelArtsError):
    status = 400
    code = "ModelArts.2790"
    template = "Unsupported sorting item."


class NotAllowedToTerminate(ModelArtsError):
    status = 409
    code = "ModelArts.2796"
    template = "The training job in phase %s cannot be terminated."


class UnsupportedConditionKey(ModelArtsError):
    status = 400
    code = "ModelArts.2807"
    template = "Unsupported condition key (%s)"


class UnsupportedConditionOperator(ModelArtsError):
    status = 400
    code = "ModelArts.2808"
    template = "Unsupported condition operator (%s)"


class UnsupportedConditionValue(ModelArtsError):
    status = 400
    code = "ModelArts.2809"
    template = "Unsupported condition value (%s)"


class UnsupportedActionType(ModelArtsError):
    status = 400
    code = "ModelArts.2812"
    template = "Unsupported action type:%s"


class AlgorithmNotMatch(ModelArtsError):
    status = 400
    code = "ModelArts.2814"
    template = "Job algorithm configuration(%s) does not match algorithm management configuration."


class ExceedQuotaLimit(ModelArtsError):
    status = 400
    code = "ModelArts.2815"
    template = "Exceed quota limit of resource(%s)."


class InvalidLocalCodeDir(ModelArtsError):
    status = 400
    code = "ModelArts.2857"
    template = "The local_code_dir parameter verification failed for reason(%s)"


class InvalidWorkingDir(ModelArtsError):
    status = 400
    code = "ModelArts.2859"
    template = "The working_dir parameter verification failed for reason(%s)"


class PoolNotFound(ModelArtsError):
    status = 404
    code = "ModelArts.2890"
    template = "Pool (%s) not found."


# --- local administration -----------------------------------------------------------------------------


class AdminForbidden(ModelArtsError):
    status = 403
    code = "ModelArtsLocal.0001"
    template = "The local admin API needs the X-Local-Admin-Secret header with the server's admin secret."


class AdminConflict(ModelArtsError):
    status = 409
    code = "ModelArtsLocal.0002"
    template = "%s"


# --- what the shared machinery answers on the ModelArts port ------------------------------------------


def _throttled(code: str, retry_after: int) -> ApiError:
    return (
        gateway.GatewayThrottled(retry_after) if code == gateway.GatewayThrottled.code else TooManyRequests(retry_after)
    )


def _server_error(status: int) -> ApiError:
    """500 from the service itself; 502 / 504 from the gateway; 503 from a load balancer (no code at all)."""
    if status == 500:
        return InternalError("injected fault")
    if status == 502:
        return gateway.BackendUnavailable()
    if status == 504:
        return gateway.BackendTimeout()
    return gateway.LoadBalancerUnavailable()


FAULT_ANSWERS = FaultAnswers(throttled=_throttled, server_error=_server_error, token_expired=gateway.TokenExpired)

ROUTING_ERRORS = RoutingErrors(
    not_found=PathNotFound,
    method_not_allowed=MethodNotAllowed,
    bad_request=lambda detail: InvalidArgument(message=detail),
    internal=InternalError,
)
