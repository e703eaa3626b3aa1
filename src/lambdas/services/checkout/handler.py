"""Lambda entry point of `POST /orders`: validate, queue for the worker, answer 202 at once."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common import aws, correlation
from lambdas.common.exceptions import DependencyError
from lambdas.common.http import Cors, Request, Router, log_outcome, response
from lambdas.common.settings import checkout_settings, metrics_namespace
from lambdas.services.checkout.model import validate_order

SERVICE = "checkout"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)
router = Router(lambda: Cors(checkout_settings().cors_origins))


@router.route("POST", "/orders")
def place_order(request: Request) -> dict[str, Any]:
    order = validate_order(request.json())
    order_id = uuid.uuid4().hex
    correlation_id = logger.get_correlation_id() or request.request_id or order_id
    job = {"jobId": order_id, "orderId": order_id, **order}
    try:
        sent = aws.client("sqs").send_message(
            QueueUrl=checkout_settings().queue_url,
            MessageBody=json.dumps(job),
            MessageAttributes=correlation.sqs_attributes(correlation_id),
        )
    except Exception as exc:
        raise DependencyError(f"cannot queue the order: {aws.error_code(exc) or exc}") from exc
    logger.info(
        "order accepted", extra={"order_id": order_id, "total": order["total"], "message_id": sent["MessageId"]}
    )
    metrics.add_metric(name="OrdersAccepted", unit=MetricUnit.Count, value=1)
    body = {"orderId": order_id, "status": "accepted", "correlationId": correlation_id, "total": order["total"]}
    return response(202, body)


_report = log_outcome(logger)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.handle(event, _report)
