"""A Lambda layer's contents from wheels: installed the way pip would, under `python/`.

Installing a wheel is unpacking it: `<dist>.data/purelib` and `platlib` go to the top level,
scripts and headers are dropped (nothing runs them on Lambda), and no byte code is written,
because `.pyc` files compiled here would be for this machine's Python, not the target's.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from contextlib import ExitStack
from functools import partial

from toolchain.errors import ToolchainError
from toolchain.packaging.wheels import Wheel
from toolchain.packaging.zipper import Entry

LAYER_ROOT = "python/"
_INSTALLED_DATA = ("purelib", "platlib")


class LayerConflict(ToolchainError):
    pass


def _target_name(member: str) -> str | None:
    """Where a wheel member is installed, relative to site-packages; None to leave it out."""
    if member.endswith("/") or member.endswith((".pyc", ".pyo")) or "/__pycache__/" in f"/{member}":
        return None
    top, _, rest = member.partition("/")
    if top.endswith(".data"):
        scheme, _, inner = rest.partition("/")
        return inner if scheme in _INSTALLED_DATA and inner else None
    return member


class LayerContents:
    """Entries of a layer built from `wheels`; the wheels stay open while the layer is written."""

    def __init__(self, wheels: Sequence[Wheel]) -> None:
        self._wheels = wheels
        self._stack = ExitStack()

    def __enter__(self) -> list[Entry]:
        try:
            return self._collect()
        except BaseException:
            self._stack.close()
            raise

    def _collect(self) -> list[Entry]:
        entries: dict[str, Entry] = {}
        owners: dict[str, str] = {}
        for wheel in self._wheels:
            archive = self._stack.enter_context(zipfile.ZipFile(wheel.path))
            for info in archive.infolist():
                target = _target_name(info.filename)
                if target is None:
                    continue
                name = LAYER_ROOT + target
                if name in entries:
                    raise LayerConflict(
                        f"{wheel.name} and {owners[name]} both install {target}",
                        "two packages in requirements/layer.txt ship the same file; keep only one of them",
                    )
                owners[name] = wheel.name
                entries[name] = Entry(
                    name=name,
                    read=partial(archive.read, info),
                    executable=bool((info.external_attr >> 16) & 0o111),
                )
        return list(entries.values())

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()
