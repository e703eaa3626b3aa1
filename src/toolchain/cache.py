"""The user's cache: what the toolchain downloads or derives once per machine (wheels, Terraform,
the emulator's compiled runtime packages). PLATFORM_CACHE_DIR moves it."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    override = os.environ.get("PLATFORM_CACHE_DIR")
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "serverless-platform"
