"""Traces on the emulator: Lambda's segments for a traced invocation, the function's own subsegments
through the daemon's UDP port, the header across an SQS hop, and the X-Ray API reading them back."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from toolchain.emulator.clients import emulator_client
from toolchain.emulator.xray.segments import TraceHeader

pytestmark = pytest.mark.usefixtures("control")

# What the X-Ray SDK does inside a function, by hand: read the header Lambda set, send a subsegment
# under its Parent to the daemon's address.
TRACED = """
import json, os, socket, time

def handler(event, context):
    header = os.environ["_X_AMZN_TRACE_ID"]
    fields = dict(part.split("=", 1) for part in header.split(";"))
    if fields.get("Sampled") == "1":
        now = time.time()
        sub = {"id": os.urandom(8).hex(), "name": "## handler", "trace_id": fields["Root"], "parent_id": fields["Parent"],
               "type": "subsegment", "start_time": now, "end_time": now + 0.001, "annotations": {"correlation_id": "c-int"}}
        host, port = os.environ["AWS_XRAY_DAEMON_ADDRESS"].split(":")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            out.sendto(b'{"format":"json","version":1}\\n' + json.dumps(sub).encode(), (host, int(port)))
    return {"header": header}
"""


def _zip(source: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", source)
    return out.getvalue()


def _function(clients: dict[str, Any], role: str, mode: str) -> str:
    name = f"traced-{mode.lower()}-{time.time_ns()}"
    clients["lambda"].create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                      Code={"ZipFile": _zip(TRACED)}, Timeout=10,
                                      TracingConfig={"Mode": mode})  # fmt: skip
    return name


def _invoked(clients: dict[str, Any], role: str, mode: str) -> tuple[dict[str, Any], TraceHeader]:
    """A new function with tracing `mode`, invoked once: the answer, and the trace header its handler saw."""
    answer = clients["lambda"].invoke(FunctionName=_function(clients, role, mode), Payload=b"{}")
    header = TraceHeader.parse(json.loads(answer["Payload"].read())["header"])
    assert header is not None
    return answer, header


def _trace(xray: Any, trace_id: str, want: int, timeout: float = 15) -> list[dict[str, Any]]:
    """The trace's segment documents once `want` of them (and the handler's subsegment) are in."""
    deadline = time.monotonic() + timeout
    docs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
        docs = [json.loads(s["Document"]) for s in traces[0]["Segments"]] if traces else []
        if len(docs) >= want and "## handler" in json.dumps(docs):
            return docs
        time.sleep(0.2)
    raise AssertionError(f"trace {trace_id} incomplete: {docs}")


@pytest.mark.documents("observability.md", "Tracing")
@pytest.mark.documents("emulator.md", "X-Ray traces, collected")
def test_an_active_function_writes_lambdas_segments_and_its_subsegments_join_them(
    clients: dict[str, Any], role: str, emulator: str
) -> None:
    answer, header = _invoked(clients, role, "Active")
    assert header.sampled
    xray = emulator_client("xray", emulator)
    docs = {d["origin"]: d for d in _trace(xray, header.root, want=2)}
    service, function = docs["AWS::Lambda"], docs["AWS::Lambda::Function"]
    # THEN Lambda's service segment holds the function's, whose id is the Parent the handler was given
    assert function["parent_id"] == service["id"] and function["id"] == header.parent
    phases = [s["name"] for s in function["subsegments"]]
    assert phases[:2] == ["Initialization", "Invocation"] and "## handler" in phases
    assert service["aws"]["request_id"] in answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    # AND the X-Ray API finds it by the handler's annotation
    found = xray.get_trace_summaries(StartTime=time.time() - 60, EndTime=time.time() + 60,
                                     FilterExpression='annotation.correlation_id = "c-int"')["TraceSummaries"]  # fmt: skip
    assert header.root in [s["Id"] for s in found]


@pytest.mark.documents("emulator.md", "X-Ray traces, collected")
def test_a_pass_through_function_called_without_a_trace_is_not_traced(
    clients: dict[str, Any], role: str, emulator: str
) -> None:
    _, header = _invoked(clients, role, "PassThrough")
    assert not header.sampled
    time.sleep(0.5)
    xray = emulator_client("xray", emulator)
    assert xray.batch_get_traces(TraceIds=[header.root])["UnprocessedTraceIds"] == [header.root]


@pytest.mark.documents("emulator.md", "Trace headers travel as on AWS")
def test_a_message_carries_its_senders_trace_through_the_queue_to_the_function(
    clients: dict[str, Any], role: str, emulator: str
) -> None:
    # GIVEN a PassThrough function behind a queue: it is traced only if the message brings a trace
    name = _function(clients, role, "PassThrough")
    queue = clients["sqs"].create_queue(QueueName=name)["QueueUrl"]
    arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients["lambda"].create_event_source_mapping(FunctionName=name, EventSourceArn=arn, BatchSize=1)
    # WHEN a sender inside a trace sends a message, with the header the X-Ray SDK adds to its calls
    sender = TraceHeader(TraceHeader.new().root, "53995c3f42cd8ad8")
    sqs = emulator_client("sqs", emulator)
    sqs.meta.events.register("before-send.sqs", lambda request, **_: request.headers.__setitem__(
        "X-Amzn-Trace-Id", str(sender)))  # fmt: skip
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    # THEN the function runs in the sender's trace, under a segment for the queue
    docs = {d["origin"]: d for d in _trace(emulator_client("xray", emulator), sender.root, want=3, timeout=30)}
    queue_segment = docs["AWS::SQS::Queue"]
    assert queue_segment["name"] == name and queue_segment["parent_id"] == sender.parent
    assert docs["AWS::Lambda"]["parent_id"] == queue_segment["id"]


@pytest.mark.documents("emulator.md", "Traces read back")
def test_the_xray_api_takes_segments_and_refuses_filters_it_cannot_evaluate(emulator: str) -> None:
    xray = emulator_client("xray", emulator)
    trace = TraceHeader.new()
    segment = {"id": "70de5b6f19ff9a0a", "name": "client", "trace_id": trace.root, "start_time": time.time(),
               "end_time": time.time() + 0.1, "annotations": {"tenant": "t-1"}}  # fmt: skip
    refused = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment), json.dumps({"id": "x"})])
    assert len(refused["UnprocessedTraceSegments"]) == 1
    found = xray.get_trace_summaries(StartTime=time.time() - 60, EndTime=time.time() + 60,
                                     FilterExpression='annotation.tenant = "t-1"')["TraceSummaries"]  # fmt: skip
    assert [s["Id"] for s in found] == [trace.root]
    with pytest.raises(ClientError) as refusal:
        xray.get_trace_summaries(StartTime=time.time() - 60, EndTime=time.time(), FilterExpression="duration > 2")
    assert refusal.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "duration > 2" in refusal.value.response["Error"]["Message"]
