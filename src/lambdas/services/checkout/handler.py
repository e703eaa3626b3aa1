"""Lambda entry point of `POST /orders`: validate, queue for the worker, answer 202 at once."""

from __future__ import annotations

from typing import Any

from lambdas.common.http import Cors, Request, Router, log_outcome, response
from lambdas.common.observability import observe
from lambdas.services.checkout import settings
from lambdas.services.checkout.model import order_id_for, validate_order
from lambdas.services.checkout.queue import queue_job

observed = observe("checkout")
router = Router(lambda: Cors(settings.current().cors_origins))


@router.route("POST", "/orders")
def place_order(request: Request) -> dict[str, Any]:
    order = validate_order(request.json())
    caller = str(request.authorizer.get("principalId", ""))
    order_id = order_id_for(caller, request.headers.get("idempotency-key"), order)
    correlation_id = observed.logger.get_correlation_id() or request.request_id or order_id
    message_id = queue_job(
        settings.current().queue_url, {"jobId": order_id, "orderId": order_id, **order}, correlation_id
    )
    observed.logger.info(
        "order accepted", extra={"order_id": order_id, "total": order["total"], "message_id": message_id}
    )
    observed.count("OrdersAccepted")
    body = {"orderId": order_id, "status": "accepted", "correlationId": correlation_id, "total": order["total"]}
    return response(202, body)


_report = log_outcome(observed.logger)


@observed.handler(correlation_id_path="requestContext.requestId")
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.handle(event, _report)
