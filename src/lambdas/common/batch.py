"""SQS batches that fail message by message, without `ReportBatchItemFailures`.

aws provider 3.39 cannot set `function_response_types`, so partial failure is done by hand: each
message that succeeds is deleted at once, each that fails is made visible again after a backoff that
grows with its receive count; if any failed, the invocation fails, so Lambda deletes nothing else and
SQS redelivers only the failed ones (moving them to the dead-letter queue after maxReceiveCount).
Powertools' BatchProcessor needs the response type above, hence this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lambdas.common import aws
from lambdas.common.events import QueueMessage
from lambdas.common.exceptions import InvalidEvent, PlatformError

RETRY_BASE_SECONDS = 2
RETRY_CAP_SECONDS = 300


class UnknownQueue(InvalidEvent):
    code = "unknown_queue"


class BatchPartiallyFailed(PlatformError):
    code = "batch_partially_failed"


def retry_delay(receive_count: int, base: int = RETRY_BASE_SECONDS, cap: int = RETRY_CAP_SECONDS) -> int:
    """Seconds before a failed message is tried again: doubling with each receive, capped."""
    return min(cap, base * 2 ** max(0, receive_count - 1))


@cache
def queue_url(arn: str) -> str:
    _, _, _, _, account, name = arn.split(":", 5)
    gone = {code: lambda: UnknownQueue(f"the event names a queue that does not exist: {arn[:200]}")
            for code in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")}  # fmt: skip
    with aws.dependency(f"looking up the queue {arn[:200]}", answers=gone):
        return aws.client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


@dataclass
class BatchResult:
    done: list[tuple[QueueMessage, dict[str, Any]]] = field(default_factory=list)
    failed: list[tuple[QueueMessage, BaseException]] = field(default_factory=list)


def process_batch(
    messages: list[QueueMessage],
    work: Callable[[QueueMessage], dict[str, Any]],
    *,
    on_failure: Callable[[QueueMessage, BaseException], None] = lambda message, error: None,
    on_backoff_failure: Callable[[QueueMessage, BaseException], None] = lambda message, error: None,
) -> BatchResult:
    """Run `work` on each message; delete the ones that succeed, delay the ones that fail.

    Raises UnknownQueue before any work for a batch from a queue that does not exist; returns what
    happened otherwise (the caller raises BatchPartiallyFailed after logging, see `raise_if_failed`).
    """
    urls = {arn: queue_url(arn) for arn in {m.queue_arn for m in messages}}
    sqs = aws.client("sqs")
    result = BatchResult()
    for message in messages:
        try:
            outcome = work(message)
            sqs.delete_message(QueueUrl=urls[message.queue_arn], ReceiptHandle=message.receipt_handle)
        except Exception as exc:  # every failure of one message, whatever it is, leaves the others alone
            result.failed.append((message, exc))
            on_failure(message, exc)
            try:
                sqs.change_message_visibility(
                    QueueUrl=urls[message.queue_arn],
                    ReceiptHandle=message.receipt_handle,
                    VisibilityTimeout=retry_delay(message.receive_count),
                )
            except Exception as visibility_error:  # the message then waits its full visibility timeout
                on_backoff_failure(message, visibility_error)
            continue
        result.done.append((message, outcome))
    return result


def raise_if_failed(result: BatchResult) -> None:
    if result.failed:
        ids = ", ".join(m.message_id for m, _ in result.failed)
        total = len(result.failed) + len(result.done)
        raise BatchPartiallyFailed(f"{len(result.failed)} of {total} messages failed: {ids}")
