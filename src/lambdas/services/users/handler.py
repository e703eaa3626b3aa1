"""Lambda entry point of the users API (API Gateway REST, Lambda proxy integration)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common.http import Cors, Request, Router, log_outcome, response
from lambdas.common.settings import metrics_namespace, users_settings
from lambdas.services.users.repository import DynamoUserRepository
from lambdas.services.users.service import Users

SERVICE = "users"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)
router = Router(lambda: Cors(users_settings().cors_origins))


@cache
def _users() -> Users:
    return Users(DynamoUserRepository(users_settings().table))


@router.route("GET", "/users")
def list_users(request: Request) -> dict[str, Any]:
    page = _users().list(request.query.get("limit"), request.query.get("next"))
    body: dict[str, Any] = {"items": [u.to_json() for u in page.users]}
    if page.next_token:
        body["next"] = page.next_token
    return response(200, body)


@router.route("POST", "/users")
def create_user(request: Request) -> dict[str, Any]:
    user = _users().create(request.json())
    metrics.add_metric(name="UsersCreated", unit=MetricUnit.Count, value=1)
    return response(201, user.to_json(), {"Location": f"{request.public_path.rstrip('/')}/{user.user_id}"})


@router.route("GET", "/users/{userId}")
def get_user(request: Request) -> dict[str, Any]:
    return response(200, _users().get(request.path_params.get("userId", "")).to_json())


@router.route("PATCH", "/users/{userId}")
def update_user(request: Request) -> dict[str, Any]:
    return response(200, _users().update(request.path_params.get("userId", ""), request.json()).to_json())


@router.route("DELETE", "/users/{userId}")
def delete_user(request: Request) -> dict[str, Any]:
    _users().delete(request.path_params.get("userId", ""))
    return response(204)


_report = log_outcome(logger)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.handle(event, _report)
