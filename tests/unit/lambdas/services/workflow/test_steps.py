"""The order workflow's decisions (steps.py): what an order must be to go on, and how a failure is
recorded, each refusal with its exact words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lambdas.common.identifiers import ID
from lambdas.services.workflow.steps import MAX_QUANTITY, OrderRejected, checked_total, failure, order_of

pytestmark = pytest.mark.documents("services.md", "order workflow")


def _order(**changes: Any) -> dict[str, Any]:
    order = {"orderId": "o-1", "customerId": "c-1", "total": "39.98",
             "items": [{"sku": "k", "quantity": 2, "unitPrice": "19.99"}]}  # fmt: skip
    return {**order, **changes}


def test_the_order_is_taken_from_the_input_as_it_is() -> None:
    order = _order()
    assert order_of({"order": order, "correlation_id": "c"}) is order


@pytest.mark.parametrize("event", [None, [], "order", {}, {"order": "o-1"}, {"order": {"orderId": "A1\n"}},
                                   {"order": {"orderId": ""}}, {"order": {"orderId": 7}}])  # fmt: skip
def test_an_input_without_a_usable_order_is_rejected(event: Any) -> None:
    with pytest.raises(OrderRejected) as raised:
        order_of(event)
    assert raised.value.message == "the workflow input has no order"


def test_a_total_that_adds_up_is_returned_exactly() -> None:
    assert checked_total(_order()) == Decimal("39.98")
    three = [{"sku": "a", "quantity": 1, "unitPrice": "0.10"}] * 3
    assert checked_total(_order(items=three, total="0.30")) == Decimal("0.30")


@pytest.mark.parametrize("quantity", [1, MAX_QUANTITY])
def test_quantities_at_the_bounds_are_taken(quantity: int) -> None:
    items = [{"sku": "k", "quantity": quantity, "unitPrice": "1.00"}]
    assert checked_total(_order(items=items, total=f"{quantity}.00")) == Decimal(quantity)


@pytest.mark.parametrize("quantity", [0, MAX_QUANTITY + 1, True, "2", 2.0, None])
def test_a_quantity_outside_1_to_1000_or_not_an_integer_is_rejected(quantity: Any) -> None:
    items = [{"sku": "k", "quantity": quantity, "unitPrice": "1.00"}]
    with pytest.raises(OrderRejected) as raised:
        checked_total(_order(items=items, total="2.00"))
    assert raised.value.message == f"a quantity must be an integer 1-{MAX_QUANTITY}"


@pytest.mark.parametrize("customer", [None, "", "c 1", "c-1\n", 12])
def test_a_customer_that_is_no_identifier_is_rejected(customer: Any) -> None:
    with pytest.raises(OrderRejected) as raised:
        checked_total(_order(customerId=customer))
    assert raised.value.message == f"customerId must be {ID.description}"


@pytest.mark.parametrize("items", [None, [], "k", [{"sku": "k", "quantity": 1, "unitPrice": "1.00"}, "k"]])
def test_an_order_without_items_is_rejected(items: Any) -> None:
    with pytest.raises(OrderRejected) as raised:
        checked_total(_order(items=items))
    assert raised.value.message == "the order has no items"


@pytest.mark.parametrize(("changes", "why"), [
    ({"total": "1e2"}, "total"), ({"total": None}, "total"),
    ({"items": [{"sku": "k", "quantity": 2, "unitPrice": "-1.00"}]}, "price"),
])  # fmt: skip
def test_malformed_money_is_rejected_with_the_reason(changes: dict[str, Any], why: str) -> None:
    with pytest.raises(OrderRejected) as raised:
        checked_total(_order(**changes))
    assert raised.value.message.startswith("the order's items or total are malformed: ")
    assert len(raised.value.message) > len("the order's items or total are malformed: ")


def test_a_total_that_does_not_add_up_says_both_amounts() -> None:
    with pytest.raises(OrderRejected) as raised:
        checked_total(_order(total="1.00"))
    assert raised.value.message == "the items add up to 39.98, the order says 1.00"


def test_a_failure_names_the_order_and_the_error_and_its_cause() -> None:
    event = {"order": _order(), "error": {"Error": "OrderRejected", "Cause": "totals differ"}}
    assert failure(event) == ("o-1", "OrderRejected: totals differ")


@pytest.mark.parametrize("event", [None, "x", {}, {"order": "o-1"}, {"order": {"orderId": "bad id"}}])
def test_a_failure_without_a_usable_order_has_no_order_id(event: Any) -> None:
    assert failure(event) == (None, "unknown: ")


def test_a_failure_without_an_error_object_is_unknown() -> None:
    assert failure({"order": _order(), "error": "boom"}) == ("o-1", "unknown: ")
    assert failure({"order": _order(), "error": {"Cause": "c"}}) == ("o-1", "unknown: c")


def test_a_long_cause_is_cut_at_500_characters() -> None:
    event = {"order": _order(), "error": {"Error": "E", "Cause": "x" * 500 + "y"}}
    assert failure(event) == ("o-1", "E: " + "x" * 500)
