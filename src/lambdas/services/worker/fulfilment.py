"""The work itself: record the fulfilment, start the order's workflow. Both idempotent on their own,
and the whole done once per job (an idempotency record in DynamoDB)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from lambdas.common import aws
from lambdas.common.dynamo import update_expression
from lambdas.common.idempotency import Once
from lambdas.services.worker import settings
from lambdas.services.worker.jobs import Job

WORK_MEMORY_SECONDS = 14 * 24 * 3600  # longer than SQS keeps a message


def _record_fulfilment(job: Job, correlation_id: str) -> None:
    order = job.order
    update = update_expression(
        set_fields={
            "customerId": {"S": order["customerId"]},
            "total": {"S": str(order.get("total", ""))},
            "correlationId": {"S": correlation_id},
        },
        add_fields={"processed": {"N": "1"}},
    )
    processed = next(k for k, v in update["ExpressionAttributeNames"].items() if v == "processed")
    # `processed` counts recorded fulfilments: exactly-once shows as 1 for every job, even when a
    # delivery crashed after this write and the next one (the lock expired) does the job again.
    already = {"ConditionalCheckFailedException": lambda: _AlreadyRecorded()}
    try:
        with aws.dependency(f"recording the fulfilment of {job.job_id}", answers=already):
            aws.client("dynamodb").update_item(
                TableName=settings.current().fulfilments_table,
                Key={"jobId": {"S": job.job_id}},
                ConditionExpression=f"attribute_not_exists({processed})",
                **update,
            )
    except _AlreadyRecorded:
        pass


class _AlreadyRecorded(Exception):
    pass


def fulfil(work: dict[str, Any]) -> dict[str, Any]:
    job, correlation_id = Job(work["job_id"], work["order"]), work["correlation_id"]
    _record_fulfilment(job, correlation_id)
    started = {"ExecutionAlreadyExists": lambda: _AlreadyStarted()}
    try:
        with aws.dependency(f"starting the workflow of {job.job_id}", answers=started):
            execution = aws.client("stepfunctions").start_execution(
                stateMachineArn=settings.current().workflow_arn,
                name=job.job_id,  # one execution per job: StartExecution refuses a second with the same name
                input=json.dumps({"order": job.order, "correlation_id": correlation_id}),
            )
    except _AlreadyStarted:
        return {"execution": "already started"}
    return {"execution": execution["executionArn"]}


class _AlreadyStarted(Exception):
    pass


@cache
def fulfilments() -> Once:
    return Once(fulfil, table=settings.current().idempotency_table, key="job_id", remember_seconds=WORK_MEMORY_SECONDS)
