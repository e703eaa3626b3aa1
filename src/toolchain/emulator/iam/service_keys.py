"""Whether an AWS service may deliver into a queue or a topic: its KMS key and its policy.

A service that delivers to an encrypted queue or topic (SNS to SQS, CloudWatch alarms to SNS) must
use its key, so the key's policy must let the service principal generate data keys and decrypt. An
AWS managed key (alias/aws/sqs, alias/aws/sns) lets only the account's own principals use it and
its policy cannot be changed: such a delivery fails on AWS, silently for whoever published
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
"""

from __future__ import annotations

import json
from typing import Any

from toolchain.emulator.iam.resource_policies import Invoker, allowing_statement

AWS_MANAGED = ("alias/aws/sqs", "alias/aws/sns")
NEEDED = ("kms:GenerateDataKey", "kms:Decrypt")


def key_refusal(key_id: str | None, region: str, invoker: Invoker) -> str | None:
    """Why `invoker` cannot use the key (None when it can, or nothing is encrypted)."""
    if not key_id:
        return None
    if key_id in AWS_MANAGED or key_id.endswith(tuple(f":{alias}" for alias in AWS_MANAGED)):
        return (f"{key_id} is an AWS managed key, which {invoker.service} cannot use (its policy cannot be "
                f"changed): encrypt with a customer managed key whose policy lets {invoker.service} call "
                f"{' and '.join(NEEDED)}")  # fmt: skip
    from moto.kms.models import kms_backends

    try:
        key = kms_backends[invoker.source_account][region].describe_key(key_id)
        statements = json.loads(key.policy or "{}").get("Statement", [])
    except Exception:  # no such key, or a policy that is not JSON
        return f"the KMS key {key_id} does not exist or its policy cannot be read"
    statements = statements if isinstance(statements, list) else [statements]
    missing = [a for a in NEEDED if allowing_statement(statements, key.arn, invoker, action=a) is None]
    if missing:
        return f"the policy of KMS key {key_id} does not let {invoker.service} call {' or '.join(missing)}"
    return None


def _statements(policy: Any) -> list[dict[str, Any]]:
    try:
        found = json.loads(policy).get("Statement", []) if policy else []
    except (TypeError, ValueError, AttributeError):
        found = []
    return found if isinstance(found, list) else [found]


def topic_refusal(topic: Any, invoker: Invoker) -> str | None:
    """Why a service cannot publish to the topic (CloudWatch alarms): its key, or its policy. The policy
    SNS gives a new topic lets the account's services publish (AWS:SourceOwner); one replaced by a
    policy naming only other principals does not."""
    refusal = key_refusal(getattr(topic, "kms_master_key_id", None), topic.arn.split(":")[3], invoker)
    if refusal:
        return refusal
    if allowing_statement(_statements(topic.policy), topic.arn, invoker, action="sns:Publish") is None:
        return (f"the policy of {topic.arn} does not let {invoker.service} call sns:Publish from "
                f"{invoker.source_arn} (an aws_sns_topic_policy statement with that principal and an "
                "aws:SourceArn condition)")  # fmt: skip
    return None


def queue_refusal(queue: Any, invoker: Invoker) -> str | None:
    """Why a service (SNS for a topic, S3 for a bucket) cannot deliver to the queue: its key, or its
    policy (no sqs:SendMessage for that source)."""
    region = queue.queue_arn.split(":")[3]
    refusal = key_refusal(getattr(queue, "kms_master_key_id", None), region, invoker)
    if refusal:
        return refusal
    if allowing_statement(_statements(queue.policy), queue.queue_arn, invoker, action="sqs:SendMessage") is None:
        fix = "an aws_sqs_queue_policy with that principal and an aws:SourceArn condition"
        return (
            f"the policy of {queue.queue_arn} does not let {invoker.service} call sqs:SendMessage from "
            f"{invoker.source_arn} ({fix})"
        )
    return None
