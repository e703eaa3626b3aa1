"""What an interpreter said about itself, remembered while its executable stays the same file.

Packaging asks the target's Python for its version and byte-code tag, and finding that Python runs
each candidate once: three processes, two thirds of a no-op `invoke package`. The answers are kept
in the user cache under the executable's resolved path, size, modification time and inode, so a
reinstalled or upgraded Python is asked again. Only a real executable is remembered: a pyenv shim
is a script whose answer changes with `pyenv global`, so it is asked every time.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_EXECUTABLE = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"MZ")  # Linux, macOS and Windows binaries


def _signature(interpreter: Path) -> list[Any] | None:
    try:
        resolved = interpreter.resolve(strict=True)
        with resolved.open("rb") as file:
            magic = file.read(4)
        stat = resolved.stat()
    except OSError:
        return None
    if not magic.startswith(_EXECUTABLE):
        return None
    return [str(resolved), stat.st_size, stat.st_mtime_ns, stat.st_ino]


class ProbeMemo:
    """Answers by question and interpreter, in one JSON file (`path`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Any]:
        try:
            entries = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def ask(self, interpreter: Path, question: str, answer: Callable[[], Any]) -> Any:
        signature = _signature(interpreter)
        if signature is None:
            return answer()
        key = f"{question} {interpreter}"
        entries = self._load()
        kept = entries.get(key)
        if isinstance(kept, dict) and kept.get("signature") == signature and "answer" in kept:
            return kept["answer"]
        value = answer()
        entries[key] = {"signature": signature, "answer": value}
        self._save(entries)
        return value

    def _save(self, entries: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, delete=False, suffix=".tmp") as out:
                json.dump(entries, out, sort_keys=True)
            os.replace(out.name, self.path)  # two toolchains at once: either's whole file, never half
        except OSError:
            pass  # a read-only cache only costs the probes again
