"""A log group's events read back as invocations, in the shape Lambda writes them on AWS (tab-separated
START/END/REPORT lines, Powertools' JSON lines between them) and interleaved across streams."""

from __future__ import annotations

import json

import pytest

from toolchain.console.invocations import invocations_of

TRACE = "Root=1-675f0a1b-3c2d4e5f6a7b8c9d0e1f2a3b;Parent=53995c3f42cd8ad8;Sampled=1"


def _line(stream: str, ms: int, message: str) -> dict[str, object]:
    return {"logStreamName": stream, "timestamp": ms, "message": message, "eventId": f"{stream}-{ms}"}


def _json(level: str, message: str, **extra: str) -> str:
    return json.dumps({"level": level, "message": message, "service": "checkout", "xray_trace_id": TRACE, **extra})


EVENTS = [
    # stream a: a cold invocation that logged an error line, then a warm one without structured lines
    _line("a", 1000, "INIT_START Runtime Version: python:3.12.v40"),
    _line("a", 1100, "START RequestId: r-1 Version: 7\n"),
    _line("a", 1120, _json("INFO", "order accepted", correlation_id="c-1")),
    _line("a", 1130, _json("ERROR", "stock service slow", correlation_id="c-1")),
    _line("a", 1150, "END RequestId: r-1\n"),
    _line("a", 1151, "REPORT RequestId: r-1\tDuration: 50.25 ms\tBilled Duration: 51 ms\tMemory Size: 256 MB\t"
                     "Max Memory Used: 81 MB\tInit Duration: 412.07 ms\tXRAY TraceId: 1-675f0a1b\tSampled: true\n"),
    # stream b, interleaved in time with a: an unhandled exception as the Python runtime prints it
    _line("b", 1125, "START RequestId: r-2 Version: 7"),
    _line("b", 1126, "[ERROR] KeyError: 'items'\nTraceback (most recent call last):"),
    _line("b", 1140, "END RequestId: r-2"),
    _line("b", 1141, "REPORT RequestId: r-2\tDuration: 3.10 ms\tBilled Duration: 4 ms\tMemory Size: 256 MB\t"
                     "Max Memory Used: 80 MB"),
    _line("a", 2000, "START RequestId: r-3 Version: 8"),
    _line("a", 2001, "plain print output"),
    _line("a", 2002, "END RequestId: r-3"),
    _line("a", 2003, "REPORT RequestId: r-3\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 256 MB\t"
                     "Max Memory Used: 81 MB"),
    # an invocation still running (no REPORT yet): not shown until it ends
    _line("b", 3000, "START RequestId: r-4 Version: 8"),
]  # fmt: skip


def test_each_invocation_is_bounded_by_start_and_report_with_what_its_lines_say() -> None:
    found = {i["request_id"]: i for i in invocations_of("checkout", EVENTS)}
    assert sorted(found) == ["r-1", "r-2", "r-3"]
    first = found["r-1"]
    assert (first["version"], first["duration_ms"], first["init_ms"]) == ("7", 50.25, 412.07)
    assert (first["errored"], first["correlation_id"]) == (True, "c-1")
    assert first["trace_id"] == "1-675f0a1b-3c2d4e5f6a7b8c9d0e1f2a3b"
    assert first["started"] == "1970-01-01T00:00:01.100+00:00"
    assert [line["message"].split(" ")[0] for line in first["lines"]] == ['START', '{"level":', '{"level":', "END",
                                                                          "REPORT"]  # fmt: skip
    assert found["r-2"]["errored"] is True and found["r-2"]["init_ms"] is None
    assert (found["r-3"]["errored"], found["r-3"]["trace_id"], found["r-3"]["version"]) == (False, None, "8")


@pytest.mark.parametrize(
    "events",
    [
        [_line("a", 1, "END RequestId: r-9"), _line("a", 2, "REPORT RequestId: r-9\tDuration: 1.00 ms")],  # cut
        [_line("a", 1, "{not json"), _line("a", 2, "[1, 2]")],
        [],
    ],
)
def test_what_is_not_a_whole_invocation_is_left_out(events: list[dict[str, object]]) -> None:
    assert invocations_of("checkout", events) == []
