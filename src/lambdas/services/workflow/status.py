"""The order status table and the order events topic: the workflow's AWS side."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lambdas.common import aws, notify
from lambdas.common.dynamo import update_expression
from lambdas.common.exceptions import DependencyError
from lambdas.services.workflow import settings
from lambdas.services.workflow.steps import TransientFailure


def set_status(order_id: str, status: str, **fields: str) -> None:
    values = {"status": status, "updatedAt": datetime.now(UTC).isoformat(), **fields}
    with aws.dependency(f"recording status {status}", failure=TransientFailure):
        aws.client("dynamodb").update_item(
            TableName=settings.current().status_table,
            Key={"orderId": {"S": order_id}},
            **update_expression(set_fields={name: {"S": value} for name, value in values.items()}),
        )


def announce_completed(order: dict[str, Any], correlation_id: str | None) -> str:
    """Publish order.completed; the message id. A failed publish is worth a retry."""
    try:
        return notify.publish(
            settings.current().events_topic_arn,
            f"Order {order['orderId']} completed",
            {
                "event_type": "order.completed",
                "order_id": order["orderId"],
                "customer_id": order.get("customerId"),
                "total": order.get("total"),
                "correlation_id": correlation_id,
            },
            {"event_type": "order.completed", "correlation_id": correlation_id},
        )
    except DependencyError as exc:
        raise TransientFailure(exc.message) from exc
