"""A function's logger, metrics and tracer (Powertools), and the decorator every handler wears.

One line per handler module: `observed = observe("users")`, then `@observed.handler()` on
`lambda_handler`. Logs are structured JSON with the request id and cold start; metrics are EMF;
tracing patches only what the function names (boto's calls by default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from lambdas.common.exceptions import PlatformError
from lambdas.common.settings import metrics_namespace

F = TypeVar("F", bound=Callable[..., Any])


class Observed:
    def __init__(self, service: str, tracing: tuple[str, ...]) -> None:
        self.service = service
        self.logger = Logger(service=service)
        self.metrics = Metrics(namespace=metrics_namespace(), service=service)
        self.tracer = None
        if tracing:
            from aws_lambda_powertools.tracing import Tracer

            self.tracer = Tracer(service=service, patch_modules=tracing)

    def handler(self, *, correlation_id_path: str | None = None) -> Callable[[F], F]:
        """Logs with the request's context (and correlation id), a trace segment, metrics flushed."""

        def wrap(function: F) -> F:
            wrapped = self.metrics.log_metrics(function)
            if self.tracer is not None:
                wrapped = self.tracer.capture_lambda_handler(wrapped, capture_response=False)
            return self.logger.inject_lambda_context(wrapped, correlation_id_path=correlation_id_path)  # type: ignore[return-value]

        return wrap

    def count(self, name: str, value: float = 1) -> None:
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def rejected(self, error: PlatformError, message: str = "event rejected", **details: Any) -> None:
        """One ERROR line naming why an event can never be processed (retrying would not help)."""
        self.logger.error(message, extra={"error": error.code, "reason": error.message, **details})


def observe(service: str, *, tracing: tuple[str, ...] = ("botocore",)) -> Observed:
    return Observed(service, tracing)
