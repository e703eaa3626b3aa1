"""The embedded AWS emulator: moto's server in this process, changed as patches.py lists, and the parts
that do what AWS does on its own (execution, polling, schedules, alarms, the local API).

`python -m toolchain.emulator serve` runs it; `invoke up` does that in the background. `build` makes
the parts, `serve` applies moto's changes, starts the parts and the HTTP server, and stops them all.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from toolchain.emulator.apigateway.gateway import LocalApiGateway
from toolchain.emulator.awslambda.executor import FunctionExecutor, Invocation
from toolchain.emulator.awslambda.invocations import AsyncInvoker, Destinations, InvocationLog
from toolchain.emulator.awslambda.provisioned import ProvisionedConcurrency
from toolchain.emulator.awslambda.telemetry import MotoLogSink
from toolchain.emulator.billing import metered_app
from toolchain.emulator.cloudwatch.alarms import AlarmEvaluator, moto_backends
from toolchain.emulator.cloudwatch.metrics import forget_old_datapoints
from toolchain.emulator.control_api import ControlApp
from toolchain.emulator.dispatching import errors_only_handler
from toolchain.emulator.event_sources.dynamodb import DynamoStreamPoller
from toolchain.emulator.event_sources.kinesis import KinesisPoller
from toolchain.emulator.event_sources.sqs import SqsPoller
from toolchain.emulator.events.schedules import Scheduler
from toolchain.emulator.faults import Faults, faulty_app
from toolchain.emulator.iam.enforcement import Authorisations
from toolchain.emulator.iam.sessions import RoleSessions
from toolchain.emulator.info import ServerInfo, code_version
from toolchain.emulator.parts import Parts, layer_source
from toolchain.emulator.patches import CHANGES, EVERYTHING
from toolchain.emulator.patching import APPLIED
from toolchain.emulator.persistence.checkpoints import Checkpointer, Durable
from toolchain.emulator.persistence.gate import GATE, Gate, gated_app
from toolchain.emulator.persistence.store import StateRefused, StateStore
from toolchain.emulator.sqs.metrics import QueueMetrics
from toolchain.emulator.stepfunctions.resume import resume_running
from toolchain.emulator.xray.api import traced_app
from toolchain.emulator.xray.segments import STORE, XRayDaemon


def _lambda_backend(region: str) -> Any:
    from moto.awslambda.utils import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    return get_backend(DEFAULT_ACCOUNT_ID, region)


@dataclass
class Emulator:
    """The running parts: what moto's changes call (`parts`), and what runs on the emulator's clock."""

    parts: Parts
    daemon: XRayDaemon
    gateway: LocalApiGateway
    scheduler: Scheduler
    provisioned: ProvisionedConcurrency
    kinesis: KinesisPoller
    queues: SqsPoller
    alarms: AlarmEvaluator
    queue_metrics: QueueMetrics
    gate: Gate
    faults: Faults

    def durable(self) -> dict[str, Durable]:
        """The parts whose state a checkpoint keeps beside moto's, by a name that stays the same."""
        return {"sessions": self.parts.iam.sessions, "async": self.parts.invoker, "history": self.parts.history,
                "kinesis": self.kinesis, "dynamodb-streams": self.parts.dynamodb_streams, "schedules": self.scheduler,
                "provisioned": self.provisioned, "apis": self.gateway, "faults": self.faults}  # fmt: skip

    @property
    def pollers(self) -> tuple[Any, ...]:
        return (self.kinesis, self.queues, self.parts.dynamodb_streams)

    def jobs(self) -> list[tuple[str, float, Callable[[], Any]]]:
        """What AWS does on its own clock: serve new API stages, poll, fire schedules, end idle workers."""
        return [
            ("api-refresh", 2.0, self.gateway.refresh),
            ("kinesis", 0.5, self.kinesis.poll_once),
            ("sqs", 0.5, self.queues.poll_once),
            ("dynamodb-streams", 0.25, self.parts.dynamodb_streams.poll_once),
            ("schedules", 1.0, self.scheduler.tick),
            ("reaper", 30.0, self.parts.executor.pool.reap),
            ("provisioned", 2.0, self.provisioned.keep),
            ("alarms", float(os.environ.get("EMULATOR_ALARM_SECONDS", "5")), self._gated(self.alarms.evaluate_once)),
            ("metrics-retention", 60.0, self._gated(self.forget_old_metrics)),
            (
                "sqs-metrics",
                float(os.environ.get("EMULATOR_SQS_METRICS_SECONDS", "10")),
                self._gated(self.queue_metrics.publish_once),
            ),
        ]

    def _gated(self, job: Callable[[], Any]) -> Callable[[], Any]:
        """A job that changes moto's state directly, not through a request: it passes the gate too."""

        def gated() -> Any:
            with self.gate.passing():
                return job()

        return gated

    def forget_old_metrics(self) -> int:
        keep = float(os.environ.get("EMULATOR_METRICS_KEEP_HOURS", "24")) * 3600
        return forget_old_datapoints(moto_backends(), keep, time.time())

    def stop(self) -> None:
        self.gateway.shutdown()
        self.parts.executor.pool.shutdown()
        self.daemon.close()


