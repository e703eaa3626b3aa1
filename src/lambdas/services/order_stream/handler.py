"""Lambda entry point of the order stream consumer (Kinesis event source mapping).

Every valid order in the batch is handled first; an order above the threshold publishes one SNS
alert, however often its record is redelivered. If any record is not a valid order, the invocation
then fails naming those records: the mapping bisects the batch, retries a bounded number of times,
and sends what still fails to its on-failure destination. The shard is never blocked by one bad record.
"""

from __future__ import annotations

from typing import Any

from lambdas.common.events import parse_kinesis_event
from lambdas.common.exceptions import InvalidEvent, PlatformError
from lambdas.common.observability import observe
from lambdas.services.order_stream.alerts import alert_if_large, alerts
from lambdas.services.order_stream.model import InvalidOrder, parse_order

observed = observe("order-stream")


class PoisonRecords(PlatformError):
    """Records that are not orders; failing the batch lets the mapping isolate and divert them."""

    code = "poison_records"


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        records = parse_kinesis_event(event)
    except InvalidEvent as exc:
        observed.rejected(exc)
        raise
    alerts().within(context)
    poison, alerted = [], 0
    for record in records:
        try:
            order = parse_order(record.data)
        except InvalidOrder as exc:
            observed.rejected(exc, "record rejected", sequence_number=record.sequence_number)
            poison.append(record.sequence_number)
            continue
        message_id = alert_if_large(order)
        if message_id is not None:
            observed.logger.info(
                "large order alerted",
                extra={"order_id": order.order_id, "amount": str(order.amount), "message_id": message_id},
            )
            alerted += 1
    observed.count("OrdersProcessed", len(records) - len(poison))
    observed.count("OrderAlerts", alerted)
    if poison:
        observed.count("PoisonRecords", len(poison))
        raise PoisonRecords(f"{len(poison)} of {len(records)} records are not valid orders: {', '.join(poison[:10])}")
    return {"processed": len(records), "alerted": alerted}
