"""Every environment variable the runtime reads is named in this module and nowhere else.

Values are parsed and validated once per container; a bad value is a `ConfigurationError`
naming the variable, raised at the first invocation rather than deep inside a handler.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from lambdas.common.exceptions import ConfigurationError

UPLOAD_PREFIX = "UPLOAD_PREFIX"
THUMBNAIL_PREFIX = "THUMBNAIL_PREFIX"
THUMBNAIL_MAX_DIMENSION = "THUMBNAIL_MAX_DIMENSION"
THUMBNAIL_MAX_SOURCE_BYTES = "THUMBNAIL_MAX_SOURCE_BYTES"
THUMBNAIL_MAX_SOURCE_PIXELS = "THUMBNAIL_MAX_SOURCE_PIXELS"
# Read by Powertools itself too; the default keeps metrics valid when a deployment forgets it.
METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
DEFAULT_METRICS_NAMESPACE = "ServerlessPlatform"


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, default).strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is empty")
    return value


def _prefix(env: Mapping[str, str], name: str, default: str) -> str:
    value = _text(env, name, default)
    if not value.endswith("/") or value.startswith("/"):
        raise ConfigurationError(f"{name}={value!r} must be a key prefix like 'uploads/'")
    return value


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not an integer") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(f"{name}={value} is outside {minimum}..{maximum}")
    return value


@dataclass(frozen=True)
class ThumbnailSettings:
    upload_prefix: str = "uploads/"
    thumbnail_prefix: str = "thumbnails/"
    max_dimension: int = 200
    max_source_bytes: int = 30 * 1024 * 1024
    max_source_pixels: int = 50_000_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ThumbnailSettings:
        settings = cls(
            upload_prefix=_prefix(env, UPLOAD_PREFIX, cls.upload_prefix),
            thumbnail_prefix=_prefix(env, THUMBNAIL_PREFIX, cls.thumbnail_prefix),
            max_dimension=_int(env, THUMBNAIL_MAX_DIMENSION, cls.max_dimension, minimum=16, maximum=2000),
            max_source_bytes=_int(env, THUMBNAIL_MAX_SOURCE_BYTES, cls.max_source_bytes, minimum=1024, maximum=1 << 30),
            max_source_pixels=_int(
                env, THUMBNAIL_MAX_SOURCE_PIXELS, cls.max_source_pixels, minimum=10_000, maximum=500_000_000
            ),
        )
        # Overlapping prefixes would let the function trigger itself on its own output.
        if settings.thumbnail_prefix.startswith(settings.upload_prefix) or settings.upload_prefix.startswith(
            settings.thumbnail_prefix
        ):
            raise ConfigurationError(
                f"{THUMBNAIL_PREFIX}={settings.thumbnail_prefix!r} and {UPLOAD_PREFIX}="
                f"{settings.upload_prefix!r} overlap: thumbnails would trigger the function again"
            )
        return settings


@cache
def thumbnail_settings() -> ThumbnailSettings:
    return ThumbnailSettings.from_env()


def metrics_namespace(env: Mapping[str, str] = os.environ) -> str:
    return env.get(METRICS_NAMESPACE, "").strip() or DEFAULT_METRICS_NAMESPACE
