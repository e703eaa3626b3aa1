"""The thumbnail function's settings (its environment, as infra/thumbnails.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read
from lambdas.common.exceptions import ConfigurationError

UPLOAD_PREFIX = "UPLOAD_PREFIX"
THUMBNAIL_PREFIX = "THUMBNAIL_PREFIX"
MAX_DIMENSION = "THUMBNAIL_MAX_DIMENSION"
MAX_SOURCE_BYTES = "THUMBNAIL_MAX_SOURCE_BYTES"
MAX_SOURCE_PIXELS = "THUMBNAIL_MAX_SOURCE_PIXELS"
VARIABLES = (UPLOAD_PREFIX, THUMBNAIL_PREFIX, MAX_DIMENSION, MAX_SOURCE_BYTES, MAX_SOURCE_PIXELS)


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
            upload_prefix=read.prefix(env, UPLOAD_PREFIX, cls.upload_prefix),
            thumbnail_prefix=read.prefix(env, THUMBNAIL_PREFIX, cls.thumbnail_prefix),
            max_dimension=read.integer(env, MAX_DIMENSION, cls.max_dimension, minimum=16, maximum=2000),
            max_source_bytes=read.integer(env, MAX_SOURCE_BYTES, cls.max_source_bytes, minimum=1024, maximum=1 << 30),
            max_source_pixels=read.integer(
                env, MAX_SOURCE_PIXELS, cls.max_source_pixels, minimum=10_000, maximum=500_000_000
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


current = read.cached(ThumbnailSettings.from_env)
