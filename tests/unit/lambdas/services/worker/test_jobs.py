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


def test_a_job_is_parsed() -> None:
    job = parse_job(json.dumps({"jobId": "j-1", "customerId": "c", "items": [{"sku": "a"}]}))
    assert job.job_id == "j-1"
