"""Orders as they arrive on the stream: base64 JSON, validated here. No AWS here."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lambdas.common import money
from lambdas.common.exceptions import UnprocessableContent
from lambdas.common.identifiers import CURRENCY, ID
from lambdas.common.untrusted import json_value

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
        return {"order_id": self.order_id, "customer_id": self.customer_id, "amount": money.to_text(self.amount),
                "currency": self.currency}  # fmt: skip


def _amount(value: Any) -> Decimal:
    # a JSON number arrives as int or float: within the bounds its repr is what the producer wrote
    try:
        return money.parse_amount(value, allow_float=True)
    except money.AmountError as exc:
        raise InvalidOrder(f"amount {str(value)[:30]!r}: {exc}") from None


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
    if not ID.holds(order_id):
        raise InvalidOrder(f"orderId must be {ID.description}")
    if not ID.holds(customer_id):
        raise InvalidOrder(f"customerId must be {ID.description}")
    currency = body.get("currency", "USD")
    if not CURRENCY.holds(currency):
        raise InvalidOrder(f"currency must be {CURRENCY.description}")
    return Order(order_id, customer_id, _amount(body.get("amount")), currency)
