"""Correlation ids: one id follows a request from the API through SQS into the workflow.

The API uses API Gateway's request id; it travels as the SQS message attribute `correlation_id`
and as the `correlation_id` field of the workflow's input. Every hop puts it on its log lines.
"""

from __future__ import annotations

from typing import Any

ATTRIBUTE = "correlation_id"


def sqs_attributes(correlation_id: str) -> dict[str, dict[str, str]]:
    return {ATTRIBUTE: {"DataType": "String", "StringValue": correlation_id}}


def from_sqs_record(record: Any) -> str | None:
    attributes = record.get("messageAttributes") if isinstance(record, dict) else None
    value = (attributes or {}).get(ATTRIBUTE) or {}
    found = value.get("stringValue") if isinstance(value, dict) else None
    return found if isinstance(found, str) and 0 < len(found) <= 128 else None


def from_payload(payload: Any) -> str | None:
    found = payload.get(ATTRIBUTE) if isinstance(payload, dict) else None
    return found if isinstance(found, str) and 0 < len(found) <= 128 else None
