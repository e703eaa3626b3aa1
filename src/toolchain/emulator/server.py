"""The embedded AWS emulator: moto's server in this process, with Lambda execution plugged in.

Serves every AWS API moto knows on one localhost port, plus a small control API under
`/_emulator/` (health, recent invocations, waiting for the async queue to drain). Run it with
`python -m toolchain.emulator serve`; `invoke up` does that in the background.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from toolchain.emulator import deployments, moto_fixes, routing, sites, trace_hops
from toolchain.emulator.alarms import AlarmEvaluator, moto_backends, notify_actions
from toolchain.emulator.apigateway import LocalApiGateway
from toolchain.emulator.dynamo_streams import DynamoStreamPoller
from toolchain.emulator.event_sources import (
    KinesisPoller,
    SqsPoller,
    deliver_sns_to_lambda_asynchronously,
    disable_push_delivery,
)
from toolchain.emulator.executor import FunctionExecutor, Invocation
from toolchain.emulator.invocations import AsyncInvoker, Destinations, InvocationLog, install
from toolchain.emulator.provisioned import ProvisionedConcurrency
from toolchain.emulator.schedules import Scheduler
from toolchain.emulator.tracing import STORE, XRayDaemon

CONTROL_PREFIX = "/_emulator/"


def code_version() -> str:
    """Hash of the emulator's own code and moto's version: a running emulator older than that is stale."""
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256(version("moto").encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    endpoint: str
    port: int
    instance_id: str
    started: float
    code_version: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ServerInfo:
        return cls(**json.loads(text))


def _dimension_sets(fn: Any, *, executed: bool) -> list[list[dict[str, str]]]:
    """Where Lambda publishes an invocation's metrics: per function; per alias or version invoked
    (Resource); and, for an alias, per version that ran (ExecutedVersion: what tells a canary from
    the version beside it). Throttles stop at the alias: the limit they hit is the function's."""
    by_function = [{"Name": "FunctionName", "Value": fn.function_name}]
    resource = routing.resource(fn)
    if resource is None:
        return [by_function]
    by_resource = [*by_function, {"Name": "Resource", "Value": resource}]
    sets = [by_function, by_resource]
    if executed and getattr(fn, "invoked_alias", None):
        sets.append([*by_resource, {"Name": "ExecutedVersion", "Value": str(fn.version)}])
    return sets


class MotoLogSink:
    """Writes invocation logs into moto's CloudWatch Logs backend, creating group and stream as Lambda does,
    and the AWS/Lambda metrics Lambda publishes for every invocation (Invocations, Errors, Duration,
    and Throttles for one that never ran)."""

    def metrics(self, fn: Any, duration_ms: float, errored: bool) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        values = (("Invocations", 1, "Count"), ("Errors", 1 if errored else 0, "Count"),
                  ("Duration", duration_ms, "Milliseconds"))  # fmt: skip
        cloudwatch_backends[fn.account_id][fn.region].put_metric_data(
            "AWS/Lambda",
            [
                {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions}
                for dimensions in _dimension_sets(fn, executed=True)
                for name, value, unit in values
            ],
        )

    def throttled(self, fn: Any) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[fn.account_id][fn.region].put_metric_data(
            "AWS/Lambda",
            [
                {"MetricName": "Throttles", "Value": 1, "Unit": "Count", "Dimensions": dimensions}
                for dimensions in _dimension_sets(fn, executed=False)
            ],
        )

    def write(self, fn: Any, stream: str, lines: list[str]) -> None:
        backend = fn.logs_backend
        group = fn.logs_group_name
        backend.ensure_log_group(group)
        if stream not in backend.groups[group].streams:
            backend.create_log_stream(group, stream)
        now = int(time.time() * 1000)
        backend.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])


def _lambda_backend(region: str) -> Any:
    from moto.awslambda.utils import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    return get_backend(DEFAULT_ACCOUNT_ID, region)


def _layer_source(fn: Any) -> Callable[[str], tuple[bytes, str]]:
    from moto.awslambda.utils import get_backend

    def layers(arn: str) -> tuple[bytes, str]:
        version = get_backend(fn.account_id, fn.region).layers_versions_by_arn(arn)
        return version.code_bytes, version.code_digest

    return layers


class ControlApp:
    """WSGI app: `/_emulator/*` here, everything else to moto."""

    def __init__(
        self,
        moto_app: Any,
        info: Callable[[], ServerInfo],
        invoker: AsyncInvoker,
        history: InvocationLog,
        gateway: LocalApiGateway,
        scheduler: Scheduler,
        executor: FunctionExecutor,
        provisioned: ProvisionedConcurrency,
        pollers: Iterable[Any] = (),
    ) -> None:
        self._pollers = list(pollers)
        self._executor = executor
        self._provisioned = provisioned
        self._moto = moto_app
        self._info = info
        self._invoker = invoker
        self._history = history
        self._gateway = gateway
        self._scheduler = scheduler

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

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(sites.PREFIX):
            return sites.serve_site(environ, start_response)
        if self._provisioned.handles(path):
            return self._provisioned(environ, start_response)
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
                body = {"invoked": self._scheduler.fire(query.get("rule", [""])[0])}
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
        elif route == "idle":
            body = {"idle": self._quiet(min(float(query.get("timeout", ["30"])[0]), 600.0))}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "unknown emulator route"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


