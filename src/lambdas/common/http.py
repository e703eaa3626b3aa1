"""API Gateway REST (v1) proxy events in, proxy responses out: requests, routing, errors, CORS.

Routing is a dictionary lookup on API Gateway's own `resource` template ("/users/{userId}") and
the HTTP method: the gateway has already matched the path, so no pattern matching happens here.
Every error leaves as `{"error": {"code", "message"}}` with the status from `exceptions.http_status`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lambdas.common.exceptions import (
    DependencyError,
    InvalidEvent,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PlatformError,
    UnsupportedMediaType,
    ValidationFailed,
    http_status,
)
from lambdas.common.untrusted import MalformedJson, json_value

MAX_BODY_BYTES = 64 * 1024


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # DynamoDB returns every number as Decimal; clients expect JSON numbers.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"), ensure_ascii=False)


class Headers(Mapping[str, str]):
    """Case-insensitive view of request headers (API Gateway keeps the client's spelling)."""

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        self._items = {str(k).lower(): str(v) for k, v in (raw or {}).items() if v is not None}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Request:
    method: str
    resource: str
    path: str
    path_params: dict[str, str]
    query: dict[str, str]
    headers: Headers
    body: bytes
    authorizer: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    # The path as the client used it, stage included ("/prod/users"): for Location headers.
    public_path: str = ""

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")

    def json(self) -> Any:
        """The body as JSON; BadRequest-type errors for anything else."""
        content_type = self.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise UnsupportedMediaType(f"send the body as application/json, not {content_type}")
        if not self.body:
            raise MalformedJson("the request has no body")
        return json_value(self.body, what="the body")


def _string_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidEvent(f"event.{where} must be an object or null")
    return {str(k): str(v) for k, v in value.items() if v is not None}


def parse_request(event: Any) -> Request:
    """A proxy event as a Request. InvalidEvent for anything API Gateway would never send."""
    if not isinstance(event, dict):
        raise InvalidEvent("event must be an object")
    method, resource = event.get("httpMethod"), event.get("resource")
    if not isinstance(method, str) or not isinstance(resource, str):
        raise InvalidEvent("event has no httpMethod/resource: not an API Gateway proxy event")
    raw_body = event.get("body")
    if raw_body is None:
        body = b""
    elif not isinstance(raw_body, str):
        raise InvalidEvent("event.body must be a string or null")
    elif event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw_body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidEvent("event.body is marked base64 but is not") from None
    else:
        body = raw_body.encode("utf-8")
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
    context = event.get("requestContext") if isinstance(event.get("requestContext"), dict) else {}
    authorizer = context.get("authorizer") if isinstance(context.get("authorizer"), dict) else {}
    return Request(
        method=method.upper(),
        resource=resource,
        path=str(event.get("path") or resource),
        path_params=_string_map(event.get("pathParameters"), "pathParameters"),
        query=_string_map(event.get("queryStringParameters"), "queryStringParameters"),
        headers=Headers(_string_map(event.get("headers"), "headers")),
        body=body,
        authorizer=authorizer,
        request_id=str(context.get("requestId", "")),
        public_path=str(context.get("path") or event.get("path") or resource),
    )


def response(status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"statusCode": status, "headers": {**(headers or {})}}
    if body is None:
        result["body"] = ""
    else:
        result["headers"].setdefault("Content-Type", "application/json")
        result["body"] = to_json(body)
    return result


def error_body(error: BaseException) -> dict[str, Any]:
    if isinstance(error, PlatformError) and http_status(error) < 500:
        payload: dict[str, Any] = {"code": error.code, "message": error.message}
        if isinstance(error, ValidationFailed) and error.details.get("fields"):
            payload["fields"] = error.details["fields"]
        return {"error": payload}
    # Never leak internals: the log has the detail.
    if isinstance(error, DependencyError):
        return {
            "error": {"code": "service_unavailable", "message": "a service this API needs is unavailable; retry later"}
        }
    return {"error": {"code": "internal_error", "message": "internal error"}}


@dataclass(frozen=True)
class Cors:
    allowed_origins: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ("Authorization", "Content-Type")
    max_age: int = 600

    def headers_for(self, origin: str | None, methods: Iterable[str] = ()) -> dict[str, str]:
        if not origin or origin not in self.allowed_origins:
            return {"Vary": "Origin"} if self.allowed_origins else {}
        headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if methods:
            headers["Access-Control-Allow-Methods"] = ", ".join(sorted({*methods, "OPTIONS"}))
            headers["Access-Control-Allow-Headers"] = ", ".join(self.allowed_headers)
            headers["Access-Control-Max-Age"] = str(self.max_age)
        return headers


Handler = Callable[[Request], dict[str, Any]]


def log_outcome(logger: Any, *, rejections: str = "info") -> Callable[[BaseException, int], None]:
    """An `on_error` for `Router.handle`: a 5xx logged with its traceback, a 4xx as one line at level
    `rejections` with its code (and its `reason`, where the error has one the caller is not told)."""

    def report(error: BaseException, status: int) -> None:
        if status >= 500:
            logger.exception("request failed", extra={"status": status})
            return
        details = {"status": status, "error": getattr(error, "code", type(error).__name__)}
        if getattr(error, "reason", None):
            details["reason"] = error.reason  # type: ignore[attr-defined]
        getattr(logger, rejections)("request rejected", extra=details)

    return report


class Router:
    """(resource, method) -> function; 404 for unknown resources, 405 with Allow for other methods.

    `cors` is called per request (settings are read lazily, so a bad one is a logged 500, not a
    function that cannot start).
    """

    def __init__(self, cors: Callable[[], Cors]) -> None:
        self._routes: dict[str, dict[str, Handler]] = {}
        self._cors = cors

    def route(self, method: str, resource: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes.setdefault(resource, {})[method.upper()] = handler
            return handler

        return register

    def dispatch(self, request: Request) -> dict[str, Any]:
        methods = self._routes.get(request.resource)
        if methods is None:
            raise NotFound(f"no route for {request.resource}")
        if request.method == "OPTIONS":
            # CORS preflight: answered here so it never needs the authorizer.
            return response(204, headers=self._cors().headers_for(request.origin, methods))
        handler = methods.get(request.method)
        if handler is None:
            error = MethodNotAllowed(f"{request.method} is not allowed on {request.resource}")
            error.details["allow"] = sorted(methods)
            raise error
        return handler(request)

    def handle(self, event: Any, on_error: Callable[[BaseException, int], None]) -> dict[str, Any]:
        """Parse, dispatch, and turn any exception into the one error shape."""
        cors = Cors(allowed_origins=())
        origin = None
        try:
            cors = self._cors()
            request = parse_request(event)
            origin = request.origin
            result = self.dispatch(request)
        except Exception as exc:
            status = http_status(exc)
            on_error(exc, status)
            headers = {}
            if isinstance(exc, MethodNotAllowed):
                headers["Allow"] = ", ".join(exc.details.get("allow", []))
            result = response(status, error_body(exc), headers)
        result["headers"].update(cors.headers_for(origin))
        return result
