"""`invoke traces`' reading and drawing: pagination, order, and a tree that follows parents across segments."""

from __future__ import annotations

import json
from typing import Any

from toolchain.traces import TraceReader, build_tree, render

ROOT = "1-5759e988-bd862e3fe1be46a994272793"


def doc(id_: str, name: str, start: float, end: float, parent: str | None = None, **fields: Any) -> dict[str, Any]:
    found = {"id": id_, "name": name, "trace_id": ROOT, "start_time": start, "end_time": end, **fields}
    if parent:
        found["parent_id"] = parent
    return found


GATEWAY = doc("a" * 16, "api/local", 10.0, 10.5, origin="AWS::ApiGateway::Stage",
              http={"request": {"method": "POST", "url": "http://x/local/orders"}, "response": {"status": 202}},
              subsegments=[{"id": "b" * 16, "name": "Lambda", "start_time": 10.1, "end_time": 10.4,
                            "namespace": "aws"}])  # fmt: skip
SERVICE = doc("c" * 16, "checkout", 10.1, 10.4, parent="b" * 16, origin="AWS::Lambda")
FUNCTION = doc("d" * 16, "checkout", 10.12, 10.39, parent="c" * 16, origin="AWS::Lambda::Function", fault=True,
               subsegments=[{"id": "e" * 16, "name": "## handler", "start_time": 10.2, "end_time": 10.3,
                             "annotations": {"correlation_id": "c-9", "ColdStart": True}}])  # fmt: skip


def trace(*docs: dict[str, Any]) -> dict[str, Any]:
    return {"Id": ROOT, "Segments": [{"Id": d["id"], "Document": json.dumps(d)} for d in docs]}


def test_segments_hang_under_the_call_that_made_them() -> None:
    (root,) = build_tree([FUNCTION, SERVICE, GATEWAY])
    assert root.doc["name"] == "api/local"
    (call,) = root.children
    (service,) = call.children
    (function,) = service.children
    assert (call.doc["name"], service.doc["origin"], function.doc["origin"]) == (
        "Lambda", "AWS::Lambda", "AWS::Lambda::Function",
    )  # fmt: skip
    assert [c.doc["name"] for c in function.children] == ["## handler"]


def test_the_drawing_shows_offsets_durations_and_what_matters() -> None:
    lines = render(trace(GATEWAY, SERVICE, FUNCTION))
    assert lines[0] == f"trace {ROOT}  500.0 ms"
    body = lines[2:]
    assert body[0].split() == ["0.0", "500.0", "api/local", "[AWS::ApiGateway::Stage]", "POST", "http://x/local/orders",
                               "202"]  # fmt: skip
    assert "└─ Lambda [aws]" in body[1]
    assert "!fault" in body[3] and "AWS::Lambda::Function" in body[3]
    assert body[4].split()[:2] == ["200.0", "100.0"]
    assert body[4].endswith("## handler correlation_id=c-9 (cold start)")
    # each level is indented under its parent
    assert [line.index(next(p for p in ("api", "└─", "├─") if p in line)) for line in body] == sorted(
        line.index(next(p for p in ("api", "└─", "├─") if p in line)) for line in body
    )


class FakeXRay:
    """The two X-Ray calls, paginated as the API paginates them."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.calls: list[dict[str, Any]] = []

    def get_trace_summaries(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        index = int(params.get("NextToken", 0))
        page: dict[str, Any] = {"TraceSummaries": self.pages[index]}
        if index + 1 < len(self.pages):
            page["NextToken"] = str(index + 1)
        return page

    def batch_get_traces(self, TraceIds: list[str]) -> dict[str, Any]:  # boto3 names it so
        assert len(TraceIds) <= 5
        return {"Traces": [{"Id": t, "Segments": []} for t in reversed(TraceIds)]}


def test_recent_reads_every_page_and_keeps_the_newest() -> None:
    xray = FakeXRay(
        [[{"Id": "t1", "StartTime": 5.0}, {"Id": "t2", "StartTime": 9.0}], [{"Id": "t3", "StartTime": 7.0}]]
    )
    reader = TraceReader(xray, clock=lambda: 1000.0)
    assert reader.recent(2, 'annotation.correlation_id = "x"', hours=1) == ["t2", "t3"]
    assert xray.calls[0]["StartTime"] == 1000.0 - 3600
    assert xray.calls[0]["FilterExpression"] == 'annotation.correlation_id = "x"'
    assert len(xray.calls) == 2


def test_traces_are_fetched_five_at_a_time_in_the_order_asked() -> None:
    ids = [f"t{n}" for n in range(12)]
    assert [t["Id"] for t in TraceReader(FakeXRay([[]]), clock=lambda: 0.0).traces(ids)] == ids


def test_the_total_runs_to_the_last_hop_not_the_entry_points_answer() -> None:
    # the gateway answers at 10.5 s; the queue's consumer finishes at 12.0 s
    late = doc("f" * 16, "worker", 11.0, 12.0, parent="e" * 16, origin="AWS::Lambda")
    assert render(trace(GATEWAY, SERVICE, FUNCTION, late))[0] == f"trace {ROOT}  2000.0 ms"
