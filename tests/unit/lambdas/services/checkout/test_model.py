"""Checkout validation, worker jobs and backoff, DynamoDB update expressions, correlation ids."""

from __future__ import annotations

import pytest

from lambdas.common.exceptions import ValidationFailed
from lambdas.services.checkout.model import MAX_ITEMS, validate_order


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
