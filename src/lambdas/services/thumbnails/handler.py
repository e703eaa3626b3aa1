"""Lambda entry point: S3 ObjectCreated under the upload prefix -> thumbnail under its own prefix.

Input that can never make a thumbnail (not an image, truncated, a decompression bomb, too large,
outside the prefix) is logged once as a named rejection and dropped: a retry would fail the same
way. Failures of S3 itself propagate, so Lambda retries the event and, after that, hands it to the
function's on-failure destination.
"""

from __future__ import annotations

from typing import Any

from lambdas.common.events import parse_s3_event
from lambdas.common.exceptions import InvalidEvent, RejectedInput
from lambdas.common.observability import observe
from lambdas.services.thumbnails import settings
from lambdas.services.thumbnails.service import create_thumbnail
from lambdas.services.thumbnails.storage import S3ObjectStore

observed = observe("thumbnails")
store = S3ObjectStore()


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        refs = parse_s3_event(event)
    except InvalidEvent as exc:
        observed.rejected(exc)
        observed.count("RejectedEvents")
        return {"created": [], "rejected": [{"error": exc.code, "reason": exc.message}]}
    created: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for ref in refs:
        try:
            result = create_thumbnail(ref, store, settings.current())
        except RejectedInput as exc:
            observed.logger.warning(
                "image rejected", extra={"bucket": ref.bucket, "key": ref.key, "error": exc.code, "reason": exc.message}
            )
            observed.count("ImagesRejected")
            rejected.append({"key": ref.key, "error": exc.code, "reason": exc.message})
            continue
        observed.logger.info(
            "thumbnail created",
            extra={
                "bucket": ref.bucket,
                "key": ref.key,
                "thumbnail_key": result.thumbnail_key,
                "size": f"{result.width}x{result.height}",
                "decoded": f"{result.decoded_width}x{result.decoded_height}",
                "source": f"{result.source_width}x{result.source_height}",
            },
        )
        observed.count("ThumbnailsCreated")
        created.append({"key": ref.key, "thumbnail_key": result.thumbnail_key})
    return {"created": created, "rejected": rejected}
