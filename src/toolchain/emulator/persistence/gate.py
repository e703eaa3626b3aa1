"""Requests pass the gate together; a checkpoint closes it, waits for those in flight, copies the
state and opens it again, so what it captures is one instant of every service.

A request that waits on others (a synchronous Lambda invoke whose function calls AWS) would deadlock
a closed gate: those are not gated (`passes_freely`), and a checkpoint that cannot close the gate in
time gives up and tries at its next tick rather than stall the emulator.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# Operations that only read, by the prefix of their name (JSON and query protocols)
_READS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Head", "Lookup", "Search", "Select",
          "TransactGet", "Filter", "Test", "Validate", "Estimate", "Check")  # fmt: skip


class Gate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._closed = False
        self._writes = 0

    @property
    def writes(self) -> int:
        """How many changing requests have passed; a checkpoint is due when this moved."""
        with self._cond:
            return self._writes

    def changed(self) -> None:
        with self._cond:
            self._writes += 1

    @contextlib.contextmanager
    def passing(self, writes: bool = True) -> Iterator[None]:
        with self._cond:
            while self._closed:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if writes:
                    self._writes += 1
                if not self._active:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def closed(self, timeout: float) -> Iterator[bool]:
        """Yields whether the gate closed with nothing in flight (False: gave up after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._closed:
                self._cond.wait()
            self._closed = True
            while self._active:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            quiet = self._active == 0
        try:
            yield quiet
        finally:
            with self._cond:
                self._closed = False
                self._cond.notify_all()


GATE = Gate()  # the emulator's one gate: its HTTP app and the parts that change moto directly pass it


def _operation(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    if target:
        return target.rsplit(".", 1)[-1]
    path = environ.get("PATH_INFO", "")
    if "/operation/" in path:
        return path.rsplit("/operation/", 1)[-1].strip("/")
    for part in (environ.get("QUERY_STRING") or "").split("&"):
        if part.startswith("Action="):
            return part[len("Action=") :]
    return ""


def passes_freely(environ: dict[str, Any]) -> bool:
    """A synchronous Lambda invoke: its function's own AWS calls pass the gate while it waits."""
    path = environ.get("PATH_INFO", "")
    return "/functions/" in path and path.rstrip("/").endswith("/invocations")


def changes_state(environ: dict[str, Any]) -> bool:
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    operation = _operation(environ)
    return not operation.startswith(_READS) if operation else True


def gated_app(app: Any, gate: Gate = GATE) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """moto's WSGI app behind the gate; the answer is read inside it (moto builds it from live state)."""

    def gated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if passes_freely(environ):
            return app(environ, start_response)
        with gate.passing(writes=changes_state(environ)):
            return list(app(environ, start_response))

    return gated
