"""The platform's error hierarchy and the one table that maps it to HTTP status codes.

Handlers raise these; API handlers turn them into `{"error": {"code", "message"}}` responses,
event handlers log `RejectedInput` and drop the input (retrying cannot help) while letting
`DependencyError` propagate so that Lambda retries the event.
"""

from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """Base of every error the platform raises on purpose. `code` is stable and machine-readable."""

    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ConfigurationError(PlatformError):
    """A setting is missing or malformed: a deployment problem, never the caller's fault."""

    code = "configuration_error"


class DependencyError(PlatformError):
    """A downstream service failed in a way that may succeed on retry."""

    code = "dependency_unavailable"


class RejectedInput(PlatformError):
    """Input that can never be processed as sent: reported once, not retried."""

    code = "bad_request"


class InvalidEvent(RejectedInput):
    """The Lambda event does not have the shape the trigger promises."""

    code = "invalid_event"


class ValidationFailed(RejectedInput):
    code = "validation_failed"


class Unauthorized(RejectedInput):
    code = "unauthorized"


class Forbidden(RejectedInput):
    code = "forbidden"


class NotFound(RejectedInput):
    code = "not_found"


class MethodNotAllowed(RejectedInput):
    code = "method_not_allowed"


class Conflict(RejectedInput):
    code = "conflict"


class PayloadTooLarge(RejectedInput):
    code = "payload_too_large"


class UnsupportedMediaType(RejectedInput):
    code = "unsupported_media_type"


class UnprocessableContent(RejectedInput):
    code = "unprocessable_content"


# Most specific class wins: http_status walks the MRO.
_HTTP_STATUS: dict[type[PlatformError], int] = {
    PlatformError: 500,
    ConfigurationError: 500,
    DependencyError: 503,
    RejectedInput: 400,
    InvalidEvent: 400,
    ValidationFailed: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    UnprocessableContent: 422,
}


def http_status(error: BaseException) -> int:
    """HTTP status for any exception; anything not ours is an internal error."""
    for cls in type(error).__mro__:
        status = _HTTP_STATUS.get(cls)  # type: ignore[arg-type]
        if status is not None:
            return status
    return 500
