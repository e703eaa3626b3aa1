"""SNS's message size as SNS counts it: the message's UTF-8 bytes plus its attributes' names, types
and values, at most 256 KiB for one Publish and for a whole PublishBatch
(https://docs.aws.amazon.com/general/latest/gr/sns.html). moto counted the message's characters
only."""

from __future__ import annotations

import base64
import binascii
import contextlib
from typing import Any

MAX_MESSAGE_BYTES = 256 * 1024


def _bytes(message: Any, attributes: dict[str, Any] | None) -> int:
    """The message and its attributes (as moto hands them over: Type, and Value in base64 for binary)."""
    total = len(str(message or "").encode())
    for name, attribute in (attributes or {}).items():
        kind, value = str(attribute.get("Type", "")), attribute.get("Value", "")
        if isinstance(value, str) and kind.startswith("Binary"):
            with contextlib.suppress(binascii.Error, ValueError):  # not base64: counted as it came
                value = base64.b64decode(value, validate=True)
        total += len(str(name).encode()) + len(kind.encode())
        total += len(value) if isinstance(value, bytes | bytearray) else len(str(value).encode())
    return total


def publish_within_limit(original: Any, emulator: Any) -> Any:
    """SNSBackend.publish (PublishBatch publishes each entry through it too)."""
    from moto.sns.exceptions import InvalidParameterValue

    def publish(self: Any, message: str, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("phone_number") is None and _bytes(message, kwargs.get("message_attributes")) > MAX_MESSAGE_BYTES:
            raise InvalidParameterValue("Invalid parameter: Message too long")
        return original(self, message, *args, **kwargs)

    return publish


def batches_within_limit(original: Any, emulator: Any) -> Any:
    """SNSBackend.publish_batch: the entries' messages and attributes together."""
    from moto.sns.exceptions import SNSException

    def publish_batch(self: Any, topic_arn: str, publish_batch_request_entries: list[dict[str, Any]]) -> Any:
        entries = publish_batch_request_entries
        total = sum(_bytes(e.get("Message"), e.get("MessageAttributes")) for e in entries)
        if total > MAX_MESSAGE_BYTES:
            raise SNSException(
                "BatchRequestTooLong",
                f"The length of all the messages put together is more than the limit ({total} bytes; at most "
                f"{MAX_MESSAGE_BYTES})",
            )
        return original(self, topic_arn, publish_batch_request_entries=entries)

    return publish_batch
