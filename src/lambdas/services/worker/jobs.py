"""The worker's jobs: parsing a message body into a job. No AWS here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lambdas.common.exceptions import UnprocessableContent
from lambdas.common.untrusted import json_value

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


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
    if not isinstance(job_id, str) or not _ID.match(job_id):
        raise InvalidJob("jobId must be 1-64 letters, digits, _ or -")
    items = data.get("items")
    if not isinstance(items, list) or not items or not isinstance(data.get("customerId"), str):
        raise InvalidJob("a job needs a customerId and items")
    return Job(job_id, data)
