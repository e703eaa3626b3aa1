"""The chaos profile (profiles/chaos.toml): how a seeded run loads the platform, which faults and
crashes it meets, and where each entry point's outcome shows. A file users edit, so every mistake
in it is named with its place."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolchain.cost import profile as load_profiles
from toolchain.cost.profile import EntryPoint
from toolchain.emulator.faults import FaultError, Rule
from toolchain.errors import ToolchainError

CHECKS: dict[str, set[str]] = {
    "answer": {"ok"},
    "item": {"table_output", "match"},
    "items": {"table_output", "key"},
    "object": {"bucket_output", "key"},
    "message": {"queue_output", "contains"},
    "events": {"function", "source"},
}
CHECK_OPTIONAL = {"kind", "refusals", "done", "failed", "reason", "count"}
RUN_DEFAULTS: dict[str, Any] = {"clients": 4, "rate": 6.0, "faults": [], "worker_crashes": 0, "emulator_restarts": 0}
LIMITS = {"clients": (1, 64), "rate": (0.1, 200.0), "worker_crashes": (0, 100), "emulator_restarts": (0, 10)}


@dataclass(frozen=True)
class Check:
    kind: str
    settings: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)


@dataclass(frozen=True)
class Account:
    """An entry point as the run drives and accounts for it."""

    entry: EntryPoint
    weight: float
    checks: tuple[Check, ...]
    dead_letters: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.entry.name


@dataclass(frozen=True)
class ChaosProfile:
    path: Path
    accounts: dict[str, Account]
    clients: int
    rate: float
    faults: tuple[Rule, ...]
    worker_crashes: int
    emulator_restarts: int
    fault_texts: tuple[str, ...] = field(default=())

    def with_faults(self, texts: list[str]) -> ChaosProfile:
        """The profile with these faults instead of its own (`invoke chaos --faults`)."""
        from dataclasses import replace

        return replace(self, faults=tuple(_rule(self.path, t) for t in texts), fault_texts=tuple(texts))


def _rule(path: Path, text: Any) -> Rule:
    try:
        return Rule.parse(str(text))
    except FaultError as exc:
        raise ToolchainError(f"{path.name}: fault {exc}") from None


def _number(path: Path, run: dict[str, Any], name: str) -> Any:
    value = run.get(name, RUN_DEFAULTS[name])
    low, high = LIMITS[name]
    whole = isinstance(low, int)
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise ToolchainError(f"{path.name}: [run] {name} must be {kind} from {low} to {high}, not {value!r}")
    return value


def _check(where: str, data: Any) -> Check:
    if not isinstance(data, dict) or data.get("kind") not in CHECKS:
        kind = data.get("kind") if isinstance(data, dict) else data
        raise ToolchainError(f"{where}: a check's kind is {kind!r}", f"use one of {', '.join(sorted(CHECKS))}")
    kind = str(data["kind"])
    missing = sorted(CHECKS[kind] - set(data))
    if missing:
        raise ToolchainError(f"{where}: a check of kind {kind} lacks {', '.join(missing)}")
    unknown = sorted(set(data) - CHECKS[kind] - CHECK_OPTIONAL)
    if unknown:
        raise ToolchainError(f"{where}: unknown setting(s) {', '.join(unknown)} in a check of kind {kind}")
    for table in ("match", "done", "failed", *(("key",) if kind == "items" else ())):
        if table in data and not (isinstance(data[table], dict) and data[table]):
            raise ToolchainError(f"{where}: {table} is a table of attribute = value")
    return Check(kind, {k: v for k, v in data.items() if k != "kind"})


def _account(path: Path, name: str, data: Any, entries: dict[str, EntryPoint]) -> Account | None:
    where = f"{path.name}: entry point {name!r}"
    if name not in entries:
        raise ToolchainError(f"{where} is not in the load profile", f"choose from {', '.join(entries)}")
    if not isinstance(data, dict):
        raise ToolchainError(f"{where} is not a table")
    unknown = sorted(set(data) - {"weight", "checks", "dead_letters"})
    if unknown:
        raise ToolchainError(f"{where} has unknown setting(s) {', '.join(unknown)}")
    weight = data.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
        raise ToolchainError(f"{where}: weight must be a number >= 0, not {weight!r}")
    if weight == 0:
        return None
    checks = data.get("checks")
    if not isinstance(checks, list) or not checks:
        raise ToolchainError(f"{where} has no [[entry_points.{name}.checks]]: where does its outcome show?")
    letters = data.get("dead_letters", [])
    if not isinstance(letters, list) or not all(isinstance(x, str) for x in letters):
        raise ToolchainError(f"{where}: dead_letters is a list of output names")
    found = tuple(_check(f"{where}, check {n + 1}", check) for n, check in enumerate(checks))
    return Account(entries[name], float(weight), found, tuple(letters))


def load(path: Path) -> ChaosProfile:
    data = load_profiles.read_toml(path, "chaos profile")
    run = data.get("run") or {}
    unknown = sorted(set(run) - {"profile", *RUN_DEFAULTS})
    if unknown:
        raise ToolchainError(f"{path.name}: [run] has unknown setting(s) {', '.join(unknown)}")
    entries = load_profiles.load(path.parent / str(run.get("profile", "platform.toml"))).entry_points
    accounts = {}
    for name, found in (data.get("entry_points") or {}).items():
        account = _account(path, str(name), found, entries)
        if account is not None:
            accounts[account.name] = account
    if not accounts:
        raise ToolchainError(f"{path.name} drives nothing: give an [entry_points.NAME] a weight above 0")
    texts = run.get("faults", [])
    if not isinstance(texts, list):
        raise ToolchainError(f"{path.name}: [run] faults is a list of service:kind:rate[:ms]")
    return ChaosProfile(path, accounts, _number(path, run, "clients"), float(_number(path, run, "rate")),
                        tuple(_rule(path, t) for t in texts), _number(path, run, "worker_crashes"),
                        _number(path, run, "emulator_restarts"), tuple(str(t) for t in texts))  # fmt: skip
