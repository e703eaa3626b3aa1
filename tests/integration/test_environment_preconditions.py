"""What the environment tasks say on an emulated account nobody has bootstrapped yet (`invoke up`
bootstraps it, so the e2e platforms never see this): what is missing, named, before any build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolchain.emulator.control import EmulatorControl

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.documents("environments.md", "State")
def test_planning_before_bootstrap_names_what_is_missing_and_what_to_do(tmp_path: Path) -> None:
    emulator = EmulatorControl(tmp_path / "emulator")  # where the toolchain looks: <build dir>/emulator
    emulator.start()
    try:
        env = {**os.environ, "PLATFORM_BUILD_DIR": str(tmp_path)}
        result = subprocess.run([sys.executable, "-m", "invoke", "plan", "--env", "staging"], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
    finally:
        emulator.stop()
    assert result.returncode == 1, result.stdout + result.stderr
    # the first thing a deployment needs is the role it deploys as, which bootstrap makes with the buckets
    assert "error: the emulator's account has no deploy role for staging" in result.stderr
    assert "run `invoke bootstrap` (it creates each environment's deploy role)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "manifest.json").exists()  # refused before anything was built
