"""Lambda entry point of the order-events subscriber (SNS, filter policy `event_type = order.completed`)."""

from __future__ import annotations

from typing import Any

from lambdas.common.events import parse_sns_event
from lambdas.common.exceptions import InvalidEvent, RejectedInput
from lambdas.common.observability import observe
from lambdas.services.notifications.service import notification

observed = observe("notifications", tracing=())


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        messages = parse_sns_event(event)
    except InvalidEvent as exc:
        observed.rejected(exc)
        return {"sent": 0, "rejected": 1}
    sent = rejected = 0
    for message in messages:
        observed.correlate(message.attributes.get("correlation_id"))
        try:
            notice = notification(message)
        except RejectedInput as exc:
            observed.logger.warning("notification rejected", extra={"error": exc.code, "reason": exc.message})
            rejected += 1
            continue
        observed.correlate(notice.correlation_id)
        observed.logger.info(
            "customer notified",
            extra={"event_type": notice.event_type, "order_id": notice.order_id, "customer_id": notice.customer_id},
        )
        observed.count("NotificationsSent")
        sent += 1
    return {"sent": sent, "rejected": rejected} if rejected else {"sent": sent}
