"""Orders as the checkout API accepts them, and the job the worker receives. No AWS here."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from lambdas.common.exceptions import ValidationFailed

MAX_ITEMS = 50
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
FIELDS = {"customerId", "items", "currency"}
ITEM_FIELDS = {"sku", "quantity", "unitPrice"}


def _price(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None
    return price if price.is_finite() and price > 0 and -price.as_tuple().exponent <= 2 else None


def validate_order(body: Any) -> dict[str, Any]:
    """The order as a job body (strings for money); ValidationFailed naming every bad field."""
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", details={"fields": {"body": "must be an object"}})
    errors: dict[str, str] = {f"{k}"[:60]: "unknown field" for k in set(body) - FIELDS}
    customer = body.get("customerId")
    if not isinstance(customer, str) or not _ID.match(customer):
        errors["customerId"] = "must be 1-64 letters, digits, _ or -"
    currency = body.get("currency", "USD")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        errors["currency"] = "must be a three-letter ISO code"
    items = body.get("items")
    lines: list[dict[str, Any]] = []
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        errors["items"] = f"must be a list of 1-{MAX_ITEMS} items"
    else:
        for index, item in enumerate(items):
            where = f"items[{index}]"
            if not isinstance(item, dict) or set(item) - ITEM_FIELDS:
                errors[where] = f"must be an object with {', '.join(sorted(ITEM_FIELDS))}"
                continue
            sku, quantity, price = item.get("sku"), item.get("quantity"), _price(item.get("unitPrice"))
            if not isinstance(sku, str) or not _SKU.match(sku):
                errors[f"{where}.sku"] = "must be 1-64 letters, digits, _ . or -"
            if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 1000:
                errors[f"{where}.quantity"] = "must be an integer 1-1000"
            if price is None:
                errors[f"{where}.unitPrice"] = "must be a positive amount with at most 2 decimals"
            if not any(k.startswith(where) for k in errors):
                lines.append({"sku": sku, "quantity": quantity, "unitPrice": str(price)})
    if errors:
        raise ValidationFailed("the order is invalid", details={"fields": errors})
    total = sum((Decimal(line["unitPrice"]) * line["quantity"] for line in lines), Decimal(0))
    return {"customerId": customer, "currency": currency, "items": lines, "total": str(total)}
