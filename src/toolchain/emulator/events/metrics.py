"""What EventBridge publishes about a rule's targets: each invocation counted per rule, a failed one
(refused by the function's resource policy) in FailedInvocations too, as AWS/Events counts them."""

from __future__ import annotations


def rule_invocation(rule_arn: str, delivered: bool) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    _, _, _, region, account, resource = rule_arn.split(":", 5)
    dimensions = [{"Name": "RuleName", "Value": resource.rsplit("/", 1)[-1]}]
    metrics = ["Invocations"] if delivered else ["Invocations", "FailedInvocations"]
    cloudwatch_backends[account][region].put_metric_data(
        "AWS/Events", [{"MetricName": m, "Value": 1, "Unit": "Count", "Dimensions": dimensions} for m in metrics]
    )
