"""Lambda entry point of the Slack slash-command bot (`POST /slack/commands`, no JWT: Slack signs it)."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from lambdas.common import secrets
from lambdas.common.http import Cors, Request, Router, log_outcome, response
from lambdas.common.observability import observe
from lambdas.services.slack import settings, signature
from lambdas.services.slack.adapters import HttpWeather, PlatformHealth
from lambdas.services.slack.commands import Bot, parse_command

observed = observe("slack", tracing=())
router = Router(lambda: Cors(allowed_origins=()))


@cache
def bot() -> Bot:
    config = settings.current()
    return Bot(
        HttpWeather(config.weather_url, config.weather_timeout),
        PlatformHealth(config.status_tables, config.status_functions),
        on_unavailable=lambda reason: observed.logger.warning("weather unavailable", extra={"reason": reason[:300]}),
    )


@router.route("POST", "/slack/commands")
def slash_command(request: Request) -> dict[str, Any]:
    config = settings.current()
    secret = secrets.get_secret(config.signing_secret_id, max_age=config.secret_cache_seconds)
    signature.verify(
        secret.encode(),
        request.headers.get("x-slack-request-timestamp"),
        request.headers.get("x-slack-signature"),
        request.body,
        now=time.time(),
    )
    command = parse_command(request.body)
    reply = bot().handle(command)
    observed.logger.info(
        "command answered", extra={"command": command.command, "response_type": reply["response_type"]}
    )
    observed.count("CommandsAnswered")
    return response(200, reply)


# Refusals at WARNING: an unsigned request to a public endpoint is worth an operator's eye.
_report = log_outcome(observed.logger, rejections="warning")


@observed.handler(correlation_id_path="requestContext.requestId")
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.handle(event, _report)
