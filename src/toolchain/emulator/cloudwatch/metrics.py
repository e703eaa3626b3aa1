"""GetMetricStatistics answers the datapoints published with exactly the dimensions asked, as
CloudWatch does; moto added every datapoint whose dimensions include them, so a function's
Invocations also counted those Lambda publishes per alias and per version that ran."""

from __future__ import annotations

import threading
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
