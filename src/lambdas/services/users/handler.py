"""Lambda entry point of the users API (API Gateway REST, Lambda proxy integration)."""

from __future__ import annotations

from functools import cache
from typing import Any

from lambdas.common.http import Cors, Request, Router, log_outcome, response
from lambdas.common.observability import observe
from lambdas.common.secrets import get_secret
from lambdas.services.users import settings
from lambdas.services.users.cursors import CursorCodec
from lambdas.services.users.repository import DynamoUserRepository
from lambdas.services.users.service import Users

observed = observe("users")
router = Router(lambda: Cors(settings.current().cors_origins))


def _cursor_secret() -> bytes:
    config = settings.current()
    return get_secret(config.cursor_secret_id, max_age=settings.CURSOR_KEY_CACHE_SECONDS, min_length=32).encode()


@cache
def _users() -> Users:
    return Users(DynamoUserRepository(settings.current().table), CursorCodec(_cursor_secret))


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
    observed.count("UsersCreated")
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


_report = log_outcome(observed.logger)


@observed.handler(correlation_id_path="requestContext.requestId")
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.handle(event, _report)
