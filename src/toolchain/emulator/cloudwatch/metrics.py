"""CloudWatch's metrics as CloudWatch answers them: GetMetricStatistics with exactly the dimensions
asked (moto added every datapoint whose dimensions include them, so a function's Invocations also
counted those Lambda publishes per alias and per version that ran), percentiles, and datapoints kept
for a bounded time."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

_EXACT = threading.local()


class ExactDimensions:
    """Mixin for moto's CloudWatchBackend: while it answers GetMetricStatistics, datapoints match exactly."""

    def get_metric_statistics(self, *args: Any, **kwargs: Any) -> Any:
        _EXACT.on = True
        try:
            return super().get_metric_statistics(*args, **kwargs)  # type: ignore[misc]
        finally:
            _EXACT.on = False


def exact_filter(original: Any, emulator: Any) -> Any:
    """MetricDatumBase.filter: exact dimensions inside GetMetricStatistics, moto's match elsewhere."""

    def filter_exactly(self: Any, namespace: Any, name: Any, dimensions: Any, *args: Any, **kwargs: Any) -> bool:
        if getattr(_EXACT, "on", False):
            asked = {(d["Name"], d.get("Value")) for d in dimensions or []}
            return {(d.name, d.value) for d in self.dimensions} == asked
        return original(self, namespace, name, dimensions, *args, **kwargs)

    return filter_exactly


def percentiles(original: Any, emulator: Any) -> Any:
    """Statistics.get_statistics_for_type: GetMetricData's percentile statistics (`p99`, `p99.9`),
    nearest-rank over the raw values of the period; moto answered nothing for them. Values published
    only as StatisticValues carry no distribution and give none, as on CloudWatch."""
    import math
    import re

    pattern = re.compile(r"p(\d{1,2}(?:\.\d+)?|100)")

    def get_statistics_for_type(self: Any, stat: str) -> Any:
        match = pattern.fullmatch(stat or "")
        if match is None:
            return original(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values:
            return None
        rank = max(1, math.ceil(float(match.group(1)) / 100 * len(values)))
        return values[rank - 1]

    return get_statistics_for_type


def forget_old_datapoints(backends: Iterable[Any], keep_seconds: float, now: float) -> int:
    """Drop each backend's datapoints older than `keep_seconds`, oldest first; how many went.

    moto keeps every datapoint forever, so a long-running emulator's memory, its alarm cycle and
    every GetMetricData grew with all the traffic it ever saw (CloudWatch keeps one-minute data for
    15 days and answers nothing older in that resolution; nothing here reads back further than a
    day). Only the oldest run is cut, in place (a slice deletion the GIL keeps whole), so datapoints
    other threads append meanwhile are kept; one published out of order waits for the run before it.
    """
    cutoff = datetime.fromtimestamp(now - keep_seconds, UTC)
    dropped = 0
    for backend in backends:
        data = backend.metric_data
        old = 0
        for datum in data:
            stamp = datum.timestamp if datum.timestamp.tzinfo else datum.timestamp.replace(tzinfo=UTC)
            if stamp >= cutoff:
                break
            old += 1
        if old:
            del data[:old]
            dropped += old
    return dropped
