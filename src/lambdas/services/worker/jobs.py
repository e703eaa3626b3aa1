"""The worker's jobs: parsing a message body into a job. No AWS here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.common import money
from lambdas.common.exceptions import UnprocessableContent
from lambdas.common.identifiers import ID
from lambdas.common.untrusted import json_value


class InvalidJob(UnprocessableContent):
    """A message that can never be processed: it goes to the dead-letter queue after its retries."""

    code = "invalid_job"


@dataclass(frozen=True)
class Job:
    job_id: str
    order: dict[str, Any]


def parse_job(body: str) -> Job:
    data = json_value(body, what="the message body", error=InvalidJob)
    if not isinstance(data, dict):
        raise InvalidJob("the message body must be a JSON object")
    job_id = data.get("jobId")
    if not ID.holds(job_id):
        raise InvalidJob(f"jobId must be {ID.description}")
    items = data.get("items")
    if not isinstance(items, list) or not items or not ID.holds(data.get("customerId")):
        raise InvalidJob(f"a job needs items and a customerId of {ID.description}")
    try:
        money.parse_amount(data.get("total"))
    except money.AmountError as exc:
        raise InvalidJob(f"the job's total {exc}") from None
    return Job(job_id, data)
