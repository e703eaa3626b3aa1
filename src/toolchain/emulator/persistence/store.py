"""The checkpoint on disk: `checkpoint` (a JSON header line, then the pickle) and `blobs/<sha256>`.

Each file is written to a temporary name, fsynced, renamed into place and its directory fsynced: a
crash at any moment leaves the previous checkpoint or the new one, never a mixture. Blobs are written
before the checkpoint that names them and removed only after a newer checkpoint stopped naming them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 2  # raise when what is stored changes shape (2: blobs named by a function, not a persistent id)


@dataclass(frozen=True)
class Header:
    """What a checkpoint says of itself before its pickle is read."""

    state_id: str
    saved_at: float
    moto: str
    python: str
    format: int = FORMAT
    port: int = 0
    summary: dict[str, int] = field(default_factory=dict)
    blobs: list[str] = field(default_factory=list)  # the digests the pickle refers to

    def to_line(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode() + b"\n"


class StateRefused(Exception):
    """A stored state this emulator will not load; the message says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}. `invoke up --fresh` starts an empty emulator (it lists what it discards first)")


def runtime_versions() -> tuple[str, str]:
    from importlib.metadata import version

    return version("moto"), f"{sys.version_info.major}.{sys.version_info.minor}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush(files: list[Path]) -> None:
    """The files on disk, each fsynced (not a syncfs: that would flush every other process's writes on
    the file system too, once a second, from every emulator on the machine)."""
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


class StateStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.checkpoint = directory / "checkpoint"
        self.blobs = directory / "blobs"

    def exists(self) -> bool:
        return self.checkpoint.is_file()

    def write_blob(self, digest: str, data: bytes) -> None:
        self.write_blobs({digest: data})

    def write_blobs(self, blobs: dict[str, bytes]) -> None:
        """Blobs not on disk yet, each under a temporary name then renamed, all written before any is
        fsynced: the disk's flushes overlap, and no blob is ever seen half written."""
        new = {digest: data for digest, data in blobs.items() if not (self.blobs / digest).is_file()}
        if not new:
            return
        self.blobs.mkdir(parents=True, exist_ok=True)
        written = []
        for digest, data in new.items():
            temporary = self.blobs / f".{digest}.{os.getpid()}.tmp"
            temporary.write_bytes(data)
            written.append((temporary, self.blobs / digest))
        _flush([temporary for temporary, _target in written])
        for temporary, target in written:
            os.replace(temporary, target)

    def read_blob(self, digest: str) -> bytes:
        try:
            return (self.blobs / digest).read_bytes()
        except OSError:
            from toolchain.emulator.persistence.pickling import StateUnreadable

            raise StateUnreadable(f"blob {digest[:12]} is missing from {self.blobs}") from None

    def save(self, header: Header, body: bytes, blobs_used: set[str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.blobs.is_dir():
            _fsync_dir(self.blobs)  # the blobs this checkpoint names are on disk before it is
        write_atomically(self.checkpoint, header.to_line() + body)
        _fsync_dir(self.directory)
        for stale in self.blobs.glob("*") if self.blobs.is_dir() else ():
            if stale.name not in blobs_used and not stale.name.startswith("."):
                with contextlib.suppress(OSError):
                    stale.unlink()

    def header(self) -> Header:
        """The stored checkpoint's header; StateRefused if it is not one this emulator can read."""
        try:
            with self.checkpoint.open("rb") as stored:
                return readable(parse_header(stored.readline()), str(self.checkpoint))
        except OSError as exc:
            raise StateRefused(f"the stored state {self.checkpoint} cannot be read ({exc})") from None

    def body(self) -> bytes:
        data = self.checkpoint.read_bytes()
        return data[data.index(b"\n") + 1 :]

    def discard(self) -> None:
        import shutil

        shutil.rmtree(self.directory, ignore_errors=True)


def parse_header(line: bytes) -> Header:
    try:
        fields: dict[str, Any] = json.loads(line)
        return Header(**fields)
    except (ValueError, TypeError) as exc:
        raise StateRefused(f"a stored state's header is damaged ({exc})") from None


def readable(header: Header, where: str) -> Header:
    """The header, if this emulator can load what it describes; else StateRefused saying why."""
    moto, python = runtime_versions()
    if header.format != FORMAT:
        raise StateRefused(f"the state in {where} is of format {header.format}; this emulator reads {FORMAT}")
    if (header.moto, header.python) != (moto, python):
        raise StateRefused(
            f"the state in {where} was written by moto {header.moto} on Python {header.python}; "
            f"this emulator runs moto {moto} on Python {python}"
        )
    return header
