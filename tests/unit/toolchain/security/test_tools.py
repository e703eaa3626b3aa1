"""The scanners' venv: built once per content of requirements/security.txt, removed when a step fails."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from toolchain.errors import ToolchainError
from toolchain.reporting import RecordingReporter
from toolchain.security.tools import ToolEnvironment


class FakeInstaller:
    def __init__(self, fail_on: str = "") -> None:
        self.calls: list[list[str]] = []
        self._fail_on = fail_on

    def __call__(self, args: Sequence[str]) -> subprocess.CompletedProcess:
        self.calls.append(list(args))
        if "venv" in args:
            Path(args[-1], "bin").mkdir(parents=True)
        failed = bool(self._fail_on) and self._fail_on in args
        return subprocess.CompletedProcess(args, 1 if failed else 0, "", "No matching distribution" if failed else "")


def test_the_venv_is_built_once_and_rebuilt_when_the_pins_change(tmp_path: Path) -> None:
    requirements = tmp_path / "security.txt"
    requirements.write_text("bandit==1.9.4\n")
    installer = FakeInstaller()
    tools = ToolEnvironment(requirements, tmp_path / "venv", RecordingReporter(), python="python3", runner=installer)

    tools.ensure()
    tools.ensure()
    assert len(installer.calls) == 2  # venv + pip install, once

    requirements.write_text("bandit==1.9.5\n")
    tools.ensure()
    assert len(installer.calls) == 4
    assert installer.calls[-1][-2:] == ["-r", str(requirements)]


def test_a_failed_install_leaves_no_half_built_venv(tmp_path: Path) -> None:
    requirements = tmp_path / "security.txt"
    requirements.write_text("checkov==0\n")
    tools = ToolEnvironment(requirements, tmp_path / "venv", RecordingReporter(), runner=FakeInstaller("-r"))

    with pytest.raises(ToolchainError, match="No matching distribution"):
        tools.ensure()
    assert not (tmp_path / "venv").exists()
