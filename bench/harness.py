"""What every benchmark shares: interleaved runs of the project's path and its floor, percentiles,
Markdown tables, the closing `RESULT` line, and a sandboxed platform for the benchmarks that need one.

Variants run in turn inside each round (project, floor, project, floor, ...) so that a noisy
neighbour slows both alike; the ratio, not the absolute figure, is what carries between machines.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "src", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..1) of at least one value."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered) + 0.5) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(action: Callable[[], object]) -> float:
    """Seconds `action` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def interleaved(
    variants: dict[str, Callable[[], float]], rounds: int, warmup: int = 1, collect: bool = False
) -> dict[str, list[float]]:
    """Each variant's measurements over `rounds`, the variants alternating inside every round.

    A variant returns its own measurement (a duration, a rate): some measure a part of what they do.
    `collect`: a full garbage collection before each run, untimed, so that a variant leaving cycles
    behind (BeautifulSoup's trees) does not have the next variant pay for collecting them.
    """
    for _ in range(warmup):
        for run in variants.values():
            run()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            if collect:
                gc.collect()
            samples[name].append(run())
    return samples


def table(title: str, columns: list[str], rows: list[list[object]]) -> None:
    print(f"\n| {title} | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def result(name: str, project: float, floor: float, *, higher_is_better: bool = False) -> float:
    """Print `RESULT name project=.. floor=.. ratio=..`; the ratio is how many times the project's cost
    exceeds the floor's, so 1.0 is at the floor whether the unit is a duration or a rate."""
    ratio = (floor / project) if higher_is_better else (project / floor)
    print(f"RESULT {name} project={project:.4g} floor={floor:.4g} ratio={ratio:.2f}", flush=True)
    return ratio


@dataclass
class Sandbox:
    """A copy of this checkout with a build directory and an emulator of its own (`invoke up` done)."""

    root: Path
    env: dict[str, str]

    def invoke(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, check=True)  # fmt: skip

    def endpoint(self) -> str:
        from toolchain.emulator.control import EmulatorControl

        return EmulatorControl(Path(self.env["PLATFORM_BUILD_DIR"]) / "emulator").require().endpoint


@contextmanager
def sandbox() -> Iterator[Sandbox]:
    from tests.checkout import copy_checkout, copy_environment

    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        root = copy_checkout(Path(work) / "checkout")
        box = Sandbox(root, copy_environment(root, Path(work) / "build"))
        box.invoke("up")
        try:
            yield box
        finally:
            subprocess.run([sys.executable, "-m", "invoke", "down"], cwd=root, env=box.env, capture_output=True,
                           check=False)  # fmt: skip
