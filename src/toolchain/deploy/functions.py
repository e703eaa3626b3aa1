"""A deployed function, as `fn.invoke` and `fn.logs` reach it: found by its name in pyproject.toml,
invoked with an event file, its log group read (or followed)."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from toolchain.config import ProjectConfig
from toolchain.errors import ToolchainError

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def check_function(config: ProjectConfig, name: str) -> None:
    """Fails at once, with the choices, on a name pyproject.toml does not declare."""
    config.function(name)


def read_event(path: str) -> str:
    """The event file's text ('-' reads standard input); fails at once if it is missing or not JSON."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ToolchainError(f"cannot read the event file {path}: {exc.strerror}",
                             "see events/, or make one with `invoke events.generate <trigger>`") from None  # fmt: skip
    try:
        json.loads(text)
    except ValueError as exc:
        raise ToolchainError(f"the event file {path} is not JSON: {exc}") from None
    return text


def render_event(text: str, outputs: dict[str, Any]) -> str:
    """The event with `{{output_name}}` replaced by that Terraform output (string outputs only)."""
    for name, value in outputs.items():
        if isinstance(value, str):
            text = text.replace("{{" + name + "}}", value)
    json.loads(text)
    return text


def deployed(outputs: dict[str, Any], name: str, env: str) -> dict[str, Any]:
    functions = outputs.get("functions") or {}
    if name not in functions:
        raise ToolchainError(f"{name} is not deployed in {env}",
                             f"deployed: {', '.join(sorted(functions)) or 'none'}; run `invoke up`")  # fmt: skip
    return functions[name]


def since_ms(text: str, now: float | None = None) -> int | None:
    """'10m', '2h', '30s', '1d' ago as epoch milliseconds; '' for no bound."""
    if not text:
        return None
    match = _DURATION.match(text.strip())
    if not match:
        raise ToolchainError(f"--since {text!r} is not a duration", "use a number and s, m, h or d, e.g. 10m")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return int(((time.time() if now is None else now) - seconds) * 1000)


@dataclass
class LogReader:
    """A log group's events in time order, from `start_ms`; `follow` keeps polling for new ones."""

    logs: Any
    group: str
    sleep: Callable[[float], None] = time.sleep

    def _events(self, start_ms: int | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"logGroupName": self.group}
        if start_ms is not None:
            params["startTime"] = start_ms
        events: list[dict[str, Any]] = []
        for page in self.logs.get_paginator("filter_log_events").paginate(**params):
            events += page.get("events", [])
        return sorted(events, key=lambda e: (e["timestamp"], e.get("eventId", "")))

    @staticmethod
    def shown(event: dict[str, Any]) -> str:
        """An event as a line: when CloudWatch received it (UTC, milliseconds), then its message."""
        stamp = datetime.fromtimestamp(event["timestamp"] / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        return f"{stamp}Z {event['message']}"

    @staticmethod
    def as_json(event: dict[str, Any]) -> dict[str, Any]:
        """An event for machines: when (UTC, milliseconds), its stream, its message."""
        at = datetime.fromtimestamp(event["timestamp"] / 1000, UTC).isoformat(timespec="milliseconds")
        return {"at": at.replace("+00:00", "Z"), "stream": event.get("logStreamName"), "message": event["message"]}

    def events(
        self, start_ms: int | None, last: int | None, follow: bool, interval: float = 1.0
    ) -> Iterator[dict[str, Any]]:
        events = self._events(start_ms)
        seen = {e.get("eventId") for e in events}
        yield from events[-last:] if last else events
        newest = events[-1]["timestamp"] if events else start_ms
        while follow:
            self.sleep(interval)
            for event in self._events(newest):
                if event.get("eventId") not in seen:
                    seen.add(event.get("eventId"))
                    newest = max(newest or 0, event["timestamp"])
                    yield event

    def lines(self, start_ms: int | None, last: int | None, follow: bool, interval: float = 1.0) -> Iterator[str]:
        return (self.shown(event) for event in self.events(start_ms, last, follow, interval))
