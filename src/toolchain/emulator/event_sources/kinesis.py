"""Kinesis mappings polled as Lambda polls them (moto pushes one record per invocation, inside PutRecord).

Each mapping reads each shard in order from its starting position, in batches of `BatchSize`, and
checkpoints after a batch succeeds. A failing batch is split in two and each half retried when
`BisectBatchOnFunctionError` is set; a batch that still fails after `MaximumRetryAttempts` (or holds
records older than `MaximumRecordAgeInSeconds`) is described to the on-failure destination and
skipped, so one bad record never blocks its shard (that policy is shared with DynamoDB streams:
batches.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.awslambda.invocations import Destinations, InvocationLog
from toolchain.emulator.awslambda.routing import invoked
from toolchain.emulator.event_sources.batches import StreamDelivery
from toolchain.emulator.event_sources.permissions import may_read
from toolchain.emulator.timestamps import iso

Run = Callable[[Any, str], Invocation]


@dataclass(frozen=True)
class KinesisShard:
    """A Kinesis shard's batch, (sequence number, record) pairs, as Lambda shapes it."""

    stream: Any
    shard_id: str
    event_source: str = "aws:kinesis"

    def arrival(self, item: tuple[int, Any]) -> float:
        return float(item[1].created_at)

    def event(self, function: Any, batch: list[tuple[int, Any]]) -> str:
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
                        "eventID": f"{self.shard_id}:{seq}",
                        "eventName": "aws:kinesis:record",
                        "invokeIdentityArn": function.role,
                        "awsRegion": self.stream.region,
                        "eventSourceARN": self.stream.arn,
                    }
                    for seq, record in batch
                ]
            }
        )

    def batch_info(self, batch: list[tuple[int, Any]]) -> tuple[str, dict[str, Any]]:
        (first, first_record), (last, last_record) = batch[0], batch[-1]
        return "KinesisBatchInfo", {
            "shardId": self.shard_id,
            "startSequenceNumber": str(first),
            "endSequenceNumber": str(last),
            "approximateArrivalOfFirstRecord": iso(first_record.created_at),
            "approximateArrivalOfLastRecord": iso(last_record.created_at),
            "batchSize": len(batch),
            "streamArn": self.stream.arn,
        }


class KinesisPoller:
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
        self._positions: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()  # one poll at a time: held while a batch is delivered
        # the positions alone: a checkpoint reads them while a delivery (whose function's writes may
        # wait for that very checkpoint) holds `_lock`
        self._positions_lock = threading.Lock()

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

    def _unread(self, esm: Any, shard: Any) -> list[tuple[int, Any]]:
        records = list(shard.records.items())
        key = (esm.uuid, shard.shard_id)
        with self._positions_lock:
            if key not in self._positions:
                latest = esm.starting_position == "LATEST"
                before = [seq for seq, r in records if r.created_at <= esm.last_modified] if latest else []
                self._positions[key] = max(before, default=-1)
            position = self._positions[key]
        return [(seq, r) for seq, r in records if seq > position]

    def durable_state(self) -> list[tuple[str, str, int]]:
        with self._positions_lock:
            return sorted((mapping, shard, seq) for (mapping, shard), seq in self._positions.items())

    def restore_state(self, state: list[tuple[str, str, int]]) -> None:
        with self._positions_lock:
            self._positions = {(mapping, shard): seq for mapping, shard, seq in state}

    def idle(self) -> bool:
        """No batch being delivered, and every mapping has read its shards to their end."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            for _backend, esm in self._mappings():
                stream = self._stream(esm)
                if stream is not None and any(self._unread(esm, s) for s in list(stream.shards.values())):
                    return False
            return True
        finally:
            self._lock.release()

    def poll_once(self) -> int:
        """Deliver at most one batch per (mapping, shard); returns how many batches were delivered."""
        delivered = 0
        with self._lock:
            for backend, esm in self._mappings():
                stream = self._stream(esm)
                if stream is None or not may_read(self._iam, invoked(backend, esm.function_arn), stream.arn):
                    continue
                for shard in list(stream.shards.values()):
                    key = (esm.uuid, shard.shard_id)
                    batch = self._unread(esm, shard)[: esm.batch_size or 100]
                    if not batch:
                        continue
                    function = invoked(backend, esm.function_arn)
                    self._delivery.deliver(esm, function, KinesisShard(stream, shard.shard_id), batch)
                    with self._positions_lock:
                        self._positions[key] = batch[-1][0]
                    delivered += 1
        return delivered
