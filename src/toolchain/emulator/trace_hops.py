"""How a trace crosses moto's services, as it crosses AWS's, and the X-Ray API on the emulator's port.

- An API call that carries `X-Amzn-Trace-Id` (the X-Ray SDK adds it to every boto call it traces)
  is served inside that trace: what it starts (an invocation, a notification) joins it.
- SQS keeps the header on the message as its `AWSTraceHeader` system attribute; the poller hands it on.
- A Step Functions execution writes its segment, with a subsegment per state; its Lambda tasks are
  invoked inside the state's subsegment.
- X-Ray's PutTraceSegments, GetTraceSummaries and BatchGetTraces read and write the `TraceStore`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from toolchain.emulator import trace_queries
from toolchain.emulator.tracing import HTTP_HEADER, Segment, TraceHeader, TraceStore, continuing, current

_WSGI_HEADER = "HTTP_" + HTTP_HEADER.upper().replace("-", "_")


def traced_app(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app that serves each request inside the trace its header names."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        header = TraceHeader.parse(environ.get(_WSGI_HEADER))
        with continuing(header):
            return list(app(environ, start_response))

    return serve


def install(store: TraceStore, log: Callable[[str], None] = print) -> None:
    _xray_api(store)
    _sqs_keeps_the_header()
    _step_functions_segments(store, log)


def _xray_api(store: TraceStore) -> None:
    from moto.core.exceptions import AWSError
    from moto.xray.exceptions import BadSegmentException
    from moto.xray.models import XRayBackend

    def process_segment(self: Any, doc: Any) -> None:
        import json

        try:
            store.put(json.loads(doc))
        except ValueError as exc:
            raise BadSegmentException(code="InvalidSegment", message=str(exc)) from exc

    def get_trace_summary(self: Any, start_time: Any, end_time: Any, filter_expression: Any) -> dict[str, Any]:
        try:
            return trace_queries.trace_summaries(store, start_time.timestamp(), end_time.timestamp(),
                                                 filter_expression)  # fmt: skip
        except trace_queries.UnsupportedFilter as exc:
            raise AWSError(str(exc), "InvalidRequestException", 400) from exc

    def get_trace_ids(self: Any, trace_ids: list[str]) -> dict[str, Any]:
        return trace_queries.batch_get_traces(store, [str(t) for t in trace_ids])

    XRayBackend.process_segment = process_segment
    XRayBackend.get_trace_summary = get_trace_summary
    XRayBackend.get_trace_ids = get_trace_ids


def _sqs_keeps_the_header() -> None:
    from moto.sqs.models import SQSBackend

    original = SQSBackend.send_message

    def send_message(self: Any, *args: Any, system_attributes: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        header = current.get()
        if header is not None and not (system_attributes or {}).get("AWSTraceHeader"):
            system_attributes = {**(system_attributes or {}),
                                 "AWSTraceHeader": {"DataType": "String", "StringValue": str(header)}}  # fmt: skip
        return original(self, *args, system_attributes=system_attributes, **kwargs)

    SQSBackend.send_message = send_message


class _Execution:
    """A traced execution: its segment, and the subsegments its Lambda tasks ran in, by state name."""

    def __init__(self, segment: Segment) -> None:
        self.segment = segment
        self.tasks: dict[str, list[Segment]] = {}
        self.lock = threading.Lock()


def _step_functions_segments(store: TraceStore, log: Callable[[str], None]) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.backend import execution as executions

    running: dict[str, _Execution] = {}
    lock = threading.Lock()

    start = executions.Execution.start

    def start_traced(self: Any) -> None:
        header = current.get()
        if header is not None and header.sampled:
            machine = str(self.exec_arn).split(":")[-2]
            segment = Segment(machine, header, origin="AWS::StepFunctions::StateMachine", parent_id=header.parent,
                              aws={"execution_arn": str(self.exec_arn)})  # fmt: skip
            with lock:
                running[str(self.exec_arn)] = _Execution(segment)
        start(self)

    def lambda_task(env: Any, parameters: dict, region: str, state_credentials: Any) -> None:
        context = env.states.context_object.context_object_data
        with lock:
            traced = running.get(str(context["Execution"]["Id"]))
        if traced is None:
            return run_task(env, parameters, region, state_credentials)
        name = str(context.get("State", {}).get("Name", "Task"))
        task = Segment(name, traced.segment.trace, namespace="aws", aws={"function": parameters.get("FunctionName")})
        with traced.lock:
            traced.tasks.setdefault(name, []).append(task)
        failed = True
        try:
            with continuing(task.header):
                run_task(env, parameters, region, state_credentials)
            failed = False
        finally:
            task.end(fault=failed)

    def terminated(self: Any) -> None:
        finish(self)
        with lock:
            traced = running.pop(str(self.execution.exec_arn), None)
        if traced is not None:
            try:
                _close_execution(traced, self.execution, store)
            except Exception as exc:  # a trace must never break the execution it describes
                log(f"step functions trace of {self.execution.exec_arn} not written: {exc!r}")

    run_task = lambda_eval_utils.execute_lambda_function_integration
    finish = executions.BaseExecutionWorkerCommunication.terminated
    client_for = lambda_eval_utils.boto_client_for

    def boto_client_for(*args: Any, **kwargs: Any) -> Any:
        client = client_for(*args, **kwargs)

        def add_header(request: Any, **_: Any) -> None:
            header = current.get()
            if header is not None:
                request.headers[HTTP_HEADER] = str(header)

        client.meta.events.register("before-send", add_header)
        return client

    executions.Execution.start = start_traced
    executions.BaseExecutionWorkerCommunication.terminated = terminated
    lambda_eval_utils.execute_lambda_function_integration = lambda_task
    lambda_eval_utils.boto_client_for = boto_client_for


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
