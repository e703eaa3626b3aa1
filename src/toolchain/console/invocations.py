"""Invocations read back from a function's log group: each stream's lines from Lambda's START to its
REPORT, with what the structured lines between them say. No AWS here: the reader fetches the events."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

_REPORT = re.compile(r"REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<duration>[\d.]+) ms"
                     r"(?:.*?Init Duration: (?P<init>[\d.]+) ms)?")  # fmt: skip
_START = re.compile(r"START RequestId: (?P<id>\S+)(?: Version: (?P<version>\S+))?")


def invocations_of(function: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A log group's events as invocations: each stream's lines from START to REPORT, with what the
    structured lines say (level, correlation id, X-Ray trace id). Lines outside a START...REPORT (a
    group cut by the time window) are left out."""
    open_: dict[str, dict[str, Any]] = {}  # stream -> the invocation being read
    done: list[dict[str, Any]] = []
    for event in sorted(events, key=lambda e: (e.get("logStreamName", ""), e["timestamp"], e.get("eventId", ""))):
        stream, message = event.get("logStreamName", ""), str(event.get("message", "")).rstrip("\n")
        start = _START.match(message)
        if start:
            open_[stream] = {"function": function, "request_id": start.group("id"), "version": start.group("version"),
                             "started": _iso_ms(event["timestamp"]), "lines": [], "errored": False,
                             "correlation_id": None, "trace_id": None, "duration_ms": None,
                             "init_ms": None}  # fmt: skip
        current = open_.get(stream)
        if current is None:
            continue
        current["lines"].append({"at": _iso_ms(event["timestamp"]), "message": message})
        structured = _structured(message)
        if structured:
            current["correlation_id"] = current["correlation_id"] or structured.get("correlation_id")
            current["trace_id"] = current["trace_id"] or _trace_id(structured.get("xray_trace_id"))
            current["errored"] |= str(structured.get("level", "")).upper() in ("ERROR", "CRITICAL")
        elif message.startswith("[ERROR]"):
            current["errored"] = True
        report = _REPORT.match(message)
        if report:
            current["duration_ms"] = float(report.group("duration"))
            current["init_ms"] = float(report.group("init")) if report.group("init") else None
            done.append(open_.pop(stream))
    return done


def _structured(message: str) -> dict[str, Any] | None:
    if not message.startswith("{"):
        return None
    try:
        found = json.loads(message)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _trace_id(header: Any) -> str | None:
    """The trace id of an X-Ray header (Root=1-...;Parent=...;Sampled=1) or of a bare id."""
    if not isinstance(header, str) or not header:
        return None
    for part in header.split(";"):
        if part.startswith("Root="):
            return part[5:]
    return header if header.startswith("1-") else None


def _iso_ms(epoch_ms: int) -> str:
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC).isoformat(timespec="milliseconds")
