"""Publishing to SNS; a failed publish is a DependencyError so that the caller's retry policy applies."""

from __future__ import annotations

import json
from typing import Any

from lambdas.common import aws


def publish(topic_arn: str, subject: str, message: dict[str, Any], attributes: dict[str, str | None]) -> str:
    """Publish `message` as JSON; an attribute without a value is left out, as SNS refuses an empty
    one (InvalidParameter) and the whole publish with it."""
    with aws.dependency(f"SNS publish to {topic_arn}"):
        response = aws.client("sns").publish(
            TopicArn=topic_arn,
            Subject=subject[:100],
            Message=json.dumps(message, default=str),
            MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v},
        )
    return str(response["MessageId"])
