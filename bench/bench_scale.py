"""The toolchain as a platform grows: the 15 functions of this checkout against the same checkout with
45 more made by `invoke new` (60 in all; `SCALE_FUNCTIONS=120` for 105 more), each on an emulator of
its own, measured interleaved (15, then 60, per round) as a user runs each command.

The floor is the 15-function platform: a command whose work follows what changed stays near 1.0
(a no-op `up` or `package`, `fn.invoke`, an `up` after one function's edit, the read-only listings);
work that must grow with the platform (the first `package` and `up`) should grow no faster than the
function count (a ratio at or under 4.0 at 60 functions).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from itertools import cycle
from pathlib import Path

from harness import Sandbox, median, result, table

from tests.checkout import copy_checkout, copy_environment

TRIGGERS = ("api", "sqs", "schedule", "sns", "kinesis", "s3")
ROUNDS = 3
EDITED = "src/lambdas/services/sessions/handler.py"


def _timed_invoke(box: Sandbox, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=box.root, env=box.env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"invoke {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def _platform(work: Path, name: str, added: int) -> Sandbox:
    root = copy_checkout(work / name / "checkout")
    box = Sandbox(root, copy_environment(root, work / name / "build"))
    for n, trigger in zip(range(added), cycle(TRIGGERS), strict=False):
        box.invoke("new", "--name", f"grown-{n:03d}", "--trigger", trigger)
    return box


def _edit(box: Sandbox, n: int) -> None:
    path = box.root / EDITED
    path.write_text(path.read_text() + f"\n_EDIT_{n} = {n}\n")


def main() -> None:
    total = int(os.environ.get("SCALE_FUNCTIONS", "60"))
    sizes = {"15": 0, str(total): total - 15}
    rows: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, ExitStack() as stack:
        boxes = {label: _platform(Path(tmp), f"p{label}", added) for label, added in sizes.items()}
        for box in boxes.values():
            stack.callback(subprocess.run, [sys.executable, "-m", "invoke", "down"], cwd=box.root, env=box.env,
                           capture_output=True, check=False)  # fmt: skip

        def measure(what: str, *args: str, before: object = None) -> None:
            for label, box in boxes.items():
                if callable(before):
                    before(box)
                rows.setdefault(what, {}).setdefault(label, []).append(_timed_invoke(box, *args))

        measure("first `package` (empty build)", "package")
        measure("first `up` (emulator start, apply)", "up")
        for n in range(ROUNDS):
            measure("no-op `package`", "package")
            measure("no-op `up`", "up")
            measure("`fn.invoke sessions`", "fn.invoke", "sessions", "events/eventbridge-scheduled.json")
            measure("`outputs`", "outputs")
            measure("`cost`", "cost")
            measure("`up` after editing one function", "up", before=lambda box, n=n: _edit(box, n))
    small, large = sizes
    table(f"wall seconds, 15 and {total} functions (median of {ROUNDS} where repeated)",
          ["15 functions", f"{total} functions", "ratio"],
          [[what, f"{median(t[small]):.2f}", f"{median(t[large]):.2f}", f"{median(t[large]) / median(t[small]):.2f}"]
           for what, t in rows.items()])  # fmt: skip
    names = {"first `up` (emulator start, apply)": "first_up", "no-op `up`": "noop_up", "no-op `package`": "noop_package",
             "`up` after editing one function": "edit_up", "`fn.invoke sessions`": "fn_invoke", "`outputs`": "outputs"}  # fmt: skip
    for what, short in names.items():
        result(f"scale{total}_{short}_s", median(rows[what][large]), median(rows[what][small]))


if __name__ == "__main__":
    main()
