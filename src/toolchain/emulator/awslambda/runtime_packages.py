"""The packages Lambda's Python runtime provides, made importable for workers without the rest of the venv.

Lambda puts boto3 and its dependencies on the path of every Python function, compiled for the
runtime's Python. Workers run isolated from this machine's site-packages, so the same set is
mirrored for each worker interpreter: its Python files copied and compiled by that interpreter
(hash-based, like the toolchain's archives), everything else linked to the emulator's own copies.
Without the byte code every local cold start would compile botocore, which Lambda's never does.
The mirror is made once per interpreter and package versions, in the user's cache.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
_lock = threading.Lock()


def _top_level_paths(distribution: importlib.metadata.Distribution) -> set[Path]:
    tops = set()
    for file in distribution.files or []:
        parts = file.parts
        if not parts or parts[0] in ("..", "bin") or parts[0].endswith(".data") or parts[0] == "__pycache__":
            continue
        tops.add(Path(distribution.locate_file(parts[0])))
    return tops


def _has_python(directory: Path) -> bool:
    return any(directory.rglob("*.py"))


def _mirror(source: Path, target: Path) -> None:
    """Python files copied (their byte code goes beside them), the rest linked, data-only folders linked whole."""
    if source.is_file():
        if source.suffix == ".py":
            shutil.copyfile(source, target)
        else:
            os.symlink(source, target)
        return
    if not _has_python(source):
        os.symlink(source, target)
        return
    target.mkdir()
    for child in source.iterdir():
        if child.name != "__pycache__":
            _mirror(child, target / child.name)


@functools.cache
def _versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in RUNTIME_PROVIDED}


def provided_packages_dir(cache: Path, interpreter: Path) -> Path:
    """The runtime-provided packages compiled for `interpreter`; made on first use. Asked on every
    cold start: reading the versions scans every installed distribution, so it is done once."""
    versions = _versions()
    key = hashlib.sha256(json.dumps([versions, str(interpreter.resolve())]).encode()).hexdigest()[:16]
    directory = cache / key
    with _lock:
        if (directory / ".complete").is_file():
            return directory
        building = cache / f".{key}.{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        for name in RUNTIME_PROVIDED:
            for path in _top_level_paths(importlib.metadata.distribution(name)):
                if path.exists() and not (building / path.name).exists():
                    _mirror(path, building / path.name)
        subprocess.run(
            [str(interpreter), "-I", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
             str(building)], env={"PYTHONHASHSEED": "0"}, capture_output=True, check=True,
        )  # fmt: skip
        (building / ".complete").write_text("\n".join(f"{n}=={v}" for n, v in versions.items()) + "\n")
        try:
            building.rename(directory)
        except OSError:  # another emulator made it meanwhile
            shutil.rmtree(building, ignore_errors=True)
    return directory


def debugger_dir(directory: Path) -> Path:
    """A folder with a link to this environment's debugpy, for workers started under the debugger."""
    with _lock:
        link = directory / "debugpy"
        if not link.exists():
            import debugpy

            directory.mkdir(parents=True, exist_ok=True)
            os.symlink(Path(debugpy.__file__).parent, link)
    return directory
