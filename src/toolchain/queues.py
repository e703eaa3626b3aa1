"""Redrive: moving messages from a dead-letter queue back to its source queue after a fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toolchain.errors import ToolchainError


@dataclass(frozen=True)
class RedriveReport:
    source: str
    dead_letter: str
    moved: int
    left: int


def queue_url(sqs: Any, name: str) -> str:
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise ToolchainError(f"no queue named {name}", "list them with `aws sqs list-queues`") from None


def redrive(
    sqs: Any, source_name: str, *, dead_letter_name: str | None = None, limit: int | None = None
) -> RedriveReport:
    """Send every message of `<source>-dlq` back to `<source>` (body and attributes kept), then delete it.

    A message is deleted from the dead-letter queue only after the source queue accepted it, so a
    failure half-way loses nothing (at worst a message is in both queues, and consumers are idempotent).
    """
    dead_letter_name = dead_letter_name or f"{source_name}-dlq"
    source, dead_letter = queue_url(sqs, source_name), queue_url(sqs, dead_letter_name)
    moved, empty_polls = 0, 0
    while limit is None or moved < limit:
        batch = sqs.receive_message(
            QueueUrl=dead_letter, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"],
            VisibilityTimeout=30,
        ).get("Messages", [])  # fmt: skip
        if not batch:
            empty_polls += 1
            if empty_polls >= 2:
                break
            continue
        empty_polls = 0
        for message in batch:
            attributes = {
                name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
                for name, value in (message.get("MessageAttributes") or {}).items()
            }
            sqs.send_message(QueueUrl=source, MessageBody=message["Body"], MessageAttributes=attributes)
            sqs.delete_message(QueueUrl=dead_letter, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    left = int(sqs.get_queue_attributes(QueueUrl=dead_letter, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"])  # fmt: skip
    return RedriveReport(source_name, dead_letter_name, moved, left)
