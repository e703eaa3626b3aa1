"""The emulator's traces: the header as AWS writes it, segments assembled as X-Ray assembles them,
the X-Ray API's answers, and the daemon's datagrams."""

from __future__ import annotations

import json
import socket
import time

import pytest

from toolchain.emulator.xray import queries
from toolchain.emulator.xray.segments import (
    Segment,
    TraceHeader,
    TraceStore,
    XRayDaemon,
    continuing,
    current,
    entry_segment,
)

# The example header in AWS's X-Ray documentation.
AWS_EXAMPLE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_the_documented_header_parses_and_prints_back() -> None:
    header = TraceHeader.parse(AWS_EXAMPLE)
    assert header == TraceHeader("1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", True)
    assert str(header) == AWS_EXAMPLE
    assert TraceHeader.parse("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0").sampled is False


@pytest.mark.parametrize(
    "text",
    ["", "Root=", "Root=2-5759e988-bd862e3fe1be46a994272793", "Root=1-5759e98-bd862e3fe1be46a994272793",
     "Root=1-5759e988-zz862e3fe1be46a994272793", "Parent=53995c3f42cd8ad8;Sampled=1", "garbage;;==;"],
)  # fmt: skip
def test_a_header_without_a_valid_root_is_no_trace(text: str) -> None:
    assert TraceHeader.parse(text) is None


def test_new_roots_carry_the_time_and_are_unique() -> None:
    before = int(time.time())
    first, second = TraceHeader.new(), TraceHeader.new()
    assert first.root != second.root
    assert before <= int(first.root.split("-")[1], 16) <= int(time.time())
    assert TraceHeader.parse(str(first)) == first


def test_continuing_sets_and_restores_the_current_trace() -> None:
    header = TraceHeader.new()
    with continuing(header):
        assert current.get() == header
    assert current.get() is None


def subsegment(trace: TraceHeader, parent: str, name: str, start: float, **fields: object) -> dict:
    return {"id": name.ljust(16, "0")[:16], "name": name, "trace_id": trace.root, "parent_id": parent,
            "type": "subsegment", "start_time": start, "end_time": start + 0.01, **fields}  # fmt: skip


def test_subsegments_sent_alone_nest_where_their_parent_is_whatever_the_order() -> None:
    # GIVEN a function segment and the SDK's subsegments, the inner one sent before its parent
    store, trace = TraceStore(), TraceHeader.new()
    function = Segment("fn", trace, origin="AWS::Lambda::Function", start=100.0)
    function.end(end=101.0)
    handler = subsegment(trace, function.id, "handler", 100.1, annotations={"correlation_id": "c-1"})
    call = subsegment(trace, handler["id"], "DynamoDB", 100.2)
    store.put(call)
    store.put(function.doc)
    assert store.segments(trace.root)[1] == 1  # the call's parent has not arrived yet
    store.put(handler)
    # THEN one segment holds the handler, which holds the call
    (segment,), unplaced = store.segments(trace.root)
    assert unplaced == 0
    (placed_handler,) = segment["subsegments"]
    assert placed_handler["name"] == "handler"
    assert [s["name"] for s in placed_handler["subsegments"]] == ["DynamoDB"]
    assert "trace_id" not in placed_handler and "type" not in placed_handler


