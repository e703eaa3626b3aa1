"""Reading a function's settings from its environment: the parsers every service's settings use.

Each service names the variables it reads in its own `settings.py` (beside its code, in its own
zip), parsed once per container with these helpers. A bad value is a `ConfigurationError` naming the
variable (`NAME=value is not ...`), raised at the first invocation rather than deep in a handler.
Secrets are never settings: only the ids of Secrets Manager secrets are.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar
from urllib.parse import urlsplit

from lambdas.common.exceptions import ConfigurationError
from lambdas.common.money import AmountError, parse_amount

# Read by Powertools itself (and by every function for its metrics); Terraform sets them everywhere.
METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
PLATFORM_VARIABLES = (METRICS_NAMESPACE, "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME")
DEFAULT_METRICS_NAMESPACE = "ServerlessPlatform"

T = TypeVar("T")
_CACHED: list[Any] = []


def cached(read: Callable[[], T]) -> Callable[[], T]:
    """A settings accessor read once per container (and cleared together by `clear_cached`)."""
    accessor = cache(read)
    _CACHED.append(accessor)
    return accessor


def clear_cached() -> None:
    """Forget every parsed setting: a new container, as tests that change the environment need."""
    for accessor in _CACHED:
        accessor.cache_clear()


def metrics_namespace(env: Mapping[str, str] = os.environ) -> str:
    return env.get(METRICS_NAMESPACE, "").strip() or DEFAULT_METRICS_NAMESPACE


def text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, default).strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is empty")
    return value


def required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


def prefix(env: Mapping[str, str], name: str, default: str) -> str:
    value = text(env, name, default)
    if not value.endswith("/") or value.startswith("/"):
        raise ConfigurationError(f"{name}={value!r} must be a key prefix like 'uploads/'")
    return value


def integer(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(parse_amount(raw.strip(), decimals=0, integer_digits=18, allow_zero=True, allow_negative=True))
    except AmountError:
        raise ConfigurationError(f"{name}={raw[:40]!r} is not an integer") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(f"{name}={value} is outside {minimum}..{maximum}")
    return value


def decimal(env: Mapping[str, str], name: str, default: str) -> Decimal:
    """A non-negative number in the platform's one grammar (money.py): "12.5", never "1e3" or "١٢"."""
    raw = env.get(name, default).strip()
    try:
        return parse_amount(raw, decimals=6, integer_digits=12, allow_zero=True)
    except AmountError as exc:
        raise ConfigurationError(f"{name}={raw[:40]!r} {exc}") from None


def url(env: Mapping[str, str], name: str) -> str:
    value = required(env, name)
    parts = urlsplit(value)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ConfigurationError(f"{name}={value!r} must be an https URL (http only for localhost)")
    return value


def names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in env.get(name, "").split(",") if n.strip())


def origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """CORS origins, listed: '*' is refused (an API with credentials names whom it trusts)."""
    found = tuple(o.strip().rstrip("/") for o in env.get(name, "").split(",") if o.strip())
    if "*" in found:
        raise ConfigurationError(f"{name} lists '*': name the allowed origins")
    return found
