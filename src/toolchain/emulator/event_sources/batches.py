"""What Lambda does with a batch read from a stream (Kinesis or DynamoDB), whatever the stream.

A batch older than the mapping's `MaximumRecordAgeInSeconds` is given up unread. A throttled
invocation waits and is tried again (a throttle is not one of the batch's retries). A failed one is
split in two and each half delivered afresh when `BisectBatchOnFunctionError` is set, else retried
up to `MaximumRetryAttempts` (-1: until the records expire). A batch given up is described to the
mapping's on-failure destination, in the record Lambda sends, so one bad record never blocks its
shard. Only the event's records and the batch-info block differ between the two streams: each
poller gives a `StreamSource` for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.awslambda.invocations import Destinations, InvocationLog
from toolchain.emulator.timestamps import iso

Run = Callable[[Any, str], Invocation]


class StreamSource(Protocol):
    """One shard's records as one stream shapes them; a batch is a list of its items."""

    event_source: str  # "aws:kinesis", "aws:dynamodb"

    def arrival(self, item: Any) -> float:
        """When the item reached the stream (epoch seconds)."""
        ...

    def event(self, function: Any, batch: list[Any]) -> str:
        """The invocation's event (JSON) for the batch."""
        ...

    def batch_info(self, batch: list[Any]) -> tuple[str, dict[str, Any]]:
        """The on-failure record's description of the batch: its key and its content."""
        ...


class StreamDelivery:
    def __init__(self, run: Run, destinations: Destinations, history: InvocationLog, *, retry_delay: float,
                 log: Callable[[str], None]) -> None:  # fmt: skip
        self._run = run
        self._destinations = destinations
        self._history = history
        self._retry_delay = retry_delay
        self._log = log

    def deliver(self, esm: Any, function: Any, source: StreamSource, batch: list[Any], attempt: int = 0) -> None:
        max_age = esm.max_record_age
        if max_age not in (None, -1) and time.time() - source.arrival(batch[0]) > float(max_age):
            self._give_up(esm, function, source, batch, "RecordAgeExceeded", attempt)
            return
        result = self._run(function, source.event(function, batch))
        if result.throttled:
            time.sleep(self._retry_delay)
            self.deliver(esm, function, source, batch, attempt)
            return
        self._history.record(function, result, source.event_source, attempt + 1)
        if not result.errored:
            return
        if esm.bisect_on_error and len(batch) > 1:
            middle = len(batch) // 2
            self.deliver(esm, function, source, batch[:middle])
            self.deliver(esm, function, source, batch[middle:])
            return
        retries = -1 if esm.max_retry_attempts is None else int(esm.max_retry_attempts)
        if retries == -1 or attempt < retries:
            time.sleep(self._retry_delay)
            self.deliver(esm, function, source, batch, attempt + 1)
            return
        self._give_up(esm, function, source, batch, "RetryAttemptsExhausted", attempt + 1, result)

    def _give_up(self, esm: Any, function: Any, source: StreamSource, batch: list[Any], condition: str,
                 attempts: int, result: Invocation | None = None) -> None:  # fmt: skip
        key, info = source.batch_info(batch)
        record = {
            "requestContext": {"requestId": result.request_id if result else "", "functionArn": function.function_arn,
                               "condition": condition, "approximateInvokeCount": attempts},
            "responseContext": {"statusCode": 200, "executedVersion": str(function.version),
                                "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": iso(time.time()),
            key: info,
        }  # fmt: skip
        destination = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        if destination:
            self._destinations.deliver(destination, record, function)
        self._log(f"{function.function_name}: gave up {len(batch)} {source.event_source} record(s) ({condition})"
                  + ("" if destination else "; no on-failure destination"))  # fmt: skip
