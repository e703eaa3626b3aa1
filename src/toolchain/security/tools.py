"""A virtual environment of their own for the security scanners.

checkov pins boto3 and a hundred other packages; installed next to the project's pins it would
move them. The venv is keyed by the hash of its requirements file, so editing the pins rebuilds it
and an unchanged file costs nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from toolchain.digests import file_sha256
from toolchain.errors import ToolchainError
from toolchain.reporting import Reporter

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess]


def run_captured(args: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


class ToolEnvironment:
    def __init__(
        self,
        requirements: Path,
        location: Path,
        reporter: Reporter,
        *,
        python: str = sys.executable,
        runner: Runner = run_captured,
    ) -> None:
        self.requirements = requirements
        self.location = location
        self._reporter = reporter
        self._python = python
        self._run = runner

    @property
    def _stamp(self) -> Path:
        return self.location / ".requirements-sha256"

    def _wanted(self) -> str:
        if not self.requirements.is_file():
            raise ToolchainError(f"{self.requirements} does not exist", "restore it from version control")
        return file_sha256(self.requirements)

    @property
    def bin_dir(self) -> Path:
        return self.location / "bin"

    def executable(self, name: str) -> Path:
        return self.bin_dir / name

    def ensure(self) -> ToolEnvironment:
        wanted = self._wanted()
        if self._stamp.is_file() and self._stamp.read_text().strip() == wanted:
            return self
        self._reporter.step(f"Installing the security scanners into {self.location} (once per pin change)")
        shutil.rmtree(self.location, ignore_errors=True)
        self._checked([self._python, "-m", "venv", str(self.location)], "creating the venv")
        # --no-compile: the scanners import a small part of what they install; byte-compiling all of
        # it up front is two thirds of the install's CPU, and Python compiles what is used on first use.
        pip = [str(self.executable("python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--no-compile"]  # fmt: skip
        self._checked([*pip, "-r", str(self.requirements)], f"installing {self.requirements.name}")
        self._stamp.write_text(wanted + "\n")
        return self

    def _checked(self, args: Sequence[str], what: str) -> None:
        result = self._run(args)
        if result.returncode != 0:
            shutil.rmtree(self.location, ignore_errors=True)
            raise ToolchainError(
                f"{what} failed (exit {result.returncode}): {(result.stderr or result.stdout or '').strip()[-1500:]}",
                "check that PyPI (or your mirror) is reachable, then run `invoke security.tools` again",
            )
