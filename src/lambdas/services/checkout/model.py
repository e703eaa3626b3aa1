"""Orders as the checkout API accepts them, and the job the worker receives. No AWS here."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from lambdas.common import money
from lambdas.common.exceptions import ValidationFailed
from lambdas.common.identifiers import CURRENCY, ID, SKU

MAX_ITEMS = 50
MAX_QUANTITY = 1000
FIELDS = {"customerId", "items", "currency"}
ITEM_FIELDS = {"sku", "quantity", "unitPrice"}


def validate_order(body: Any) -> dict[str, Any]:
    """The order as a job body (money as fixed-point strings); ValidationFailed naming every bad field."""
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", details={"fields": {"body": "must be an object"}})
    errors: dict[str, str] = {f"{k}"[:60]: "unknown field" for k in set(body) - FIELDS}
    customer = body.get("customerId")
    if not ID.holds(customer):
        errors["customerId"] = f"must be {ID.description}"
    currency = body.get("currency", "USD")
    if not CURRENCY.holds(currency):
        errors["currency"] = f"must be {CURRENCY.description}"
    items = body.get("items")
    lines: list[tuple[str, int, Any]] = []
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        errors["items"] = f"must be a list of 1-{MAX_ITEMS} items"
    else:
        for index, item in enumerate(items):
            where = f"items[{index}]"
            if not isinstance(item, dict) or set(item) - ITEM_FIELDS:
                errors[where] = f"must be an object with {', '.join(sorted(ITEM_FIELDS))}"
                continue
            sku, quantity = item.get("sku"), item.get("quantity")
            if not SKU.holds(sku):
                errors[f"{where}.sku"] = f"must be {SKU.description}"
            if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
                errors[f"{where}.quantity"] = f"must be an integer 1-{MAX_QUANTITY}"
            try:
                price = money.parse_amount(item.get("unitPrice"))
            except money.AmountError:
                errors[f"{where}.unitPrice"] = "must be a positive amount below 1,000,000,000 with at most 2 decimals"
                continue
            if not any(k.startswith(where) for k in errors):
                lines.append((sku, quantity, price))
    if errors:
        raise ValidationFailed("the order is invalid", details={"fields": errors})
    # Bounded inputs keep the total far inside the exact context: 50 x 1000 x 999,999,999.99 < 1e14.
    total = money.total((price, quantity) for _, quantity, price in lines)
    return {
        "customerId": customer,
        "currency": currency,
        "items": [{"sku": s, "quantity": q, "unitPrice": money.to_text(p)} for s, q, p in lines],
        "total": money.to_text(total),
    }


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def order_id_for(caller: str, idempotency_key: str | None, order: dict[str, Any]) -> str:
    """A new order's id: random, or, with an Idempotency-Key, the same for the same caller, key and
    order, so a client that retries after losing the answer places one order, not two (the worker and
    the workflow do a job once per id). The same key with another order is another order."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ValidationFailed(
            "the Idempotency-Key header must be 1-255 printable ASCII characters without spaces",
            details={"fields": {"Idempotency-Key": "1-255 printable ASCII characters, no spaces"}},
        )
    material = json.dumps([caller, idempotency_key, order], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()[:32]
