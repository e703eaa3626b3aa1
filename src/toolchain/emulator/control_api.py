"""The emulator's own HTTP API, beside AWS's on its port: `/_emulator/` (health, recent invocations, the
local API stages, schedules, waiting until idle, debugging, billable usage) and the stand-in websites (`/_sites/`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from toolchain.emulator import sites
from toolchain.emulator.billing import stored_state
from toolchain.emulator.faults import FaultError, Rule
from toolchain.emulator.info import ServerInfo
from toolchain.emulator.metering import METER
from toolchain.emulator.persistence.gate import DURABLE_WAIT_SECONDS
from toolchain.emulator.xray.segments import STORE

CONTROL_PREFIX = "/_emulator/"


class ControlApp:
    """WSGI app: `/_emulator/*` and the stand-in sites here, Lambda's provisioned concurrency API (moto has
    none), everything else to moto."""

    def __init__(self, moto_app: Any, info: Callable[[], ServerInfo], emulator: Any, checkpoints: Any = None) -> None:
        self._moto = moto_app
        self._checkpoints = checkpoints
        self._gate = emulator.gate
        self._faults = emulator.faults
        self._info = info
        self._pollers = list(emulator.pollers)
        self._executor = emulator.parts.executor
        self._invoker = emulator.parts.invoker
        self._history = emulator.parts.history
        self._provisioned = emulator.provisioned
        self._gateway = emulator.gateway
        self._scheduler = emulator.scheduler
        self._iam = emulator.parts.iam

    def _quiet(self, timeout: float) -> bool:
        """Wait until nothing is left to deliver: the async queue empty (retries included), every stream
        read to its end, every mapped queue empty, and no invocation recorded across two looks."""

        def still() -> bool:
            return self._invoker.pending() == 0 and all(poller.idle() for poller in self._pollers)

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self._history.recorded
            if still():
                time.sleep(0.3)  # one more look: a delivery that began meanwhile shows as a new invocation
                if self._history.recorded == before and still():
                    return True
                continue
            time.sleep(0.1)
        return False

    def _set_faults(self, environ: dict[str, Any]) -> dict[str, Any]:
        """PUT {"seed", "faults": [{"service", "kind", "rate", "ms"}], "functions_only"} sets them, DELETE
        clears them; each answers what is set and what was injected since."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "PUT":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"{}")
            rules = [Rule.of(rule) for rule in spec.get("faults") or []]
            self._faults.configure(
                int(spec.get("seed", 0)), rules, functions_only=bool(spec.get("functions_only", True))
            )
        elif method == "DELETE":
            self._faults.configure(0, [], functions_only=True)
        return self._faults.describe()

    def _save_state(self) -> dict[str, Any]:
        """A checkpoint now, of one instant of every service (what `invoke snapshot.save` copies)."""
        if self._checkpoints is None:
            return {"saved": False, "persisting": False, "reason": "this emulator keeps no state (EMULATOR_PERSIST=0)"}
        try:
            saved = any(self._checkpoints.save(force=True) for _attempt in range(5))
        except Exception as exc:  # said to the caller, who stops: a state that cannot be kept is a defect
            return {"saved": False, "persisting": True, "reason": f"{type(exc).__name__}: {exc}"}
        return {"saved": saved, "persisting": True, "state_id": self._checkpoints.state_id,
                **({} if saved else {"reason": "requests kept running for 10 s; try again"})}  # fmt: skip

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(sites.PREFIX):
            return sites.serve_site(environ, start_response)
        if self._provisioned.handles(path):
            with self._gate.passing(writes=environ.get("REQUEST_METHOD") != "GET"):
                return list(self._provisioned(environ, start_response))
        if not path.startswith(CONTROL_PREFIX):
            return self._moto(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        route = path[len(CONTROL_PREFIX) :]
        if route == "health":
            body: Any = {
                "status": "running",
                **self._info().__dict__,
                "async_pending": self._invoker.pending(),
            }
        elif route == "invocations":
            function = query.get("function", [None])[0]
            body = [i for i in self._history.items() if function in (None, i["function_name"])]
        elif route == "apis":
            body = self._gateway.refresh()
        elif route == "schedules":
            body = self._scheduler.describe()
        elif route == "schedules/fire":
            try:
                # the events it queues are a change like any request's: on disk before the answer, on request
                with self._gate.passing(writes=True):
                    body = {"invoked": self._scheduler.fire(query.get("rule", [""])[0])}
                if self._gate.durable_on_answer:
                    self._gate.await_durable(self._gate.ticket(), DURABLE_WAIT_SECONDS)
            except KeyError:
                start_response("404 Not Found", [("Content-Type", "application/json")])
                return [b'{"error": "no such rule"}']
        elif route == "debug":
            function, port = query.get("function", [""])[0], int(query.get("port", ["0"])[0] or 0)
            self._executor.debug(function, port)
            body = {"function": function, "port": port}
        elif route == "async/wait":
            timeout = min(float(query.get("timeout", ["30"])[0]), 300.0)
            body = {"idle": self._invoker.wait_idle(timeout), "pending": self._invoker.pending()}
        elif route == "concurrency":
            body = {"function": query.get("function", [""])[0],
                    "running": self._executor.limits.running(query.get("function", [""])[0])}  # fmt: skip
        elif route == "workers/crash":
            body = {"crashed": self._executor.pool.crash(query.get("function", [""])[0])}
        elif route == "async":
            body = self._invoker.outcomes()
        elif route == "workers/recycle":
            body = {"recycled": self._executor.pool.recycle(query.get("function", [""])[0])}
        elif route == "iam":
            body = self._iam.to_json()
        elif route == "usage":
            since = float(query.get("since", ["0"])[0] or 0)
            body = {"at": time.time(), "meter": METER.totals(), **stored_state(since, STORE.recorded)}
        elif route == "faults":
            try:
                body = self._set_faults(environ)
            except (FaultError, ValueError, TypeError) as exc:
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [json.dumps({"error": str(exc)}).encode()]
        elif route == "state/save":
            body = self._save_state()
        elif route == "state":
            body = self._checkpoints.status() if self._checkpoints else {"persisting": False}
        elif route == "idle":
            body = {"idle": self._quiet(min(float(query.get("timeout", ["30"])[0]), 600.0))}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "unknown emulator route"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]
