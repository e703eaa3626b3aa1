"""The work queue, as checkout hands it an order: the only module here that talks to AWS."""

from __future__ import annotations

import json
from typing import Any

from lambdas.common import aws, correlation


def queue_job(queue_url: str, job: dict[str, Any], correlation_id: str) -> str:
    """The SQS message id of the queued job; the correlation id travels as a message attribute."""
    with aws.dependency("queueing the order"):
        sent = aws.client("sqs").send_message(
            QueueUrl=queue_url,
            MessageBody=json.dumps(job),
            MessageAttributes=correlation.sqs_attributes(correlation_id),
        )
    return str(sent["MessageId"])
