"""CloudWatch's datapoints are kept for a bounded time on the emulator, in moto's own backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from moto.cloudwatch.models import CloudWatchBackend

from toolchain.emulator.cloudwatch.metrics import forget_old_datapoints

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp()


def _put(backend: CloudWatchBackend, hours_ago: float, value: float) -> None:
    stamp = datetime.fromtimestamp(NOW - hours_ago * 3600, UTC)
    backend.put_metric_data("Mine", [{"MetricName": "Hits", "Value": value, "Timestamp": stamp}])


@pytest.mark.documents("emulator.md", "Datapoints are kept a day")
def test_datapoints_older_than_the_window_go_and_the_rest_stay() -> None:
    backend = CloudWatchBackend("us-east-1", "123456789012")
    for hours_ago, value in ((30, 1), (25, 2), (24.01, 3), (23.99, 4), (1, 5)):
        _put(backend, hours_ago, value)
    assert forget_old_datapoints([backend], 24 * 3600, NOW) == 3
    assert [d.value for d in backend.metric_data] == [4, 5]
    # a second pass has nothing older to drop
    assert forget_old_datapoints([backend], 24 * 3600, NOW) == 0


def test_only_the_oldest_run_is_cut_so_a_late_old_datapoint_waits_for_it() -> None:
    backend = CloudWatchBackend("us-east-1", "123456789012")
    _put(backend, 30, 1)
    _put(backend, 1, 2)
    _put(backend, 40, 3)  # published late with an old timestamp
    assert forget_old_datapoints([backend], 24 * 3600, NOW) == 1
    assert [d.value for d in backend.metric_data] == [2, 3]
