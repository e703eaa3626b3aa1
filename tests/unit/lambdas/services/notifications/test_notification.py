"""What a notification is made of: the customer (1-128 characters), the order, the event type and the
correlation id (the message attribute first, then the body's), or a named refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambdas.common.events import TopicMessage
from lambdas.common.untrusted import MalformedJson
from lambdas.services.notifications.service import NoRecipient, Notification, notification


def message(body: Any, **attributes: str) -> TopicMessage:
    text = body if isinstance(body, str) else json.dumps(body)
    return TopicMessage("m-1", "arn:aws:sns:us-east-1:123456789012:order-events", text, attributes)


def test_a_completed_order_makes_this_notification() -> None:
    made = notification(message({"customer_id": "c-42", "order_id": "o-7", "correlation_id": "from-body"},
                                event_type="order.completed", correlation_id="from-attribute"))  # fmt: skip
    assert made == Notification("c-42", "o-7", "order.completed", "from-attribute")


def test_the_bodys_correlation_id_is_used_when_the_attribute_is_missing() -> None:
    assert notification(message({"customer_id": "c", "correlation_id": "from-body"})).correlation_id == "from-body"


@pytest.mark.parametrize("correlation", [17, ["a"], {"id": "x"}, None])
def test_a_correlation_id_that_is_not_text_is_left_out(correlation: Any) -> None:
    made = notification(message({"customer_id": "c", "correlation_id": correlation}))
    assert (made.customer_id, made.correlation_id, made.event_type) == ("c", None, None)


@pytest.mark.parametrize(("customer", "sent"), [("c", True), ("c" * 128, True), ("c" * 129, False), ("", False),
                                                (42, False), (None, False)])  # fmt: skip
def test_the_customer_is_1_to_128_characters_of_text(customer: Any, sent: bool) -> None:
    if sent:
        assert notification(message({"customer_id": customer})).customer_id == customer
        return
    with pytest.raises(NoRecipient) as refused:
        notification(message({"customer_id": customer}))
    assert str(refused.value) == "the message names no customer_id"


def test_a_message_that_is_not_json_is_refused_by_name() -> None:
    with pytest.raises(MalformedJson) as refused:
        notification(message("{not json"))
    assert str(refused.value).startswith("the message is not valid JSON")
