"""Warm worker processes, one per concurrent invocation of a function version, as Lambda keeps them.

A worker is a `bootstrap.py` process bound to one (code, layers, configuration) key. It is reused
while idle and its key is current; a timeout, a crash or a new code hash ends it.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.emulator.awslambda import bootstrap

BOOTSTRAP = Path(bootstrap.__file__)
LOG_DRAIN_SECONDS = 2.0
MEMORY_POLL_SECONDS = 0.01
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_mb(pid: int) -> float | None:
    """A process's resident memory in MB (Linux's /proc; None where there is none)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES / 2**20
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class WorkerSpec:
    """Everything that makes two invocations share a warm worker, or not."""

    key: str
    function_arn: str
    interpreter: Path
    task_root: Path
    import_paths: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    timeout: float
    init_timeout: float = 10.0
    memory_mb: int = 0  # the function's memory size: a worker above it is killed, as Lambda does (0: no limit)


@dataclass
class Outcome:
    ok: bool
    payload: str
    logs: list[str]
    duration_ms: float
    max_rss_mb: int = 0
    init_ms: float | None = None
    error_type: str | None = None


class _LogReader(threading.Thread):
    """Collects a worker's stdout/stderr lines, phase by phase, split at the bootstrap's markers."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self._fd = fd
        self._lines: list[str] = []
        self._phases: dict[str, list[str]] = {}
        self._cond = threading.Condition()

    def run(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            with self._cond:
                for raw in complete:
                    line = raw.decode("utf-8", errors="replace")
                    if line.startswith(bootstrap.MARKER):
                        self._phases[line[len(bootstrap.MARKER) :]] = self._lines
                        self._lines = []
                        self._cond.notify_all()
                    else:
                        self._lines.append(line)
        with self._cond:
            if buffer:
                self._lines.append(buffer.decode("utf-8", errors="replace"))
            self._phases["<eof>"] = self._lines
            self._lines = []
            self._cond.notify_all()
        os.close(self._fd)

    def lines_of(self, phase: str, wait: float) -> list[str]:
        """The lines of a finished phase; after `wait` seconds, whatever has arrived (a crashed worker)."""
        deadline = time.monotonic() + wait
        with self._cond:
            while phase not in self._phases and "<eof>" not in self._phases:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            if phase in self._phases:
                return self._phases.pop(phase)
            taken, self._lines = self._lines, []
            return [*self._phases.pop("<eof>", []), *taken]


class WorkerDied(Exception):
    pass


class Worker:
    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.id = uuid.uuid4().hex
        self.created = time.time()
        self.last_used = time.monotonic()
        self.invocations = 0
        self.out_of_memory = False
        self._closing = threading.Lock()
        self._pipes_closed = False
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        log_read, log_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [str(spec.interpreter), "-I", "-S", "-u", str(BOOTSTRAP), str(request_read), str(response_write),
                 *spec.import_paths],
                stdin=subprocess.DEVNULL, stdout=log_write, stderr=log_write, pass_fds=(request_read, response_write),
                env=dict(spec.env), cwd=spec.task_root, start_new_session=True,
            )  # fmt: skip
        finally:
            for fd in (request_read, response_write, log_write):
                os.close(fd)
        self._logs = _LogReader(log_read)
        self._logs.start()
        ready = self._receive(spec.init_timeout)
        self.init_logs = self._logs.lines_of("init", LOG_DRAIN_SECONDS)
        if ready is None:
            self.kill()
            if self.out_of_memory:
                raise WorkerDied(f"the runtime used more than its {spec.memory_mb} MB while initialising")
            raise WorkerDied("the runtime did not finish initialising")
        self.init_ms: float = ready["init_ms"]
        self.init_error: dict | None = ready["init_error"]
        self._init_reported = False
        self._closed = False

    # -- protocol ------------------------------------------------------------------------------
    def _receive(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        header = self._read_exact(4, deadline)
        if header is None:
            return None
        body = self._read_exact(struct.unpack(">I", header)[0], deadline)
        return None if body is None else json.loads(body)

    def _over_memory(self) -> bool:
        """Kill the worker if it holds more than its memory size (polled while it works)."""
        limit = self.spec.memory_mb
        used = resident_mb(self.process.pid) if limit else None
        if used is not None and used > limit:
            self.out_of_memory = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            return True
        return False

    def _read_exact(self, size: int, deadline: float) -> bytes | None:
        chunks, remaining = [], size
        while remaining:
            wait = deadline - time.monotonic()
            if wait <= 0:
                return None
            if self.spec.memory_mb:
                wait = min(wait, MEMORY_POLL_SECONDS)
            if not select.select([self._response_read], [], [], wait)[0]:
                if self._over_memory():
                    return None
                continue
            chunk = os.read(self._response_read, remaining)
            if not chunk:
                self._closed = True
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def invoke(self, request: dict, timeout: float) -> Outcome:
        """Run one invocation; a timeout or a crash kills the worker (Lambda resets the sandbox too)."""
        self.invocations += 1
        init_ms = None if self._init_reported else self.init_ms
        self._init_reported = True
        if self.init_error is not None:
            return Outcome(False, json.dumps(self.init_error), list(self.init_logs), 0.0, 0, init_ms,
                           self.init_error["errorType"])  # fmt: skip
        data = json.dumps(request).encode()
        started = time.monotonic()
        try:
            os.write(self._request_write, struct.pack(">I", len(data)) + data)
        except OSError:
            response = None
        else:
            response = self._receive(timeout)
        elapsed_ms = (time.monotonic() - started) * 1000
        if response is None:
            if self._closed:
                # The kernel closes an exiting process's pipes a moment before it can be reaped.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=2.0)
            alive = self.process.poll() is None and not self.out_of_memory
            self.kill()
            logs = self._logs.lines_of(request["request_id"], LOG_DRAIN_SECONDS)
            if self.out_of_memory:
                message = f"RequestId: {request['request_id']} Error: Runtime exited with error: signal: killed"
                error_type = "Runtime.OutOfMemory"
                logs.append(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {message}")
                payload = json.dumps({"errorType": error_type, "errorMessage": message})
                return Outcome(False, payload, logs, elapsed_ms, self.spec.memory_mb, init_ms, error_type)
            if alive:
                message = f"Task timed out after {timeout:.2f} seconds"
                error_type = "Sandbox.Timedout"
            else:
                message = f"Runtime exited with error: exit status {self.process.returncode}"
                error_type = "Runtime.ExitError"
            logs.append(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request['request_id']} {message}")
            payload = json.dumps({"errorType": error_type, "errorMessage": message})
            return Outcome(False, payload, logs, elapsed_ms, 0, init_ms, error_type)
        self.last_used = time.monotonic()
        logs = self._logs.lines_of(request["request_id"], LOG_DRAIN_SECONDS)
        error_type = None if response["ok"] else json.loads(response["payload"]).get("errorType")
        return Outcome(response["ok"], response["payload"], logs, response["duration_ms"],
                       response["max_rss_kb"] // 1024, init_ms, error_type)  # fmt: skip

    def mark_init_reported(self) -> None:
        """A provisioned environment's init was logged when it happened, not with its first invocation."""
        self._init_reported = True

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and self.init_error is None

    def kill(self) -> None:
        """End the process and close its pipes; safe to call again (a failed invocation kills its
        worker, and the pool kills it again when it is released)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        with self._closing:
            if self._pipes_closed:
                # A second close would close whatever the kernel has since given the same number: a
                # client's socket (EBADF in the HTTP threads) or another worker's pipe, whose replies
                # then reached the wrong request (a 404 for a user that exists, under load).
                return
            self._pipes_closed = True
        for fd in (self._request_write, self._response_read):
            with contextlib.suppress(OSError):
                os.close(fd)


def _version_of(function_arn: str) -> tuple[str, int | None]:
    """(the function's unqualified ARN, its published version or None for $LATEST and aliases)."""
    head, _, rest = function_arn.partition(":function:")
    name, _, qualifier = rest.partition(":")
    return f"{head}:function:{name}", int(qualifier) if qualifier.isdigit() else None


@dataclass
class WorkerPool:
    """Idle workers by key. Invocations of the same key run in parallel on separate workers."""

    idle_seconds: float = 600.0
    _idle: dict[str, list[Worker]] = field(default_factory=dict)
    _current_key: dict[str, str] = field(default_factory=dict)
    _busy: set[Worker] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _provisioned: set[str] = field(default_factory=set)  # keys whose idle workers are never reaped
    _newest: dict[str, int] = field(default_factory=dict)  # function ARN -> newest version that has served

    def acquire(self, spec: WorkerSpec, start: Callable[[WorkerSpec], Worker] = Worker) -> Worker:
        stale: list[Worker] = []
        with self._lock:
            previous = self._current_key.get(spec.function_arn)
            if previous is not None and previous != spec.key:
                # New code or configuration: the old version's idle workers are never used again.
                stale = self._idle.pop(previous, [])
            self._current_key[spec.function_arn] = spec.key
            stale += self._superseded(spec)
            idle = self._idle.get(spec.key, [])
            worker = idle.pop() if idle else None
        for old in stale:
            old.kill()
        if worker is None or not worker.alive:
            if worker is not None:
                worker.kill()
            worker = start(spec)
        with self._lock:
            self._busy.add(worker)
        return worker

    def _superseded(self, spec: WorkerSpec) -> list[Worker]:
        """The first time a newer published version of a function serves (`watch` and every deploy
        publish one and move `live` to it), the idle workers of its older versions end: they would
        otherwise idle for ten minutes each, one per save. An older version invoked again (a canary's
        other side, a rollback) starts a worker as it would on Lambda. Called holding the lock."""
        function, version = _version_of(spec.function_arn)
        if version is None or version <= self._newest.get(function, 0):
            return []
        self._newest[function] = version
        ended = []
        for key in [k for k in self._idle if k not in self._provisioned]:  # those are kept by their keeper
            older = [w for w in self._idle[key] if _version_of(w.spec.function_arn)[0] == function
                     and (_version_of(w.spec.function_arn)[1] or version) < version]  # fmt: skip
            if older:
                self._idle[key] = [w for w in self._idle[key] if w not in older]
                ended += older
        return ended

    def release(self, worker: Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            keep = worker.alive and self._current_key.get(worker.spec.function_arn) == worker.spec.key
            if keep:
                self._idle.setdefault(worker.spec.key, []).append(worker)
        if not keep:
            worker.kill()

    def provision(self, spec: WorkerSpec, count: int, start: Callable[[WorkerSpec], Worker] = Worker) -> list[Worker]:
        """Start workers of `spec` until `count` of them exist, idle or busy; returns those started.
        They are kept (never reaped) while their key stays among those `keep_provisioned` was given."""
        with self._lock:
            self._provisioned.add(spec.key)
            self._current_key[spec.function_arn] = spec.key
            have = len(self._idle.get(spec.key, [])) + sum(1 for w in self._busy if w.spec.key == spec.key)
        started = [start(spec) for _ in range(max(0, count - have))]
        with self._lock:
            self._idle.setdefault(spec.key, []).extend(started)
        return started

    def keep_provisioned(self, keys: set[str]) -> None:
        """Only these keys' workers are provisioned from now on; the others idle out as usual."""
        with self._lock:
            self._provisioned = set(keys)

    def reap(self) -> int:
        """End workers idle for longer than `idle_seconds` (not provisioned ones); returns how many."""
        cutoff = time.monotonic() - self.idle_seconds
        with self._lock:
            reapable = [ws for k, ws in self._idle.items() if k not in self._provisioned]
            expired = [w for ws in reapable for w in ws if w.last_used < cutoff]
            for key in list(self._idle):
                if key not in self._provisioned:
                    self._idle[key] = [w for w in self._idle[key] if w.last_used >= cutoff]
        for worker in expired:
            worker.kill()
        return len(expired)

    def recycle(self, function_name: str) -> int:
        """End every worker of a function, as Lambda recycles execution environments: the next
        invocation starts cold (its init runs again, caches are empty). Busy workers end when they
        finish; provisioned ones are started again by their keeper. Returns how many were idle."""

        def of_function(arn: str) -> bool:
            return arn.split(":function:", 1)[-1].split(":", 1)[0] == function_name

        with self._lock:
            ended = [w for ws in self._idle.values() for w in ws if of_function(w.spec.function_arn)]
            for key in list(self._idle):
                self._idle[key] = [w for w in self._idle[key] if not of_function(w.spec.function_arn)]
            for arn in [a for a in self._current_key if of_function(a)]:
                del self._current_key[arn]  # a busy worker is not taken back when it is released
        for worker in ended:
            worker.kill()
        return len(ended)

    def crash(self, function_name: str = "") -> int:
        """SIGKILL the processes of a function's workers (every function's: ""), busy ones included, as
        an environment crashes on Lambda: a running invocation fails with Runtime.ExitError and the pool
        replaces each worker when it is next taken. Returns how many were killed."""
        crashed = 0
        for worker in self.workers():
            name = worker.spec.function_arn.split(":function:", 1)[-1].split(":", 1)[0]
            if function_name in ("", name) and worker.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.process.pid, signal.SIGKILL)
                    crashed += 1
        return crashed

    def workers(self) -> Sequence[Worker]:
        with self._lock:
            return [*self._busy, *(w for ws in self._idle.values() for w in ws)]

    def shutdown(self) -> None:
        for worker in self.workers():
            worker.kill()
        with self._lock:
            self._idle.clear()
            self._busy.clear()
