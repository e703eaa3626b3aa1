"""Runs a moto Lambda function for real: its uploaded zip, its layers, its configuration.

Code and layers are unpacked once per sha256 under the emulator's state directory. Each invocation
gets a request id, a deadline from the configured timeout and a trace header; its output lands in
the function's log group framed by START/END/REPORT lines, as Lambda writes them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from toolchain.cache import cache_dir
from toolchain.digests import sha256_hex
from toolchain.emulator import clients
from toolchain.emulator.awslambda.bootstrap import DEBUG_PORT
from toolchain.emulator.awslambda.concurrency import ConcurrencyLimits
from toolchain.emulator.awslambda.interpreters import choose_interpreter
from toolchain.emulator.awslambda.runtime_packages import debugger_dir, provided_packages_dir
from toolchain.emulator.awslambda.workers import Outcome, WorkerDied, WorkerPool, WorkerSpec
from toolchain.emulator.xray.segments import STORE, Segment, TraceHeader, TraceStore, current

if TYPE_CHECKING:  # built by server.py: Lambda hands each function its role's session
    from toolchain.emulator.iam.sessions import RoleSessions

INIT_SECONDS = 10.0
DEBUG_WAIT_SECONDS = 600.0  # a worker under the debugger waits this long for the IDE to attach
# Lambda kills a sandbox that holds more than the function's memory size; EMULATOR_ENFORCE_MEMORY=0
# turns that off (to see how much a function would need, say: REPORT's Max Memory Used).
ENFORCE_MEMORY = os.environ.get("EMULATOR_ENFORCE_MEMORY", "1") != "0"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": clients.ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": clients.SECRET_ACCESS_KEY,
    "AWS_SESSION_TOKEN": clients.SESSION_TOKEN,
}


class LogSink(Protocol):
    def write(self, fn: Any, stream: str, lines: list[str]) -> None:
        """Append `lines` to `stream` in the function's log group."""
        ...

    def metrics(self, fn: Any, duration_ms: float, errored: bool) -> None:
        """Publish the invocation's AWS/Lambda metrics."""
        ...

    def throttled(self, fn: Any) -> None:
        """Count a throttled invocation (the Throttles metric)."""
        ...


class LayerSource(Protocol):
    def __call__(self, arn: str) -> tuple[bytes, str]:
        """A layer version's zip and its sha256 (hex)."""
        ...


@dataclass(frozen=True)
class Invocation:
    request_id: str
    payload: str
    errored: bool
    error_type: str | None
    logs: str
    throttled: str | None = None  # why it never ran: a concurrency limit (see concurrency.py)


