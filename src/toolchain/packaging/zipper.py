"""Byte-for-byte reproducible zip files.

Everything that usually leaks the build machine into a zip is fixed: entry order (sorted), times
(1980-01-01, the zip epoch), permissions (0644, or 0755 for executables), the creating system,
and the compression level. Directories get no entries of their own; Lambda does not need them.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
COMPRESSION_LEVEL = 6
_UNIX = 3


@dataclass(frozen=True)
class Entry:
    """One file in an archive; `read` returns its bytes when the archive is written."""

    name: str
    read: Callable[[], bytes]
    executable: bool = False


def _info(entry: Entry) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(entry.name, date_time=ZIP_EPOCH)
    info.create_system = _UNIX
    mode = 0o755 if entry.executable else 0o644
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_zip(path: Path, entries: Iterable[Entry]) -> None:
    """Write `entries` to `path` atomically (a reader never sees half an archive)."""
    ordered = sorted(entries, key=lambda e: e.name)
    duplicates = sorted(name for name, count in Counter(e.name for e in ordered).items() if count > 1)
    if duplicates:
        raise ValueError(f"duplicate archive entries: {', '.join(duplicates[:5])}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for entry in ordered:
                archive.writestr(_info(entry), entry.read(), compresslevel=COMPRESSION_LEVEL)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
