"""What Lambda's stream pollers do with a batch (event_sources/batches.py), whatever the stream: the
record-age limit at its edge, throttles that are not retries, bisection and exhausted retries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.awslambda.invocations import InvocationLog
from toolchain.emulator.event_sources.batches import StreamDelivery

FUNCTION = SimpleNamespace(function_name="orders", function_arn="arn:aws:lambda:us-east-1:1:function:orders",
                           version="3")  # fmt: skip
DESTINATION = "arn:aws:sqs:us-east-1:1:orders-failures"
NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _a_still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("toolchain.emulator.event_sources.batches.time.time", lambda: NOW)


@dataclass
class Source:
    """Records are (id, seconds since they arrived)."""

    event_source: str = "aws:kinesis"

    def arrival(self, item: tuple[str, float]) -> float:
        return NOW - item[1]

    def event(self, function: Any, batch: list[tuple[str, float]]) -> str:
        return json.dumps({"Records": [item[0] for item in batch]})

    def batch_info(self, batch: list[tuple[str, float]]) -> tuple[str, dict[str, Any]]:
        return "KinesisBatchInfo", {"batchSize": len(batch), "first": batch[0][0]}


@dataclass
class Function:
    """Answers each invocation from a script: "ok", "error" or "throttled"; records what it was sent."""

    script: list[str]
    sent: list[list[str]] = field(default_factory=list)

    def __call__(self, function: Any, event: str) -> Invocation:
        self.sent.append(json.loads(event)["Records"])
        outcome = self.script.pop(0) if self.script else "ok"
        return Invocation("req", "{}", outcome == "error", "Unhandled" if outcome == "error" else None, "",
                          throttled="reserved concurrency 0" if outcome == "throttled" else None)  # fmt: skip


@dataclass
class Destinations:
    delivered: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    senders: list[Any] = field(default_factory=list)

    def deliver(self, destination: str, record: dict[str, Any], fn: Any = None) -> bool:
        self.delivered.append((destination, record))
        self.senders.append(fn)  # the function whose role sends it, as Lambda's poller does
        return True


def mapping(**settings: Any) -> Any:
    values = {"max_record_age": None, "bisect_on_error": False, "max_retry_attempts": None,
              "destination_config": {"OnFailure": {"Destination": DESTINATION}}}  # fmt: skip
    return SimpleNamespace(**{**values, **settings})


def deliver(function: Function, batch: list[tuple[str, float]], **settings: Any) -> tuple[Destinations, InvocationLog]:
    destinations, history = Destinations(), InvocationLog()
    delivery = StreamDelivery(function, destinations, history, retry_delay=0, log=lambda _: None)  # type: ignore[arg-type]
    delivery.deliver(mapping(**settings), FUNCTION, Source(), batch)
    return destinations, history


@pytest.mark.documents("emulator.md", "Old records are given up")
def test_a_batch_older_than_the_mappings_record_age_is_given_up_unread() -> None:
    function = Function([])
    destinations, _ = deliver(function, [("a", 60.5), ("b", 1.0)], max_record_age=60)
    assert function.sent == []
    ((where, record),) = destinations.delivered
    assert where == DESTINATION and record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["KinesisBatchInfo"] == {"batchSize": 2, "first": "a"}


@pytest.mark.documents("emulator.md", "Old records are given up")
def test_a_batch_exactly_as_old_as_its_record_age_is_delivered() -> None:
    function = Function([])
    destinations, _ = deliver(function, [("a", 60.0)], max_record_age=60)
    assert function.sent == [["a"]] and destinations.delivered == []
    unlimited = Function([])
    assert deliver(unlimited, [("a", 10_000.0)], max_record_age=-1)[0].delivered == []
    assert unlimited.sent == [["a"]]


@pytest.mark.documents("emulator.md", "A throttled batch is tried again")
def test_a_throttled_batch_is_delivered_again_without_using_a_retry() -> None:
    # GIVEN a mapping that allows no retry at all, and a function throttled twice before it runs
    function = Function(["throttled", "throttled", "ok"])
    destinations, history = deliver(function, [("a", 0.0), ("b", 0.0)], max_retry_attempts=0)
    # THEN the same batch is sent until it runs, and it ran as its first attempt
    assert function.sent == [["a", "b"]] * 3
    assert destinations.delivered == []
    (ran,) = history.items()
    assert ran["attempt"] == 1


@pytest.mark.documents("emulator.md", "Kinesis mappings, polled")
def test_a_failing_batch_is_bisected_down_to_the_bad_record_and_only_it_is_given_up() -> None:
    function = Function(["error", "ok", "error"])  # [a b c d] fails; [a b] runs; [c d] fails; then c, d
    function.script += ["ok", "error"]  # c runs; d fails alone, no retry left
    destinations, _ = deliver(function, [(r, 0.0) for r in "abcd"], bisect_on_error=True, max_retry_attempts=0)
    assert function.sent == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["d"]]
    ((_, record),) = destinations.delivered
    assert record["KinesisBatchInfo"]["first"] == "d"
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"


@pytest.mark.documents("emulator.md", "Kinesis mappings, polled")
def test_retries_are_counted_and_the_give_up_says_how_many_invocations_it_took() -> None:
    function = Function(["error"] * 3)
    destinations, history = deliver(function, [("a", 0.0)], max_retry_attempts=2)
    assert len(function.sent) == 3
    ((_, record),) = destinations.delivered
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert [entry["attempt"] for entry in history.items()] == [1, 2, 3]