def build(state_dir: Path, endpoint: str, host: str, log: Callable[[str], None]) -> Emulator:
    # the functions' X-Ray SDK sends its subsegments here, as to the daemon on Lambda
    daemon = XRayDaemon(STORE, host, log=log).start()
    iam = Authorisations(RoleSessions(uuid.uuid4().hex), log=log)
    executor = FunctionExecutor(state_dir, endpoint, MotoLogSink(iam), xray_daemon=daemon.address,
                                sessions=iam.sessions)  # fmt: skip
    history = InvocationLog()

    def run(fn: Any, event: str) -> Invocation:
        return executor.invoke(fn, event, layer_source(fn))

    def run_for_gateway(fn: Any, event: str, source: str) -> Invocation:
        result = run(fn, event)
        history.record(fn, result, source, 1)
        return result

    delays = tuple(float(d) for d in os.environ.get("EMULATOR_ASYNC_RETRY_DELAYS", "1,2").split(","))
    invoker = AsyncInvoker(run, Destinations(endpoint, iam.sessions, log), history, retry_delays=delays, log=log)
    streams = DynamoStreamPoller(run, Destinations(endpoint, iam.sessions, log), history, log=log, iam=iam)
    parts = Parts(executor, invoker, history, STORE, streams, log, iam)
    provisioned = ProvisionedConcurrency(lambda fn, count: executor.provision(fn, count, layer_source(fn)),
                                         executor.pool.keep_provisioned, _lambda_backend, log)  # fmt: skip
    return Emulator(
        parts=parts,
        daemon=daemon,
        gateway=LocalApiGateway(run_for_gateway, host, log=log, iam=iam),
        scheduler=Scheduler(invoker.submit, log),
        provisioned=provisioned,
        kinesis=KinesisPoller(run, Destinations(endpoint, iam.sessions, log), history, log=log, iam=iam),
        queues=SqsPoller(run, history, log=log, iam=iam),
        alarms=AlarmEvaluator(moto_backends),
        queue_metrics=QueueMetrics(),
        gate=GATE,
        faults=Faults(),
    )


def _persisting() -> bool:
    return os.environ.get("EMULATOR_PERSIST", "1") != "0"


def _bind(host: str, port: int, stored: StateStore) -> Any:
    """The server on `port`, or on the stored state's port (its functions and URLs name it), or any."""
    from werkzeug.serving import make_server

    try:
        wanted = port or (stored.header().port if _persisting() and stored.exists() else 0)
    except StateRefused as refused:
        _refuse(refused)
    try:
        return make_server(host, wanted, None, threaded=True, request_handler=errors_only_handler())
    except (OSError, SystemExit):  # (werkzeug exits on a port in use)
        if port:
            raise
        _log(f"port {wanted} of the stored state is taken; another is used (`invoke plan` shows what that changes)")
        return make_server(host, 0, None, threaded=True, request_handler=errors_only_handler())


