"""Finding a Python interpreter of a given version on this machine (for the emulator's workers).

Looked for, in order: this interpreter, `pythonX.Y` on PATH (not pyenv's shim, which runs one of
the installs searched next), pyenv's and uv's install folders. Each candidate is run once to
confirm its version (a broken or mislabelled install is skipped), and the answer is remembered
while the executable stays the same file (probes.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from toolchain.cache import cache_dir
from toolchain.probes import ProbeMemo


def _candidates(version: str) -> list[Path]:
    found = []
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        found.append(Path(sys.executable))
    override = os.environ.get(f"PLATFORM_PYTHON_{version.replace('.', '_')}")
    if override:
        found.append(Path(override))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    on_path = shutil.which(f"python{version}")
    # pyenv's shim only runs one of the installs searched below, after a bash start (a quarter of
    # a second that every `invoke package` paid): the installs are asked directly instead.
    if on_path and Path(on_path).parent != pyenv_root / "shims":
        found.append(Path(on_path))
    found += sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True)
    uv_root = Path(os.environ.get("UV_PYTHON_INSTALL_DIR", Path.home() / ".local/share/uv/python"))
    found += sorted(uv_root.glob(f"cpython-{version}.*/bin/python{version}"), reverse=True)
    return found


def _reports_version(interpreter: Path, version: str) -> bool:
    try:
        result = subprocess.run(
            [str(interpreter), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.strip() == version


@cache
def find_interpreter(version: str) -> Path | None:
    """A working CPython `version` (like '3.12') on this machine, or None."""
    memo = ProbeMemo(cache_dir() / "interpreters.json")
    for candidate in _candidates(version):
        if not candidate.is_file():
            continue
        if memo.ask(candidate, f"is {version}", lambda c=candidate: _reports_version(c, version)):
            return candidate
    return None
