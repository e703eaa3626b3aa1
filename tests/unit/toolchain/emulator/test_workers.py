"""Worker processes running real handler code: results, context, logs, timeouts, crashes, isolation."""

from __future__ import annotations

import dataclasses
import json
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from toolchain.emulator.awslambda.workers import Worker, WorkerPool, WorkerSpec

HANDLER = """
import json, logging, os, sys, time

STARTED = time.time()
print("init line")

def handler(event, context):
    action = event.get("action")
    print("handling", action)
    logging.getLogger().warning("warned %s", action)
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "raise":
        raise ValueError("bad input")
    if action == "exit":
        os._exit(3)
    if action == "unserialisable":
        return {"when": object()}
    if action == "import":
        __import__(event["module"])
    return {
        "pid": os.getpid(),
        "remaining": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "memory": context.memory_limit_in_mb,
        "function": context.function_name,
        "env": os.environ.get("GREETING"),
        "cwd": os.getcwd(),
        "path": sys.path,
    }
"""


def spec(task_root: Path, key: str = "k1", timeout: float = 3.0, handler: str = "app.handler") -> WorkerSpec:
    env = {
        "_HANDLER": handler,
        "GREETING": "hello",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "stream",
        "AWS_LAMBDA_LOG_LEVEL": "WARNING",
    }
    return WorkerSpec(key, "arn:fn", Path(sys.executable), task_root, (str(task_root),), tuple(env.items()), timeout)


def request(event: dict, timeout: float = 3.0) -> dict:
    return {
        "request_id": str(uuid.uuid4()),
        "event": json.dumps(event),
        "deadline_ms": time.time() * 1000 + timeout * 1000,
        "invoked_function_arn": "arn:fn",
        "trace_id": "Root=1-x",
    }


@pytest.fixture
def task_root(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(textwrap.dedent(HANDLER))
    return tmp_path


@pytest.fixture
def worker(task_root: Path):
    started = Worker(spec(task_root))
    yield started
    started.kill()


@pytest.mark.documents("emulator.md", "Handlers run in worker processes")
def test_a_handler_runs_with_a_lambda_context(worker: Worker, task_root: Path) -> None:
    req = request({"action": "ok"})
    outcome = worker.invoke(req, 3.0)
    result = json.loads(outcome.payload)
    assert outcome.ok
    assert result["request_id"] == req["request_id"]
    assert 0 < result["remaining"] <= 3000
    assert (result["memory"], result["function"], result["env"]) == ("256", "fn", "hello")
    assert result["cwd"] == str(task_root)
    assert outcome.init_ms is not None and outcome.init_ms > 0


@pytest.mark.documents("emulator.md", "Handlers run in worker processes")
def test_the_handler_sees_only_lambdas_import_path(worker: Worker, task_root: Path) -> None:
    path = json.loads(worker.invoke(request({"action": "ok"}), 3.0).payload)["path"]
    assert path[0] == str(task_root)
    assert not any("site-packages" in p or "toolchain" in p for p in path)
    outcome = worker.invoke(request({"action": "import", "module": "moto"}), 3.0)
    assert not outcome.ok
    assert json.loads(outcome.payload)["errorType"] == "ModuleNotFoundError"


@pytest.mark.documents("emulator.md", "Logs with START, END and REPORT")
def test_logs_of_each_phase_are_captured_in_order(worker: Worker) -> None:
    assert worker.init_logs == ["init line"]
    outcome = worker.invoke(request({"action": "ok"}), 3.0)
    assert outcome.logs[0] == "handling ok"
    assert outcome.logs[1].startswith("[WARNING]") and outcome.logs[1].endswith("warned ok")


@pytest.mark.documents("emulator.md", "Warm workers")
def test_a_warm_worker_is_reused_and_reports_init_once(worker: Worker) -> None:
    first = worker.invoke(request({"action": "ok"}), 3.0)
    second = worker.invoke(request({"action": "ok"}), 3.0)
    assert json.loads(first.payload)["pid"] == json.loads(second.payload)["pid"]
    assert second.init_ms is None


@pytest.mark.documents("emulator.md", "Timeouts, crashes and import errors, as Lambda reports them")
def test_an_exception_is_an_error_payload_and_the_worker_survives(worker: Worker) -> None:
    outcome = worker.invoke(request({"action": "raise"}), 3.0)
    error = json.loads(outcome.payload)
    assert not outcome.ok
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "bad input")
    assert any("Traceback" in line for line in outcome.logs)
    assert worker.invoke(request({"action": "ok"}), 3.0).ok


@pytest.mark.documents("emulator.md", "Timeouts, crashes and import errors, as Lambda reports them")
def test_the_timeout_is_enforced_and_the_worker_discarded(worker: Worker) -> None:
    outcome = worker.invoke(request({"action": "sleep", "seconds": 30}, timeout=1.0), 1.0)
    assert outcome.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in outcome.logs[-1]
    assert not worker.alive


