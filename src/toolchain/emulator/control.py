"""Starting, finding and stopping the background emulator; its pid and endpoint live in server.json."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from toolchain.emulator.info import ServerInfo, code_version
from toolchain.errors import ToolchainError

START_TIMEOUT_SECONDS = 60.0


class EmulatorNotRunning(ToolchainError):
    def __init__(self) -> None:
        super().__init__("the emulator is not running", "start it with `invoke up`")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A stopped child not yet reaped by its parent still has a pid; it is not running.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


class EmulatorControl:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.info_file = state_dir / "server.json"
        self.log_file = state_dir / "server.log"
        self.state_store_dir = state_dir / "state"  # the emulator's checkpoint (persistence/store.py)

    def _get(self, info: ServerInfo, route: str, timeout: float = 5.0) -> Any:
        with urllib.request.urlopen(f"{info.endpoint}/_emulator/{route}", timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())

    def running(self) -> ServerInfo | None:
        """The running emulator recorded in server.json, after checking it answers as itself."""
        try:
            info = ServerInfo.from_json(self.info_file.read_text())
        except (OSError, ValueError, TypeError):
            return None
        if not _pid_alive(info.pid):
            return None
        try:
            health = self._get(info, "health", timeout=3.0)
        except (OSError, ValueError):
            return None
        return info if health.get("instance_id") == info.instance_id else None

    def require(self) -> ServerInfo:
        info = self.running()
        if info is None:
            raise EmulatorNotRunning()
        return info

    def start(self) -> tuple[ServerInfo, bool]:
        """(the emulator, whether this call started it). A running one is reused unless its code is older."""
        info = self.running()
        if info is not None and info.code_version == code_version():
            return info, False
        if info is not None:
            self.stop()
        self._check_stored_state()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.info_file.unlink(missing_ok=True)
        # The emulator runs the very files this process hashed for the stale check (code_version), even
        # where another checkout's src/ is on the interpreter's path (an editable install of a clone).
        src = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "toolchain.emulator", "serve", "--state-dir", str(self.state_dir)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=env,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ToolchainError(
                    f"the emulator exited during start-up (exit {process.returncode})",
                    f"see {self.log_file}:\n{self._log_tail()}",
                )
            info = self.running()
            if info is not None and info.pid == process.pid:
                return info, True
            time.sleep(0.2)
        process.kill()
        raise ToolchainError("the emulator did not answer within a minute", f"see {self.log_file}")

    def _check_stored_state(self) -> None:
        """A state the emulator would refuse is said here, before it is started, in a task's own words."""
        from toolchain.emulator.persistence.store import StateRefused, StateStore

        store = StateStore(self.state_store_dir)
        if os.environ.get("EMULATOR_PERSIST", "1") != "0" and store.exists():
            try:
                store.header()
            except StateRefused as refused:
                raise ToolchainError("the emulator's stored state cannot be loaded", str(refused)) from None

    def stop(self) -> ServerInfo | None:
        info = self.running()
        if info is None:
            self.info_file.unlink(missing_ok=True)
            return None
        os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _pid_alive(info.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_alive(info.pid):
            os.kill(info.pid, signal.SIGKILL)
        # Started by this very process (a test fixture, a benchmark): reap it, or it stays a zombie
        # that a later os.wait() in this process (mutmut's, for one) takes for a child of its own.
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(info.pid, os.WNOHANG)
        self.info_file.unlink(missing_ok=True)
        return info

    def save_state(self) -> dict[str, Any]:
        """A checkpoint of every service now (nothing where EMULATOR_PERSIST=0); ToolchainError if the
        emulator could not take one."""
        saved = self._get(self.require(), "state/save", timeout=60.0)
        if saved.get("persisting") and not saved.get("saved"):
            raise ToolchainError(f"the emulator did not save its state: {saved.get('reason')}",
                                 f"see {self.log_file}")  # fmt: skip
        return saved

    def set_faults(self, seed: int, faults: list[dict[str, Any]], *, functions_only: bool = True) -> dict[str, Any]:
        """Inject these faults from now on (none: stop); ToolchainError with the emulator's reason if refused."""
        body = json.dumps({"seed": seed, "faults": faults, "functions_only": functions_only}).encode()
        url = f"{self.require().endpoint}/_emulator/faults"
        request = urllib.request.Request(url, data=body, method="PUT")  # noqa: S310 (the local emulator)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the local emulator)
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ToolchainError(f"the emulator refused the faults: {json.loads(error.read())['error']}") from None

    def faults(self) -> dict[str, Any]:
        """The faults set and those injected so far, in order, by service and request number."""
        return self._get(self.require(), "faults")

    def state(self) -> dict[str, Any]:
        """The checkpoint's progress: `writes` passed, `writes_saved` on disk."""
        return self._get(self.require(), "state")

    def health(self) -> dict[str, Any]:
        """The emulator's own view: instance, code version, asynchronous invocations still pending."""
        return self._get(self.require(), "health")

    def wait_async(self, timeout: float = 60.0) -> bool:
        """Wait until every queued asynchronous invocation has finished (retries included)."""
        result = self._get(self.require(), f"async/wait?timeout={timeout}", timeout=timeout + 5)
        return bool(result["idle"])

    def wait_idle(self, timeout: float = 120.0) -> bool:
        """Wait until the emulator has nothing left to deliver: async invocations and their retries done,
        every stream read to its end, every queue with a mapping empty (processed or dead-lettered)."""
        result = self._get(self.require(), f"idle?timeout={timeout}", timeout=timeout + 5)
        return bool(result["idle"])

    def usage(self, since: float = 0.0) -> dict[str, Any]:
        """The billable units counted since the emulator started, by payer (`meter`), those read from
        its state (`units`), and the custom metrics with a datapoint after `since` (epoch seconds)."""
        return dict(self._get(self.require(), f"usage?since={since}", timeout=60.0))

    def concurrency(self, function_name: str) -> int:
        """How many invocations of the function are running now (each holds a concurrency slot)."""
        from urllib.parse import quote

        return int(self._get(self.require(), f"concurrency?function={quote(function_name, safe='')}")["running"])

    def apis(self) -> list[dict[str, str]]:
        """Every deployed REST API stage and the localhost URL it is served on."""
        return self._get(self.require(), "apis")

    def schedules(self) -> list[dict[str, Any]]:
        """Every EventBridge rule with a schedule: when it fires next, when it last fired."""
        return self._get(self.require(), "schedules")

    def fire(self, rule: str) -> list[str]:
        """Fire a scheduled rule once, now; the targets it invoked."""
        from urllib.parse import quote

        try:
            return self._get(self.require(), f"schedules/fire?rule={quote(rule, safe='')}")["invoked"]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise ToolchainError(
                    f"no scheduled rule {rule!r} on the emulator", "list them with `invoke rules.list`"
                ) from None
            raise

    def debug(self, function_name: str, port: int) -> None:
        """The function's next worker waits for a debugger on `port` (0 stops that)."""
        from urllib.parse import quote

        self._get(self.require(), f"debug?function={quote(function_name, safe='')}&port={port}")

    def recycle(self, function_name: str) -> int:
        """End the function's warm workers, as Lambda recycles environments: its next invocation is cold."""
        from urllib.parse import quote

        return int(self._get(self.require(), f"workers/recycle?function={quote(function_name, safe='')}")["recycled"])

    def crash_workers(self, function_name: str = "") -> int:
        """SIGKILL a function's workers (every function's: ""), busy ones too: their invocations fail."""
        from urllib.parse import quote

        return int(self._get(self.require(), f"workers/crash?function={quote(function_name, safe='')}")["crashed"])

    def async_outcomes(self) -> dict[str, dict[str, dict[str, int]]]:
        """Per function and event source: asynchronous events accepted, succeeded, failed (sent to the
        on-failure destination) and dropped, since the state began (they survive a restart)."""
        return self._get(self.require(), "async")

    def authorisations(self) -> dict[str, Any]:
        """What functions' roles were denied (recent) and allowed (every distinct action and resource)."""
        return self._get(self.require(), "iam")

    def invocations(self, function_name: str | None = None) -> list[dict[str, Any]]:
        route = "invocations" + (f"?function={function_name}" if function_name else "")
        return self._get(self.require(), route)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
