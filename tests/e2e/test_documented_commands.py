"""The commands the docs show, run as a user types them (bash, this venv's `invoke` on PATH) on the
shared platform: each must succeed, say nothing of a traceback, and (the ones that run until Ctrl-C)
print and then stop on SIGINT. Which commands run here and which elsewhere is tests/docs.py's `HOW`."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.docs import all_commands, documented, how_run, run

from .conftest import Deployed

pytestmark = pytest.mark.e2e

RUN = [c for c in all_commands() if (how := how_run(c)) is not None and how.kind == "run"]
INTERRUPT = [c for c in all_commands() if (how := how_run(c)) is not None and how.kind == "interrupt"]


@pytest.mark.parametrize("command", RUN, ids=str)
def test_a_documented_command_runs_as_written(deployed: Deployed, command) -> None:
    result = run(command, deployed.env, cwd=deployed.root)
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stdout + result.stderr


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell starts a script's background job


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("command", INTERRUPT, ids=str)
def test_a_documented_command_that_runs_until_ctrl_c_prints_then_stops(deployed: Deployed, command, stop) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{deployed.env.get('PATH', '')}"
    # its own session: the signal to the group reaches bash and invoke, as Ctrl-C does in a terminal; and
    # started with SIGINT ignored, the worst a parent can do: Ctrl-C must still stop it
    process = subprocess.Popen(["bash", "-c", command.text], cwd=deployed.root, env={**deployed.env, "PATH": path},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               preexec_fn=_ignore_sigint)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    first = lines.get(timeout=300)  # it works: it says something
    os.killpg(process.pid, stop)
    try:
        status = process.wait(timeout=120)  # generous for a busy machine; a command that ignores it never ends
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert status in (0, 1, 130), first
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert "Traceback" not in first + "".join(rest)


def test_the_readme_demo_runs(deployed: Deployed) -> None:
    # README's command 1 installs (what .ci/run does before anything) and then runs the demo: that part here
    line = documented(
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install -q -r requirements/dev.txt && .venv/bin/invoke demo",
    )
    assert line.text.split("&&")[-1].strip() == ".venv/bin/invoke demo"
    result = subprocess.run([sys.executable, "-m", "invoke", "demo"], cwd=deployed.root, env=deployed.env,
                            capture_output=True, text=True, check=False, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "thumbnail  s3://" in result.stdout
    # what matters only: the results and what to do next (Terraform's output is in its logs)
    assert len((result.stdout + result.stderr).splitlines()) < 80, result.stdout + result.stderr
    assert "Next: `invoke console` opens the operator's page" in result.stdout and "`invoke watch`" in result.stdout
