"""The layer's lock file: exact `name==version` pins with the sha256 of every wheel they may take.

The format is pip's own (`pip install --require-hashes -r requirements/layer.txt` accepts it):

    pillow==13.0.0 \\
        --hash=sha256:<wheel for x86_64> \\
        --hash=sha256:<wheel for arm64>

Comments are allowed; a pin without hashes is read (older lock files) and then builds without the
hash check, which `invoke deps.lock` restores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from toolchain.errors import ConfigError

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([A-Za-z0-9.+!_-]+)$")
_HASH = re.compile(r"^--hash=sha256:([0-9a-f]{64})$")


@dataclass(frozen=True, order=True)
class Pin:
    name: str  # canonical (PEP 503) name
    version: str
    hashes: tuple[str, ...] = field(default=(), compare=False)  # sha256 (hex) of the wheels it may take

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"

    def requirement(self) -> str:
        """The pin as a requirements-file line, hashes included."""
        return " ".join([str(self), *(f"--hash=sha256:{h}" for h in self.hashes)])


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with comments removed and backslash continuations joined, each with its first line number."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("--hash") else raw.rstrip()
        continued = line.endswith("\\")
        line = line.removesuffix("\\").strip()
        start, sofar = pending if pending else (number, "")
        sofar = f"{sofar} {line}".strip()
        if continued:
            pending = (start, sofar)
            continue
        pending = None
        if sofar:
            joined.append((start, sofar))
    if pending and pending[1]:
        joined.append(pending)
    return joined


def read_pins(path: Path) -> list[Pin]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found", "run `invoke deps.lock` to create it from requirements/layer.in"
        ) from None
    pins: dict[str, Pin] = {}
    for number, line in _logical_lines(text):
        requirement, *options = line.split()
        match = _PIN.match(requirement)
        if not match:
            raise ConfigError(
                f"{path.name} line {number}: {requirement!r} is not an exact pin like 'name==1.2.3'",
                "the layer is built from exact versions only; run `invoke deps.lock`",
            )
        hashes = []
        for option in options:
            found = _HASH.match(option)
            if not found:
                raise ConfigError(f"{path.name} line {number}: {option!r} is not --hash=sha256:<64 hex digits>")
            hashes.append(found.group(1))
        pin = Pin(canonicalize_name(match.group(1)), match.group(3), tuple(hashes))
        if pin.name in pins:
            raise ConfigError(f"{path.name} line {number}: {pin.name} is pinned twice")
        pins[pin.name] = pin
    return sorted(pins.values())
