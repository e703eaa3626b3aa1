"""`invoke bench`: run the benchmarks in bench/ and write their tables to bench/results.md.

Each benchmark is a script that prints Markdown tables and ends with one or more lines
`RESULT <name> project=<v> floor=<v> ratio=<r>`. The results file keeps one section per script
between markers, so running a few scripts replaces only their sections, and starts with the
RESULT lines of every script as one table.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.errors import ToolchainError

RESULT = re.compile(r"^RESULT (\S+) project=(\S+) floor=(\S+) ratio=(\S+)\s*$", re.MULTILINE)
_SECTION = re.compile(r"<!-- bench:(\S+) -->\n(.*?)<!-- /bench:\1 -->\n", re.DOTALL)
HEADER = "# Benchmark results\n\nWritten by `invoke bench`; each section is one script's output. {machine}\n"


@dataclass
class BenchRun:
    name: str
    output: str
    seconds: float
    failed: str | None = None
    results: list[tuple[str, str, str, str]] = field(default_factory=list)


def _run_script(script: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, script.name], cwd=script.parent, capture_output=True, text=True,
                          check=False)  # fmt: skip


def machine() -> str:
    return (f"Machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
            f"the toolchain on Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}.")  # fmt: skip


class Benchmarks:
    def __init__(self, bench_dir: Path, run: Callable[[Path], subprocess.CompletedProcess] = _run_script,
                 clock: Callable[[], float] = time.perf_counter) -> None:  # fmt: skip
        self.bench_dir = bench_dir
        self._run = run
        self._clock = clock

    def names(self) -> list[str]:
        return sorted(p.stem.removeprefix("bench_") for p in self.bench_dir.glob("bench_*.py"))

    def select(self, only: Sequence[str]) -> list[str]:
        names = self.names()
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ToolchainError(f"no benchmark named {', '.join(unknown)}", f"use one of: {', '.join(names)}")
        return [n for n in names if n in only] if only else names

    def run(self, name: str) -> BenchRun:
        started = self._clock()
        done = self._run(self.bench_dir / f"bench_{name}.py")
        seconds = self._clock() - started
        run = BenchRun(name, done.stdout.strip(), seconds, results=RESULT.findall(done.stdout))
        if done.returncode != 0:
            run.failed = f"exit {done.returncode}: {done.stderr.strip()[-1500:]}"
        elif not run.results:
            run.failed = "it printed no RESULT line"
        return run


def render(previous: str, runs: Sequence[BenchRun], machine_line: str) -> str:
    """results.md with these runs' sections replaced (or added) and the summary table rebuilt."""
    sections = dict(_SECTION.findall(previous))
    for run in runs:
        if run.failed is None:
            sections[run.name] = f"## {run.name}\n\n{run.output}\n\n"
    rows = []
    for name in sorted(sections):
        for result, project, floor, ratio in RESULT.findall(sections[name]):
            rows.append(f"| {name} | `{result}` | {project} | {floor} | {ratio} |")
    summary = "| script | result | project | floor | ratio (1.0 = at the floor) |\n|---|---|---:|---:|---:|\n"
    body = "".join(f"<!-- bench:{name} -->\n{sections[name]}<!-- /bench:{name} -->\n" for name in sorted(sections))
    return HEADER.format(machine=machine_line) + "\n" + summary + "\n".join(rows) + "\n\n" + body
