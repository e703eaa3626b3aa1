"""Lambda entry point of the SQS worker (event source mapping on the work queue).

Each message is one job, fulfilled once however often it is delivered; succeeded messages are
deleted at once, failed ones retried with backoff until SQS moves them to the dead-letter queue
(common/batch.py says how, without ReportBatchItemFailures).
"""

from __future__ import annotations

from typing import Any

from lambdas.common import correlation
from lambdas.common.batch import process_batch, raise_if_failed
from lambdas.common.events import QueueMessage, parse_sqs_event
from lambdas.common.exceptions import InvalidEvent, PlatformError
from lambdas.common.observability import observe
from lambdas.services.worker.fulfilment import fulfilments
from lambdas.services.worker.jobs import parse_job

observed = observe("worker")


def _work(message: QueueMessage) -> dict[str, Any]:
    correlation_id = correlation.from_attributes(message.attributes) or message.message_id
    observed.correlate(correlation_id)
    job = parse_job(message.body)
    result = fulfilments()({"job_id": job.job_id, "order": job.order, "correlation_id": correlation_id})
    observed.logger.info("job done", extra={"job_id": job.job_id, "message_id": message.message_id, **result})
    return result


def _failed(message: QueueMessage, error: BaseException) -> None:
    observed.logger.error(
        "job failed",
        extra={
            "message_id": message.message_id,
            "receive_count": message.receive_count,
            "error": getattr(error, "code", type(error).__name__),
            "reason": str(error)[:300],
        },
    )


def _backoff_failed(message: QueueMessage, error: BaseException) -> None:
    observed.logger.warning("backoff not set", extra={"message_id": message.message_id, "reason": str(error)[:200]})


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        messages = parse_sqs_event(event)
        fulfilments().within(context)
        result = process_batch(messages, _work, on_failure=_failed, on_backoff_failure=_backoff_failed)
    except PlatformError as exc:
        observed.rejected(exc, "event rejected" if isinstance(exc, InvalidEvent) else "event failed")
        raise
    finally:
        observed.correlate(None)
    observed.count("JobsDone", len(result.done))
    if result.failed:
        observed.count("JobsFailed", len(result.failed))
    raise_if_failed(result)
    return {"done": len(result.done)}
