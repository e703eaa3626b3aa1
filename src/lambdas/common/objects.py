"""S3 objects as the services read and write them: bounded, streamed, and a gone object named as such."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from lambdas.common import aws
from lambdas.common.events import S3ObjectRef
from lambdas.common.exceptions import DependencyError, PlatformError, RejectedInput

GONE_CODES = ("NoSuchKey", "NoSuchVersion", "404")


class ObjectGone(RejectedInput):
    """The object was deleted (or overwritten with another version) before it could be read."""

    code = "source_gone"


TooLarge = Callable[[str], PlatformError]


def _open(ref: S3ObjectRef, max_bytes: int, too_large: TooLarge) -> dict[str, Any]:
    params = {"Bucket": ref.bucket, "Key": ref.key, **({"VersionId": ref.version_id} if ref.version_id else {})}
    gone = {code: lambda: ObjectGone(f"s3://{ref.bucket}/{ref.key} no longer exists") for code in GONE_CODES}
    # a bucket that does not exist will not exist on a retry either: the event names nothing to read
    gone["NoSuchBucket"] = lambda: ObjectGone(f"bucket {ref.bucket} does not exist")
    with aws.dependency(f"reading s3://{ref.bucket}/{ref.key}", answers=gone):
        response = aws.client("s3").get_object(**params)
    if response.get("ContentLength", 0) > max_bytes:
        response["Body"].close()
        raise too_large(f"{response['ContentLength']} bytes exceeds the limit of {max_bytes}")
    return response


def read_object(ref: S3ObjectRef, max_bytes: int, too_large: TooLarge) -> bytes:
    """The whole object, at most `max_bytes` (whatever Content-Length claims)."""
    response = _open(ref, max_bytes, too_large)
    body = response["Body"]
    try:
        with aws.dependency(f"reading s3://{ref.bucket}/{ref.key}"):
            # One byte past the limit, so a wrong Content-Length cannot smuggle in more.
            data = body.read(max_bytes + 1)
    finally:
        body.close()
    if len(data) > max_bytes:
        raise too_large(f"object is larger than the limit of {max_bytes} bytes")
    # A short read would look like a truncated file and be refused for good: retry it instead.
    expected = response.get("ContentLength")
    if isinstance(expected, int) and len(data) < expected:
        raise DependencyError(f"read {len(data)} of {expected} bytes of s3://{ref.bucket}/{ref.key}")
    return data


def stream_object(ref: S3ObjectRef, max_bytes: int, too_large: TooLarge, chunk_bytes: int) -> Iterator[bytes]:
    """The object in chunks, never held whole."""
    response = _open(ref, max_bytes, too_large)
    body = response["Body"]
    try:
        # botocore's stream errors (a reset, a timeout) are not OSErrors: all of them are named here.
        with aws.dependency(f"reading s3://{ref.bucket}/{ref.key}"):
            yield from body.iter_chunks(chunk_bytes)
    finally:
        body.close()


def put_object(
    bucket: str, key: str, data: bytes, *, content_type: str, metadata: dict[str, str] | None = None
) -> None:
    with aws.dependency(f"writing s3://{bucket}/{key}"):
        aws.client("s3").put_object(
            Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=metadata or {}
        )
