"""Lambda entry point of the nightly session sweep (EventBridge `cron(0 2 * * ? *)`)."""

from __future__ import annotations

import time
from typing import Any

from lambdas.common.budget import TimeBudget
from lambdas.common.observability import observe
from lambdas.services.sessions import settings
from lambdas.services.sessions.storage import DynamoSessions
from lambdas.services.sessions.sweeper import sweep

observed = observe("sessions", tracing=())


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Scheduled events carry nothing the sweep needs; any event (a manual run too) starts it.
    if isinstance(event, dict) and event.get("detail-type") not in (None, "Scheduled Event"):
        observed.logger.warning(
            "unexpected event; sweeping anyway", extra={"detail_type": str(event.get("detail-type"))[:64]}
        )
    config = settings.current()
    budget = TimeBudget(context, config.time_margin_seconds)
    report = sweep(DynamoSessions(config.table), int(time.time()), config.page_size, budget.exhausted)
    (observed.logger.info if report.complete else observed.logger.warning)("sweep finished", extra=report.to_json())
    observed.count("SessionsDeleted", report.deleted)
    if not report.complete:
        observed.count("SweepsIncomplete")
    return report.to_json()
