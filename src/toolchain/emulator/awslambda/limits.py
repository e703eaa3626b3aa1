"""Lambda's invocation payload limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
6 MB for a synchronous request, 1 MB for an asynchronous one."""

from __future__ import annotations

from typing import Any

MAX_SYNC_BYTES = 6 * 1024 * 1024
MAX_ASYNC_BYTES = 1024 * 1024


def _payload_size(body: Any) -> int:
    if isinstance(body, str):
        return len(body.encode("utf-8", "surrogatepass"))
    return len(body or b"")


def _too_large(limit: int) -> Exception:
    from moto.core.exceptions import JsonRESTError

    class RequestTooLarge(JsonRESTError):
        code = 413

    return RequestTooLarge(
        "RequestEntityTooLargeException", f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
    )


def invoke_within_limit(original: Any, emulator: Any) -> Any:
    """LambdaResponse.invoke: the request's payload is measured before anything runs."""

    def invoke(self: Any) -> Any:
        asynchronous = self.headers.get("X-Amz-Invocation-Type") == "Event"
        limit = MAX_ASYNC_BYTES if asynchronous else MAX_SYNC_BYTES
        if _payload_size(self.body) > limit:
            raise _too_large(limit)
        return original(self)

    return invoke


def invoke_async_within_limit(original: Any, emulator: Any) -> Any:
    """LambdaResponse.invoke_async (the legacy InvokeAsync): asynchronous, so 1 MB."""

    def invoke_async(self: Any) -> Any:
        if _payload_size(self.body) > MAX_ASYNC_BYTES:
            raise _too_large(MAX_ASYNC_BYTES)
        return original(self)

    return invoke_async
