"""The sum of a CloudWatch metric over the last ten minutes, as a test reads what the emulator counted."""

from __future__ import annotations

import time
from typing import Any


def metric_sum(cloudwatch: Any, namespace: str, metric: str, dimensions: dict[str, str]) -> float:
    """Datapoints with exactly these dimensions (as GetMetricStatistics matches them), summed."""
    points = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName=metric, Statistics=["Sum"], Period=60,
        Dimensions=[{"Name": name, "Value": value} for name, value in dimensions.items()],
        StartTime=time.time() - 600, EndTime=time.time() + 60,
    )["Datapoints"]  # fmt: skip
    return sum(point["Sum"] for point in points)
