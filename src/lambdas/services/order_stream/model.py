"""Orders as they arrive on the stream: base64 JSON, validated here. No AWS here."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lambdas.common.exceptions import UnprocessableContent
from lambdas.common.untrusted import json_value

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_RECORD_BYTES = 64 * 1024


class InvalidOrder(UnprocessableContent):
    code = "invalid_order"


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    amount: Decimal
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "customer_id": self.customer_id, "amount": str(self.amount),
                "currency": self.currency}  # fmt: skip


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidOrder("amount must be a number or a decimal string")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidOrder(f"amount {str(value)[:30]!r} is not a number") from None
    if not amount.is_finite() or amount <= 0 or -amount.as_tuple().exponent > 2:
        raise InvalidOrder("amount must be positive with at most 2 decimals")
    return amount


def parse_order(data: str) -> Order:
    """An order from a Kinesis record's base64 data; InvalidOrder naming what is wrong."""
    if len(data) > MAX_RECORD_BYTES * 4 // 3 + 4:
        raise InvalidOrder("the record is larger than an order can be")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidOrder("the record is not base64-encoded") from None
    body = json_value(raw, what="the record", error=InvalidOrder)
    if not isinstance(body, dict):
        raise InvalidOrder("the order must be a JSON object")
    order_id, customer_id = body.get("orderId"), body.get("customerId")
    if not isinstance(order_id, str) or not _ID.match(order_id):
        raise InvalidOrder("orderId must be 1-64 letters, digits, _ or -")
    if not isinstance(customer_id, str) or not _ID.match(customer_id):
        raise InvalidOrder("customerId must be 1-64 letters, digits, _ or -")
    currency = body.get("currency", "USD")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise InvalidOrder("currency must be a three-letter ISO code")
    return Order(order_id, customer_id, _amount(body.get("amount")), currency)
