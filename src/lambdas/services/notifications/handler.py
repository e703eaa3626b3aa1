"""Lambda entry point of the order-events subscriber (SNS, filter policy `event_type = order.completed`)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from lambdas.common.exceptions import InvalidEvent
from lambdas.common.settings import metrics_namespace
from lambdas.common.untrusted import MalformedJson, json_value

SERVICE = "notifications"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


def _notifications(event: Any) -> list[tuple[dict[str, Any], dict[str, str]]]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        raise InvalidEvent("not an SNS event")
    parsed = []
    for index, record in enumerate(records):
        sns = record.get("Sns") if isinstance(record, dict) and record.get("EventSource") == "aws:sns" else None
        if not isinstance(sns, dict) or not isinstance(sns.get("Message"), str):
            raise InvalidEvent(f"Records[{index}] is not an SNS notification")
        try:
            message = json_value(sns["Message"], what=f"Records[{index}].Sns.Message")
        except MalformedJson as exc:
            message = {"rejected": exc.message}
        raw_attributes = sns.get("MessageAttributes")
        attributes = {
            str(k): str(v.get("Value"))
            for k, v in (raw_attributes if isinstance(raw_attributes, dict) else {}).items()
            if isinstance(v, dict)
        }
        parsed.append((message if isinstance(message, dict) else {"value": message}, attributes))
    return parsed


def _recipient(message: dict[str, Any]) -> str | None:
    """The customer to notify: a notification without one cannot be delivered to anybody."""
    customer = message.get("customer_id")
    return customer if isinstance(customer, str) and 0 < len(customer) <= 128 else None


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        notifications = _notifications(event)
    except InvalidEvent as exc:
        logger.error("event rejected", extra={"error": exc.code, "reason": exc.message})
        return {"sent": 0, "rejected": 1}
    sent = rejected = 0
    for message, attributes in notifications:
        logger.set_correlation_id(attributes.get("correlation_id") or message.get("correlation_id"))
        if "rejected" in message and len(message) == 1:
            logger.warning("notification rejected", extra={"error": "malformed_json", "reason": message["rejected"]})
            rejected += 1
            continue
        if _recipient(message) is None:
            # SNS would redeliver a raised error to no avail: refuse this message, keep the others.
            logger.warning("notification rejected", extra={"error": "no_recipient",
                                                            "reason": "the message names no customer_id"})  # fmt: skip
            rejected += 1
            continue
        details = {"event_type": attributes.get("event_type"), "order_id": message.get("order_id"),
                   "customer_id": message.get("customer_id")}  # fmt: skip
        logger.info("customer notified", extra=details)
        metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
        sent += 1
    return {"sent": sent, "rejected": rejected} if rejected else {"sent": sent}
