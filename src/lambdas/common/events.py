"""Parsing of the events AWS delivers to functions into small typed values.

Keys in S3 notifications are URL-encoded with `+` for spaces; everything downstream works on
the decoded key. Shapes are checked so that a malformed event is a named `InvalidEvent`, not a
KeyError deep inside a handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from lambdas.common.exceptions import InvalidEvent


@dataclass(frozen=True)
class S3ObjectRef:
    bucket: str
    key: str
    size: int | None = None
    version_id: str | None = None
    event_name: str = ""


def _field(mapping: Any, name: str, where: str) -> Any:
    if not isinstance(mapping, dict) or name not in mapping:
        raise InvalidEvent(f"{where} has no '{name}'")
    return mapping[name]


def _string(mapping: Any, name: str, where: str) -> str:
    value = _field(mapping, name, where)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{where}.{name} must be a non-empty string")
    return value


def _records(event: Any, source: str, source_key: str = "eventSource") -> list[tuple[str, dict[str, Any]]]:
    """(where, record) for each record of a batch from `source`; InvalidEvent for anything else."""
    records = _field(event, "Records", "event")
    if not isinstance(records, list) or not records:
        raise InvalidEvent("event.Records must be a non-empty list")
    found = []
    for index, record in enumerate(records):
        where = f"Records[{index}]"
        if _field(record, source_key, where) != source:
            raise InvalidEvent(f"{where} is not from {source} ({source_key}={record.get(source_key)!r})")
        found.append((where, record))
    return found


def parse_s3_event(event: Any) -> list[S3ObjectRef]:
    """All object references of an S3 notification event (one per record)."""
    refs = []
    for where, record in _records(event, "aws:s3"):
        s3 = _field(record, "s3", where)
        bucket = _string(_field(s3, "bucket", f"{where}.s3"), "name", f"{where}.s3.bucket")
        obj = _field(s3, "object", f"{where}.s3")
        raw_key = _string(obj, "key", f"{where}.s3.object")
        size = obj.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise InvalidEvent(f"{where}.s3.object.size must be a non-negative integer")
        try:
            key = unquote_plus(raw_key, errors="strict")
        except UnicodeDecodeError:
            raise InvalidEvent(f"{where}.s3.object.key is not valid URL-encoded UTF-8") from None
        version = obj.get("versionId")
        refs.append(
            S3ObjectRef(
                bucket=bucket,
                key=key,
                size=size,
                version_id=version if isinstance(version, str) and version else None,
                event_name=str(record.get("eventName", "")),
            )
        )
    return refs


@dataclass(frozen=True)
class KinesisRecord:
    sequence_number: str
    partition_key: str
    data: str  # base64, as Kinesis delivers it
    event_id: str


def parse_kinesis_event(event: Any) -> list[KinesisRecord]:
    """The records of a Kinesis event source mapping batch; InvalidEvent if it is not one."""
    parsed = []
    for where, record in _records(event, "aws:kinesis"):
        kinesis = _field(record, "kinesis", where)
        parsed.append(
            KinesisRecord(
                sequence_number=_string(kinesis, "sequenceNumber", f"{where}.kinesis"),
                partition_key=str(kinesis.get("partitionKey", "")),
                data=_string(kinesis, "data", f"{where}.kinesis"),
                event_id=str(record.get("eventID", "")),
            )
        )
    return parsed


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    receipt_handle: str
    body: str
    queue_arn: str
    receive_count: int
    attributes: dict[str, str]  # message attributes with a string value


def _receive_count(record: dict[str, Any]) -> int:
    raw = (record.get("attributes") or {}).get("ApproximateReceiveCount", "1")
    # isdigit() alone would read "٣" (an Arabic-Indic three) as 3.
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() else 1


def _string_attributes(raw: Any, value_key: str) -> dict[str, str]:
    return {
        str(name): str(value[value_key])
        for name, value in (raw if isinstance(raw, dict) else {}).items()
        if isinstance(value, dict) and isinstance(value.get(value_key), str)
    }


def parse_sqs_event(event: Any) -> list[QueueMessage]:
    """The messages of an SQS event source mapping batch; InvalidEvent if it is not one."""
    messages = []
    for where, record in _records(event, "aws:sqs"):
        arn = _string(record, "eventSourceARN", where)
        if not arn.startswith("arn:") or arn.count(":") != 5:
            raise InvalidEvent(f"{where}.eventSourceARN is not a queue ARN")
        if not isinstance(record.get("attributes", {}), dict):
            raise InvalidEvent(f"{where}.attributes must be an object")
        messages.append(
            QueueMessage(
                message_id=_string(record, "messageId", where),
                receipt_handle=_string(record, "receiptHandle", where),
                body=_string(record, "body", where),
                queue_arn=arn,
                receive_count=_receive_count(record),
                attributes=_string_attributes(record.get("messageAttributes"), "stringValue"),
            )
        )
    return messages


@dataclass(frozen=True)
class TopicMessage:
    message_id: str
    topic_arn: str
    message: str
    attributes: dict[str, str]


def parse_sns_event(event: Any) -> list[TopicMessage]:
    """The messages of an SNS delivery to Lambda; InvalidEvent if it is not one."""
    messages = []
    for where, record in _records(event, "aws:sns", source_key="EventSource"):
        sns = _field(record, "Sns", where)
        message = _field(sns, "Message", f"{where}.Sns")
        if not isinstance(message, str):
            raise InvalidEvent(f"{where}.Sns.Message must be a string")
        messages.append(
            TopicMessage(
                message_id=str(sns.get("MessageId", "")),
                topic_arn=str(sns.get("TopicArn", "")),
                message=message,
                attributes=_string_attributes(sns.get("MessageAttributes"), "Value"),
            )
        )
    return messages
