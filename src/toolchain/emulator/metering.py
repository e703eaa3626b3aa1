"""Billable units as AWS counts them, by payer: the meter every part of the emulator adds to (Lambda's
invocations, API Gateway's requests, the pollers' SQS calls) and billing.py's request metering fills.
`invoke cost.measure` (toolchain/cost/) reads it through `/_emulator/usage` and turns it into money."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from typing import Any

EDGE = "edge"  # the platform's clients and the operator: whoever calls without a function's role
STORAGE = "storage"


class Meter:
    """Billable units by payer: {payer: {"service.unit": amount}}. Thread-safe; amounts only grow."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._units: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def add(self, payer: str, unit: str, amount: float) -> None:
        if amount:
            with self._lock:
                self._units[payer][unit] += amount

    def totals(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {payer: dict(units) for payer, units in self._units.items()}


METER = Meter()


def invocation(fn: Any, duration_ms: float, meter: Meter = METER) -> None:
    """One Lambda invocation: a request, and its duration rounded up to the millisecond as Lambda bills."""
    meter.add(fn.function_name, "lambda.requests", 1)
    meter.add(fn.function_name, "lambda.billed_ms", math.ceil(max(duration_ms, 0.0)) or 1)
