"""The shell commands README.md and docs/ show a user, read from the Markdown itself: what tests run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Command:
    document: str  # relative to the repository
    line: int
    text: str  # as a user would type it, without its trailing comment

    def __str__(self) -> str:
        return f"{self.document}:{self.line}: {self.text}"


def _without_comment(line: str) -> str:
    """The line up to a `#` that starts a comment (outside quotes, after a space)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index].rstrip()
    return line.rstrip()


def commands(document: Path) -> list[Command]:
    """Every command of a ```bash block, and every `$ ` line of another fenced block (a transcript)."""
    found: list[Command] = []
    language = None
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(document.read_text(encoding="utf-8").splitlines(), start=1):
        fence = _FENCE.match(raw.strip())
        if fence:
            language = None if language is not None else fence.group(1) or "text"
            continue
        if language is None:
            continue
        if language in ("bash", "sh", "shell"):
            text = raw.strip()
        elif raw.startswith("$ "):
            text = raw[2:].strip()
        else:
            continue
        text = _without_comment(text)
        if pending is not None:
            text, number = pending[1] + " " + text, pending[0]
            pending = None
        if text.endswith("\\"):
            pending = (number, text[:-1].rstrip())
            continue
        if text:
            found.append(Command(str(document.relative_to(ROOT)), number, text))
    return found


def all_commands() -> list[Command]:
    return [command for document in DOCUMENTS for command in commands(document)]


def run(command: Command, env: dict[str, str], cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    """The command as a user types it, in bash, with this venv's `invoke` first on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.environ.get('PATH', ''))}"
    return subprocess.run(["bash", "-c", command.text], cwd=cwd, env={**env, "PATH": path}, capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip
