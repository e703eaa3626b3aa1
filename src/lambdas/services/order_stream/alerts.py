"""Large-order alerts: one SNS message per order, however often its record is redelivered."""

from __future__ import annotations

from functools import cache
from typing import Any

from lambdas.common import notify
from lambdas.common.idempotency import Once
from lambdas.services.order_stream import settings
from lambdas.services.order_stream.model import Order

ALERT_MEMORY_SECONDS = 7 * 24 * 3600  # longer than any redelivery: the stream keeps records 24 h
# longer than the mapping's retries of a batch (seconds): an alert whose delivery died after publishing
# is dead-lettered with its reason, never published twice (common/idempotency.py)
IN_PROGRESS_GRACE_SECONDS = 300


def _publish(order: dict[str, Any]) -> dict[str, str]:
    message_id = notify.publish(
        settings.current().topic_arn,
        f"Large order {order['order_id']}: {order['amount']} {order['currency']}",
        {"type": "large_order", **order},
        {"order_id": order["order_id"], "type": "large_order"},
    )
    return {"message_id": message_id}


@cache
def alerts() -> Once:
    return Once(_publish, table=settings.current().idempotency_table, key="order_id",
                remember_seconds=ALERT_MEMORY_SECONDS, in_progress_grace_seconds=IN_PROGRESS_GRACE_SECONDS)  # fmt: skip


def alert_if_large(order: Order) -> str | None:
    """The alert's message id if the order is above the threshold (sent now or by an earlier delivery)."""
    if order.amount <= settings.current().threshold:
        return None
    return alerts()(order.to_json())["message_id"]
