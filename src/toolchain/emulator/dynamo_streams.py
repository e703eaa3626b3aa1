"""DynamoDB stream records delivered as Lambda's poller delivers them, not one push per write.

moto hands a table's new stream records to each mapped function inside the write. Here they are
queued per mapping instead and delivered by a poller: in batches of the mapping's `BatchSize`
(after at most `MaximumBatchingWindowInSeconds`), a failed batch retried up to
`MaximumRetryAttempts` (split in two first when `BisectBatchOnFunctionError`), records older than
`MaximumRecordAgeInSeconds` given up, and a given-up batch described to the mapping's on-failure
destination, as Lambda does. A throttled batch waits and is delivered again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from toolchain.emulator.executor import Invocation
from toolchain.emulator.invocations import Destinations, InvocationLog
from toolchain.emulator.routing import invoked

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


class DynamoStreamPoller:
    def __init__(
        self,
        run: Run,
        destinations: Destinations,
        history: InvocationLog,
        *,
        retry_delay: float = 0.5,
        log: Callable[[str], None] = print,
    ) -> None:
        self._run = run
        self._destinations = destinations
        self._history = history
        self._retry_delay = retry_delay
        self._log = log
        # (backend, function arn, stream arn) -> [(queued at, record)]
        self._pending: dict[tuple[Any, str, str], list[tuple[float, dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        """Take over moto's push: records are queued for the poller (after the write, as before)."""
        from moto.awslambda.models import LambdaBackend

        def queue(backend: Any, function_arn: str, items: list[Any], source: str) -> str:
            records = [(time.time(), _record(item, backend.region_name, source)) for item in items]
            with self._lock:
                self._pending.setdefault((backend, function_arn, source), []).extend(records)
            return "queued"  # truthy: moto forgets the records it handed over

        LambdaBackend.send_dynamodb_items = queue

    @staticmethod
    def _mapping(backend: Any, function_arn: str, source: str) -> Any | None:
        for esm in list(backend._event_source_mappings.values()):
            if esm.event_source_arn == source and esm.function_arn == function_arn:
                return esm
        return None

    def poll_once(self) -> int:
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
            self._deliver(esm, invoked(backend, function_arn), source, batch, attempt=0)
            delivered += 1
        return delivered

    def _deliver(self, esm: Any, function: Any, source: str, batch: list[tuple[float, dict]], attempt: int) -> None:
        max_age = esm.max_record_age
        if max_age not in (None, -1) and time.time() - batch[0][0] > float(max_age):
            self._give_up(esm, function, source, batch, "RecordAgeExceeded", attempt, None)
            return
        import json

        result = self._run(function, json.dumps({"Records": [record for _, record in batch]}))
        if result.throttled:
            time.sleep(self._retry_delay)
            self._deliver(esm, function, source, batch, attempt)
            return
        self._history.record(function, result, "aws:dynamodb", attempt + 1)
        if not result.errored:
            return
        if esm.bisect_on_error and len(batch) > 1:
            middle = len(batch) // 2
            self._deliver(esm, function, source, batch[:middle], attempt=0)
            self._deliver(esm, function, source, batch[middle:], attempt=0)
            return
        retries = -1 if esm.max_retry_attempts is None else int(esm.max_retry_attempts)
        if retries == -1 or attempt < retries:
            time.sleep(self._retry_delay)
            self._deliver(esm, function, source, batch, attempt + 1)
            return
        self._give_up(esm, function, source, batch, "RetryAttemptsExhausted", attempt + 1, result)

    def _give_up(self, esm: Any, function: Any, source: str, batch: list[tuple[float, dict]], condition: str,
                 attempts: int, result: Invocation | None) -> None:  # fmt: skip
        first, last = batch[0][1]["dynamodb"], batch[-1][1]["dynamodb"]
        record = {
            "requestContext": {"requestId": result.request_id if result else "", "functionArn": function.function_arn,
                               "condition": condition, "approximateInvokeCount": attempts},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.now().astimezone().isoformat(timespec="milliseconds"),
            "DDBStreamBatchInfo": {"shardId": "shardId-00000000000000000000-00000000",
                                   "startSequenceNumber": str(first.get("SequenceNumber", "")),
                                   "endSequenceNumber": str(last.get("SequenceNumber", "")),
                                   "approximateArrivalOfFirstRecord": str(first.get("ApproximateCreationDateTime", "")),
                                   "approximateArrivalOfLastRecord": str(last.get("ApproximateCreationDateTime", "")),
                                   "batchSize": len(batch), "streamArn": source},
        }  # fmt: skip
        destination = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        if destination:
            self._destinations.deliver(destination, record)
        self._log(f"{function.function_name}: {len(batch)} stream records given up ({condition})"
                  + ("" if destination else "; no on-failure destination"))  # fmt: skip
