"""What an environment pays for by the month, whatever its traffic, read from its Terraform state and
outputs (the same on the emulator and on AWS): functions with their memory, architecture and
provisioned concurrency; Kinesis shards; alarms and dashboards; secrets; customer managed keys; SQS
queues that Lambda polls; how long its function logs are kept."""

from __future__ import annotations

from collections import Counter
from typing import Any

from toolchain.cost.bill import FunctionConfig, Resources
from toolchain.terraform.state import instances

NEVER_EXPIRES_DAYS = 365  # a log group kept forever is priced as a year of logs


def resources(state: dict[str, Any], outputs: dict[str, Any]) -> Resources:
    functions = {
        name: FunctionConfig(
            int(fn.get("memory_size") or 128),
            str(fn.get("architecture") or "x86_64"),
            int(fn.get("provisioned_concurrency") or 0),
        )
        for name, fn in (outputs.get("functions") or {}).items()
    }
    retention = Counter(
        int(group.get("retention_in_days") or 0) or NEVER_EXPIRES_DAYS
        for group in instances(state, "aws_cloudwatch_log_group")
        if str(group.get("name", "")).startswith("/aws/lambda/")
    )
    return Resources(
        functions=functions,
        shards=sum(int(s.get("shard_count") or 0) for s in instances(state, "aws_kinesis_stream")),
        alarms=sum(1 for _ in instances(state, "aws_cloudwatch_metric_alarm")),
        dashboards=sum(1 for _ in instances(state, "aws_cloudwatch_dashboard")),
        secrets=sum(1 for _ in instances(state, "aws_secretsmanager_secret")),
        customer_keys=sum(1 for _ in instances(state, "aws_kms_key")),
        sqs_mappings=sum(
            1
            for m in instances(state, "aws_lambda_event_source_mapping")
            if ":sqs:" in str(m.get("event_source_arn", ""))
        ),
        log_retention_days=retention.most_common(1)[0][0] if retention else 30,
    )
