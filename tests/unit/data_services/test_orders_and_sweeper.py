from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from lambdas.common.dynamo import UnprocessedItems, batch_write
from lambdas.services.orders.model import InvalidOrder, Order, parse_order
from lambdas.services.sessions.sweeper import sweep


def encoded(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.b64encode(raw).decode()


def test_a_valid_order_is_parsed_exactly() -> None:
    order = parse_order(encoded({"orderId": "o-1", "customerId": "c-7", "amount": "1500.10", "currency": "EUR"}))
    assert order == Order("o-1", "c-7", Decimal("1500.10"), "EUR")
    assert parse_order(encoded({"orderId": "o-2", "customerId": "c", "amount": 12})).currency == "USD"


@pytest.mark.parametrize(
    "data",
    [
        "!!!not base64",
        encoded(b"\xff\xfe not utf-8"),
        encoded(b"[1, 2]"),
        encoded({"customerId": "c", "amount": 1}),
        encoded({"orderId": "o 1", "customerId": "c", "amount": 1}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": -5}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": "1.001"}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": True}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": "Infinity"}),
        encoded({"orderId": "o-1", "customerId": "c", "amount": 1, "currency": "euro"}),
    ],
)
def test_invalid_records_are_named(data: str) -> None:
    with pytest.raises(InvalidOrder):
        parse_order(data)


class FlakyDynamo:
    def __init__(self, unprocessed_rounds: int, error: str | None = None) -> None:
        self.rounds = unprocessed_rounds
        self.error = error
        self.calls: list[int] = []

    def batch_write_item(self, RequestItems):
        items = RequestItems["t"]
        self.calls.append(len(items))
        if self.error and len(self.calls) == 1:
            raise type("ClientError", (Exception,), {"response": {"Error": {"Code": self.error}}})()
        if self.rounds > 0:
            self.rounds -= 1
            return {"UnprocessedItems": {"t": items[: len(items) // 2 or 1]}}
        return {"UnprocessedItems": {}}


def test_unprocessed_items_are_retried_until_they_land() -> None:
    client = FlakyDynamo(unprocessed_rounds=2)
    assert batch_write("t", [{"PutRequest": {"Item": {"id": {"S": str(n)}}}} for n in range(20)], client=client,
                       sleep=lambda s: None) == 2  # fmt: skip
    assert client.calls == [20, 10, 5]


def test_throttling_is_retried() -> None:
    client = FlakyDynamo(unprocessed_rounds=0, error="ProvisionedThroughputExceededException")
    batch_write("t", [{"PutRequest": {"Item": {}}}], client=client, sleep=lambda s: None)
    assert client.calls == [1, 1]


def test_items_that_never_land_fail_loudly() -> None:
    with pytest.raises(UnprocessedItems, match="still unprocessed after 8 attempts"):
        batch_write(
            "t", [{"PutRequest": {"Item": {}}}] * 4, client=FlakyDynamo(unprocessed_rounds=99), sleep=lambda s: None
        )


class MemorySessions:
    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages
        self.deleted: list[str] = []

    def expired_pages(self, now: int, page_size: int):
        for page in self.pages:
            yield [{"sessionId": {"S": key}} for key in page]

    def delete(self, keys) -> None:
        assert len(keys) <= 25
        self.deleted += [k["sessionId"]["S"] for k in keys]


def test_the_sweep_deletes_every_expired_session_across_pages() -> None:
    store = MemorySessions([[f"a{n}" for n in range(60)], [], [f"b{n}" for n in range(3)]])
    report = sweep(store, now=1000, page_size=60, out_of_time=lambda: False)
    assert (report.pages, report.expired_found, report.deleted, report.complete) == (3, 63, 63, True)
    assert report.remaining == "none"


def test_the_sweep_stops_cleanly_when_time_runs_out_and_says_what_remains() -> None:
    store = MemorySessions([[f"a{n}" for n in range(60)], [f"b{n}" for n in range(10)]])
    ticks = iter([False, False, True])
    report = sweep(store, now=1000, page_size=60, out_of_time=lambda: next(ticks, True))
    assert (report.deleted, report.complete) == (50, False)
    assert report.remaining.startswith("10 found but not deleted")
