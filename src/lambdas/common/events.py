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


def parse_s3_event(event: Any) -> list[S3ObjectRef]:
    """All object references of an S3 notification event (one per record)."""
    records = _field(event, "Records", "event")
    if not isinstance(records, list) or not records:
        raise InvalidEvent("event.Records must be a non-empty list")
    refs = []
    for index, record in enumerate(records):
        where = f"Records[{index}]"
        if _field(record, "eventSource", where) != "aws:s3":
            raise InvalidEvent(f"{where} is not an S3 event (eventSource={record.get('eventSource')!r})")
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
    records = _field(event, "Records", "event")
    if not isinstance(records, list) or not records:
        raise InvalidEvent("event.Records must be a non-empty list")
    parsed = []
    for index, record in enumerate(records):
        where = f"Records[{index}]"
        if _field(record, "eventSource", where) != "aws:kinesis":
            raise InvalidEvent(f"{where} is not a Kinesis record")
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
