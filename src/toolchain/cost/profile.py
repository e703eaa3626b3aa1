"""The load profile (profiles/platform.toml): the platform's entry points, how each is driven, and the
traffic each environment gets. A file users edit, so every mistake in it is named with its place."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from toolchain.errors import ToolchainError

KINDS = {
    "api": {"method", "path"},
    "slack": {"command", "text"},
    "upload": {"bucket_output"},
    "record": {"stream_output", "data"},
    "schedule": {"rule_output"},
}
OPTIONAL = {"body", "auth", "prefix", "prefix_output", "width", "height", "rows", "requests", "kind"}
MAX_REQUESTS = 1000


@dataclass(frozen=True)
class EntryPoint:
    name: str
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    requests: int = 10

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)


@dataclass(frozen=True)
class Profile:
    path: Path
    entry_points: dict[str, EntryPoint]
    traffic: dict[str, dict[str, int]]  # environment -> entry point -> requests a month

    def traffic_of(self, env: str) -> dict[str, int]:
        if env not in self.traffic:
            raise ToolchainError(f"{self.path.name} has no traffic for {env}",
                                 f"add a [traffic.{env}] table: requests a month per entry point")  # fmt: skip
        return self.traffic[env]


def _entry(path: Path, name: str, data: Any) -> EntryPoint:
    where = f"{path.name}: entry point {name!r}"
    if not isinstance(data, dict):
        raise ToolchainError(f"{where} is not a table")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ToolchainError(f"{where} has kind {kind!r}", f"use one of {', '.join(sorted(KINDS))}")
    missing = sorted(KINDS[kind] - set(data))
    if missing:
        raise ToolchainError(f"{where} ({kind}) lacks {', '.join(missing)}")
    unknown = sorted(set(data) - KINDS[kind] - OPTIONAL)
    if unknown:
        raise ToolchainError(f"{where} has unknown setting(s) {', '.join(unknown)}")
    requests = data.get("requests", 10)
    if not isinstance(requests, int) or isinstance(requests, bool) or not 1 <= requests <= MAX_REQUESTS:
        raise ToolchainError(f"{where}: requests must be a whole number from 1 to {MAX_REQUESTS}, not {requests!r}")
    return EntryPoint(name, str(kind), {k: v for k, v in data.items() if k not in ("kind", "requests")}, requests)


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A profile's tables; a missing or malformed file is named, with what to do."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ToolchainError(f"no {what} at {path}", "pass --profile with the path of one") from None
    except tomllib.TOMLDecodeError as exc:
        raise ToolchainError(f"{path.name} is not valid TOML: {exc}") from None


def load(path: Path) -> Profile:
    data = read_toml(path, "load profile")
    entries = {name: _entry(path, name, found) for name, found in (data.get("entry_points") or {}).items()}
    if not entries:
        raise ToolchainError(f"{path.name} lists no [entry_points.<name>]")
    traffic: dict[str, dict[str, int]] = {}
    for env, table in (data.get("traffic") or {}).items():
        for name, count in (table or {}).items():
            if name not in entries:
                raise ToolchainError(f"{path.name}: [traffic.{env}] names {name!r}, which is not an entry point")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ToolchainError(f"{path.name}: [traffic.{env}] {name} must be a whole number >= 0, not {count!r}")
        traffic[str(env)] = {str(name): int(count) for name, count in (table or {}).items()}
    return Profile(path, entries, traffic)


def with_requests(profile: Profile, requests: int) -> Profile:
    """The profile with every entry point run `requests` times (`cost.measure --requests`)."""
    if not 1 <= requests <= MAX_REQUESTS:
        raise ToolchainError(f"--requests must be from 1 to {MAX_REQUESTS}, not {requests}")
    entries = {name: replace(entry, requests=requests) for name, entry in profile.entry_points.items()}
    return replace(profile, entry_points=entries)
