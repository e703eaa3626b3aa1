"""Lambda entry point of the order stream consumer (Kinesis event source mapping).

Every valid order in the batch is handled first; an order above the threshold publishes one SNS
alert, however often its record is redelivered (Powertools idempotency, keyed by order id, in
DynamoDB). If any record is not a valid order, the invocation then fails naming those records:
the mapping bisects the batch, retries a bounded number of times, and sends what still fails to
its on-failure destination. The shard is never blocked by one bad record.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common import aws, notify
from lambdas.common.events import parse_kinesis_event
from lambdas.common.exceptions import InvalidEvent, PlatformError
from lambdas.common.settings import metrics_namespace, order_settings
from lambdas.services.orders.model import InvalidOrder, Order, parse_order

SERVICE = "orders"
ALERT_MEMORY_SECONDS = 7 * 24 * 3600  # longer than any redelivery: the stream keeps records 24 h
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


class PoisonRecords(PlatformError):
    """Records that are not orders; failing the batch lets the mapping isolate and divert them."""

    code = "poison_records"


@cache
def _alerting() -> tuple[Any, Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    settings = order_settings()
    config = IdempotencyConfig(event_key_jmespath="order_id", expires_after_seconds=ALERT_MEMORY_SECONDS)
    store = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=aws.client("dynamodb"))

    @idempotent_function(data_keyword_argument="order", config=config, persistence_store=store)
    def alert(order: dict[str, Any]) -> dict[str, str]:
        message_id = notify.publish(
            settings.topic_arn,
            f"Large order {order['order_id']}: {order['amount']} {order['currency']}",
            {"type": "large_order", **order},
            {"order_id": order["order_id"], "type": "large_order"},
        )
        return {"message_id": message_id}

    return alert, config


def handle_order(order: Order) -> bool:
    """True if an alert was published for this order (now or by an earlier delivery)."""
    if order.amount <= order_settings().threshold:
        return False
    alert, _ = _alerting()
    result = alert(order=order.to_json())
    logger.info("large order alerted", extra={"order_id": order.order_id, "amount": str(order.amount),
                                              "message_id": result["message_id"]})  # fmt: skip
    return True


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        records = parse_kinesis_event(event)
    except InvalidEvent as exc:
        logger.error("event rejected", extra={"error": exc.code, "reason": exc.message})
        raise
    _, config = _alerting()
    config.register_lambda_context(context)
    poison, alerted = [], 0
    for record in records:
        try:
            order = parse_order(record.data)
        except InvalidOrder as exc:
            logger.error("record rejected", extra={"sequence_number": record.sequence_number, "reason": exc.message})
            poison.append(record.sequence_number)
            continue
        alerted += handle_order(order)
    metrics.add_metric(name="OrdersProcessed", unit=MetricUnit.Count, value=len(records) - len(poison))
    metrics.add_metric(name="OrderAlerts", unit=MetricUnit.Count, value=alerted)
    if poison:
        metrics.add_metric(name="PoisonRecords", unit=MetricUnit.Count, value=len(poison))
        raise PoisonRecords(f"{len(poison)} of {len(records)} records are not valid orders: {', '.join(poison[:10])}")
    return {"processed": len(records), "alerted": alerted}
