"""Failures injected into the handlers' own boto3 clients, through botocore's event hooks.

Only AWS is faked (it cannot fail on demand in moto); the handlers, their retries and their
idempotency run as deployed. Each fault fires a set number of times, then the call goes through.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from urllib3.exceptions import ProtocolError

from lambdas.common import aws


class Faults:
    def __init__(self) -> None:
        self.fired: dict[str, int] = {}
        self._hooks: list[tuple[Any, str, Any]] = []

    def _register(self, service: str, event: str, hook: Any) -> None:
        events = aws.client(service).meta.events
        events.register(event, hook)
        self._hooks.append((events, event, hook))

    def _count(self, name: str) -> None:
        self.fired[name] = self.fired.get(name, 0) + 1

    def error(self, service: str, operation: str, code: str, times: int, status: int = 500, **response: Any) -> None:
        """The next `times` calls of `operation` fail with `code` (and `response` fields) before reaching AWS."""
        left, lock = [times], threading.Lock()

        def hook(**_: Any) -> None:
            with lock:
                fire = left[0] > 0
                left[0] -= fire
            if fire:
                self._count(f"{service}.{operation} {code}")
                error = {"Code": code, "Message": "injected"}
                raise ClientError(
                    {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}, **response}, operation
                )

        self._register(service, f"before-call.{_service_id(service)}.{operation}", hook)

    def unprocessed_half(self, times: int) -> None:
        """The next `times` BatchWriteItem calls write only half their items; the rest come back unprocessed."""
        left, lock = [times], threading.Lock()
        # The ETL writes from several threads (lanes) through one client: what a call held back is per thread.
        local = threading.local()

        def before(params: dict[str, Any], **_: Any) -> None:
            local.held = []
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
                self._count("dynamodb.BatchWriteItem unprocessed items")
            kept = {}
            for table, requests in params["RequestItems"].items():
                keep = len(requests) // 2 or len(requests)
                local.held.append((table, requests[keep:]))
                kept[table] = requests[:keep]
            params["RequestItems"] = kept  # a new dict: the caller's own stays as it sent it

        def after(parsed: dict[str, Any], **_: Any) -> None:
            unprocessed = parsed.setdefault("UnprocessedItems", {})
            for table, requests in getattr(local, "held", []):
                if requests:
                    unprocessed.setdefault(table, []).extend(requests)

        self._register("dynamodb", "before-parameter-build.dynamodb.BatchWriteItem", before)
        self._register("dynamodb", "after-call.dynamodb.BatchWriteItem", after)

    def broken_stream(
        self, service: str, operation: str, after_bytes: int, times: int, *, silent: bool = False
    ) -> None:
        """The next `times` responses' bodies break after `after_bytes`, as a reset connection does
        (`silent`: the body just ends there, a short read with no error)."""
        left = [times]

        def after(parsed: dict[str, Any], **_: Any) -> None:
            if left[0] > 0 and isinstance(parsed.get("Body"), StreamingBody):
                left[0] -= 1
                self._count(f"{service}.{operation} stream broken after {after_bytes} bytes")
                data = parsed["Body"].read()
                parsed["Body"] = StreamingBody(_Reset(data, after_bytes, silent), len(data))

        self._register(service, f"after-call.{_service_id(service)}.{operation}", after)

    def crash(self, service: str, operation: str, after_calls: int) -> None:
        """The process dies (an exception no handler catches) at call number `after_calls + 1`."""
        calls = [0]

        def hook(**_: Any) -> None:
            calls[0] += 1
            if calls[0] == after_calls + 1:
                self._count(f"crash at {service}.{operation} #{calls[0]}")
                raise WorkerCrashed(f"killed during {operation}")

        self._register(service, f"before-call.{_service_id(service)}.{operation}", hook)

    def clear(self) -> None:
        for events, event, hook in self._hooks:
            events.unregister(event, hook)
        self._hooks.clear()


class _Reset(io.RawIOBase):
    """A socket that delivers `limit` bytes and then fails the way urllib3 reports a reset."""

    def __init__(self, data: bytes, limit: int, silent: bool) -> None:
        self._data, self._limit, self._silent, self._at = data, limit, silent, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # urllib3 fills a read or fails it: a reset inside the requested range fails the read.
        end = len(self._data) if size is None or size < 0 else min(len(self._data), self._at + size)
        if end > self._limit and self._silent:
            end = max(self._at, self._limit)
        elif end > self._limit:
            raise ProtocolError("Connection broken: ConnectionResetError(104, 'Connection reset by peer')")
        chunk, self._at = self._data[self._at : end], end
        return chunk


class WorkerCrashed(BaseException):
    """Stands for the runtime killing the process: not an Exception, so no `except Exception` sees it."""


def _service_id(service: str) -> str:
    return {"stepfunctions": "sfn"}.get(service, service)


@contextmanager
def injected() -> Iterator[Faults]:
    faults = Faults()
    try:
        yield faults
    finally:
        faults.clear()
