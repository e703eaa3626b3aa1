"""What a checkpoint holds (every moto backend in use and the emulator's durable parts), how it is
restored before the emulator answers, and the clock that writes one when something changed.

Parts are durable through two methods, `durable_state()` (plain data: names and ARNs, never moto's
objects, so comparing it is cheap) and `restore_state(state)`. A checkpoint costs a pause of every
request while it copies; the clock spaces them to at least ten times that pause, so under any load
they take a tenth of the time or less.
"""

from __future__ import annotations

import pickle
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from toolchain.emulator.patching import resolve
from toolchain.emulator.persistence import pickling
from toolchain.emulator.persistence.gate import Gate
from toolchain.emulator.persistence.store import Header, StateRefused, StateStore, runtime_versions

# How long a checkpoint waits for requests in flight before trying again at its next tick
CLOSE_TIMEOUT_SECONDS = 2.0
# Spacing: at least the configured interval and at least this many times the last checkpoint's pause
PAUSE_SHARE = 10.0


class Durable(Protocol):
    def durable_state(self) -> Any: ...

    def restore_state(self, state: Any) -> None: ...


def _address(backends: Any) -> str:
    """`module:name` of the module global that holds a BackendDict: one service may have two (moto's
    Step Functions has its own and its parser's), so the service's name does not say which."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("moto.") and module_name.endswith("models"):
            for name, value in list(vars(module).items()):
                if value is backends:
                    return f"{module_name}:{name}"
    raise LookupError(f"moto's backends of {backends.service_name} are not a module global")


_ADDRESSES: dict[int, str] = {}


def capture_moto() -> dict[str, dict[str, dict[str, Any]]]:
    """Every backend moto created, by the address of its BackendDict, account and region."""
    from moto.core.base_backend import BackendDict

    captured = {}
    for backends in list(BackendDict._instances):
        if id(backends) not in _ADDRESSES:
            _ADDRESSES[id(backends)] = _address(backends)
        captured[_ADDRESSES[id(backends)]] = {account: dict(regions) for account, regions in list(backends.items())}
    return captured


def restore_moto(state: dict[str, dict[str, dict[str, Any]]]) -> None:
    # every service found before any is changed: a state is loaded whole or not at all
    found = {address: resolve(address) for address in state}
    for service, accounts in state.items():
        backends = found[service]
        backends.clear()
        for account, regions in accounts.items():
            by_region = backends[account]  # creates the account's entry, and registers the service as in use
            by_region.clear()
            for region, backend in regions.items():
                dict.__setitem__(by_region, region, backend)


def summarise(state: dict[str, dict[str, dict[str, Any]]]) -> dict[str, int]:
    """Counts a person recognises (what `--fresh` would discard), from the captured backends."""
    counts: dict[str, int] = {}

    def add(name: str, amount: int) -> None:
        if amount:
            counts[name] = counts.get(name, 0) + amount

    for address, accounts in state.items():
        service = address.rsplit(":", 1)[-1].removesuffix("_backends")
        for regions in accounts.values():
            for backend in regions.values():
                if service == "dynamodb":
                    tables = list(getattr(backend, "tables", {}).values())
                    add("tables", len(tables))
                    add("items", sum(len(t) for t in tables))
                elif service == "s3":
                    buckets = list(getattr(backend, "buckets", {}).values())
                    add("buckets", len(buckets))
                    add("objects", sum(len(b.keys) for b in buckets))
                elif service == "sqs":
                    queues = list(getattr(backend, "queues", {}).values())
                    add("queues", len(queues))
                    add("messages", sum(len(q._messages) for q in queues))
                elif service == "lambda":
                    add("functions", len(list(backend.list_functions())))
                elif service == "secretsmanager":
                    add("secrets", len(getattr(backend, "secrets", {})))
                elif service == "stepfunctions":
                    add("executions", len(getattr(backend, "executions", [])))
    return counts


@dataclass
class Restored:
    header: Header
    seconds: float


class Checkpointer:
    def __init__(self, store: StateStore, gate: Gate, parts: dict[str, Durable], *, interval: float,
                 log: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.store, self._gate, self._parts, self._interval, self._log, self._clock = (
            store, gate, parts, interval, log, clock)  # fmt: skip
        self.state_id = uuid.uuid4().hex
        self.port = 0
        self._cache = pickling.BlobCache()
        self._saved: tuple[int, bytes] | None = None
        self._next = 0.0
        self._last_end = 0.0
        self._failure = ""
        self._saving = threading.Lock()
        self.last_pause = 0.0

    # -- loading -----------------------------------------------------------------------------------
    def restore(self) -> Restored | None:
        """Load the stored checkpoint, all of it or nothing; None if there is none. StateRefused if unreadable."""
        if not self.store.exists():
            return None
        started = time.monotonic()
        header = self.store.header()
        try:
            moto_state, parts_state = pickling.load(self.store.body(), self.store.read_blob)
            restore_moto(moto_state)
            for name, part in self._parts.items():
                if name in parts_state:
                    part.restore_state(parts_state[name])
        except Exception as exc:  # (the emulator does not serve after this: nothing half-loaded is answered from)
            raise StateRefused(f"the stored state {self.store.checkpoint} cannot be loaded ({exc})") from None
        self.state_id, self.port = header.state_id, header.port
        self._saved = (self._gate.writes, self._parts_fingerprint())
        return Restored(header, time.monotonic() - started)

    # -- writing -----------------------------------------------------------------------------------
    def _parts_state(self) -> dict[str, Any]:
        return {name: part.durable_state() for name, part in self._parts.items()}

    def _parts_fingerprint(self) -> bytes:
        return pickle.dumps(self._parts_state(), protocol=5)

    def status(self) -> dict[str, Any]:
        """How far the state on disk is behind: changing requests passed, and how many it holds."""
        return {"persisting": True, "state_id": self.state_id, "writes": self._gate.writes,
                "writes_saved": self._saved[0] if self._saved else 0, "last_pause_s": round(self.last_pause, 4),
                "durable_on_answer": self._gate.durable_on_answer,
                "directory": str(self.store.directory)}  # fmt: skip

    def due(self) -> bool:
        return self._saved != (self._gate.writes, self._parts_fingerprint())

    def save(self, *, force: bool = False) -> bool:
        """Write a checkpoint if anything changed since the last (or `force`); whether one was written."""
        with self._saving:  # the clock's, a snapshot's and the stop's checkpoints, one at a time
            return self._save(force)

    def _save(self, force: bool) -> bool:
        if not force and not self.due():
            return False
        with self._gate.closed(CLOSE_TIMEOUT_SECONDS) as quiet:
            if not quiet:
                return False
            paused = time.monotonic()
            writes = self._gate.writes
            parts = self._parts_state()
            moto_state = capture_moto()
            # the blobs are written once the gate is open again: a disk's flushes must not pause requests
            pending: dict[str, bytes] = {}
            body, used = self._dump((moto_state, parts), pending.__setitem__)
            try:
                summary = summarise(moto_state)
            except Exception as exc:  # a count is never worth a lost checkpoint
                self._log(f"the checkpoint's summary failed: {exc!r}")
                summary = {}
            self.last_pause = time.monotonic() - paused
        moto, python = runtime_versions()
        header = Header(self.state_id, time.time(), moto, python, port=self.port, summary=summary, blobs=sorted(used))
        try:
            self.store.write_blobs(pending)
            self.store.save(header, body, used)
        except BaseException:
            self._cache = pickling.BlobCache()  # it counts these blobs as written: the next checkpoint writes all
            raise
        self._saved = (writes, pickle.dumps(parts, protocol=5))
        self._gate.saved(writes)
        return True

    def _dump(self, state: Any, write_blob: Callable[[str, bytes], None]) -> tuple[bytes, set[str]]:
        for attempt in range(3):
            try:
                return pickling.dump(state, self._cache, write_blob)
            except RuntimeError:  # a part changed a dict while it was copied; the gate keeps that rare
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def run(self, stop: threading.Event) -> None:
        """The checkpoint's thread: a tick on its clock, or at once when an answer waits for one
        (EMULATOR_DURABILITY=answer: the requests waiting meanwhile share the next checkpoint)."""
        while not stop.is_set():
            if self._gate.await_demand(timeout=0.1):
                # asked for: at once, but with the gate open at least as long as it was last closed,
                # or back-to-back checkpoints would hold every request, reads too, most of the time
                self._next = min(self._next, self._last_end + self.last_pause)
                stop.wait(max(0.0, self._next - self._clock()))
            self.tick()

    def tick(self) -> None:
        """A checkpoint when due, spaced by the interval and by ten pauses."""
        now = self._clock()
        if now < self._next:
            return
        try:
            if self.save():
                self._last_end = self._clock()
                self._next = now + max(self._interval, PAUSE_SHARE * self.last_pause)
                self._failure = ""
        except Exception as exc:  # said once per kind; tried again a little later
            if repr(exc) != self._failure:
                self._log(f"checkpoint failed: {exc!r}; the state on disk is the previous one")
            self._failure = repr(exc)
            self._next = now + max(self._interval, 5.0)
