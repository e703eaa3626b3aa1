"""DynamoDB stream records delivered as Lambda's poller delivers them, not one push per write.

moto hands a table's new stream records to each mapped function inside the write. Here they are
queued per mapping instead and delivered by a poller: in batches of the mapping's `BatchSize`
(after at most `MaximumBatchingWindowInSeconds`), a failed batch retried up to
`MaximumRetryAttempts` (split in two first when `BisectBatchOnFunctionError`), records older than
`MaximumRecordAgeInSeconds` given up, and a given-up batch described to the mapping's on-failure
destination, as Lambda does. A throttled batch waits and is delivered again. The delivery policy
is the Kinesis poller's too (batches.py); this module queues and batches the records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.awslambda.invocations import Destinations, InvocationLog
from toolchain.emulator.awslambda.routing import invoked
from toolchain.emulator.event_sources.batches import StreamDelivery
from toolchain.emulator.event_sources.permissions import may_read

Run = Callable[[Any, str], Invocation]


def _record(item: Any, region: str, source: str) -> dict[str, Any]:
    record = item.to_json()
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"], "eventName": record["eventName"], "eventVersion": record["eventVersion"],
        "eventSource": "aws:dynamodb", "awsRegion": region, "dynamodb": dynamodb, "eventSourceARN": source,
    }  # fmt: skip


@dataclass(frozen=True)
class DynamoStream:
    """A table stream's batch, (queued at, record) pairs, as Lambda shapes it."""

    arn: str
    event_source: str = "aws:dynamodb"

    def arrival(self, item: tuple[float, dict[str, Any]]) -> float:
        return item[0]

    def event(self, function: Any, batch: list[tuple[float, dict[str, Any]]]) -> str:
        import json

        return json.dumps({"Records": [record for _, record in batch]})

    def batch_info(self, batch: list[tuple[float, dict[str, Any]]]) -> tuple[str, dict[str, Any]]:
        first, last = batch[0][1]["dynamodb"], batch[-1][1]["dynamodb"]
        return "DDBStreamBatchInfo", {
            "shardId": "shardId-00000000000000000000-00000000",
            "startSequenceNumber": str(first.get("SequenceNumber", "")),
            "endSequenceNumber": str(last.get("SequenceNumber", "")),
            "approximateArrivalOfFirstRecord": str(first.get("ApproximateCreationDateTime", "")),
            "approximateArrivalOfLastRecord": str(last.get("ApproximateCreationDateTime", "")),
            "batchSize": len(batch),
            "streamArn": self.arn,
        }


class DynamoStreamPoller:
    def __init__(
        self,
        run: Run,
        destinations: Destinations,
        history: InvocationLog,
        *,
        retry_delay: float = 0.5,
        log: Callable[[str], None] = print,
        iam: Any = None,
    ) -> None:
        self._iam = iam  # the function's role must allow reading the stream (permissions.py)
        self._delivery = StreamDelivery(run, destinations, history, retry_delay=retry_delay, log=log)
        # (backend, function arn, stream arn) -> [(queued at, record)]
        self._pending: dict[tuple[Any, str, str], list[tuple[float, dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self._delivering = threading.Lock()
        # the batch being delivered, by its key: still owed until its delivery ends (a crash meanwhile
        # delivers it again after the restart, as a stream's records are read again)
        self._inflight: dict[tuple[Any, str, str], list[tuple[float, dict[str, Any]]]] = {}

    def queue(self, backend: Any, function_arn: str, items: list[Any], source: str) -> None:
        """A table write's stream records, for the mapping's next batch (moto hands them over inside the write)."""
        records = [(time.time(), _record(item, backend.region_name, source)) for item in items]
        with self._lock:
            self._pending.setdefault((backend, function_arn, source), []).extend(records)

    def durable_state(self) -> list[tuple[str, str, str, str, list[tuple[float, dict[str, Any]]]]]:
        """The records queued for each mapping, by the names of what they belong to."""
        with self._lock:
            owed = {key: [*self._inflight.get(key, []), *self._pending.get(key, [])]
                    for key in {*self._pending, *self._inflight}}  # fmt: skip
            return [(backend.account_id, backend.region_name, function_arn, source, records)
                    for (backend, function_arn, source), records in owed.items() if records]  # fmt: skip

    def restore_state(self, state: list[tuple[str, str, str, str, list[tuple[float, dict[str, Any]]]]]) -> None:
        from moto.awslambda.utils import get_backend

        with self._lock:
            self._pending = {(get_backend(account, region), function_arn, source): list(records)
                             for account, region, function_arn, source, records in state}  # fmt: skip

    @staticmethod
    def _mapping(backend: Any, function_arn: str, source: str) -> Any | None:
        for esm in list(backend._event_source_mappings.values()):
            if esm.event_source_arn == source and esm.function_arn == function_arn:
                return esm
        return None

    def idle(self) -> bool:
        """No batch being delivered and no record queued."""
        if not self._delivering.acquire(blocking=False):
            return False
        try:
            with self._lock:
                return not any(self._pending.values())
        finally:
            self._delivering.release()

    def poll_once(self) -> int:
        with self._delivering:
            return self._poll()

    def _poll(self) -> int:
        delivered = 0
        now = time.time()
        with self._lock:
            keys = list(self._pending)
        for key in keys:
            backend, function_arn, source = key
            esm = self._mapping(backend, function_arn, source)
            with self._lock:
                pending = self._pending.get(key, [])
                size = int(esm.batch_size or 100) if esm else 100
                window = float(esm.max_batch_window or 0) if esm else 0.0
                if not pending or (len(pending) < size and now - pending[0][0] < window):
                    continue
                batch, self._pending[key] = pending[:size], pending[size:]
            if esm is None or not esm.enabled:
                continue  # the mapping is gone or disabled: Lambda reads nothing for it
            function = invoked(backend, function_arn)
            if not may_read(self._iam, function, esm.event_source_arn):
                with self._lock:  # unread: waits for the role to allow it, as a stream's records do
                    self._pending[key] = batch + self._pending.get(key, [])
                continue
            with self._lock:
                self._inflight[key] = batch
            try:
                self._delivery.deliver(esm, function, DynamoStream(source), batch)
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
            delivered += 1
        return delivered
