"""The order workflow's decisions, one per step. No AWS here.

Each step gets the state's input, `{"order": ..., "correlation_id": ...}`. Step Functions retries
what raises `TransientFailure` (with backoff) and catches everything else into the failure step.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lambdas.common import money
from lambdas.common.exceptions import PlatformError, UnprocessableContent
from lambdas.common.identifiers import ID

MAX_QUANTITY = 1000


class OrderRejected(UnprocessableContent):
    """The order cannot be fulfilled as sent: the workflow records why and stops."""

    code = "order_rejected"


class TransientFailure(PlatformError):
    """Worth retrying: the state machine's Retry catches this name."""

    code = "transient_failure"


def order_of(event: Any) -> dict[str, Any]:
    order = event.get("order") if isinstance(event, dict) else None
    if not isinstance(order, dict) or not ID.holds(order.get("orderId")):
        raise OrderRejected("the workflow input has no order")
    return order


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise OrderRejected(f"a quantity must be an integer 1-{MAX_QUANTITY}")
    return value


def checked_total(order: dict[str, Any]) -> Decimal:
    """The order's total, after checking its customer, and that its items add up to it exactly."""
    if not ID.holds(order.get("customerId")):
        raise OrderRejected(f"customerId must be {ID.description}")
    items = order.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise OrderRejected("the order has no items")
    try:
        lines = [(money.parse_amount(i.get("unitPrice")), _quantity(i.get("quantity"))) for i in items]
        declared = money.parse_amount(order.get("total"))
        total = money.total(lines)
    except (money.AmountError, ArithmeticError) as exc:
        raise OrderRejected(f"the order's items or total are malformed: {exc}") from None
    if total != declared:
        raise OrderRejected(f"the items add up to {money.to_text(total)}, the order says {money.to_text(declared)}")
    return total


def failure(event: Any) -> tuple[str | None, str]:
    """(order id, why) of a failed execution; the Catch puts the error under `error`."""
    order = event.get("order") if isinstance(event, dict) else None
    order_id = order.get("orderId") if isinstance(order, dict) and ID.holds(order.get("orderId")) else None
    error = event.get("error") if isinstance(event, dict) and isinstance(event.get("error"), dict) else {}
    return order_id, f"{error.get('Error', 'unknown')}: {str(error.get('Cause', ''))[:500]}"
