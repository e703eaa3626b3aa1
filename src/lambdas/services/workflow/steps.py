"""The order workflow's decisions, one per step. No AWS here.

Each step gets the state's input, `{"order": ..., "correlation_id": ...}`. Step Functions retries
what raises `TransientFailure` (with backoff) and catches everything else into the failure step.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from lambdas.common.exceptions import PlatformError, UnprocessableContent


class OrderRejected(UnprocessableContent):
    """The order cannot be fulfilled as sent: the workflow records why and stops."""

    code = "order_rejected"


class TransientFailure(PlatformError):
    """Worth retrying: the state machine's Retry catches this name."""

    code = "transient_failure"


def order_of(event: Any) -> dict[str, Any]:
    order = event.get("order") if isinstance(event, dict) else None
    if not isinstance(order, dict) or not isinstance(order.get("orderId"), str):
        raise OrderRejected("the workflow input has no order")
    return order


def checked_total(order: dict[str, Any]) -> Decimal:
    """The order's total, after checking its items add up to it."""
    items = order.get("items")
    if not isinstance(items, list) or not items:
        raise OrderRejected("the order has no items")
    try:
        total = sum((Decimal(str(i["unitPrice"])) * int(i["quantity"]) for i in items), Decimal(0))
        declared = Decimal(str(order.get("total")))
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise OrderRejected("the order's items or total are malformed") from None
    if total != declared:
        raise OrderRejected(f"the items add up to {total}, the order says {declared}")
    return total


def failure(event: Any) -> tuple[str | None, str]:
    """(order id, why) of a failed execution; the Catch puts the error under `error`."""
    order = event.get("order") if isinstance(event, dict) else None
    order_id = order.get("orderId") if isinstance(order, dict) and isinstance(order.get("orderId"), str) else None
    error = event.get("error") if isinstance(event, dict) and isinstance(event.get("error"), dict) else {}
    return order_id, f"{error.get('Error', 'unknown')}: {str(error.get('Cause', ''))[:500]}"
