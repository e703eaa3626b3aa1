"""An event source mapping reads its source with the function's execution role, as Lambda's poller does.

AWS refuses to create a mapping whose role cannot read the source (InvalidParameterValueException,
naming the actions), and a mapping whose role loses that permission later stops reading: records
wait in the queue or stream and the mapping reports a problem. The same here, judged by the
emulator's IAM enforcement (iam/enforcement.py), the denial logged once with the statement to add.
"""

from __future__ import annotations

from typing import Any

# What Lambda needs to read a source, per source (its documentation's execution role permissions),
# checked when a mapping is created.
ON_CREATE = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary", "kinesis:ListShards"),
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                 "dynamodb:ListStreams"),
}  # fmt: skip
# What each poll needs.
ON_POLL = {"sqs": "sqs:ReceiveMessage", "kinesis": "kinesis:GetRecords", "dynamodb": "dynamodb:GetRecords"}


def source_service(source_arn: str) -> str:
    return source_arn.split(":")[2] if source_arn.count(":") >= 5 else ""


def refused_actions(iam: Any, role_arn: str, function_name: str, source_arn: str) -> list[str]:
    """The actions Lambda needs on the source that the role does not allow (none without enforcement)."""
    if iam is None:
        return []
    needed = ON_CREATE.get(source_service(source_arn), ())
    return [action for action in needed if not iam.allows(role_arn, function_name, action, source_arn)]


def may_read(iam: Any, function: Any, source_arn: str) -> bool:
    """Whether this poll may read the source as the function's role."""
    action = ON_POLL.get(source_service(source_arn))
    if iam is None or action is None:
        return True
    return bool(iam.allows(function.role, function.function_name, action, source_arn))


def may_delete(iam: Any, function: Any, queue_arn: str) -> bool:
    return iam is None or bool(iam.allows(function.role, function.function_name, "sqs:DeleteMessage", queue_arn))
