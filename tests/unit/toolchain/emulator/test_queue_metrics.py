"""Queue samples into AWS/SQS: each non-empty queue every time, an empty one once when it empties."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from moto import mock_aws

from toolchain.emulator.sqs.metrics import QueueMetrics, queue_metrics


def _queue(name: str, *sent_ms: int, in_flight: int = 0) -> Any:
    return SimpleNamespace(name=name, queue_arn=f"arn:aws:sqs:us-east-1:123456789012:{name}",
                           _messages=[SimpleNamespace(sent_timestamp=ms) for ms in sent_ms],
                           approximate_number_of_messages=len(sent_ms) - in_flight,
                           approximate_number_of_messages_not_visible=in_flight,
                           approximate_number_of_messages_delayed=0)  # fmt: skip


def test_a_sample_counts_the_queue_and_ages_its_oldest_message() -> None:
    sample = {d["MetricName"]: (d["Value"], d["Unit"]) for d in queue_metrics(_queue("q", 95_000, 40_000, in_flight=1),
                                                                                now=100.0)}  # fmt: skip
    assert sample == {"ApproximateNumberOfMessagesVisible": (1.0, "Count"),
                      "ApproximateNumberOfMessagesNotVisible": (1.0, "Count"),
                      "ApproximateNumberOfMessagesDelayed": (0.0, "Count"),
                      "ApproximateAgeOfOldestMessage": (60.0, "Seconds")}  # fmt: skip


def test_an_idle_queue_is_sampled_once_and_a_busy_one_every_time() -> None:
    busy, idle = _queue("busy", 1_000), _queue("idle")
    backend = SimpleNamespace(account_id="123456789012", region_name="us-east-1",
                              queues={"busy": busy, "idle": idle})  # fmt: skip
    with mock_aws():
        metrics = QueueMetrics(lambda: [backend], clock=lambda: 10.0)
        assert [metrics.publish_once() for _ in range(3)] == [2, 1, 1]
        idle._messages, idle.approximate_number_of_messages = [SimpleNamespace(sent_timestamp=9_000)], 1
        busy._messages, busy.approximate_number_of_messages = [], 0
        assert [metrics.publish_once() for _ in range(2)] == [2, 1]  # busy's emptying is one sample
