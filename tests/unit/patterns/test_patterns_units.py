"""Checkout validation, worker jobs and backoff, DynamoDB update expressions, correlation ids."""

from __future__ import annotations

import json

import pytest

from lambdas.common import correlation
from lambdas.common.dynamo import update_expression
from lambdas.common.exceptions import ValidationFailed
from lambdas.services.checkout.model import MAX_ITEMS, validate_order
from lambdas.services.worker.jobs import InvalidJob, parse_job, retry_delay


def test_an_order_becomes_a_job_with_exact_totals() -> None:
    job = validate_order({"customerId": "c-1", "items": [{"sku": "kettle", "quantity": 3, "unitPrice": "19.99"},
                                                         {"sku": "mug", "quantity": 1, "unitPrice": 5}]})  # fmt: skip
    assert job == {"customerId": "c-1", "currency": "USD", "total": "64.97",
                   "items": [{"sku": "kettle", "quantity": 3, "unitPrice": "19.99"}, {"sku": "mug", "quantity": 1, "unitPrice": "5"}]}  # fmt: skip


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
def test_bad_orders_name_the_field(body: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_order(body)
    assert field in caught.value.details["fields"]


@pytest.mark.parametrize("body", ["not json", "[1]", json.dumps({"jobId": "x y"}), json.dumps({"jobId": "j", "items": []}),
                                  json.dumps({"jobId": "j", "items": [1]})])  # fmt: skip
def test_poison_messages_are_named(body: str) -> None:
    with pytest.raises(InvalidJob):
        parse_job(body)


def test_a_job_is_parsed() -> None:
    job = parse_job(json.dumps({"jobId": "j-1", "customerId": "c", "items": [{"sku": "a"}]}))
    assert job.job_id == "j-1"


def test_failed_messages_back_off_doubling_with_each_receive() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4, 20)] == [2, 4, 8, 16, 300]


def test_update_expressions_never_use_bare_attribute_names() -> None:
    params = update_expression(
        set_fields={"status": {"S": "done"}, "total": {"S": "1"}}, add_fields={"processed": {"N": "1"}}
    )
    assert params["UpdateExpression"] == "SET #n0 = :v0, #n1 = :v1 ADD #n2 :v2"
    assert params["ExpressionAttributeNames"] == {"#n0": "status", "#n1": "total", "#n2": "processed"}
    assert params["ExpressionAttributeValues"][":v2"] == {"N": "1"}


def test_correlation_ids_travel_in_sqs_attributes_and_payloads() -> None:
    record = {"messageAttributes": {"correlation_id": {"stringValue": "req-1", "dataType": "String"}}}
    assert correlation.from_sqs_record(record) == "req-1"
    assert correlation.sqs_attributes("req-1") == {"correlation_id": {"DataType": "String", "StringValue": "req-1"}}
    assert correlation.from_payload({"correlation_id": "req-1"}) == "req-1"
    for bad in (
        {},
        {"messageAttributes": None},
        {"messageAttributes": {"correlation_id": {"stringValue": "x" * 500}}},
        "x",
    ):
        assert correlation.from_sqs_record(bad) is None
