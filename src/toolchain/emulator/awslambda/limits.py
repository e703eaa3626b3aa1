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


MAX_ENVIRONMENT_BYTES = 4 * 1024


def environment_within_limit(original: Any, emulator: Any) -> Any:
    """LambdaResponse.create_function / update_function_configuration: a function's environment
    variables are at most 4 KB, measured as AWS measures them (the variables as compact JSON)."""
    import json

    from moto.awslambda.exceptions import InvalidParameterValueException

    def checked(self: Any) -> Any:
        try:
            request = json.loads(self.body or "{}")
        except ValueError:
            return original(self)
        variables = (request.get("Environment") or {}).get("Variables") if isinstance(request, dict) else None
        if isinstance(variables, dict):
            measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
            if len(measured.encode("utf-8")) > MAX_ENVIRONMENT_BYTES:
                raise InvalidParameterValueException(
                    "Lambda was unable to configure your environment variables because the environment variables "
                    f"you have provided exceeded the 4KB limit. String measured: {measured[:200]}..."
                )
        return original(self)

    return checked
