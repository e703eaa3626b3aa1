from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from lambdas.services.order_stream.model import InvalidOrder, Order, parse_order


def encoded(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.b64encode(raw).decode()


@pytest.mark.documents("services.md", "Order records")
def test_a_valid_order_is_parsed_exactly() -> None:
    order = parse_order(encoded({"orderId": "o-1", "customerId": "c-7", "amount": "1500.10", "currency": "EUR"}))
    assert order == Order("o-1", "c-7", Decimal("1500.10"), "EUR")
    assert parse_order(encoded({"orderId": "o-2", "customerId": "c", "amount": 12})).currency == "USD"


@pytest.mark.parametrize(
    "data",
    [
        "!!!not base64",
        encoded(b"\xff\xfe not utf-8"),
        encoded(b"[1, 2]"),
        encoded({"customerId": "c", "amount": 1}),
        encoded({"orderId": "o 1", "customerId": "c", "amount": 1}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": -5}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": "1.001"}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": True}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": "Infinity"}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": 1, "currency": "euro"}),
    ],
)
@pytest.mark.documents("services.md", "Order records")
def test_invalid_records_are_named(data: str) -> None:
    with pytest.raises(InvalidOrder):
        parse_order(data)
