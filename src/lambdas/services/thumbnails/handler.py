"""Lambda entry point: S3 ObjectCreated under the upload prefix -> thumbnail under its own prefix.

Input that can never make a thumbnail (not an image, truncated, a decompression bomb, too large,
outside the prefix) is logged once as a named rejection and dropped: a retry would fail the same
way. Failures of S3 itself propagate, so Lambda retries the event and, after that, hands it to the
function's on-failure destination.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common.events import parse_s3_event
from lambdas.common.exceptions import InvalidEvent, RejectedInput
from lambdas.common.settings import metrics_namespace, thumbnail_settings
from lambdas.services.thumbnails.service import create_thumbnail
from lambdas.services.thumbnails.storage import S3ObjectStore

SERVICE = "thumbnails"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)
store = S3ObjectStore()


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = thumbnail_settings()
    try:
        refs = parse_s3_event(event)
    except InvalidEvent as exc:
        logger.error("event rejected", extra={"error": exc.code, "reason": exc.message})
        metrics.add_metric(name="RejectedEvents", unit=MetricUnit.Count, value=1)
        return {"created": [], "rejected": [{"error": exc.code, "reason": exc.message}]}

    created: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for ref in refs:
        try:
            result = create_thumbnail(ref, store, settings)
        except RejectedInput as exc:
            logger.warning(
                "image rejected",
                extra={"bucket": ref.bucket, "key": ref.key, "error": exc.code, "reason": exc.message},
            )
            metrics.add_metric(name="ImagesRejected", unit=MetricUnit.Count, value=1)
            rejected.append({"key": ref.key, "error": exc.code, "reason": exc.message})
            continue
        logger.info(
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
        metrics.add_metric(name="ThumbnailsCreated", unit=MetricUnit.Count, value=1)
        created.append({"key": ref.key, "thumbnail_key": result.thumbnail_key})
    return {"created": created, "rejected": rejected}
