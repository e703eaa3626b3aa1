"""The runtime a build is for: Lambda's Python and architecture, or (for local runs) this interpreter.

Lambda's python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), older ones on Amazon Linux 2
(glibc 2.26). The wheel tags a runtime accepts follow from that, in pip's order of preference.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from functools import cached_property

from packaging import tags

_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
_OLDEST_AL2023_PYTHON = (3, 12)
# manylinux2014 (glibc 2.17) is the oldest policy published for aarch64.
_OLDEST_GLIBC_MINOR = {"x86_64": 5, "arm64": 17}
_LEGACY_ALIASES = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}


@dataclass(frozen=True)
class Runtime:
    """`architecture is None` means "this interpreter and machine" (the emulator's fallback)."""

    python: str
    architecture: str | None

    @classmethod
    def on_lambda(cls, python: str, architecture: str) -> Runtime:
        return cls(python=python, architecture=architecture)

    @classmethod
    def host(cls) -> Runtime:
        return cls(python=f"{sys.version_info.major}.{sys.version_info.minor}", architecture=None)

    @property
    def is_host(self) -> bool:
        return self.architecture is None

    @property
    def version_tuple(self) -> tuple[int, int]:
        major, minor = self.python.split(".")
        return int(major), int(minor)

    @property
    def glibc(self) -> tuple[int, int]:
        return (2, 34) if self.version_tuple >= _OLDEST_AL2023_PYTHON else (2, 26)

    @property
    def slug(self) -> str:
        if self.is_host:
            return f"host-cp{self.python.replace('.', '')}-{sys.platform}-{platform.machine().lower()}"
        return f"python{self.python}-{self.architecture}"

    def describe(self) -> str:
        if self.is_host:
            return f"this machine's Python {self.python} ({sys.platform} {platform.machine()})"
        return f"Lambda python{self.python} {self.architecture} (manylinux, glibc {self.glibc[0]}.{self.glibc[1]})"

    def platforms(self) -> list[str]:
        """manylinux platform tags, most specific first."""
        if self.architecture is None:
            return []
        machine = _MACHINE[self.architecture]
        result = []
        for minor in range(self.glibc[1], _OLDEST_GLIBC_MINOR[self.architecture] - 1, -1):
            result.append(f"manylinux_2_{minor}_{machine}")
            if minor in _LEGACY_ALIASES:
                result.append(f"{_LEGACY_ALIASES[minor]}_{machine}")
        return result

    @cached_property
    def supported_tags(self) -> tuple[tags.Tag, ...]:
        if self.is_host:
            return tuple(tags.sys_tags())
        version = self.version_tuple
        platforms = self.platforms()
        return (
            *tags.cpython_tags(version, platforms=platforms),
            *tags.compatible_tags(version, f"cp{version[0]}{version[1]}", platforms),
        )

    def pip_arguments(self) -> list[str]:
        if self.is_host:
            return []
        args = []
        for tag in self.platforms():
            args += ["--platform", tag]
        return [*args, "--python-version", self.python, "--implementation", "cp"]
