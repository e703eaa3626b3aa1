"""The workflow's steps, one Lambda function each. Step Functions retries what raises
`TransientFailure` (with backoff) and catches everything else into `record_failure`.

Each step gets the state's input, `{"order": ..., "correlation_id": ...}`, and returns it enriched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common import aws, correlation, notify
from lambdas.common.dynamo import update_expression
from lambdas.common.exceptions import DependencyError, PlatformError, UnprocessableContent
from lambdas.common.settings import metrics_namespace, workflow_settings

SERVICE = "workflow"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


class OrderRejected(UnprocessableContent):
    """The order cannot be fulfilled as sent: the workflow records why and stops."""

    code = "order_rejected"


class TransientFailure(PlatformError):
    """Worth retrying: the state machine's Retry catches this name."""

    code = "transient_failure"


def _order(event: Any) -> dict[str, Any]:
    order = event.get("order") if isinstance(event, dict) else None
    if not isinstance(order, dict) or not isinstance(order.get("orderId"), str):
        raise OrderRejected("the workflow input has no order")
    return order


def _begin(event: Any) -> dict[str, Any]:
    logger.set_correlation_id(correlation.from_payload(event))
    return _order(event)


def _set_status(order_id: str, status: str, **fields: str) -> None:
    values = {"status": status, "updatedAt": datetime.now(UTC).isoformat(), **fields}
    try:
        aws.client("dynamodb").update_item(
            TableName=workflow_settings().status_table,
            Key={"orderId": {"S": order_id}},
            **update_expression(set_fields={name: {"S": value} for name, value in values.items()}),
        )
    except Exception as exc:
        raise TransientFailure(f"cannot record status {status}: {aws.error_code(exc) or exc}") from exc


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def validate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = _begin(event)
    items = order.get("items")
    if not isinstance(items, list) or not items:
        raise OrderRejected("the order has no items")
    try:
        total = sum((Decimal(str(i["unitPrice"])) * int(i["quantity"]) for i in items), Decimal(0))
        declared = Decimal(str(order.get("total")))
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise OrderRejected("the order's items or total are malformed") from None
    if total != declared:
        raise OrderRejected(f"the items add up to {total}, the order says {declared}")
    logger.info("order validated", extra={"order_id": order["orderId"], "total": str(total)})
    return {**event, "validated": True}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def process(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = _begin(event)
    _set_status(order["orderId"], "processed", total=str(order.get("total", "")))
    logger.info("order processed", extra={"order_id": order["orderId"]})
    metrics.add_metric(name="OrdersProcessed", unit=MetricUnit.Count, value=1)
    return {**event, "processed": True}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def notify_customer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = _begin(event)
    try:
        message_id = notify.publish(
            workflow_settings().events_topic_arn,
            f"Order {order['orderId']} completed",
            {"event_type": "order.completed", "order_id": order["orderId"], "customer_id": order.get("customerId"),
             "total": order.get("total"), "correlation_id": correlation.from_payload(event)},
            {"event_type": "order.completed", "correlation_id": correlation.from_payload(event) or ""},
        )  # fmt: skip
    except DependencyError as exc:
        raise TransientFailure(exc.message) from exc
    _set_status(order["orderId"], "completed")
    logger.info("customer notified", extra={"order_id": order["orderId"], "message_id": message_id})
    return {**event, "notified": True}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def record_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Catch handler: records why the order failed (the Catch puts the error under `error`)."""
    logger.set_correlation_id(correlation.from_payload(event))
    order = event.get("order") if isinstance(event, dict) else None
    order_id = order.get("orderId") if isinstance(order, dict) and isinstance(order.get("orderId"), str) else None
    error = event.get("error") if isinstance(event, dict) and isinstance(event.get("error"), dict) else {}
    reason = f"{error.get('Error', 'unknown')}: {str(error.get('Cause', ''))[:500]}"
    if order_id:
        _set_status(order_id, "failed", reason=reason)
    logger.error("order failed", extra={"order_id": order_id, "reason": reason})
    metrics.add_metric(name="OrdersFailed", unit=MetricUnit.Count, value=1)
    return {**(event if isinstance(event, dict) else {}), "failure_recorded": True}
