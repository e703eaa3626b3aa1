"""PutRecord as Kinesis takes it: one record of at most 1 MiB (data and partition key), and a
sequence number of its own however many writers put at once
(https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html)."""

from __future__ import annotations

import base64
import binascii
import threading
from typing import Any

MAX_RECORD_BYTES = 1024 * 1024


def record_bytes(data: str | None, partition_key: str | None) -> int:
    """A record's size as Kinesis counts it (its limit, its PUT payload units): the data's bytes, once
    decoded from the request's base64, and the partition key's; 0 for data that is not base64."""
    try:
        return len(base64.b64decode(data or "")) + len((partition_key or "").encode())
    except (binascii.Error, ValueError):
        return 0


def record_within_limit(original: Any, emulator: Any) -> Any:
    """KinesisBackend.put_record: moto checked the size in PutRecords only."""
    from moto.core.exceptions import JsonRESTError

    def put_record(self: Any, stream_arn: Any, stream_name: Any, partition_key: str, explicit_hash_key: Any,
                   data: str) -> Any:  # fmt: skip
        size = record_bytes(data, partition_key)  # (moto refuses what is not base64 itself)
        if size > MAX_RECORD_BYTES:
            raise JsonRESTError(
                "ValidationException",
                "1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length "
                f"less than or equal to {MAX_RECORD_BYTES}",
            )
        return original(self, stream_arn, stream_name, partition_key, explicit_hash_key, data)

    return put_record


def one_writer_per_shard(original: Any, emulator: Any) -> Any:
    """Shard.put_record: moto numbers a record after the shard's last one without a lock ("not safe for
    concurrency", its comment says): two writers at once took the same number and one record replaced
    the other, lost without an error."""
    guard = threading.Lock()
    locks: dict[int, threading.Lock] = {}

    def put_record(self: Any, *args: Any, **kwargs: Any) -> Any:
        with guard:
            lock = locks.setdefault(id(self), threading.Lock())
        with lock:
            return original(self, *args, **kwargs)

    return put_record
