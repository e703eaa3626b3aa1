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
    ("data", "message"),
    [
        ("!!!not base64", "the record is not base64-encoded"),
        # characters outside base64's alphabet are refused, not skipped over to what is left
        (encoded({"orderId": "o-1", "customerId": "c", "amount": 1})[:8] + "!" + encoded(
            {"orderId": "o-1", "customerId": "c", "amount": 1})[8:], "the record is not base64-encoded"),
        (encoded(b"\xff\xfe not utf-8"), "the record is not UTF-8 (byte 0xff at offset 0)"),
        (encoded(b"[1, 2]"), "the order must be a JSON object"),
        (encoded({"customerId": "c", "amount": 1}), "orderId must be 1-64 letters, digits, _ or -"),
        (encoded({"orderId": "o 1", "customerId": "c", "amount": 1}), "orderId must be 1-64 letters, digits, _ or -"),
        (encoded({"orderId": "o-1", "customerId": "c c", "amount": 1}),
         "customerId must be 1-64 letters, digits, _ or -"),
        (encoded({"orderId": "o-1", "customerId": "c", "amount": -5}), "amount '-5': is negative"),
        (encoded({"orderId": "o-1", "customerId": "c", "amount": "1.001"}), "amount '1.001': has more than 2 decimals"),
        (encoded({"orderId": "o-1", "customerId": "c", "amount": True}),
         "amount 'True': is not a number (true or false)"),
        # what the message quotes of a long amount is its first 30 characters
        (encoded({"orderId": "o-1", "customerId": "c", "amount": "9" * 40}),
         f"amount '{'9' * 30}': is too large (at most 9 digits before the point)"),
        (encoded({"orderId": "o-1", "customerId": "c", "amount": "Infinity"}), None),
        (encoded({"orderId": "o-1", "customerId": "c", "amount": 1, "currency": "euro"}),
         "currency must be a three-letter ISO 4217 code"),
    ],
)  # fmt: skip
@pytest.mark.documents("services.md", "Order records")
def test_invalid_records_are_named(data: str, message: str | None) -> None:
    with pytest.raises(InvalidOrder) as refused:
        parse_order(data)
    if message is not None:
        assert str(refused.value) == message


LIMIT = 64 * 1024 * 4 // 3 + 4  # the longest base64 a record of 64 KiB can be (87,385 characters)


def _order_of_length(length: int) -> str:
    """A valid order whose base64 is exactly `length` characters (a multiple of 4)."""
    base = {"orderId": "o-big", "customerId": "c", "amount": "1.00", "note": ""}
    raw_length = length // 4 * 3 - 2  # base64 of n bytes is 4 * ceil(n / 3); two bytes short of a full group
    base["note"] = "x" * (raw_length - len(json.dumps(base)))
    data = encoded(base)
    assert len(data) == length
    return data


@pytest.mark.documents("services.md", "Order records")
def test_a_record_up_to_the_limit_is_read_and_one_character_more_is_refused() -> None:
    assert parse_order(_order_of_length(LIMIT - 1)).order_id == "o-big"  # 87,384: the longest valid base64
    # at the limit the size passes (and 87,385 characters cannot be base64); one more is too large
    with pytest.raises(InvalidOrder, match="^the record is not base64-encoded$"):
        parse_order("A" * LIMIT)
    for too_long in ("A" * (LIMIT + 1), _order_of_length(LIMIT + 3)):
        with pytest.raises(InvalidOrder, match="^the record is larger than an order can be$"):
            parse_order(too_long)


def test_an_order_says_itself_in_the_alerts_words() -> None:
    order = Order("o-1", "c-7", Decimal("1500.1"), "EUR")
    assert order.to_json() == {"order_id": "o-1", "customer_id": "c-7", "amount": "1500.10", "currency": "EUR"}
