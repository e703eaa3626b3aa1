"""Measured usage: the billable units one request of each entry point caused on the emulator, by who
paid them (a function, `edge` for the API and the clients' own calls, `workflow` for the state
machine, `storage` for bytes kept), as `invoke cost.measure` writes it to build/cost/measured.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolchain.errors import ToolchainError

Units = dict[str, dict[str, float]]  # payer -> "service.unit" -> amount


@dataclass(frozen=True)
class EntryUsage:
    requests: int
    failed: int
    per_request: Units
    custom_metrics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Measured:
    measured_at: str
    environment: str
    manifest_sha256: str
    profile: str
    entry_points: dict[str, EntryUsage]
    memory_mb: dict[str, int] = field(default_factory=dict)  # each function's, where it was measured

    def to_json(self) -> dict[str, Any]:
        return {"measured_at": self.measured_at, "environment": self.environment,
                "manifest_sha256": self.manifest_sha256, "profile": self.profile, "memory_mb": self.memory_mb,
                "entry_points": {name: {"requests": e.requests, "failed": e.failed, "per_request": e.per_request,
                                        "custom_metrics": e.custom_metrics}
                                 for name, e in self.entry_points.items()}}  # fmt: skip

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Measured:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = {name: EntryUsage(int(e["requests"]), int(e["failed"]), e["per_request"],
                                        list(e.get("custom_metrics") or []))
                       for name, e in data["entry_points"].items()}  # fmt: skip
            memory = {str(name): int(mb) for name, mb in (data.get("memory_mb") or {}).items()}
            return cls(str(data["measured_at"]), str(data["environment"]), str(data["manifest_sha256"]),
                       str(data["profile"]), entries, memory)  # fmt: skip
        except FileNotFoundError:
            raise ToolchainError(
                "no measured usage yet", "run `invoke cost.measure` (it drives each entry point on the emulator)"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ToolchainError(f"{path} is not a usage measurement ({exc!r})",
                                 "measure again: invoke cost.measure") from None  # fmt: skip


def difference(after: Units, before: Units) -> Units:
    """What was added between two readings of the meter (amounts only grow)."""
    found: Units = {}
    for payer, units in after.items():
        for unit, amount in units.items():
            added = amount - before.get(payer, {}).get(unit, 0.0)
            if added > 1e-12:
                found.setdefault(payer, {})[unit] = added
    return found


def scaled(units: Units, factor: float) -> Units:
    return {payer: {unit: amount * factor for unit, amount in found.items()} for payer, found in units.items()}
