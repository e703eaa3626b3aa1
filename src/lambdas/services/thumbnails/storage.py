"""S3 for the thumbnail service: the only module here that talks to AWS."""

from __future__ import annotations

from lambdas.common import objects
from lambdas.common.events import S3ObjectRef
from lambdas.services.thumbnails.service import SourceTooLarge


class S3ObjectStore:
    def read(self, ref: S3ObjectRef, *, max_bytes: int) -> bytes:
        return objects.read_object(ref, max_bytes, SourceTooLarge)

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str, metadata: dict[str, str]) -> None:
        objects.put_object(bucket, key, data, content_type=content_type, metadata=metadata)