@pytest.mark.documents("emulator.md", "Timeouts, crashes and import errors, as Lambda reports them")
def test_a_crash_is_a_runtime_exit_error(worker: Worker) -> None:
    outcome = worker.invoke(request({"action": "exit"}), 3.0)
    assert outcome.error_type == "Runtime.ExitError"
    assert "exit status 3" in json.loads(outcome.payload)["errorMessage"]
    assert not worker.alive


def test_a_crashed_workers_release_leaves_the_next_workers_pipes_alone(task_root: Path) -> None:
    """The wrong answers under load: a failed invocation killed its worker and the pool killed it
    again on release, closing the same descriptor numbers twice. By then the kernel had given those
    numbers to the next worker's pipes, which were closed under it (or, with another worker started
    in between, wired to the wrong process)."""
    # GIVEN a worker that crashes, as one does under load (a timeout ends it the same way)
    pool = WorkerPool()
    crashing = pool.acquire(spec(task_root))
    assert crashing.invoke(request({"action": "exit"}), 3.0).error_type == "Runtime.ExitError"
    # AND the next worker of another function, started on the descriptors the crash freed
    successor = pool.acquire(spec(task_root, key="k2"))
    try:
        assert {successor._request_write, successor._response_read} & {crashing._request_write, crashing._response_read}
        # WHEN the crashed worker goes back to the pool
        pool.release(crashing)
        # THEN the successor still answers its own requests
        sent = request({"action": "ok"})
        outcome = successor.invoke(sent, 3.0)
        assert outcome.ok, outcome.payload
        assert json.loads(outcome.payload)["request_id"] == sent["request_id"]
    finally:
        pool.shutdown()


def test_a_result_that_is_not_json_is_a_marshal_error(worker: Worker) -> None:
    outcome = worker.invoke(request({"action": "unserialisable"}), 3.0)
    assert outcome.error_type == "Runtime.MarshalError"


@pytest.mark.documents("emulator.md", "Timeouts, crashes and import errors, as Lambda reports them")
def test_an_import_error_is_reported_on_invoke(task_root: Path) -> None:
    (task_root / "broken.py").write_text("import not_installed_anywhere\n")
    worker = Worker(spec(task_root, handler="broken.handler"))
    try:
        outcome = worker.invoke(request({}), 3.0)
        assert outcome.error_type == "Runtime.ImportModuleError"
        assert "not_installed_anywhere" in json.loads(outcome.payload)["errorMessage"]
    finally:
        worker.kill()


@pytest.mark.documents("emulator.md", "Warm workers")
def test_the_pool_keeps_warm_workers_per_key_and_drops_stale_ones(task_root: Path) -> None:
    pool = WorkerPool()
    try:
        first = pool.acquire(spec(task_root, key="v1"))
        pool.release(first)
        again = pool.acquire(spec(task_root, key="v1"))
        assert again is first
        pool.release(again)
        newer = pool.acquire(spec(task_root, key="v2"))  # new code hash
        assert newer is not first
        assert not first.alive
        pool.release(newer)
    finally:
        pool.shutdown()


@pytest.mark.documents("emulator.md", "Warm workers")
def test_a_newer_version_serving_ends_the_older_versions_idle_workers(task_root: Path) -> None:
    def version(n: int, function: str = "users") -> WorkerSpec:
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}:{n}"
        return dataclasses.replace(spec(task_root, key=f"{function}-{n}"), function_arn=arn)

    pool = WorkerPool()
    try:
        # GIVEN idle workers of version 6 of one function and of another function
        old, other = pool.acquire(version(6)), pool.acquire(version(3, function="orders"))
        pool.release(old)
        pool.release(other)
        # WHEN version 7 serves (a `watch` save published it and moved `live`)
        pool.release(pool.acquire(version(7)))
        # THEN version 6's worker has ended, the other function's is still warm
        assert not old.alive
        assert other.alive and other in pool.workers()
        # AND version 6 invoked again (a canary's other side) starts a worker that stays warm
        again = pool.acquire(version(6))
        pool.release(again)
        pool.release(pool.acquire(version(7)))
        assert again.alive and again in pool.workers()
    finally:
        pool.shutdown()


def test_concurrent_invocations_get_separate_workers(task_root: Path) -> None:
    pool = WorkerPool()
    try:
        one = pool.acquire(spec(task_root))
        two = pool.acquire(spec(task_root))
        assert one is not two
        pool.release(one)
        pool.release(two)
        assert len(pool.workers()) == 2
    finally:
        pool.shutdown()


@pytest.mark.documents("emulator.md", "Warm workers")
def test_idle_workers_are_reaped(task_root: Path) -> None:
    pool = WorkerPool(idle_seconds=0.0)
    worker = pool.acquire(spec(task_root))
    pool.release(worker)
    assert pool.reap() == 1
    assert not worker.alive
