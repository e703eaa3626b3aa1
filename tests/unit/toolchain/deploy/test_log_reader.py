"""fn.logs' reader: events in time order, each line with its timestamp, the last N, and following."""

from __future__ import annotations

from typing import Any

from toolchain.deploy.functions import LogReader


class Logs:
    """A log group's filter_log_events, paginated, fed by the test (no other behaviour)."""

    def __init__(self, batches: list[list[dict[str, Any]]]) -> None:
        self.batches = batches

    def get_paginator(self, name: str) -> Any:
        assert name == "filter_log_events"
        logs = self

        class Paginator:
            def paginate(self, **params: Any) -> list[dict[str, Any]]:
                events = logs.batches[0] if len(logs.batches) == 1 else logs.batches.pop(0)
                return [{"events": [e for e in events if e["timestamp"] >= params.get("startTime", 0)]}]

        return Paginator()


def _event(ms: int, message: str, event_id: str) -> dict[str, Any]:
    return {"timestamp": ms, "message": message, "eventId": event_id}


def test_lines_carry_their_utc_timestamp_in_order_and_the_last_n() -> None:
    events = [_event(1_796_606_088_539, "END RequestId: b", "2"), _event(1_796_606_088_001, "START RequestId: b", "1")]
    reader = LogReader(Logs([events]), "/aws/lambda/users")
    assert list(reader.lines(None, None, follow=False)) == [
        "2026-12-07T01:14:48.001Z START RequestId: b",
        "2026-12-07T01:14:48.539Z END RequestId: b",
    ]
    assert list(reader.lines(None, 1, follow=False)) == ["2026-12-07T01:14:48.539Z END RequestId: b"]


def test_following_prints_each_new_event_once() -> None:
    first = [_event(1000, "a", "1")]
    then = [_event(1000, "a", "1"), _event(2000, "b", "2")]
    reader = LogReader(Logs([first, then, then]), "/g", sleep=lambda _: None)
    followed = reader.lines(None, None, follow=True)
    assert [next(followed), next(followed)] == ["1970-01-01T00:00:01.000Z a", "1970-01-01T00:00:02.000Z b"]


def test_an_event_for_machines_names_its_time_stream_and_message() -> None:
    event = {**_event(1_796_606_088_001, '{"level": "INFO"}', "1"), "logStreamName": "2026/12/07/[7]abc"}
    reader = LogReader(Logs([[event]]), "/aws/lambda/users")
    assert [reader.as_json(e) for e in reader.events(None, None, follow=False)] == [
        {"at": "2026-12-07T01:14:48.001Z", "stream": "2026/12/07/[7]abc", "message": '{"level": "INFO"}'}]  # fmt: skip