def serve(state_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
    """Run until SIGTERM/SIGINT. Writes server.json in `state_dir` once the port accepts requests."""
    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    state_dir.mkdir(parents=True, exist_ok=True)
    # Unpacked code from a previous run may belong to functions that no longer exist.
    for leftover in ("code", "layers", "runtime", "tmp"):
        shutil.rmtree(state_dir / leftover, ignore_errors=True)

    # Step Functions executions run their Lambda tasks for real instead of returning canned output.
    default_user_config["stepfunctions"]["execute_state_machine"] = True

    history = InvocationLog()
    server = make_server(host, port, None, threaded=True, request_handler=MotoRequestHandler)
    actual_port = server.server_address[1]
    endpoint = f"http://{host}:{actual_port}"
    # Step Functions' Lambda tasks call back into this server.
    os.environ["MOTO_PORT"] = str(actual_port)
    info = ServerInfo(os.getpid(), endpoint, actual_port, uuid.uuid4().hex, time.time(), code_version())

    # the functions' X-Ray SDK sends its subsegments here, as to the daemon on Lambda
    daemon = XRayDaemon(STORE, host, log=_log).start()
    executor = FunctionExecutor(state_dir, endpoint, MotoLogSink(), xray_daemon=daemon.address)

    def run(fn: Any, event: str) -> Invocation:
        return executor.invoke(fn, event, _layer_source(fn))

    delays = tuple(float(d) for d in os.environ.get("EMULATOR_ASYNC_RETRY_DELAYS", "1,2").split(","))
    invoker = AsyncInvoker(run, Destinations(endpoint), history, retry_delays=delays, log=_log)
    moto_fixes.apply()
    deployments.install()
    trace_hops.install(STORE, _log)
    streams = DynamoStreamPoller(run, Destinations(endpoint), history, log=_log)
    streams.install()
    install(run, invoker, history)
    routing.install()

    def run_for_gateway(fn: Any, event: str, source: str) -> Invocation:
        result = run(fn, event)
        history.record(fn, result, source, 1)
        return result

    gateway = LocalApiGateway(run_for_gateway, host)
    alarms = AlarmEvaluator(moto_backends)
    notify_actions(_log)
    scheduler = Scheduler(invoker.submit, _log)
    disable_push_delivery()
    kinesis = KinesisPoller(run, Destinations(endpoint), history, log=_log)
    queues = SqsPoller(run, history, log=_log)
    deliver_sns_to_lambda_asynchronously(invoker.submit)
    moto_app = trace_hops.traced_app(DomainDispatcherApplication(create_backend_app))
    provisioned = ProvisionedConcurrency(lambda fn, count: executor.provision(fn, count, _layer_source(fn)),
                                         executor.pool.keep_provisioned, _lambda_backend, _log)  # fmt: skip
    server.app = ControlApp(moto_app, lambda: info, invoker, history, gateway, scheduler, executor, provisioned,
                            pollers=(kinesis, queues, streams))  # fmt: skip

    stop = threading.Event()

    def shutdown(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    threading.Thread(target=server.serve_forever, daemon=True, name="moto").start()
    # What AWS does on its own clock: serve new API stages, poll streams, fire schedules, end idle workers.
    for name, interval, job in (
        ("api-refresh", 2.0, gateway.refresh),
        ("kinesis", 0.5, kinesis.poll_once),
        ("sqs", 0.5, queues.poll_once),
        ("dynamodb-streams", 0.25, streams.poll_once),
        ("schedules", 1.0, scheduler.tick),
        ("reaper", 30.0, executor.pool.reap),
        ("provisioned", 2.0, provisioned.keep),
        ("alarms", float(os.environ.get("EMULATOR_ALARM_SECONDS", "5")), alarms.evaluate_once),
    ):
        threading.Thread(target=_every, args=(name, interval, job, stop), daemon=True, name=name).start()
    (state_dir / "server.json").write_text(info.to_json())
    _log(f"emulator {info.instance_id} listening on {endpoint} (pid {info.pid})")
    try:
        stop.wait()
    finally:
        _log("stopping")
        gateway.shutdown()
        server.shutdown()
        executor.pool.shutdown()
        daemon.close()
        info_file = state_dir / "server.json"
        if info_file.is_file() and ServerInfo.from_json(info_file.read_text()).pid == os.getpid():
            info_file.unlink()


def _every(name: str, interval: float, job: Callable[[], Any], stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            job()
        except Exception as exc:  # one bad resource must not stop the emulator's clock
            _log(f"{name} failed: {exc!r}")


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)
