"""The X-Ray API's reading side over the emulator's `TraceStore`: GetTraceSummaries and BatchGetTraces.

Answers in the API's shapes, so the AWS CLI, boto3 and `invoke traces` read local traces as they read
X-Ray's. Filter expressions: the emulator understands `annotation.KEY = "value"` (or a number or
true/false), `service("name")` and `id("...")`, joined by `AND`; anything else is refused with a 400
rather than answered wrongly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from toolchain.emulator.xray.segments import TraceStore, walk

Document = dict[str, Any]
_CLAUSE = re.compile(
    r"""\s*(?:annotation\.(?P<key>[A-Za-z0-9_]+)\s*=\s*(?P<value>"[^"]*"|-?\d+(?:\.\d+)?|true|false)
        |service\(\s*"(?P<service>[^"]*)"\s*\)
        |id\(\s*"(?P<id>[^"]*)"\s*\))\s*""",
    re.VERBOSE,
)


class UnsupportedFilter(ValueError):
    pass


def parse_filter(expression: str | None) -> Callable[[list[Document]], bool]:
    """A predicate over a trace's segments; UnsupportedFilter for what the emulator cannot evaluate."""
    if not expression or not expression.strip():
        return lambda segments: True
    tests: list[Callable[[list[Document]], bool]] = []
    for clause in re.split(r"\s+AND\s+", expression.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.fullmatch(clause)
        if match is None:
            raise UnsupportedFilter(
                f'the emulator evaluates annotation.KEY = value, service("name") and id("...") joined by AND; '
                f"not {clause.strip()!r}"
            )
        if match["key"]:
            key, wanted = match["key"], json.loads(match["value"])
            tests.append(lambda segs, k=key, w=wanted: any(v == w for v in _annotations(segs).get(k, [])))
        elif match["service"] is not None:
            tests.append(lambda segs, s=match["service"]: any(d.get("name") == s for d in segs))
        else:
            tests.append(lambda segs, i=match["id"]: any(node.get("id") == i for d in segs for node in walk(d)))
    return lambda segments: all(test(segments) for test in tests)


def _nodes(segments: list[Document]) -> Iterator[Document]:
    for doc in segments:
        yield from walk(doc)


def _annotations(segments: list[Document]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for node in _nodes(segments):
        for key, value in (node.get("annotations") or {}).items():
            if value not in found.setdefault(key, []):
                found[key].append(value)
    return found


def _annotation_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BooleanValue": value}
    if isinstance(value, int | float):
        return {"NumberValue": value}
    return {"StringValue": str(value)}


def _span(segments: list[Document]) -> tuple[float, float]:
    starts = [float(d["start_time"]) for d in segments]
    ends = [float(d.get("end_time") or d["start_time"]) for d in segments]
    return min(starts), max(ends)


def summary(trace_id: str, segments: list[Document], unplaced: int) -> Document:
    start, end = _span(segments)
    entry = segments[0]
    nodes = list(_nodes(segments))
    http = (entry.get("http") or {}).get("request") or {}
    status = ((entry.get("http") or {}).get("response") or {}).get("status")
    services = {(d["name"], d.get("origin", "")) for d in segments}
    return {
        "Id": trace_id,
        "StartTime": start,
        "Duration": round(end - start, 3),
        "ResponseTime": round(float(entry.get("end_time") or end) - float(entry["start_time"]), 3),
        "HasFault": any(n.get("fault") for n in nodes),
        "HasError": any(n.get("error") for n in nodes),
        "HasThrottle": any(n.get("throttle") for n in nodes),
        "IsPartial": unplaced > 0 or any(n.get("in_progress") for n in nodes),
        "Http": {
            k: v
            for k, v in (("HttpURL", http.get("url")), ("HttpMethod", http.get("method")), ("HttpStatus", status))
            if v is not None
        },
        "Annotations": {
            key: [{"AnnotationValue": _annotation_value(value)} for value in values]
            for key, values in _annotations(segments).items()
        },
        "ServiceIds": [{"Name": name, "Names": [name], "Type": origin} for name, origin in sorted(services)],
        "EntryPoint": {"Name": entry["name"], "Names": [entry["name"]], "Type": entry.get("origin", "")},
    }


def trace_summaries(store: TraceStore, start: float, end: float, expression: str | None = None) -> Document:
    """GetTraceSummaries: traces that started in [start, end], newest first."""
    matches = parse_filter(expression)
    summaries = []
    for trace_id in store.trace_ids():
        assembled = store.segments(trace_id)
        if not assembled or not assembled[0]:
            continue
        segments, unplaced = assembled
        first, _ = _span(segments)
        if start <= first <= end and matches(segments):
            summaries.append(summary(trace_id, segments, unplaced))
    summaries.sort(key=lambda s: s["StartTime"], reverse=True)
    return {"TraceSummaries": summaries, "TracesProcessedCount": len(summaries), "ApproximateTime": end}


def batch_get_traces(store: TraceStore, trace_ids: list[str]) -> Document:
    traces, unprocessed = [], []
    for trace_id in trace_ids:
        assembled = store.segments(trace_id)
        if not assembled or not assembled[0]:
            unprocessed.append(trace_id)
            continue
        segments, _ = assembled
        start, end = _span(segments)
        traces.append({
            "Id": trace_id,
            "Duration": round(end - start, 3),
            "LimitExceeded": False,
            "Segments": [{"Id": d["id"], "Document": json.dumps(d)} for d in segments],
        })  # fmt: skip
    return {"Traces": traces, "UnprocessedTraceIds": unprocessed}
