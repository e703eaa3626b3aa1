"""Checkout validation, worker jobs and backoff, DynamoDB update expressions, correlation ids."""

from __future__ import annotations

import json

import pytest

from lambdas.services.worker.jobs import InvalidJob, parse_job


@pytest.mark.parametrize("body", ["not json", "[1]", json.dumps({"jobId": "x y"}), json.dumps({"jobId": "j", "items": []}),
                                  json.dumps({"jobId": "j", "items": [1]})])  # fmt: skip
def test_poison_messages_are_named(body: str) -> None:
    with pytest.raises(InvalidJob):
        parse_job(body)


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
