"""Lambda entry points of the order workflow's steps (Step Functions tasks): validate, process,
notify, and the failure recorder its Catch runs."""

from __future__ import annotations

from typing import Any

from lambdas.common import correlation
from lambdas.common.observability import observe
from lambdas.services.workflow.status import announce_completed, set_status
from lambdas.services.workflow.steps import checked_total, failure, order_of

observed = observe("workflow")


def _begin(event: Any) -> dict[str, Any]:
    observed.correlate(correlation.from_payload(event))
    return order_of(event)


@observed.handler()
def validate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = _begin(event)
    total = checked_total(order)
    observed.logger.info("order validated", extra={"order_id": order["orderId"], "total": str(total)})
    return {**event, "validated": True}


@observed.handler()
def process(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = _begin(event)
    set_status(order["orderId"], "processed", total=str(order.get("total", "")))
    observed.logger.info("order processed", extra={"order_id": order["orderId"]})
    observed.count("OrdersProcessed")
    return {**event, "processed": True}


@observed.handler()
def notify_customer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = _begin(event)
    message_id = announce_completed(order, correlation.from_payload(event))
    set_status(order["orderId"], "completed")
    observed.logger.info("customer notified", extra={"order_id": order["orderId"], "message_id": message_id})
    return {**event, "notified": True}


@observed.handler()
def record_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    observed.correlate(correlation.from_payload(event))
    order_id, reason = failure(event)
    if order_id:
        set_status(order_id, "failed", reason=reason)
    observed.logger.error("order failed", extra={"order_id": order_id, "reason": reason})
    observed.count("OrdersFailed")
    return {**(event if isinstance(event, dict) else {}), "failure_recorded": True}
