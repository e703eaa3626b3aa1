"""SQS's message size as SQS counts it: the body's UTF-8 bytes plus every message attribute's name,
data type and value, against the queue's MaximumMessageSize (at most 1 MiB), and at most 1 MiB for a
whole SendMessageBatch
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html,
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html).
moto counted the body's characters only, so a message that SQS refuses was stored; and it stored an
attribute with an empty value, which SQS refuses too."""

from __future__ import annotations

from typing import Any

MAX_BATCH_BYTES = 1024 * 1024


def attribute_bytes(attributes: dict[str, Any] | None) -> int:
    """What message attributes (as moto hands them over: DataType, StringValue or BinaryValue) add."""
    total = 0
    for name, attribute in (attributes or {}).items():
        value: Any = attribute.get("StringValue", attribute.get("BinaryValue", ""))
        total += len(str(name).encode()) + len(str(attribute.get("DataType", "")).encode())
        total += len(value) if isinstance(value, bytes | bytearray) else len(str(value).encode())
    return total


def message_bytes(body: str | None, attributes: dict[str, Any] | None) -> int:
    return len((body or "").encode()) + attribute_bytes(attributes)


def messages_within_limit(original: Any, emulator: Any) -> Any:
    """SQSBackend.send_message (SendMessageBatch sends each entry through it too)."""
    from moto.sqs.exceptions import InvalidParameterValue

    def send_message(self: Any, queue_name: str, message_body: str, message_attributes: Any = None,
                     *args: Any, **kwargs: Any) -> Any:  # fmt: skip
        for name, attribute in (message_attributes or {}).items():
            value = attribute.get("StringValue", attribute.get("BinaryValue"))
            if value is not None and len(value) == 0:  # moto stored an empty value; SQS refuses the message
                kind = str(attribute.get("DataType", "String")).split(".", 1)[0]
                raise InvalidParameterValue(f"Message (user) attribute '{name}' must contain a non-empty value of "
                                            f"type '{kind}'.")  # fmt: skip
        limit = int(self.get_queue(queue_name).maximum_message_size)
        if message_bytes(message_body, message_attributes) > limit:
            raise InvalidParameterValue(
                f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
            )
        return original(self, queue_name, message_body, message_attributes, *args, **kwargs)

    return send_message


def batches_within_limit(original: Any, emulator: Any) -> Any:
    """SQSBackend.send_message_batch: the entries' bodies and attributes together."""
    from moto.sqs.exceptions import BatchRequestTooLong

    def send_message_batch(self: Any, queue_name: str, entries: dict[str, dict[str, Any]]) -> Any:
        total = sum(message_bytes(e.get("MessageBody"), e.get("MessageAttributes")) for e in entries.values())
        if total > MAX_BATCH_BYTES:
            raise BatchRequestTooLong(total)
        return original(self, queue_name, entries)

    return send_message_batch
