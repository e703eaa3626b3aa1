"""X-Ray in the emulator: the trace header, the segments AWS's services write, and where they are kept.

A request is one trace across every hop, as on AWS: the trace header travels in `current` (a context
variable) while the emulator works for that request, rides on SQS messages (`AWSTraceHeader`), and is
handed to each function as `_X_AMZN_TRACE_ID`. The emulator writes the segments the services write
(API Gateway's stage, Lambda's service and function segments, Step Functions' execution); the
functions' own subsegments arrive from the X-Ray SDK over UDP (`XRayDaemon`), as they reach the X-Ray
daemon on Lambda. `TraceStore` assembles both into traces the X-Ray API serves (see api.py).
"""

from __future__ import annotations

import contextlib
import copy
import json
import secrets
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

HTTP_HEADER = "X-Amzn-Trace-Id"
MAX_TRACES = 2000  # the oldest traces are forgotten beyond this: the emulator runs for days


def new_id() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class TraceHeader:
    root: str
    parent: str | None = None
    sampled: bool = True

    @classmethod
    def new(cls) -> TraceHeader:
        return cls(f"1-{int(time.time()):08x}-{secrets.token_hex(12)}")

    @classmethod
    def parse(cls, text: str | None) -> TraceHeader | None:
        """`Root=1-...;Parent=...;Sampled=1` as AWS writes it; None for anything without a valid root."""
        fields = {}
        for part in (text or "").split(";"):
            key, _, value = part.strip().partition("=")
            fields[key.strip()] = value.strip()
        root = fields.get("Root", "")
        pieces = root.split("-")
        if len(pieces) != 3 or pieces[0] != "1" or len(pieces[1]) != 8 or len(pieces[2]) != 24:
            return None
        try:
            int(pieces[1], 16), int(pieces[2], 16)
        except ValueError:
            return None
        return cls(root, fields.get("Parent") or None, fields.get("Sampled", "1") != "0")

    def under(self, parent_id: str) -> TraceHeader:
        return TraceHeader(self.root, parent_id, self.sampled)

    def __str__(self) -> str:
        parent = f";Parent={self.parent}" if self.parent else ""
        return f"Root={self.root}{parent};Sampled={int(self.sampled)}"


# The trace the emulator is working for in this thread (or task), if any.
current: ContextVar[TraceHeader | None] = ContextVar("emulator_trace", default=None)


@contextlib.contextmanager
def continuing(header: TraceHeader | None) -> Iterator[None]:
    token = current.set(header)
    try:
        yield
    finally:
        current.reset(token)


class Segment:
    """One segment (or an embedded subsegment) being written; `doc` is its X-Ray segment document."""

    def __init__(self, name: str, trace: TraceHeader, *, origin: str | None = None, namespace: str | None = None,
                 parent_id: str | None = None, start: float | None = None, **fields: Any) -> None:  # fmt: skip
        self.doc: dict[str, Any] = {"id": new_id(), "name": name[:200], "start_time": start or time.time()}
        if origin is not None:  # a segment: it names its trace; an embedded subsegment does not
            self.doc.update(trace_id=trace.root, origin=origin)
        if namespace is not None:
            self.doc["namespace"] = namespace
        if parent_id:
            self.doc["parent_id"] = parent_id
        self.doc.update(fields)
        self.trace = trace

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def header(self) -> TraceHeader:
        """The header a call made inside this segment carries: its parent is this segment."""
        return self.trace.under(self.id)

    def child(self, name: str, *, namespace: str | None = "aws", start: float | None = None,
              **fields: Any) -> Segment:  # fmt: skip
        sub = Segment(name, self.trace, namespace=namespace, start=start, **fields)
        self.doc.setdefault("subsegments", []).append(sub.doc)
        return sub

    @contextlib.contextmanager
    def span(self, name: str, **fields: Any) -> Iterator[Segment]:
        """A subsegment around a call; the call's own segments become its children."""
        sub = self.child(name, **fields)
        with continuing(sub.header):
            try:
                yield sub
            finally:
                sub.end()

    def end(self, *, end: float | None = None, fault: bool = False, error: bool = False, throttle: bool = False,
            status: int | None = None, cause: str | None = None) -> None:  # fmt: skip
        self.doc.setdefault("end_time", end or time.time())
        for flag, value in (("fault", fault), ("error", error or throttle), ("throttle", throttle)):
            if value:
                self.doc[flag] = True
        if status is not None:
            self.doc.setdefault("http", {}).setdefault("response", {})["status"] = status
        if cause:
            self.doc["cause"] = {"exceptions": [{"id": new_id(), "message": cause[:1000]}]}