def serve(state_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
    """Run until SIGTERM/SIGINT. Writes server.json in `state_dir` once the port accepts requests.

    With a checkpoint in `state_dir/state` (and EMULATOR_PERSIST not 0), it starts from it, all of it
    or nothing: a state it cannot read ends the start with the reason and what to do.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    state_dir.mkdir(parents=True, exist_ok=True)
    _held = _sole_server(state_dir)  # until this process ends, a kill -9 included
    # Unpacked code from a previous run may belong to functions that no longer exist.
    for leftover in ("code", "layers", "runtime", "tmp"):
        shutil.rmtree(state_dir / leftover, ignore_errors=True)
    store = StateStore(state_dir / "state")
    server = _bind(host, port, store)
    endpoint = f"http://{host}:{server.server_address[1]}"
    os.environ["MOTO_PORT"] = str(server.server_address[1])  # Step Functions' Lambda tasks call back into it

    emulator = build(state_dir, endpoint, host, _log)
    APPLIED.apply(CHANGES, emulator.parts, kinds=EVERYTHING)
    interval = float(os.environ.get("EMULATOR_CHECKPOINT_SECONDS", "1"))
    checkpoints = Checkpointer(store, emulator.gate, emulator.durable(), interval=interval, log=_log)
    restored = _persisting() and _restore(checkpoints, emulator)
    checkpoints.port = server.server_address[1]
    info = ServerInfo(os.getpid(), endpoint, server.server_address[1], uuid.uuid4().hex, time.time(), code_version(),
                      state_id=checkpoints.state_id)  # fmt: skip

    moto_app = metered_app(traced_app(DomainDispatcherApplication(create_backend_app)), emulator.parts.iam.sessions,
                           log=_log)  # fmt: skip
    # (a faulted request never reaches the gate or the meter: AWS neither keeps nor bills it)
    answering = faulty_app(gated_app(moto_app, emulator.gate), emulator.faults, emulator.parts.iam.sessions)
    server.app = ControlApp(answering, lambda: info, emulator,
                            checkpoints if _persisting() else None)  # fmt: skip

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True, name="moto").start()
    if restored:  # their Lambda tasks call back into the emulator: after it serves
        resume_running(_log)
    for name, every, job in emulator.jobs():
        threading.Thread(target=_every, args=(name, every, job, stop), daemon=True, name=name).start()
    if _persisting():
        emulator.gate.durable_on_answer = os.environ.get("EMULATOR_DURABILITY", "interval") == "answer"
        threading.Thread(target=checkpoints.run, args=(stop,), daemon=True, name="checkpoint").start()
    (state_dir / "server.json").write_text(info.to_json())
    _log(f"emulator {info.instance_id} listening on {endpoint} (pid {info.pid})")
    try:
        stop.wait()
    finally:
        _log("stopping")
        server.shutdown()
        if _persisting():
            _save_or_discard(checkpoints, store)
        emulator.stop()
        info_file = state_dir / "server.json"
        if info_file.is_file() and ServerInfo.from_json(info_file.read_text()).pid == os.getpid():
            info_file.unlink()


def _restore(checkpoints: Checkpointer, emulator: Emulator) -> bool:
    try:
        restored = checkpoints.restore()
    except StateRefused as refused:
        _refuse(refused)
    if restored is not None:
        counts = ", ".join(f"{n} {what}" for what, n in restored.header.summary.items()) or "no resources"
        _log(f"restored the state of {time.ctime(restored.header.saved_at)} in {restored.seconds:.1f} s: {counts}")
        emulator.gateway.refresh()  # the stages answer on their ports from the first moment, as before
    return restored is not None


def _save_or_discard(checkpoints: Checkpointer, store: StateStore) -> None:
    """The last checkpoint, at a stop. One that fails leaves no older state to be taken for the newest:
    Terraform's state would name resources it lacks. The next start is then empty, and says so."""
    try:
        saved = any(checkpoints.save(force=True) for _attempt in range(3))
        reason = "requests kept running"
    except Exception as exc:
        saved, reason = False, repr(exc)
    if saved:
        _log(f"state saved in {store.directory}")
        return
    store.discard()
    _log(f"state NOT saved ({reason}); the stored state is discarded and the next start is empty")


def _sole_server(state_dir: Path) -> Any:
    """One emulator per state directory: a second would load the same checkpoint, serve it apart and
    write over the first's (and collect the blobs the first's checkpoint names)."""
    import fcntl

    handle = (state_dir / "server.lock").open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        _log(f"the emulator did not start: another emulator serves {state_dir} (`invoke down` stops it)")
        raise SystemExit(4) from None
    return handle


def _refuse(refused: StateRefused) -> NoReturn:
    _log(f"the emulator did not start: {refused}")
    raise SystemExit(3)


def _every(name: str, interval: float, job: Callable[[], Any], stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            job()
        except Exception as exc:  # one bad resource must not stop the emulator's clock
            _log(f"{name} failed: {exc!r}")


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)
