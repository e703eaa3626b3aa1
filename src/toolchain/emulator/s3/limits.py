"""S3's size limits on a request (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html)."""

from __future__ import annotations

from typing import Any

MAX_USER_METADATA_BYTES = 2 * 1024  # every x-amz-meta- name (after the prefix) and value, in UTF-8
MAX_KEY_BYTES = 1024
_USER = "x-amz-meta-"


def _refused(code: str, message: str, size: int, limit: int) -> Exception:
    from moto.s3.exceptions import S3ClientError

    return S3ClientError(code, f"{message} ({size} bytes; at most {limit})")


def user_metadata_bytes(metadata: Any) -> int:
    return sum(len(name[len(_USER) :].encode()) + len(str(value).encode())
               for name, value in dict(metadata).items() if name.lower().startswith(_USER))  # fmt: skip


def _check_metadata(*header_sources: Any) -> None:
    from moto.s3.utils import metadata_from_headers

    metadata: dict[str, Any] = {}
    for source in header_sources:  # merged as moto merges them (its querystring repeats the headers)
        metadata.update({name.lower(): value for name, value in metadata_from_headers(source or {}).items()})
    size = user_metadata_bytes(metadata)
    if size > MAX_USER_METADATA_BYTES:
        raise _refused("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.",
                       size, MAX_USER_METADATA_BYTES)  # fmt: skip


def metadata_checked_first(original: Any, emulator: Any) -> Any:
    """S3Response.put_object and copy_object: more than 2 KB of user metadata is refused before
    anything is stored (moto read the metadata after storing the object, and stored any amount)."""

    def checked(self: Any) -> Any:
        _check_metadata(self.headers, self.querystring)
        return original(self)

    return checked


def post_metadata_checked_first(original: Any, emulator: Any) -> Any:
    """S3Response._key_response_post (CreateMultipartUpload): the same limit on the upload's metadata."""

    def checked(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        _check_metadata(request.headers)
        return original(self, request, *args, **kwargs)

    return checked


def _check_key(key_name: str) -> None:
    size = len(key_name.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise _refused("KeyTooLongError", "Your key is too long", size, MAX_KEY_BYTES)


class KeyLengths:
    """Mixin for moto's S3Backend: keys longer than 1,024 bytes are refused where objects are made."""

    def put_object(self, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        _check_key(key_name)
        return super().put_object(bucket_name, key_name, *args, **kwargs)  # type: ignore[misc]

    def create_multipart_upload(self, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        _check_key(key_name)
        return super().create_multipart_upload(bucket_name, key_name, *args, **kwargs)  # type: ignore[misc]
