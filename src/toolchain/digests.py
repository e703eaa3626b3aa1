"""sha256 of files on disk, read in blocks: wheels, archives and binaries can be large."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any


def sha256_of(path: Path) -> Any:
    """The finished hash object (for callers that need the raw digest as well as the hex)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256")


def file_sha256(path: Path) -> str:
    return sha256_of(path).hexdigest()


def sha256_hex(data: bytes | str) -> str:
    """The hex sha256 of bytes in memory (text as UTF-8): manifests, descriptions, fetched bodies."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()
