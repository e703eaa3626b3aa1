"""What SNS publishes about its deliveries: each notification to an endpoint counted per topic as
delivered or failed (AWS/SNS NumberOfNotificationsDelivered / NumberOfNotificationsFailed), so an
alarm on refused deliveries fires locally as it would on AWS."""

from __future__ import annotations


def notification(topic_arn: str, delivered: bool) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    _, _, _, region, account, name = topic_arn.split(":", 5)
    metric = "NumberOfNotificationsDelivered" if delivered else "NumberOfNotificationsFailed"
    cloudwatch_backends[account][region].put_metric_data(
        "AWS/SNS", [{"MetricName": metric, "Value": 1, "Unit": "Count",
                     "Dimensions": [{"Name": "TopicName", "Value": name}]}]
    )  # fmt: skip
