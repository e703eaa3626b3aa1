"""Correlation ids: one id follows a request from the API through SQS into the workflow.

The API uses API Gateway's request id; it travels as the SQS message attribute `correlation_id`
and as the `correlation_id` field of the workflow's input. Every hop puts it on its log lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ATTRIBUTE = "correlation_id"


def sqs_attributes(correlation_id: str) -> dict[str, dict[str, str]]:
    return {ATTRIBUTE: {"DataType": "String", "StringValue": correlation_id}}


def _usable(found: object) -> str | None:
    # It goes on every log line of the request: an overlong or non-string id is dropped, not copied.
    return found if isinstance(found, str) and 0 < len(found) <= 128 else None


def from_attributes(attributes: Mapping[str, str]) -> str | None:
    """From an SQS message's string attributes (as lambdas.common.events parses them)."""
    return _usable(attributes.get(ATTRIBUTE))


def from_payload(payload: Any) -> str | None:
    return _usable(payload.get(ATTRIBUTE) if isinstance(payload, dict) else None)