@pytest.mark.parametrize(
    ("doc", "reason"),
    [({"name": "x", "trace_id": "1-5759e988-bd862e3fe1be46a994272793", "start_time": 1, "end_time": 2}, "id"),
     ({"id": "a", "name": "x", "trace_id": "nope", "start_time": 1, "end_time": 2}, "trace id"),
     ({"id": "a", "name": "x", "trace_id": "1-5759e988-bd862e3fe1be46a994272793", "start_time": 1}, "end_time"),
     ({"id": "a", "name": "x", "trace_id": "1-5759e988-bd862e3fe1be46a994272793", "start_time": 1, "end_time": 2,
       "type": "subsegment"}, "parent_id"),
     (["not", "an", "object"], "object")],
)  # fmt: skip
def test_documents_x_ray_would_refuse_are_refused(doc: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        TraceStore().put(doc)  # type: ignore[arg-type]


@pytest.mark.documents("emulator.md", "Traces read back")
def test_the_store_forgets_the_oldest_traces_beyond_its_limit() -> None:
    store = TraceStore(limit=3)
    roots = []
    for _ in range(5):
        segment = Segment("s", TraceHeader.new(), origin="AWS::Lambda")
        segment.end()
        store.put(segment.doc)
        roots.append(segment.trace.root)
    assert store.trace_ids() == roots[2:]


def a_request(store: TraceStore, correlation: str, *, fail: bool = False) -> str:
    """A gateway segment, the Lambda call inside it, and the function's segment under that call."""
    gateway = Segment("api/local", TraceHeader.new(), origin="AWS::ApiGateway::Stage",
                      http={"request": {"method": "POST", "url": "http://127.0.0.1/local/orders"}})  # fmt: skip
    with gateway.span("Lambda") as call:
        function = Segment("checkout", call.header, origin="AWS::Lambda::Function", parent_id=call.id)
        store.put(subsegment(function.trace, function.id, "## handler", time.time(),
                             annotations={"correlation_id": correlation}))  # fmt: skip
        function.end(fault=fail)
    gateway.end(status=500 if fail else 202, fault=fail)
    store.put(function.doc)
    store.put(gateway.doc)
    return gateway.trace.root


def test_summaries_answer_in_the_apis_shape_newest_first() -> None:
    store = TraceStore()
    older = a_request(store, "c-1")
    newer = a_request(store, "c-2", fail=True)
    answer = queries.trace_summaries(store, time.time() - 60, time.time() + 60)
    assert [s["Id"] for s in answer["TraceSummaries"]] == [newer, older]
    failed = answer["TraceSummaries"][0]
    assert failed["HasFault"] and not answer["TraceSummaries"][1]["HasFault"]
    assert failed["Http"] == {"HttpURL": "http://127.0.0.1/local/orders", "HttpMethod": "POST", "HttpStatus": 500}
    assert failed["Annotations"] == {"correlation_id": [{"AnnotationValue": {"StringValue": "c-2"}}]}
    assert failed["EntryPoint"]["Type"] == "AWS::ApiGateway::Stage"
    assert {s["Name"] for s in failed["ServiceIds"]} == {"api/local", "checkout"}
    assert queries.trace_summaries(store, 0, time.time() - 3600)["TraceSummaries"] == []


@pytest.mark.documents("emulator.md", "Traces read back")
def test_filters_by_annotation_service_and_id_and_refuses_the_rest() -> None:
    store = TraceStore()
    first, second = a_request(store, "c-1"), a_request(store, "c-2")

    def ids(expression: str) -> list[str]:
        return [s["Id"] for s in queries.trace_summaries(store, 0, time.time() + 60, expression)["TraceSummaries"]]

    assert ids('annotation.correlation_id = "c-1"') == [first]
    assert ids('annotation.correlation_id = "c-3"') == []
    assert ids('service("checkout") AND annotation.correlation_id = "c-2"') == [second]
    with pytest.raises(queries.UnsupportedFilter, match="responsetime > 5"):
        ids("responsetime > 5")


def test_batch_get_traces_gives_documents_and_names_unknown_ids() -> None:
    store = TraceStore()
    trace_id = a_request(store, "c-1")
    answer = queries.batch_get_traces(store, [trace_id, "1-00000000-000000000000000000000000"])
    assert answer["UnprocessedTraceIds"] == ["1-00000000-000000000000000000000000"]
    (trace,) = answer["Traces"]
    origins = sorted(json.loads(s["Document"])["origin"] for s in trace["Segments"])
    assert origins == ["AWS::ApiGateway::Stage", "AWS::Lambda::Function"]


@pytest.mark.documents("emulator.md", "X-Ray traces, collected")
def test_the_daemon_keeps_what_the_sdk_sends_and_counts_what_it_refuses() -> None:
    store = TraceStore()
    daemon = XRayDaemon(store, log=lambda _: None).start()
    try:
        host, port = daemon.address.split(":")
        trace = TraceHeader.new()
        segment = {"id": "53995c3f42cd8ad8", "name": "fn", "trace_id": trace.root, "start_time": 1.0, "end_time": 2.0}
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b'{"format":"json","version":1}\n' + json.dumps(segment).encode(), (host, int(port)))
            sender.sendto(b'{"format":"json","version":1}\n{broken', (host, int(port)))
            sender.sendto(b"no header at all", (host, int(port)))
        deadline = time.time() + 5
        while (daemon.refused < 2 or not store.trace_ids()) and time.time() < deadline:
            time.sleep(0.02)
        assert store.segments(trace.root)[0][0]["name"] == "fn"
        assert daemon.refused == 2
    finally:
        daemon.close()


@pytest.mark.documents("emulator.md", "Trace headers travel as on AWS")
def test_a_service_continues_a_sampled_caller_and_starts_traces_only_when_its_tracing_is_on() -> None:
    continued = entry_segment("api/local", "AWS::ApiGateway::Stage", AWS_EXAMPLE, tracing_on=False)
    assert continued is not None
    assert (continued.trace.root, continued.doc["parent_id"]) == ("1-5759e988-bd862e3fe1be46a994272793",
                                                                  "53995c3f42cd8ad8")  # fmt: skip
    unsampled = AWS_EXAMPLE.replace("Sampled=1", "Sampled=0")
    assert entry_segment("api/local", "AWS::ApiGateway::Stage", unsampled, tracing_on=True) is None
    started = entry_segment("api/local", "AWS::ApiGateway::Stage", None, tracing_on=True)
    assert started is not None and "parent_id" not in started.doc
    assert entry_segment("api/local", "AWS::ApiGateway::Stage", "Root=garbage", tracing_on=False) is None
