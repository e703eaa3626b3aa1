"""A function's time budget: stop starting new work while there is still time to finish cleanly."""

from __future__ import annotations

from typing import Any


class TimeBudget:
    def __init__(self, context: Any, margin_seconds: float) -> None:
        self._remaining = getattr(context, "get_remaining_time_in_millis", None)
        self._margin_ms = margin_seconds * 1000

    def exhausted(self) -> bool:
        """True when less than the margin is left (never, without a Lambda context)."""
        return self._remaining is not None and self._remaining() < self._margin_ms

    def seconds_left(self) -> float:
        """Seconds until only the margin is left (infinite without a Lambda context)."""
        if self._remaining is None:
            return float("inf")
        return max(0.0, (self._remaining() - self._margin_ms) / 1000)
