"""Thumbnail use case: decide, read, render, write. Storage is passed in; no AWS here."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from lambdas.common.events import S3ObjectRef
from lambdas.common.exceptions import PayloadTooLarge, RejectedInput
from lambdas.services.thumbnails.imaging import render_thumbnail
from lambdas.services.thumbnails.settings import ThumbnailSettings


class OutsideUploadPrefix(RejectedInput):
    code = "outside_upload_prefix"


class SourceTooLarge(PayloadTooLarge):
    code = "source_too_large"


class ObjectStore(Protocol):
    def read(self, ref: S3ObjectRef, *, max_bytes: int) -> bytes:
        """The object's bytes; SourceTooLarge above max_bytes, ObjectGone if it no longer exists."""
        ...

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str, metadata: dict[str, str]) -> None: ...


@dataclass(frozen=True)
class ThumbnailCreated:
    source_key: str
    thumbnail_key: str
    width: int
    height: int
    size: int
    source_width: int
    source_height: int
    decoded_width: int
    decoded_height: int


def thumbnail_key(source_key: str, settings: ThumbnailSettings) -> str:
    """Where the thumbnail of `source_key` goes: exactly its path relative to the upload prefix, under
    the thumbnail prefix (uploads/a/pic.gif -> thumbnails/a/pic.gif).

    The key is never rewritten to name the output's format (the object's Content-Type does): any
    rewriting that keeps some names and changes others maps two uploads to one key (pic.gif, whose
    thumbnail is a PNG, and pic.gif.png), and the second thumbnail would overwrite the first.
    """
    if not source_key.startswith(settings.upload_prefix):
        raise OutsideUploadPrefix(f"key is not under {settings.upload_prefix!r}")
    relative = source_key[len(settings.upload_prefix) :]
    if not relative or relative.endswith("/"):
        raise OutsideUploadPrefix("key names a folder, not an object")
    return settings.thumbnail_prefix + relative


def create_thumbnail(ref: S3ObjectRef, store: ObjectStore, settings: ThumbnailSettings) -> ThumbnailCreated:
    # Guard before any read: the thumbnail prefix must never feed back into this function.
    if not ref.key.startswith(settings.upload_prefix) or ref.key.startswith(settings.thumbnail_prefix):
        raise OutsideUploadPrefix(f"key is not under {settings.upload_prefix!r}")
    if ref.size is not None and ref.size > settings.max_source_bytes:
        raise SourceTooLarge(f"{ref.size} bytes exceeds the limit of {settings.max_source_bytes}")
    data = store.read(ref, max_bytes=settings.max_source_bytes)
    thumb = render_thumbnail(io.BytesIO(data), box=settings.max_dimension, max_pixels=settings.max_source_pixels)
    key = thumbnail_key(ref.key, settings)
    # S3 metadata travels as HTTP headers: ASCII only, so the key is percent-encoded.
    metadata = {"source-key": quote(ref.key, safe="/")}
    if ref.version_id:
        metadata["source-version-id"] = ref.version_id
    store.write(ref.bucket, key, thumb.data, content_type=thumb.content_type, metadata=metadata)
    return ThumbnailCreated(
        source_key=ref.key,
        thumbnail_key=key,
        width=thumb.width,
        height=thumb.height,
        size=len(thumb.data),
        source_width=thumb.source_width,
        source_height=thumb.source_height,
        decoded_width=thumb.decoded_width,
        decoded_height=thumb.decoded_height,
    )
