"""Wheels for a runtime, from a local cache that pip fills only with what is missing.

pip is asked for binary wheels only (`--only-binary=:all:`), for the target's platform tags, one
exact version per package and no dependency resolution (the lock file is already the closure).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from toolchain.digests import file_sha256
from toolchain.errors import ToolchainError
from toolchain.packaging.requirements import Pin
from toolchain.packaging.runtimes import Runtime
from toolchain.reporting import Reporter


class PipFailed(ToolchainError):
    pass


class NoWheelForRuntime(ToolchainError):
    pass


class WheelHashMismatch(ToolchainError):
    """A wheel whose sha256 is not one the lock file names: tampered with, or another build."""


class PipRunner(Protocol):
    def download(self, requirements: Sequence[str], dest: Path, extra_args: Sequence[str]) -> None:
        """Download exactly these requirements as wheels into `dest`; PipFailed with pip's words if not."""
        ...


class SubprocessPip:
    """pip in a child process of this interpreter; its progress bars go straight to the terminal."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python

    def download(self, requirements: Sequence[str], dest: Path, extra_args: Sequence[str]) -> None:
        # Through a requirements file: only there can a requirement carry its hashes, and with
        # --require-hashes pip refuses any file whose sha256 is not among them.
        listing = dest / "requirements.txt"
        listing.write_text("\n".join(requirements) + "\n")
        hashed = ["--require-hashes"] if any("--hash=" in r for r in requirements) else []
        command = [
            self._python, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
            "--dest", str(dest), *hashed, *extra_args, "-r", str(listing),
        ]  # fmt: skip
        result = subprocess.run(command, stderr=subprocess.PIPE, text=True, check=False)
        listing.unlink()
        if result.returncode != 0:
            raise PipFailed(f"pip download failed:\n{result.stderr.strip()[-2000:]}")


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    path: Path

    def sha256(self) -> str:
        return file_sha256(self.path)


_MISSING = re.compile(
    r"(?:No matching distribution found for|satisfies the requirement) ([A-Za-z0-9._-]+(?:==[^\s)]+)?)"
)


class WheelCache:
    def __init__(self, directory: Path, pip: PipRunner, reporter: Reporter) -> None:
        self.directory = directory
        self._pip = pip
        self._reporter = reporter

    def _index(self) -> dict[tuple[str, str], list[tuple[Path, frozenset[Tag]]]]:
        index: dict[tuple[str, str], list[tuple[Path, frozenset[Tag]]]] = {}
        for path in sorted(self.directory.glob("*.whl")) if self.directory.is_dir() else []:
            try:
                name, version, _build, wheel_tags = parse_wheel_filename(path.name)
            except InvalidWheelFilename:
                continue
            index.setdefault((canonicalize_name(name), str(version)), []).append((path, wheel_tags))
        return index

    @staticmethod
    def _best(candidates: list[tuple[Path, frozenset[Tag]]], runtime: Runtime) -> Path | None:
        rank = {tag: position for position, tag in enumerate(runtime.supported_tags)}
        scored = [
            (min(rank[t] for t in wheel_tags if t in rank), path.name, path)
            for path, wheel_tags in candidates
            if any(t in rank for t in wheel_tags)
        ]
        return min(scored)[2] if scored else None

    def _lookup(self, pins: Sequence[Pin], runtime: Runtime) -> tuple[list[Wheel], list[Pin]]:
        index = self._index()
        found, missing = [], []
        for pin in pins:
            best = self._best(index.get((pin.name, pin.version), []), runtime)
            if best is None:
                missing.append(pin)
            else:
                found.append(self._checked(Wheel(pin.name, pin.version, best), pin))
        return found, missing

    def _checked(self, wheel: Wheel, pin: Pin) -> Wheel:
        """The cached wheel, if the lock names its sha256 (a cache is shared: anything may have changed it)."""
        if pin.hashes and wheel.sha256() not in pin.hashes:
            raise WheelHashMismatch(
                f"{wheel.path} has a sha256 that requirements/layer.txt does not name for {pin}",
                f"delete it (the next build downloads it again, checked), or re-lock with `invoke deps.lock` "
                f"if {pin} was rebuilt upstream",
            )
        return wheel

    def resolve(self, pins: Sequence[Pin], runtime: Runtime) -> list[Wheel]:
        """One wheel per pin for `target`, downloading only those not already cached."""
        found, missing = self._lookup(pins, runtime)
        if not missing:
            self._reporter.detail(f"all {len(found)} wheels for {runtime.slug} found in {self.directory}")
            return found
        self._reporter.detail(f"downloading {len(missing)} of {len(pins)} wheels for {runtime.describe()}")
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.directory, prefix=".download-") as tmp:
            try:
                self._pip.download(
                    [p.requirement() for p in missing], Path(tmp), ["--only-binary=:all:", *runtime.pip_arguments()]
                )
            except PipFailed as exc:
                match = _MISSING.search(exc.message)
                if match:
                    raise self._no_wheel(match.group(1), runtime) from None
                raise PipFailed(
                    exc.message,
                    "check network access to the package index (pip's own settings apply: PIP_INDEX_URL, ...)",
                ) from None
            for wheel in Path(tmp).glob("*.whl"):
                shutil.move(str(wheel), self.directory / wheel.name)
        found, still_missing = self._lookup(pins, runtime)
        if still_missing:
            raise self._no_wheel(str(still_missing[0]), runtime)
        return found

    @staticmethod
    def _no_wheel(requirement: str, runtime: Runtime) -> NoWheelForRuntime:
        return NoWheelForRuntime(
            f"no binary wheel of {requirement} for {runtime.describe()}",
            "pick a version of it that publishes such a wheel (see its files on PyPI) and pin it in "
            "requirements/layer.in, or remove it; then run `invoke deps.lock`",
        )
