"""S3 adapter for the thumbnail service: the only module here that talks to AWS."""

from __future__ import annotations

from typing import Any

from lambdas.common import aws
from lambdas.common.events import S3ObjectRef
from lambdas.common.exceptions import DependencyError
from lambdas.services.thumbnails.service import SourceGone, SourceTooLarge

_GONE = {"NoSuchKey", "NoSuchVersion", "404"}


class S3ObjectStore:
    def __init__(self, s3: Any = None) -> None:
        self._s3 = s3

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = aws.client("s3")
        return self._s3

    def read(self, ref: S3ObjectRef, *, max_bytes: int) -> bytes:
        params = {"Bucket": ref.bucket, "Key": ref.key}
        if ref.version_id:
            params["VersionId"] = ref.version_id
        try:
            response = self.s3.get_object(**params)
        except Exception as exc:
            if aws.error_code(exc) in _GONE:
                raise SourceGone(f"s3://{ref.bucket}/{ref.key} no longer exists") from None
            raise DependencyError(f"cannot read s3://{ref.bucket}/{ref.key}: {exc}") from exc
        body = response["Body"]
        try:
            if response.get("ContentLength", 0) > max_bytes:
                raise SourceTooLarge(f"{response['ContentLength']} bytes exceeds the limit of {max_bytes}")
            # Read one byte past the limit so a wrong Content-Length cannot smuggle in more.
            data = body.read(max_bytes + 1)
        except (SourceTooLarge, SourceGone):
            raise
        except Exception as exc:
            raise DependencyError(f"reading s3://{ref.bucket}/{ref.key} failed: {exc}") from exc
        finally:
            body.close()
        if len(data) > max_bytes:
            raise SourceTooLarge(f"object is larger than the limit of {max_bytes} bytes")
        # A short read would look like a truncated image and be rejected for good: retry it instead.
        expected = response.get("ContentLength")
        if isinstance(expected, int) and len(data) < expected:
            raise DependencyError(f"read {len(data)} of {expected} bytes of s3://{ref.bucket}/{ref.key}")
        return data

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str, metadata: dict[str, str]) -> None:
        try:
            self.s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=metadata)
        except Exception as exc:
            raise DependencyError(f"cannot write s3://{bucket}/{key}: {exc}") from exc
