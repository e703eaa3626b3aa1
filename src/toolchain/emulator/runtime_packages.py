"""The packages Lambda's Python runtime provides, made importable for workers without the rest of the venv.

Lambda puts boto3 and its dependencies on the path of every Python function. Workers run isolated
from this machine's site-packages, so the same set is exposed to them through a folder of links to
the emulator's own copies (pure Python, so they serve any interpreter version).
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
from pathlib import Path

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
_lock = threading.Lock()


def _top_level_paths(distribution: importlib.metadata.Distribution) -> set[Path]:
    tops = set()
    for file in distribution.files or []:
        parts = file.parts
        if not parts or parts[0] in ("..", "bin") or parts[0].endswith(".data"):
            continue
        tops.add(Path(distribution.locate_file(parts[0])))
    return tops


def provided_packages_dir(directory: Path) -> Path:
    """A folder with links to the runtime-provided packages; created on first use."""
    marker = directory / ".complete"
    with _lock:
        if marker.is_file():
            return directory
        directory.mkdir(parents=True, exist_ok=True)
        for name in RUNTIME_PROVIDED:
            for path in _top_level_paths(importlib.metadata.distribution(name)):
                link = directory / path.name
                if path.exists() and not link.exists() and not link.is_symlink():
                    os.symlink(path, link)
        marker.write_text("\n".join(RUNTIME_PROVIDED) + "\n")
    return directory
