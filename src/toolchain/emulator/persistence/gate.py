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
from urllib.parse import parse_qs

# Operations that only read, by the prefix of their name (JSON and query protocols)
_READS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Head", "Lookup", "Search", "Select",
          "TransactGet", "Filter", "Test", "Validate", "Estimate", "Check")  # fmt: skip


class Gate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._closed = False
        self._writes = 0
        self._durable = 0  # changing requests a checkpoint on disk holds
        self._wanted = 0  # the highest one an answer waits to be on disk
        self._mine = threading.local()
        # EMULATOR_DURABILITY=answer: a changing request is answered once a checkpoint holds it
        self.durable_on_answer = False

    @property
    def writes(self) -> int:
        """How many changing requests have passed; a checkpoint is due when this moved."""
        with self._cond:
            return self._writes

    def ticket(self) -> int:
        """The number of this thread's last changing request (what its answer waits for)."""
        return int(getattr(self._mine, "ticket", 0))

    def saved(self, writes: int) -> None:
        """A checkpoint holding the first `writes` changing requests is on disk."""
        with self._cond:
            self._durable = max(self._durable, writes)
            self._cond.notify_all()

    def await_durable(self, ticket: int, timeout: float) -> bool:
        """Wait until a checkpoint holds request `ticket` (asking for one now); False after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._wanted = max(self._wanted, ticket)
            self._cond.notify_all()
            while self._durable < ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def await_demand(self, timeout: float) -> bool:
        """For the checkpoint's thread: True as soon as an answer waits on one, False after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._wanted <= self._durable:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

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
                    self._mine.ticket = self._writes
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


# An answer waits at most this long for its checkpoint: one that cannot close the gate (a request
# held inside it waits on another) must not hang the emulator
DURABLE_WAIT_SECONDS = 30.0
_SAID: set[str] = set()


def _log_once(message: str) -> None:
    if message not in _SAID:
        _SAID.add(message)
        print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


GATE = Gate()  # the emulator's one gate: its HTTP app and the parts that change moto directly pass it


def operation(environ: dict[str, Any], body: bytes = b"") -> str:
    """An AWS request's operation: its X-Amz-Target (JSON protocols), its path (Smithy RPC v2, as
    CloudWatch's CBOR), or the Action of a query-protocol body, where the caller has read it; else ""
    (REST protocols, as S3's, name none)."""
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    if target:
        return target.rsplit(".", 1)[-1]
    path = environ.get("PATH_INFO", "")
    if "/operation/" in path:
        return path.rsplit("/operation/", 1)[-1].strip("/")
    if body and b"Action=" in body[:200]:
        return (parse_qs(body.decode("utf-8", "replace")).get("Action") or [""])[0]
    return ""


def passes_freely(environ: dict[str, Any]) -> bool:
    """A synchronous Lambda invoke: its function's own AWS calls pass the gate while it waits."""
    path = environ.get("PATH_INFO", "")
    return "/functions/" in path and path.rstrip("/").endswith("/invocations")


def changes_state(environ: dict[str, Any]) -> bool:
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    # The body is not read here: a query-protocol request is named by an Action in its query string, if
    # any; one whose Action is in its body counts as changing.
    query = parse_qs(environ.get("QUERY_STRING") or "")
    name = operation(environ) or (query.get("Action") or [""])[0]
    return not name.startswith(_READS) if name else True


def gated_app(app: Any, gate: Gate = GATE) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """moto's WSGI app behind the gate; the answer is read inside it (moto builds it from live state)."""

    def gated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if passes_freely(environ):
            return app(environ, start_response)
        changing = changes_state(environ)
        with gate.passing(writes=changing):
            answer = list(app(environ, start_response))
        if changing and gate.durable_on_answer and not gate.await_durable(gate.ticket(), DURABLE_WAIT_SECONDS):
            _log_once("a changing request was answered before a checkpoint held it (none in 30 s)")
        return answer

    return gated
