"""Reading traces through the X-Ray API (the emulator's or AWS's) and drawing one as a tree with timings.

A trace is a set of segment documents: each service writes its own (API Gateway's stage, Lambda's
service and function, Step Functions' execution) and nests subsegments in it (the handler, each AWS
call). A segment names its parent by id, which can be a subsegment in another segment (Lambda's
segment hangs under the gateway's `Lambda` call); the tree follows those links across segments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from toolchain.errors import ToolchainError

SEARCH_HOURS = 6.0  # X-Ray answers GetTraceSummaries for at most 24 hours at a time
BATCH = 5  # BatchGetTraces takes at most five ids


@dataclass
class Node:
    doc: dict[str, Any]
    children: list[Node] = field(default_factory=list)

    @property
    def start(self) -> float:
        return float(self.doc.get("start_time") or 0)

    @property
    def end(self) -> float:
        return float(self.doc.get("end_time") or self.start)


FILTER_HINT = 'the emulator understands annotation.KEY = value, service("name") and id("...") joined by AND'


class TraceReader:
    """GetTraceSummaries and BatchGetTraces, paginated, against any X-Ray endpoint."""

    def __init__(self, xray: Any, clock: Callable[[], float]) -> None:
        self._xray = xray
        self._clock = clock

    def recent(self, count: int, filter_expression: str = "", hours: float = SEARCH_HOURS) -> list[str]:
        """The ids of the `count` newest traces (that match the filter), newest first."""
        end = self._clock()
        params: dict[str, Any] = {"StartTime": end - hours * 3600, "EndTime": end + 60, "Sampling": False}
        if filter_expression:
            params["FilterExpression"] = filter_expression
        summaries: list[dict[str, Any]] = []
        while True:
            try:
                page = self._xray.get_trace_summaries(**params)
            except Exception as exc:
                code = (getattr(exc, "response", None) or {}).get("Error", {})
                if filter_expression and code.get("Code") in ("InvalidRequestException", "ValidationException"):
                    raise ToolchainError(f"X-Ray refused the filter {filter_expression!r}: {code.get('Message', '')}",
                                         FILTER_HINT) from None  # fmt: skip
                raise
            summaries += page.get("TraceSummaries") or []
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]

        def started(summary: dict[str, Any]) -> float:
            moment = summary.get("StartTime")
            return moment.timestamp() if hasattr(moment, "timestamp") else float(moment or 0)

        summaries.sort(key=started, reverse=True)
        return [s["Id"] for s in summaries[:count]]

    def traces(self, trace_ids: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for index in range(0, len(trace_ids), BATCH):
            found += self._xray.batch_get_traces(TraceIds=trace_ids[index : index + BATCH]).get("Traces") or []
        order = {trace_id: n for n, trace_id in enumerate(trace_ids)}
        return sorted(found, key=lambda t: order.get(t["Id"], len(order)))


def documents(trace: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(segment["Document"]) for segment in trace.get("Segments") or []]


def build_tree(docs: list[dict[str, Any]]) -> list[Node]:
    """The roots of a trace: segments whose parent is not in it (usually one: the entry point)."""
    tops = [Node(doc) for doc in docs]
    index: dict[str, Node] = {}

    def register(node: Node) -> None:
        index[str(node.doc.get("id"))] = node
        for sub in node.doc.get("subsegments") or []:
            child = Node(sub)
            node.children.append(child)
            register(child)

    for top in tops:
        register(top)
    roots = []
    for top in tops:
        parent = index.get(str(top.doc.get("parent_id") or ""))
        if parent is not None and parent is not top:
            parent.children.append(top)
        else:
            roots.append(top)
    for node in index.values():
        node.children.sort(key=lambda n: n.start)
    return sorted(roots, key=lambda n: n.start)


def _label(doc: dict[str, Any]) -> str:
    kind = doc.get("origin") or doc.get("namespace") or ""
    label = f"{doc.get('name', '?')}" + (f" [{kind}]" if kind else "")
    http = doc.get("http") or {}
    request, status = http.get("request") or {}, (http.get("response") or {}).get("status")
    if request.get("method") or request.get("url"):
        label += f" {request.get('method', '')} {request.get('url', '')}".rstrip()
    if status is not None:
        label += f" {status}"
    aws = doc.get("aws") or {}
    if aws.get("operation"):
        label += f" {aws['operation']}"
    flags = [flag for flag in ("fault", "error", "throttle") if doc.get(flag)]
    if flags:
        label += " !" + ",".join(flags)
    for key, value in sorted((doc.get("annotations") or {}).items()):
        if key not in ("ColdStart", "Service"):
            label += f" {key}={value}"
    if (doc.get("annotations") or {}).get("ColdStart"):
        label += " (cold start)"
    return label


def _latest(node: Node) -> float:
    return max([node.end, *(_latest(child) for child in node.children)])


def render(trace: dict[str, Any]) -> list[str]:
    """A trace as lines: start offset and duration in ms, then the tree of segments and calls."""
    roots = build_tree(documents(trace))
    if not roots:
        return [f"trace {trace.get('Id')}: no segments"]
    origin = min(root.start for root in roots)
    total = max(_latest(root) for root in roots) - origin
    lines = [f"trace {trace.get('Id')}  {total * 1000:.1f} ms", "   start ms     took ms"]

    def walk(node: Node, prefix: str, last: bool, depth: int) -> Iterator[str]:
        branch = "" if depth == 0 else ("└─ " if last else "├─ ")
        timing = f"{(node.start - origin) * 1000:>10.1f} {(node.end - node.start) * 1000:>11.1f}"
        yield f"{timing}  {prefix}{branch}{_label(node.doc)}"
        inner = prefix + ("" if depth == 0 else ("   " if last else "│  "))
        for n, child in enumerate(node.children):
            yield from walk(child, inner, n == len(node.children) - 1, depth + 1)

    for root in roots:
        lines += walk(root, "", True, 0)
    return lines
