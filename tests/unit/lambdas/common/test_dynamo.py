from __future__ import annotations

import pytest

from lambdas.common.dynamo import UnprocessedItems, batch_write


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


@pytest.mark.documents("services.md", "Batched writes, in file order per id")
def test_unprocessed_items_are_retried_until_they_land() -> None:
    client = FlakyDynamo(unprocessed_rounds=2)
    assert batch_write("t", [{"PutRequest": {"Item": {"id": {"S": str(n)}}}} for n in range(20)], client=client,
                       sleep=lambda s: None) == 2  # fmt: skip
    assert client.calls == [20, 10, 5]


def test_throttling_is_retried() -> None:
    client = FlakyDynamo(unprocessed_rounds=0, error="ProvisionedThroughputExceededException")
    batch_write("t", [{"PutRequest": {"Item": {}}}], client=client, sleep=lambda s: None)
    assert client.calls == [1, 1]


@pytest.mark.documents("services.md", "Batched writes, in file order per id")
def test_items_that_never_land_fail_loudly() -> None:
    with pytest.raises(UnprocessedItems, match="still unprocessed after 8 attempts"):
        batch_write(
            "t", [{"PutRequest": {"Item": {}}}] * 4, client=FlakyDynamo(unprocessed_rounds=99), sleep=lambda s: None
        )
