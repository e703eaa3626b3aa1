"""Lambda entry point of the Slack slash-command bot (`POST /slack/commands`, no JWT: Slack signs it)."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from lambdas.common import secrets
from lambdas.common.http import Cors, Request, Router, response
from lambdas.common.settings import metrics_namespace, slack_settings
from lambdas.services.slack import signature
from lambdas.services.slack.adapters import HttpWeather, PlatformHealth
from lambdas.services.slack.commands import Bot, parse_command

SERVICE = "slack"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)
router = Router(lambda: Cors(allowed_origins=()))


@cache
def bot() -> Bot:
    settings = slack_settings()
    return Bot(
        HttpWeather(settings.weather_url, settings.weather_timeout),
        PlatformHealth(settings.status_tables, settings.status_functions),
        on_unavailable=lambda reason: logger.warning("weather unavailable", extra={"reason": reason[:300]}),
    )


@router.route("POST", "/slack/commands")
def slash_command(request: Request) -> dict[str, Any]:
    settings = slack_settings()
    secret = secrets.get_secret(settings.signing_secret_id, max_age=settings.secret_cache_seconds)
    signature.verify(
        secret.encode(),
        request.headers.get("x-slack-request-timestamp"),
        request.headers.get("x-slack-signature"),
        request.body,
        now=time.time(),
    )
    command = parse_command(request.body)
    reply = bot().handle(command)
    logger.info("command answered", extra={"command": command.command, "response_type": reply["response_type"]})
    metrics.add_metric(name="CommandsAnswered", unit=MetricUnit.Count, value=1)
    return response(200, reply)


def _report(error: BaseException, status: int) -> None:
    if status >= 500:
        logger.exception("request failed", extra={"status": status})
    else:
        reason = getattr(error, "reason", getattr(error, "code", type(error).__name__))
        logger.warning("request rejected", extra={"status": status, "reason": reason})


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.handle(event, _report)
