"""Colour for a person at a terminal, and none for anything else: no colour under NO_COLOR (any value,
as no-color.org asks), in CI (CI set), on a dumb terminal or into a pipe or file; FORCE_COLOR asks for
it anyway (a pager that shows it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

_CODES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


def wanted(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("CI") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Palette:
    enabled: bool = False

    def paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        return f"\033[{';'.join(_CODES[s] for s in styles)}m{text}\033[0m"


PLAIN = Palette(False)


def palette_for(stream: TextIO, environ: Mapping[str, str] = os.environ) -> Palette:
    return Palette(wanted(stream, environ))
