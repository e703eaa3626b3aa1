"""Progress output. Toolchain classes take a Reporter so tests can collect what a person would see."""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from toolchain.colour import palette_for


class Reporter(Protocol):
    def step(self, message: str) -> None: ...

    def detail(self, message: str) -> None: ...


class ConsoleReporter:
    def __init__(self, stream: TextIO | None = None, *, verbose: bool = True) -> None:
        self._stream = stream or sys.stderr
        self._verbose = verbose
        self._palette = palette_for(self._stream)

    def step(self, message: str) -> None:
        print(f"{self._palette.paint('==>', 'bold', 'cyan')} {message}", file=self._stream, flush=True)

    def detail(self, message: str) -> None:
        if self._verbose:
            print(f"    {message}", file=self._stream, flush=True)


class RecordingReporter:
    """Keeps every message; for tests and for callers that want a transcript."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def step(self, message: str) -> None:
        self.messages.append(message)

    def detail(self, message: str) -> None:
        self.messages.append(message)
