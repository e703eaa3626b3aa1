"""Lambda entry point of the nightly session sweep (EventBridge `cron(0 2 * * ? *)`)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from lambdas.common.budget import TimeBudget
from lambdas.common.settings import metrics_namespace, sweep_settings
from lambdas.services.sessions.storage import DynamoSessions
from lambdas.services.sessions.sweeper import sweep

SERVICE = "sessions"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Scheduled events carry nothing the sweep needs; any event (a manual run too) starts it.
    if isinstance(event, dict) and event.get("detail-type") not in (None, "Scheduled Event"):
        logger.warning("unexpected event; sweeping anyway", extra={"detail_type": str(event.get("detail-type"))[:64]})
    settings = sweep_settings()
    budget = TimeBudget(context, settings.time_margin_seconds)
    report = sweep(DynamoSessions(settings.table), int(time.time()), settings.page_size, budget.exhausted)
    (logger.info if report.complete else logger.warning)("sweep finished", extra=report.to_json())
    metrics.add_metric(name="SessionsDeleted", unit=MetricUnit.Count, value=report.deleted)
    if not report.complete:
        metrics.add_metric(name="SweepsIncomplete", unit=MetricUnit.Count, value=1)
    return report.to_json()
