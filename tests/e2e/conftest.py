"""The platform as a user runs it: `invoke` in a child process, Terraform for real, the emulator in the background.

Everything goes to a build directory of the session's own (PLATFORM_BUILD_DIR), so the developer's
own emulator and artifacts are never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Deployed:
    build_dir: Path
    env: dict[str, str]
    up_output: str
    control: EmulatorControl
    root: Path = ROOT

    def invoke(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "invoke", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"invoke {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def client(self, service: str) -> Any:
        return emulator_client(service, self.control.require().endpoint)

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.build_dir / "manifest.json").read_text())

    def outputs(self) -> dict[str, Any]:
        state = next((self.build_dir / "tf/emulator/root/terraform.tfstate.d/emulator").glob("terraform.tfstate"))
        return {k: v["value"] for k, v in json.loads(state.read_text())["outputs"].items()}


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    build_dir = tmp_path_factory.mktemp("build")
    env = {**os.environ, "PLATFORM_BUILD_DIR": str(build_dir), "EMULATOR_ASYNC_RETRY_DELAYS": "0.2,0.2"}
    platform = Deployed(build_dir, env, "", EmulatorControl(build_dir / "emulator"))
    up = platform.invoke("up")
    platform.up_output = up.stdout + up.stderr
    yield platform
    platform.invoke("down", check=False)
