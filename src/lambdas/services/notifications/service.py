"""What a customer notification is, from an order event. No AWS here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.common.events import TopicMessage
from lambdas.common.exceptions import UnprocessableContent
from lambdas.common.untrusted import MalformedJson, json_value


class NoRecipient(UnprocessableContent):
    """SNS would redeliver a raised error to no avail: such a message is refused, the others kept."""

    code = "no_recipient"


@dataclass(frozen=True)
class Notification:
    customer_id: str
    order_id: Any
    event_type: str | None
    correlation_id: str | None


def notification(message: TopicMessage) -> Notification:
    """The notification an order event asks for; MalformedJson or NoRecipient if it cannot be sent."""
    body = json_value(message.message, what="the message", error=MalformedJson)
    body = body if isinstance(body, dict) else {}
    customer = body.get("customer_id")
    if not isinstance(customer, str) or not 0 < len(customer) <= 128:
        raise NoRecipient("the message names no customer_id")
    correlation = message.attributes.get("correlation_id") or body.get("correlation_id")
    return Notification(
        customer,
        body.get("order_id"),
        message.attributes.get("event_type"),
        correlation if isinstance(correlation, str) else None,
    )
