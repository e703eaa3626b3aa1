"""Event source mappings polled as Lambda polls them (moto pushes one record per invocation instead).

Kinesis: each mapping reads each shard in order from its starting position, in batches of
`BatchSize`, and checkpoints after a batch succeeds. A failing batch is split in two and each half
retried when `BisectBatchOnFunctionError` is set; a batch that still fails after
`MaximumRetryAttempts` (or holds records older than `MaximumRecordAgeInSeconds`) is described to
the on-failure destination and skipped, so one bad record never blocks its shard.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from toolchain.emulator.executor import Invocation
from toolchain.emulator.invocations import Destinations, InvocationLog

Run = Callable[[Any, str], Invocation]


def disable_push_delivery() -> None:
    """moto invokes Kinesis mappings once per record inside PutRecord; the poller replaces that."""
    from moto.awslambda.models import LambdaBackend

    LambdaBackend.send_kinesis_message = lambda self, *args, **kwargs: None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class KinesisPoller:
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
        self._positions: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _mappings() -> list[tuple[Any, Any]]:
        from moto.awslambda.models import lambda_backends

        found = []
        for _account, regions in list(lambda_backends.items()):
            for _region, backend in list(regions.items()):
                for esm in list(backend._event_source_mappings.values()):
                    if ":kinesis:" in esm.event_source_arn and esm.enabled:
                        found.append((backend, esm))
        return found

    @staticmethod
    def _stream(esm: Any) -> Any:
        from moto.kinesis.models import kinesis_backends

        _, _, _, region, account, _ = esm.event_source_arn.split(":", 5)
        for stream in kinesis_backends[account][region].streams.values():
            if stream.arn == esm.event_source_arn:
                return stream
        return None

    def poll_once(self) -> int:
        """Deliver at most one batch per (mapping, shard); returns how many batches were delivered."""
        delivered = 0
        with self._lock:
            for backend, esm in self._mappings():
                stream = self._stream(esm)
                if stream is None:
                    continue
                for shard in list(stream.shards.values()):
                    records = list(shard.records.items())
                    key = (esm.uuid, shard.shard_id)
                    if key not in self._positions:
                        latest = esm.starting_position == "LATEST"
                        before = [seq for seq, r in records if r.created_at <= esm.last_modified] if latest else []
                        self._positions[key] = max(before, default=-1)
                    position = self._positions[key]
                    batch = [(seq, r) for seq, r in records if seq > position][: esm.batch_size or 100]
                    if not batch:
                        continue
                    function = backend.get_function(esm.function_arn)
                    self._deliver(esm, function, stream, shard.shard_id, batch, attempt=0)
                    self._positions[key] = batch[-1][0]
                    delivered += 1
        return delivered

    def _event(self, function: Any, stream: Any, shard_id: str, batch: list[tuple[int, Any]]) -> str:
        import json

        return json.dumps(
            {
                "Records": [
                    {
                        "kinesis": {
                            "kinesisSchemaVersion": "1.0",
                            "partitionKey": record.partition_key,
                            "sequenceNumber": str(seq),
                            "data": record.data,
                            "approximateArrivalTimestamp": record.created_at,
                        },
                        "eventSource": "aws:kinesis",
                        "eventVersion": "1.0",
                        "eventID": f"{shard_id}:{seq}",
                        "eventName": "aws:kinesis:record",
                        "invokeIdentityArn": function.role,
                        "awsRegion": stream.region,
                        "eventSourceARN": stream.arn,
                    }
                    for seq, record in batch
                ]
            }
        )

    def _deliver(
        self, esm: Any, function: Any, stream: Any, shard_id: str, batch: list[tuple[int, Any]], attempt: int
    ) -> None:
        max_age = esm.max_record_age
        if max_age is not None and max_age != -1 and time.time() - batch[0][1].created_at > max_age:
            self._give_up(esm, function, stream, shard_id, batch, "RecordAgeExceeded", attempt)
            return
        result = self._run(function, self._event(function, stream, shard_id, batch))
        self._history.record(function, result, "aws:kinesis", attempt + 1)
        if not result.errored:
            return
        if esm.bisect_on_error and len(batch) > 1:
            middle = len(batch) // 2
            self._deliver(esm, function, stream, shard_id, batch[:middle], attempt=0)
            self._deliver(esm, function, stream, shard_id, batch[middle:], attempt=0)
            return
        retries = -1 if esm.max_retry_attempts is None else int(esm.max_retry_attempts)
        if retries == -1 or attempt < retries:
            time.sleep(self._retry_delay)
            self._deliver(esm, function, stream, shard_id, batch, attempt + 1)
            return
        self._give_up(esm, function, stream, shard_id, batch, "RetryAttemptsExhausted", attempt + 1, result)

    def _give_up(
        self,
        esm: Any,
        function: Any,
        stream: Any,
        shard_id: str,
        batch: list[tuple[int, Any]],
        condition: str,
        attempts: int,
        result: Invocation | None = None,
    ) -> None:
        destination = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        first, last = batch[0], batch[-1]
        record = {
            "requestContext": {
                "requestId": result.request_id if result else "",
                "functionArn": function.function_arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": _iso(time.time()),
            "KinesisBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": str(first[0]),
                "endSequenceNumber": str(last[0]),
                "approximateArrivalOfFirstRecord": _iso(first[1].created_at),
                "approximateArrivalOfLastRecord": _iso(last[1].created_at),
                "batchSize": len(batch),
                "streamArn": stream.arn,
            },
        }
        if destination:
            self._destinations.deliver(destination, record)
        self._log(
            f"{function.function_name}: skipped {len(batch)} Kinesis record(s) {first[0]}..{last[0]} ({condition})"
            + ("" if destination else "; no on-failure destination")
        )
