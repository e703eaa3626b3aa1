"""A copy of this checkout for tests that change sources (`invoke new`, `invoke watch`): the files git
knows, tracked or not, and nothing built, so the copy behaves as a fresh clone with this change."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_checkout(target: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def copy_environment(checkout: Path, build_dir: Path | None = None) -> dict[str, str]:
    """The copy's own src/ first (it, not this checkout, holds what the test changes) and its own build."""
    return {
        **os.environ,
        "PYTHONPATH": str(checkout / "src"),
        "PLATFORM_BUILD_DIR": str(build_dir or checkout / "build"),
    }


def run(
    checkout: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=checkout, env=env or copy_environment(checkout), capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert result.returncode == 0 or not check, result.stdout[-4000:] + result.stderr[-4000:]
    return result