def entry_segment(name: str, origin: str, incoming: str | None, tracing_on: bool, **fields: Any) -> Segment | None:
    """The segment of a service a request enters: in the caller's trace when its header has one (and is
    sampled), a new trace when the service's own tracing is on, none otherwise."""
    caller = TraceHeader.parse(incoming)
    if not (caller.sampled if caller is not None else tracing_on):
        return None
    trace = caller or TraceHeader.new()
    return Segment(name, trace, origin=origin, parent_id=trace.parent, **fields)


@contextlib.contextmanager
def span_in(segment: Segment | None, name: str) -> Iterator[None]:
    """`segment.span(name)` when there is a segment (the caller is traced), nothing otherwise."""
    if segment is None:
        yield
        return
    with segment.span(name):
        yield


def walk(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield doc
    for sub in doc.get("subsegments") or []:
        if isinstance(sub, dict):
            yield from walk(sub)


class TraceStore:
    """Segment documents by trace, assembled as X-Ray assembles them: a subsegment sent on its own
    is nested in the segment or subsegment its `parent_id` names."""

    def __init__(self, limit: int = MAX_TRACES) -> None:
        self._traces: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit
        self.recorded = 0  # traces ever seen (X-Ray bills each trace recorded), forgotten ones included

    def put(self, doc: dict[str, Any]) -> None:
        """Keep one segment document; raises ValueError for one X-Ray would refuse."""
        if not isinstance(doc, dict):
            raise ValueError("a segment document is a JSON object")
        for key in ("id", "trace_id", "name", "start_time"):
            if key not in doc:
                raise ValueError(f"segment without {key}")
        if "end_time" not in doc and not doc.get("in_progress"):
            raise ValueError("segment without end_time or in_progress")
        if TraceHeader.parse(f"Root={doc['trace_id']}") is None:
            raise ValueError(f"invalid trace id {doc['trace_id']!r}")
        if doc.get("type") == "subsegment" and not doc.get("parent_id"):
            raise ValueError("subsegment without parent_id")
        with self._lock:
            if str(doc["trace_id"]) not in self._traces:
                self.recorded += 1
            docs = self._traces.setdefault(str(doc["trace_id"]), [])
            # X-Ray keeps the last document sent with an id (an in-progress one is replaced when it ends)
            docs[:] = [d for d in docs if d.get("id") != doc["id"]]
            docs.append(copy.deepcopy(doc))
            self._traces.move_to_end(str(doc["trace_id"]))
            while len(self._traces) > self._limit:
                self._traces.popitem(last=False)

    def trace_ids(self) -> list[str]:
        with self._lock:
            return list(self._traces)

    def segments(self, trace_id: str) -> tuple[list[dict[str, Any]], int] | None:
        """The trace's segments with every subsegment nested; and how many could not be placed yet."""
        with self._lock:
            docs = copy.deepcopy(self._traces.get(trace_id))
        if docs is None:
            return None
        top = [d for d in docs if d.get("type") != "subsegment"]
        loose = [d for d in docs if d.get("type") == "subsegment"]
        index = {node["id"]: node for doc in top for node in walk(doc)}
        placed = True
        while loose and placed:
            placed = False
            for sub in list(loose):
                parent = index.get(sub["parent_id"])
                if parent is None:
                    continue
                loose.remove(sub)
                for key in ("type", "trace_id", "parent_id"):
                    sub.pop(key, None)
                parent.setdefault("subsegments", []).append(sub)
                index.update((node["id"], node) for node in walk(sub))
                placed = True
        for doc in top:
            for node in walk(doc):
                node.get("subsegments", []).sort(key=lambda s: s.get("start_time", 0))
        top.sort(key=lambda d: d.get("start_time", 0))
        return top, len(loose)


STORE = TraceStore()


class XRayDaemon:
    """The X-Ray daemon's UDP port: `{"format":"json","version":1}` then a segment document per datagram."""

    def __init__(self, store: TraceStore, host: str = "127.0.0.1", port: int = 0,
                 log: Callable[[str], None] = print) -> None:  # fmt: skip
        self._store = store
        self._log = log
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self.address = "{}:{}".format(*self._socket.getsockname())
        self.refused = 0
        self._thread = threading.Thread(target=self._serve, daemon=True, name="xray-daemon")

    def start(self) -> XRayDaemon:
        self._thread.start()
        return self

    def receive(self, datagram: bytes) -> None:
        header, _, body = datagram.partition(b"\n")
        try:
            if json.loads(header).get("format") != "json":
                raise ValueError("unknown format")
            self._store.put(json.loads(body))
        except (ValueError, AttributeError) as exc:
            self.refused += 1
            if self.refused <= 10:  # a broken SDK must not flood the emulator's log
                self._log(f"x-ray daemon: segment refused: {exc}")

    def _serve(self) -> None:
        while True:
            try:
                datagram = self._socket.recv(65536)
            except OSError:  # closed
                return
            self.receive(datagram)

    def close(self) -> None:
        self._socket.close()
