"""The layer's lock file: exact `name==version` pins, one per line, comments allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from toolchain.errors import ConfigError

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([A-Za-z0-9.+!_-]+)$")


@dataclass(frozen=True, order=True)
class Pin:
    name: str  # canonical (PEP 503) name
    version: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


def read_pins(path: Path) -> list[Pin]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found", "run `invoke deps.lock` to create it from requirements/layer.in"
        ) from None
    pins: dict[str, Pin] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if not match:
            raise ConfigError(
                f"{path.name} line {number}: {line!r} is not an exact pin like 'name==1.2.3'",
                "the layer is built from exact versions only; run `invoke deps.lock`",
            )
        pin = Pin(canonicalize_name(match.group(1)), match.group(3))
        if pin.name in pins:
            raise ConfigError(f"{path.name} line {number}: {pin.name} is pinned twice")
        pins[pin.name] = pin
    return sorted(pins.values())
