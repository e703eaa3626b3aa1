"""A function's logger, metrics and tracer (Powertools), and the decorator every handler wears.

One line per handler module: `observed = observe("users")`, then `@observed.handler()` on
`lambda_handler`. Logs are structured JSON with the request id and cold start; metrics are EMF;
tracing patches only what the function names (boto's calls by default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from lambdas.common.exceptions import PlatformError
from lambdas.common.settings import metrics_namespace

F = TypeVar("F", bound=Callable[..., Any])
CORRELATION_ANNOTATION = "correlation_id"  # X-Ray annotation keys: letters, digits and underscores


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
                wrapped = self.tracer.capture_lambda_handler(self._annotated(wrapped), capture_response=False)
            return self.logger.inject_lambda_context(wrapped, correlation_id_path=correlation_id_path)  # type: ignore[return-value]

        return wrap

    def _annotated(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """The correlation id the logger took from the event, on the trace too (inside the handler's segment)."""

        @functools.wraps(function)
        def annotated(event: Any, context: Any) -> Any:
            self._annotate(self.logger.get_correlation_id())
            return function(event, context)

        return annotated

    def correlate(self, correlation_id: str | None) -> None:
        """Tag what follows with a correlation id: every log line, and the trace (searchable as an annotation)."""
        self.logger.set_correlation_id(correlation_id)
        self._annotate(correlation_id)

    def _annotate(self, correlation_id: str | None) -> None:
        if self.tracer is not None and isinstance(correlation_id, str) and correlation_id:
            self.tracer.put_annotation(CORRELATION_ANNOTATION, correlation_id)

    def count(self, name: str, value: float = 1) -> None:
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def rejected(self, error: PlatformError, message: str = "event rejected", **details: Any) -> None:
        """One ERROR line naming why an event can never be processed (retrying would not help)."""
        self.logger.error(message, extra={"error": error.code, "reason": error.message, **details})


def observe(service: str, *, tracing: tuple[str, ...] = ("botocore",)) -> Observed:
    return Observed(service, tracing)
