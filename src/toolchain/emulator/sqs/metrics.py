"""What SQS publishes about each queue on its own clock (AWS/SQS, dimension QueueName): how many
messages wait, are in flight or delayed, and the age of the oldest, so a dashboard's queue chart
draws and an alarm on a dead-letter queue's depth fires locally as it would on AWS
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
AWS samples each minute; here every few seconds (EMULATOR_SQS_METRICS_SECONDS), so alarms answer
sooner, never later, than on AWS. An empty queue is sampled once, when it becomes empty, then not
again until something arrives: CloudWatch's datapoints stay in the emulator's memory and the alarm
evaluator reads them all, so an idle platform must not grow them (an alarm on depth reads the
missing samples as it is told to, `notBreaching` on the platform's)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any


def moto_backends() -> Iterable[Any]:
    from moto.sqs.models import sqs_backends

    for regions in list(sqs_backends.values()):
        yield from list(regions.values())


def queue_metrics(queue: Any, now: float) -> list[dict[str, Any]]:
    """One sample of a queue, as the datapoints CloudWatch receives."""
    messages = list(getattr(queue, "_messages", []))
    oldest = min((m.sent_timestamp for m in messages if m.sent_timestamp), default=None)
    values = {
        "ApproximateNumberOfMessagesVisible": (queue.approximate_number_of_messages, "Count"),
        "ApproximateNumberOfMessagesNotVisible": (queue.approximate_number_of_messages_not_visible, "Count"),
        "ApproximateNumberOfMessagesDelayed": (queue.approximate_number_of_messages_delayed, "Count"),
        "ApproximateAgeOfOldestMessage": (max(0, int(now - oldest / 1000)) if oldest else 0, "Seconds"),
    }
    dimensions = [{"Name": "QueueName", "Value": queue.name}]
    return [{"MetricName": name, "Value": float(value), "Unit": unit, "Dimensions": dimensions}
            for name, (value, unit) in values.items()]  # fmt: skip


class QueueMetrics:
    def __init__(self, backends: Callable[[], Iterable[Any]] = moto_backends,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self._backends = backends
        self._clock = clock
        self._empty: set[str] = set()  # queues whose last sample said empty

    def publish_once(self) -> int:
        """A sample of every queue that holds messages, or has just become empty, into its account's
        and region's CloudWatch; how many queues were sampled."""
        from moto.cloudwatch.models import cloudwatch_backends

        sampled = 0
        now = self._clock()
        for backend in self._backends():
            data = []
            for queue in list(backend.queues.values()):
                sample = queue_metrics(queue, now)
                empty = not any(datum["Value"] for datum in sample)
                if empty and queue.queue_arn in self._empty:
                    continue
                (self._empty.add if empty else self._empty.discard)(queue.queue_arn)
                data += sample
                sampled += 1
            if data:
                cloudwatch_backends[backend.account_id][backend.region_name].put_metric_data("AWS/SQS", data)
        return sampled
