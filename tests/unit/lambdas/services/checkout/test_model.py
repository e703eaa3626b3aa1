"""Checkout validation, worker jobs and backoff, DynamoDB update expressions, correlation ids."""

from __future__ import annotations

import pytest

from lambdas.common.exceptions import ValidationFailed
from lambdas.common.identifiers import CURRENCY, ID, SKU
from lambdas.services.checkout.model import MAX_ITEMS, MAX_QUANTITY, validate_order


@pytest.mark.documents("services.md", "Checkout")
def test_an_order_becomes_a_job_with_exact_totals() -> None:
    job = validate_order({"customerId": "c-1", "items": [{"sku": "kettle", "quantity": 3, "unitPrice": "19.99"},
                                                         {"sku": "mug", "quantity": 1, "unitPrice": 5}]})  # fmt: skip
    assert job == {"customerId": "c-1", "currency": "USD", "total": "64.97",
                   "items": [{"sku": "kettle", "quantity": 3, "unitPrice": "19.99"}, {"sku": "mug", "quantity": 1, "unitPrice": "5.00"}]}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": [{"sku": "a", "quantity": 1, "unitPrice": "1"}]}, "customerId"),
        ({"customerId": "c", "items": []}, "items"),
        ({"customerId": "c", "items": [{"sku": "a", "quantity": 1, "unitPrice": "1"}] * (MAX_ITEMS + 1)}, "items"),
        ({"customerId": "c", "items": [{"sku": "a", "quantity": 0, "unitPrice": "1"}]}, "items[0].quantity"),
        ({"customerId": "c", "items": [{"sku": "a", "quantity": True, "unitPrice": "1"}]}, "items[0].quantity"),
        ({"customerId": "c", "items": [{"sku": "a", "quantity": 1, "unitPrice": "1.001"}]}, "items[0].unitPrice"),
        ({"customerId": "c", "items": [{"sku": "a", "quantity": 1, "unitPrice": 1.5}]}, "items[0].unitPrice"),
        ({"customerId": "c", "items": [{"sku": "a", "quantity": 1, "unitPrice": "1", "discount": 1}]}, "items[0]"),
        ({"customerId": "c", "items": [{"sku": "a", "quantity": 1, "unitPrice": "1"}], "admin": True}, "admin"),
        (
            {"customerId": "c", "currency": "dollars", "items": [{"sku": "a", "quantity": 1, "unitPrice": "1"}]},
            "currency",
        ),
    ],
)
@pytest.mark.documents("services.md", "Checkout")
def test_bad_orders_name_the_field(body: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_order(body)
    assert field in caught.value.details["fields"]


@pytest.mark.documents("services.md", "Checkout")
def test_a_body_that_is_no_object_is_refused_in_words() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_order(["customerId"])
    assert caught.value.message == "the body must be a JSON object"
    assert caught.value.details == {"fields": {"body": "must be an object"}}


@pytest.mark.documents("services.md", "Checkout")
def test_every_bad_field_is_named_with_what_it_must_be_in_one_answer() -> None:
    # GIVEN an order wrong everywhere at once: each item wrong in another way, and an unknown field
    # whose name is longer than the 60 characters an answer repeats
    long_name = "x" * 61
    body = {"customerId": "c 1", "currency": "dollars", long_name: 1, "items": [
        "not an object",
        {"sku": "a b", "quantity": 0, "unitPrice": "1.00"},
        {"sku": "a", "quantity": 1, "unitPrice": "1.001"},
        {"sku": "b", "quantity": 1, "unitPrice": "2.00", "discount": 1},
        {"sku": "c", "quantity": 1001, "unitPrice": "-1"},
    ]}  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        validate_order(body)
    # THEN every one of them is in the answer, each with what it must be (a later item is still read
    # after an earlier one failed)
    price = "must be a positive amount below 1,000,000,000 with at most 2 decimals"
    assert caught.value.message == "the order is invalid"
    assert caught.value.details == {"fields": {
        "x" * 60: "unknown field",
        "customerId": f"must be {ID.description}",
        "currency": f"must be {CURRENCY.description}",
        "items[0]": "must be an object with quantity, sku, unitPrice",
        "items[1].sku": f"must be {SKU.description}",
        "items[1].quantity": f"must be an integer 1-{MAX_QUANTITY}",
        "items[2].unitPrice": price,
        "items[3]": "must be an object with quantity, sku, unitPrice",
        "items[4].quantity": f"must be an integer 1-{MAX_QUANTITY}",
        "items[4].unitPrice": price,
    }}  # fmt: skip
    items = {"customerId": "c", "items": "all of them"}
    with pytest.raises(ValidationFailed) as caught:
        validate_order(items)
    assert caught.value.details == {"fields": {"items": f"must be a list of 1-{MAX_ITEMS} items"}}
