"""Lambda entry point of the SQS worker (event source mapping on the work queue).

Partial batch failure without `ReportBatchItemFailures` (not expressible on aws 3.39): each message
that succeeds is deleted by the handler itself; each that fails is made visible again after a
backoff; then, if any failed, the invocation fails so Lambda deletes nothing else. Succeeded
messages are never reprocessed, failed ones are retried until SQS moves them to the dead-letter
queue (maxReceiveCount). Work is idempotent per job (Powertools idempotency in DynamoDB), so a
message delivered twice (a crash before its delete) does no double work.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common import aws, correlation
from lambdas.common.dynamo import update_expression
from lambdas.common.exceptions import DependencyError, InvalidEvent, PlatformError
from lambdas.common.settings import metrics_namespace, worker_settings
from lambdas.services.worker.jobs import Job, parse_job, retry_delay

SERVICE = "worker"
WORK_MEMORY_SECONDS = 14 * 24 * 3600  # longer than SQS keeps a message
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


class BatchPartiallyFailed(PlatformError):
    code = "batch_partially_failed"


class UnknownQueue(InvalidEvent):
    code = "unknown_queue"


@cache
def _queue_url(arn: str) -> str:
    _, _, _, _, account, name = arn.split(":", 5)
    try:
        return aws.client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    except Exception as exc:
        if aws.error_code(exc) in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise UnknownQueue(f"the event names a queue that does not exist: {arn[:200]}") from None
        raise DependencyError(f"cannot look up the queue {arn[:200]}: {aws.error_code(exc) or exc}") from exc


def _record_fulfilment(job: Job, correlation_id: str) -> None:
    order = job.order
    update = update_expression(
        set_fields={"customerId": {"S": order["customerId"]}, "total": {"S": str(order.get("total", ""))},
                    "correlationId": {"S": correlation_id}},
        add_fields={"processed": {"N": "1"}},
    )  # fmt: skip
    processed = next(k for k, v in update["ExpressionAttributeNames"].items() if v == "processed")
    try:
        # `processed` counts recorded fulfilments: exactly-once shows as 1 for every job, even when a
        # delivery crashed after this write and the next one (the lock expired) does the job again.
        aws.client("dynamodb").update_item(
            TableName=worker_settings().fulfilments_table,
            Key={"jobId": {"S": job.job_id}},
            ConditionExpression=f"attribute_not_exists({processed})",
            **update,
        )
    except Exception as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise


def fulfil(job: Job, correlation_id: str) -> dict[str, Any]:
    """The work itself: record the fulfilment, start the order's workflow. Both steps are idempotent."""
    try:
        _record_fulfilment(job, correlation_id)
        started = aws.client("stepfunctions").start_execution(
            stateMachineArn=worker_settings().workflow_arn,
            name=job.job_id,  # one execution per job: StartExecution refuses a second with the same name
            input=json.dumps({"order": job.order, "correlation_id": correlation_id}),
        )
    except Exception as exc:
        if aws.error_code(exc) == "ExecutionAlreadyExists":
            return {"execution": "already started"}
        raise DependencyError(f"fulfilling {job.job_id} failed: {aws.error_code(exc) or exc}") from exc
    return {"execution": started["executionArn"]}


@cache
def _idempotent_fulfil() -> tuple[Any, Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(event_key_jmespath="job_id", expires_after_seconds=WORK_MEMORY_SECONDS)
    store = DynamoDBPersistenceLayer(
        table_name=worker_settings().idempotency_table, boto3_client=aws.client("dynamodb")
    )

    @idempotent_function(data_keyword_argument="work", config=config, persistence_store=store)
    def run(work: dict[str, Any]) -> dict[str, Any]:
        return fulfil(Job(work["job_id"], work["order"]), work["correlation_id"])

    return run, config


def _is_sqs_record(record: Any) -> bool:
    if not isinstance(record, dict) or record.get("eventSource") != "aws:sqs":
        return False
    arn = record.get("eventSourceARN")
    return (
        all(isinstance(record.get(k), str) and record[k] for k in ("messageId", "receiptHandle", "body"))
        and isinstance(arn, str)
        and arn.startswith("arn:")
        and arn.count(":") == 5
        and isinstance(record.get("attributes", {}), dict)
    )


def _records(event: Any) -> list[dict[str, Any]]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records or not all(_is_sqs_record(r) for r in records):
        raise InvalidEvent("not an SQS event")
    return records


def _receive_count(record: dict[str, Any]) -> int:
    raw = record.get("attributes", {}).get("ApproximateReceiveCount", "1")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() else 1


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        records = _records(event)
        queue_urls = {arn: _queue_url(arn) for arn in {r["eventSourceARN"] for r in records}}
    except PlatformError as exc:
        rejected = isinstance(exc, InvalidEvent)
        logger.error("event rejected" if rejected else "event failed", extra={"error": exc.code, "reason": exc.message})
        raise
    run, config = _idempotent_fulfil()
    config.register_lambda_context(context)
    sqs = aws.client("sqs")
    failed: list[str] = []
    for record in records:
        correlation_id = correlation.from_sqs_record(record) or record["messageId"]
        logger.set_correlation_id(correlation_id)
        queue_url = queue_urls[record["eventSourceARN"]]
        try:
            job = parse_job(record["body"])
            result = run(work={"job_id": job.job_id, "order": job.order, "correlation_id": correlation_id})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
            logger.info("job done", extra={"job_id": job.job_id, "message_id": record["messageId"], **result})
        except Exception as exc:  # every failure of one message, whatever it is, leaves the others alone
            failed.append(record["messageId"])
            receives = _receive_count(record)
            error = getattr(exc, "code", type(exc).__name__)
            details = {"message_id": record["messageId"], "receive_count": receives, "error": error}
            logger.error("job failed", extra={**details, "reason": str(exc)[:300]})
            try:
                sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"],
                                              VisibilityTimeout=retry_delay(receives))  # fmt: skip
            except Exception as visibility_error:  # the message then waits its full visibility timeout
                logger.warning(
                    "backoff not set", extra={"message_id": record["messageId"], "reason": str(visibility_error)[:200]}
                )
    logger.set_correlation_id(None)
    metrics.add_metric(name="JobsDone", unit=MetricUnit.Count, value=len(records) - len(failed))
    if failed:
        metrics.add_metric(name="JobsFailed", unit=MetricUnit.Count, value=len(failed))
        raise BatchPartiallyFailed(f"{len(failed)} of {len(records)} messages failed: {', '.join(failed)}")
    return {"done": len(records)}