def _unpack(code: bytes, digest: str, into: Path) -> Path:
    """Extract a zip once per content hash; concurrent callers race safely via rename."""
    target = into / digest
    if target.is_dir():
        return target
    into.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=into))
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            for info in archive.infolist():
                archive.extract(info, staging)
                mode = (info.external_attr >> 16) & 0o777
                if mode and not info.is_dir():
                    os.chmod(staging / info.filename, mode | 0o400)
        # Losing the race to another invocation unpacking the same bytes is fine.
        with contextlib.suppress(OSError):
            os.rename(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _untraced_header() -> str:
    """What a function neither traced nor called within a trace sees: a trace id, not sampled."""
    return str(TraceHeader(TraceHeader.new().root, uuid.uuid4().hex[:16], sampled=False))


def _service_segment(fn: Any) -> Segment | None:
    """Lambda's own segment for this invocation when it is traced: the caller's trace, or Active tracing."""
    caller = current.get()
    if caller is not None and not caller.sampled:
        return None
    if caller is None and (getattr(fn, "tracing_config", None) or {}).get("Mode") != "Active":
        return None
    trace = caller or TraceHeader.new()
    return Segment(fn.function_name, trace, origin="AWS::Lambda", parent_id=trace.parent,
                   aws={"function_arn": fn.function_arn, "resource_names": [fn.function_name]})  # fmt: skip


class FunctionExecutor:
    def __init__(
        self,
        state_dir: Path,
        endpoint: str,
        logs: LogSink,
        pool: WorkerPool | None = None,
        limits: ConcurrencyLimits | None = None,
        traces: TraceStore = STORE,
        xray_daemon: str = "127.0.0.1:2000",
        sessions: RoleSessions | None = None,
    ) -> None:
        # Each function calls AWS as a session of its role (iam/); without sessions, as the operator.
        self.sessions = sessions
        self.state_dir = state_dir
        self.traces = traces
        self.xray_daemon = xray_daemon
        self.endpoint = endpoint
        self.pool = pool or WorkerPool()
        self.limits = limits or ConcurrencyLimits()
        self._logs = logs
        self.debugging: dict[str, int] = {}  # function name -> the port its next worker waits for an IDE on
        self._debug_turns: dict[str, threading.Lock] = {}

    def debug(self, function_name: str, port: int) -> None:
        """Start the function's next worker under debugpy on `port` (0: stop debugging it).

        A function under the debugger runs in one worker: its invocations take turns (a second worker
        could not listen on the same port), each waiting for the IDE rather than failing, and no
        provisioned workers are kept for it meanwhile (they would be a second listener)."""
        if port:
            self._debug_turns.setdefault(function_name, threading.Lock())
            self.debugging[function_name] = port
        else:
            self.debugging.pop(function_name, None)

    # -- what a function runs with ---------------------------------------------------------------
    def _layer_dirs(self, fn: Any, layers: LayerSource) -> list[Path]:
        dirs = []
        for layer in fn.layers:
            code, digest = layers(layer["Arn"])
            dirs.append(_unpack(code, digest, self.state_dir / "layers"))
        return dirs

    def _environment(self, fn: Any, task_root: Path, layer_dirs: list[Path], python: str) -> dict[str, str]:
        region = fn.region
        stream = f"{time.strftime('%Y/%m/%d')}/[{fn.version}]{uuid.uuid4().hex}"
        tmp = self.state_dir / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        env = {k: str(v) for k, v in (fn.environment_vars or {}).items()}
        # Lambda's reserved variables win over the function's own, as on AWS.
        env.update(
            {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "TMPDIR": str(tmp),
                "LAMBDA_TASK_ROOT": str(task_root),
                "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
                "LD_LIBRARY_PATH": ":".join(str(d / "lib") for d in layer_dirs),
                "_HANDLER": fn.handler,
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_python{python}",
                "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
                "AWS_LAMBDA_LOG_STREAM_NAME": stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                "AWS_XRAY_DAEMON_ADDRESS": self.xray_daemon,
            }
        )
        env.update(self.sessions.credentials(fn.role, fn.function_name) if self.sessions else FAKE_CREDENTIALS)
        return env

    def _spec(self, fn: Any, layers: LayerSource) -> WorkerSpec:
        task_root = _unpack(fn.code_bytes, fn.code_digest, self.state_dir / "code")
        layer_dirs = self._layer_dirs(fn, layers)
        interpreter, python = choose_interpreter(layer_dirs)
        site = f"lib/python{python}/site-packages"
        import_paths = [str(task_root)]
        for layer_dir in layer_dirs:  # Lambda's order: /opt/python/lib/pythonX.Y/site-packages, then /opt/python
            import_paths += [str(layer_dir / "python" / site), str(layer_dir / "python")]
        import_paths.append(str(provided_packages_dir(cache_dir() / "runtime", interpreter)))
        env = self._environment(fn, task_root, layer_dirs, python)
        debug_port = self.debugging.get(fn.function_name)
        if debug_port:
            env[DEBUG_PORT] = str(debug_port)
            import_paths.append(str(debugger_dir(self.state_dir / "debugger")))
        config = {
            "function": fn.function_arn,
            "version": str(fn.version),
            "code": fn.code_digest,
            "layers": [d.name for d in layer_dirs],
            "handler": fn.handler,
            "timeout": fn.timeout,
            "memory": fn.memory_size,
            "env": fn.environment_vars,
            "python": str(interpreter),
            "debug": debug_port,
        }
        key = sha256_hex(json.dumps(config, sort_keys=True, default=str).encode())
        return WorkerSpec(
            key=key,
            function_arn=fn.function_arn,
            interpreter=interpreter,
            task_root=task_root,
            import_paths=tuple(import_paths),
            env=tuple(sorted(env.items())),
            # a function stopped at a breakpoint is not timed out (as under `sam local invoke -d`)
            timeout=max(float(fn.timeout), DEBUG_WAIT_SECONDS) if debug_port else float(fn.timeout),
            init_timeout=DEBUG_WAIT_SECONDS if debug_port else INIT_SECONDS,
            memory_mb=int(fn.memory_size or 0) if ENFORCE_MEMORY else 0,
        )

    # -- running ---------------------------------------------------------------------------------
    def provision(self, fn: Any, count: int, layers: LayerSource) -> str:
        """Keep `count` initialised workers of this version (provisioned concurrency); returns their key.
        Their init is logged when it happens, as Lambda logs a provisioned environment's. A function under
        the debugger keeps none: its one debug worker serves it on demand."""
        if fn.function_name in self.debugging:
            return ""
        spec = self._spec(fn, layers)
        env = {**dict(spec.env), "AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency"}
        spec = replace(spec, env=tuple(sorted(env.items())))
        for worker in self.pool.provision(spec, count):
            worker.mark_init_reported()
            report = f"INIT_REPORT Init Duration: {worker.init_ms:.2f} ms\tPhase: init\tStatus: success"
            lines = [*worker.init_logs, report]
            self._logs.write(fn, env["AWS_LAMBDA_LOG_STREAM_NAME"], lines)
        return spec.key

    def invoke(self, fn: Any, event: str, layers: LayerSource) -> Invocation:
        service = _service_segment(fn)
        throttled = self.limits.acquire(fn)
        if throttled is not None:
            self._logs.throttled(fn)
            if service is not None:
                service.end(throttle=True, status=429, cause="Rate Exceeded.")
                self.traces.put(service.doc)
            error = {"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded.", "Reason": throttled}
            payload = json.dumps(error)
            return Invocation(str(uuid.uuid4()), payload, True, "TooManyRequestsException", "", throttled)
        try:
            turn = self._debug_turns.get(fn.function_name) if fn.function_name in self.debugging else None
            if turn is None:
                return self._run(fn, event, layers, service)
            with turn:
                return self._run(fn, event, layers, service)
        finally:
            self.limits.release(fn)

    def _run(self, fn: Any, event: str, layers: LayerSource, service: Segment | None) -> Invocation:
        request_id = str(uuid.uuid4())
        function = None
        if service is not None:
            service.doc["aws"]["request_id"] = request_id
            function = Segment(fn.function_name, service.trace, origin="AWS::Lambda::Function", parent_id=service.id,
                               aws={"function_arn": fn.function_arn})  # fmt: skip
        spec = self._spec(fn, layers)
        try:
            worker = self.pool.acquire(spec)
        except WorkerDied as exc:
            payload = json.dumps({"errorType": "Runtime.Unknown", "errorMessage": str(exc)})
            outcome = Outcome(False, payload, [str(exc)], 0.0, error_type="Runtime.Unknown")
            self._traced(service, function, outcome, time.time())
            return self._finish(fn, request_id, outcome, f"{time.strftime('%Y/%m/%d')}/[{fn.version}]failed")
        try:
            request = {
                "request_id": request_id,
                "event": event,
                "deadline_ms": time.time() * 1000 + spec.timeout * 1000,
                "invoked_function_arn": getattr(fn, "invoked_arn", fn.function_arn),  # the alias's ARN through it
                # the handler's subsegments (the X-Ray SDK's) hang under the function's segment
                "trace_id": str(function.header) if function is not None else _untraced_header(),
            }
            invoked = time.time()
            outcome = worker.invoke(request, spec.timeout)
            if outcome.init_ms is not None:
                outcome.logs[:0] = worker.init_logs
        finally:
            self.pool.release(worker)
        self._traced(service, function, outcome, invoked)
        # One log stream per sandbox, as on Lambda: the stream the worker was started with.
        return self._finish(fn, request_id, outcome, dict(worker.spec.env)["AWS_LAMBDA_LOG_STREAM_NAME"])

    def _traced(self, service: Segment | None, function: Segment | None, outcome: Outcome, invoked: float) -> None:
        """Lambda's two segments, as X-Ray shows them: the service's, and the function's with its phases."""
        if service is None or function is None:
            return
        if outcome.init_ms is not None:
            init_start = function.doc["start_time"]
            function.child("Initialization", namespace=None, start=init_start).end(
                end=init_start + outcome.init_ms / 1000
            )
        function.child("Invocation", namespace=None, start=invoked).end(end=invoked + outcome.duration_ms / 1000)
        function.end(fault=not outcome.ok, cause=outcome.error_type)
        service.end(status=200)
        self.traces.put(service.doc)
        self.traces.put(function.doc)

    def _finish(self, fn: Any, request_id: str, outcome: Outcome, stream: str) -> Invocation:
        billed = max(1, int(outcome.duration_ms + 0.999))
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
            f"Memory Size: {fn.memory_size} MB\tMax Memory Used: {outcome.max_rss_mb} MB"
        )
        if outcome.init_ms is not None:
            report += f"\tInit Duration: {outcome.init_ms:.2f} ms"
        lines = [
            f"START RequestId: {request_id} Version: {fn.version}",
            *outcome.logs,
            f"END RequestId: {request_id}",
            report,
        ]
        self._logs.write(fn, stream, lines)
        self._logs.metrics(fn, outcome.duration_ms, not outcome.ok)
        return Invocation(request_id, outcome.payload, not outcome.ok, outcome.error_type, "\n".join(lines) + "\n")
