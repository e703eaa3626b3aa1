"""API Gateway's own rules, apart from serving: its error answers and quotas, which resource and
method a request path selects, how an authorizer's policy is read, and stage throttling."""

from __future__ import annotations

import fnmatch
import threading
import time
from dataclasses import dataclass
from typing import Any


class GatewayError(Exception):
    """An answer API Gateway itself gives, with its own status and body."""

    def __init__(self, status: int, body: dict[str, Any], error: str) -> None:
        super().__init__(error)
        self.status = status
        self.body = body
        self.error = error


# API Gateway's quotas for a regional REST API: the URL, the method ARN when an authorizer runs, the
# request body, and how long an integration may take (its timeoutInMillis, 50 ms to 29 s)
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
MAX_URL_CHARACTERS = 10240
MAX_METHOD_ARN_BYTES = 1600
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_INTEGRATION_MS, MIN_INTEGRATION_MS = 29_000, 50


def integration_timeout(integration: Any) -> float:
    """Seconds the integration may take: its timeoutInMillis within API Gateway's range, else 29 s."""
    try:
        millis = int(getattr(integration, "timeout_in_millis", None) or MAX_INTEGRATION_MS)
    except (TypeError, ValueError):
        millis = MAX_INTEGRATION_MS
    return min(max(millis, MIN_INTEGRATION_MS), MAX_INTEGRATION_MS) / 1000


def payload_too_large(size: int) -> GatewayError:
    return GatewayError(413, {"message": "Request Too Long"}, f"the request body is {size} bytes; at most 10 MB")


def timed_out(seconds: float) -> GatewayError:
    why = f"Execution failed due to a timeout error: the integration did not answer in {seconds:g} s"
    return GatewayError(504, {"message": "Endpoint request timed out"}, why)


def uri_too_long(why: str) -> GatewayError:
    return GatewayError(414, {"message": "Request-URI Too Long"}, why)


def _missing_token() -> GatewayError:
    return GatewayError(403, {"message": "Missing Authentication Token"}, "route not found")


@dataclass(frozen=True)
class Route:
    resource: Any
    method: Any
    path_params: dict[str, str]


def _match(template: list[str], segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """How well a resource path template matches: literal 2, {param} 1, {greedy+} 0 per segment."""
    params: dict[str, str] = {}
    score: list[int] = []
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None
            params[part[1:-2]] = "/".join(rest)
            return (*score, 0), params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segments[index]
            score.append(1)
        elif part == segments[index]:
            score.append(2)
        else:
            return None
    return (tuple(score), params) if len(template) == len(segments) else None


def match_route(api: Any, path: str, http_method: str) -> Route:
    """The most specific resource whose path template matches, and its method (or ANY)."""
    segments = [s for s in path.split("/") if s]
    best: tuple[tuple[int, ...], Any, dict[str, str]] | None = None
    for resource in api.resources.values():
        matched = _match([s for s in resource.get_path().split("/") if s], segments)
        if matched is not None and (best is None or matched[0] > best[0]):
            best = (matched[0], resource, matched[1])
    if best is None:
        raise _missing_token()
    _, resource, params = best
    method = resource.resource_methods.get(http_method) or resource.resource_methods.get("ANY")
    if method is None:
        raise _missing_token()
    return Route(resource, method, params)


def policy_allows(policy: dict[str, Any], method_arn: str) -> bool | None:
    """True (allowed), False (explicitly denied) or None (no statement matches)."""
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = None
    for statement in statements:
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if not any(a in ("execute-api:Invoke", "execute-api:*", "*") for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(method_arn, pattern) for pattern in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True
