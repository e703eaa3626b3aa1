"""Step Functions executions, run for real and traced as Step Functions traces them.

moto's ASL interpreter runs an execution's states when `execute_state_machine` is on (config.py
turns it on); its Lambda tasks call back into the emulator (`LambdaFunction._invoke_lambda`), so
Retry and Catch meet real handler errors. For a sampled trace, an execution writes its segment with
one subsegment per state it entered, timed from its history, and each Lambda task is invoked inside
its state's subsegment (the header travels on the task's boto client), so the trace goes on through
the functions it runs.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from toolchain.emulator.xray.segments import HTTP_HEADER, Segment, TraceStore, continuing, current


class _Execution:
    """A traced execution: its segment, and the subsegments its Lambda tasks ran in, by state name."""

    def __init__(self, segment: Segment) -> None:
        self.segment = segment
        self.tasks: dict[str, list[Segment]] = {}
        self.lock = threading.Lock()


_RUNNING: dict[str, _Execution] = {}
_LOCK = threading.Lock()


def traced_start(original: Any, emulator: Any) -> Any:
    """Execution.start: a sampled execution opens its segment."""

    def start_traced(self: Any) -> None:
        header = current.get()
        if header is not None and header.sampled:
            machine = str(self.exec_arn).split(":")[-2]
            segment = Segment(machine, header, origin="AWS::StepFunctions::StateMachine", parent_id=header.parent,
                              aws={"execution_arn": str(self.exec_arn)})  # fmt: skip
            with _LOCK:
                _RUNNING[str(self.exec_arn)] = _Execution(segment)
        original(self)

    return start_traced


def traced_lambda_task(original: Any, emulator: Any) -> Any:
    """lambda_eval_utils.execute_lambda_function_integration: a task runs inside its state's subsegment."""

    def lambda_task(env: Any, parameters: dict, region: str, state_credentials: Any) -> None:
        context = env.states.context_object.context_object_data
        with _LOCK:
            traced = _RUNNING.get(str(context["Execution"]["Id"]))
        if traced is None:
            return original(env, parameters, region, state_credentials)
        name = str(context.get("State", {}).get("Name", "Task"))
        task = Segment(name, traced.segment.trace, namespace="aws", aws={"function": parameters.get("FunctionName")})
        with traced.lock:
            traced.tasks.setdefault(name, []).append(task)
        failed = True
        try:
            with continuing(task.header):
                original(env, parameters, region, state_credentials)
            failed = False
        finally:
            task.end(fault=failed)

    return lambda_task


def traced_end(original: Any, emulator: Any) -> Any:
    """BaseExecutionWorkerCommunication.terminated: the execution's segment is closed and stored."""

    def terminated(self: Any) -> None:
        original(self)
        with _LOCK:
            traced = _RUNNING.pop(str(self.execution.exec_arn), None)
        if traced is not None:
            try:
                _close_execution(traced, self.execution, emulator.traces)
            except Exception as exc:  # a trace must never break the execution it describes
                emulator.log(f"step functions trace of {self.execution.exec_arn} not written: {exc!r}")

    return terminated


def header_on_task_clients(original: Any, emulator: Any) -> Any:
    """lambda_eval_utils.boto_client_for: the task's client sends the trace header, as Step Functions does."""

    clients: dict[str, Any] = {}
    made = threading.Lock()

    def add_header(request: Any, **_: Any) -> None:
        header = current.get()  # the running task's, read at send time: one client serves every task
        if header is not None:
            request.headers[HTTP_HEADER] = str(header)

    def boto_client_for(*args: Any, **kwargs: Any) -> Any:
        # moto made a client per task state (a tenth of the emulator's time under load); clients are
        # thread-safe, so one per region, service and credentials serves them all.
        key = repr((args, sorted(kwargs.items())))
        with made:
            if key not in clients:
                clients[key] = _as_role(original(*args, **kwargs), args, kwargs, emulator)
                clients[key].meta.events.register("before-send", add_header)
            return clients[key]

    return boto_client_for


def _as_role(client: Any, args: tuple[Any, ...], kwargs: dict[str, Any], emulator: Any) -> Any:
    """The task's client signed as a session of the role it runs as (the state machine's, or the
    task's own Credentials), as Step Functions calls Lambda: the emulator then judges each Invoke
    against that role's policies. moto signed every task with a fixed key nothing was checked for."""
    sessions = getattr(getattr(emulator, "iam", None), "sessions", None)
    credentials = kwargs.get("state_credentials", args[2] if len(args) > 2 else None)
    role_arn = getattr(credentials, "role_arn", None)
    if sessions is None or not role_arn:
        return client
    import boto3

    issued = sessions.credentials(role_arn, "states")
    return boto3.client(client.meta.service_model.service_name, region_name=client.meta.region_name,
                        endpoint_url=client.meta.endpoint_url, config=client.meta.config,
                        aws_access_key_id=issued["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=issued["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=issued["AWS_SESSION_TOKEN"])  # fmt: skip


def executions_run(original: Any, emulator: Any) -> Any:
    """moto.core.config.default_user_config: executions run their states (moto's option, off by default).
    moto's modules hold this dict by reference, so it is changed in place."""
    original["stepfunctions"]["execute_state_machine"] = True
    return original


def _epoch(moment: Any) -> float:
    """A history event's time: moto writes ISO 8601 text, AWS's API a datetime."""
    if isinstance(moment, str):
        return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()
    return float(moment.timestamp())


def _close_execution(traced: _Execution, execution: Any, store: TraceStore) -> None:
    """The execution's segment: one subsegment per state it entered, timed from its history."""
    segment = traced.segment
    entered: dict[str, list[float]] = {}
    try:
        events = list(execution.to_history_output().get("events") or [])
    except Exception:  # a history moto cannot give leaves the segment without states
        events = []
    for event in events:
        moment = _epoch(event["timestamp"])
        if "stateEnteredEventDetails" in event:
            entered.setdefault(event["stateEnteredEventDetails"]["name"], []).append(moment)
        elif "stateExitedEventDetails" in event:
            name = event["stateExitedEventDetails"]["name"]
            began = (entered.get(name) or [moment]).pop(0)
            tasks = traced.tasks.get(name) or []
            state = tasks.pop(0) if tasks else Segment(name, segment.trace, namespace="aws")
            state.doc["start_time"] = min(began, state.doc["start_time"])
            state.end(end=moment)
            segment.doc.setdefault("subsegments", []).append(state.doc)
    for leftover in (t for tasks in traced.tasks.values() for t in tasks):  # a task that failed the execution
        segment.doc.setdefault("subsegments", []).append(leftover.doc)
    status = str(getattr(execution, "exec_status", ""))
    failed = not status.endswith("SUCCEEDED")
    segment.end(fault=failed, cause=str(getattr(execution, "error", "") or "") if failed else None)
    store.put(segment.doc)
