"""Checkout validation, worker jobs and backoff, DynamoDB update expressions, correlation ids."""

from __future__ import annotations

from lambdas.common import correlation
from lambdas.common.batch import retry_delay
from lambdas.common.dynamo import update_expression


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
    assert correlation.from_attributes({"correlation_id": "req-1"}) == "req-1"
    assert correlation.sqs_attributes("req-1") == {"correlation_id": {"DataType": "String", "StringValue": "req-1"}}
    assert correlation.from_payload({"correlation_id": "req-1"}) == "req-1"
    assert correlation.from_attributes({"correlation_id": "x" * 128}) == "x" * 128
    for bad in ({}, {"correlation_id": ""}, {"correlation_id": "x" * 129}):
        assert correlation.from_attributes(bad) is None
        assert correlation.from_payload(bad) is None
    assert correlation.from_payload("x") is None
