"""Checkout validation, worker jobs and backoff, DynamoDB update expressions, correlation ids."""

from __future__ import annotations

import json

import pytest

from lambdas.services.worker.jobs import InvalidJob, parse_job

NEEDS = "a job needs items and a customerId of 1-64 letters, digits, _ or -"
GOOD = {"jobId": "j-1", "customerId": "c", "items": [{"sku": "a"}], "total": "10.00"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the message body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ("[1]", "the message body must be a JSON object"),
        (json.dumps({"jobId": "x y"}), "jobId must be 1-64 letters, digits, _ or -"),
        (json.dumps({"jobId": "j", "items": []}), NEEDS),
        (json.dumps({"jobId": "j", "items": [1]}), NEEDS),
        (json.dumps({**GOOD, "items": []}), NEEDS),  # a good customer, no items
        (json.dumps({**GOOD, "items": "abc"}), NEEDS),  # a good customer, items that are not a list
        (json.dumps({**GOOD, "customerId": "c c"}), NEEDS),
        (json.dumps({**GOOD, "total": "1e200"}), "the job's total is not a plain decimal like 1299.99"),
        (json.dumps({**GOOD, "total": None}), "the job's total is not a decimal string or an integer"),
    ],
)  # fmt: skip
def test_poison_messages_are_named(body: str, message: str) -> None:
    with pytest.raises(InvalidJob) as refused:
        parse_job(body)
    assert str(refused.value) == message


JOB = {"jobId": "j-1", "customerId": "c", "items": [{"sku": "a"}], "total": "10.00"}


def test_a_job_is_parsed() -> None:
    job = parse_job(json.dumps(JOB))
    assert job.job_id == "j-1"


@pytest.mark.parametrize(
    "change",
    [{"jobId": "j-1\n"}, {"customerId": "c\n"}, {"customerId": "c\u2028"}, {"total": "1e200"}, {"total": "9e999999"},
     {"total": "١٠"}, {"total": 10.5}, {"total": "0"}, {"total": None}],
)  # fmt: skip
def test_a_job_with_a_bad_identifier_or_total_is_poison(change: dict) -> None:
    with pytest.raises(InvalidJob):
        parse_job(json.dumps({**JOB, **change}))
