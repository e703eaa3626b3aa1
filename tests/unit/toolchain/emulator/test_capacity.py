"""DynamoDB's request units as DynamoDB counts them (emulator/dynamodb/capacity.py), at the edges the
documentation gives: item sizes by type, a unit per started KB written or 4 KB read."""

from __future__ import annotations

from typing import Any

import pytest

from toolchain.emulator.dynamodb import capacity

pytestmark = pytest.mark.documents("emulator.md", "Billable usage, metered")


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "héllo"}, 6),  # UTF-8 bytes, not characters
        ({"N": "1"}, 2),  # 1 significant digit: 1 byte + 1
        ({"N": "12345"}, 4),  # 5 digits: 3 bytes + 1
        ({"N": "-0.00012300"}, 3),  # leading and trailing zeros trimmed: 123 -> 2 + 1
        ({"N": "1000000"}, 2),  # 1 significant digit
        ({"N": "0"}, 2),
        ({"B": "AAECAw=="}, 4),  # the raw bytes, not the base64 text
        ({"BOOL": True}, 1),
        ({"NULL": True}, 1),
        ({"SS": ["ab", "c"]}, 3),
        ({"L": []}, 3),  # an empty list: its overhead only
        ({"L": [{"S": "ab"}, {"N": "7"}]}, 3 + (2 + 1) + (2 + 1)),  # each element one byte more
        ({"M": {"k": {"S": "v"}}}, 3 + 1 + 1 + 1),  # name, value, and the element's byte
    ],
)
def test_each_value_type_has_the_documented_size(value: dict[str, Any], size: int) -> None:
    assert capacity.value_bytes(value) == size


def test_an_item_is_its_names_and_values() -> None:
    assert capacity.item_bytes({"pk": {"S": "USER#1"}, "age": {"N": "42"}}) == (2 + 6) + (3 + 2)
    assert capacity.item_bytes(None) == 0


@pytest.mark.parametrize(("size", "units"), [(0, 1), (1, 1), (1024, 1), (1025, 2), (2048, 2), (2049, 3)])
def test_a_write_costs_a_unit_per_started_kilobyte(size: int, units: int) -> None:
    assert capacity.write_units(size) == units


@pytest.mark.parametrize(
    ("size", "consistent", "units"),
    [(0, True, 1.0), (4096, True, 1.0), (4097, True, 2.0), (4096, False, 0.5), (4097, False, 1.0)],
)
def test_a_read_costs_a_unit_per_started_4_kb_and_half_when_eventual(size: int, consistent: bool, units: float) -> None:
    assert capacity.read_units(size, consistent) == units


def _item(pk: str, payload: int) -> dict[str, Any]:
    # 2 (name "pk") + len(pk) + 1 (name "p") + payload
    return {"pk": {"S": pk}, "p": {"S": "x" * payload}}


def test_a_put_costs_the_larger_of_the_item_before_and_after() -> None:
    # GIVEN a stored item of 3,000 bytes replaced by one of 100
    stored = {"a": _item("a", 2995)}

    def lookup(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return stored.get(key["pk"]["S"])

    request = {"TableName": "t", "Item": _item("a", 95)}
    sizes = capacity.before("PutItem", request, lookup)
    # THEN the write is billed on the old item's 3 KB
    assert capacity.units("PutItem", request, {}, sizes, lookup) == {"write_request_units": 3}


def test_an_update_is_billed_on_the_item_it_leaves_and_a_delete_on_what_it_removed() -> None:
    stored: dict[str, Any] = {"a": _item("a", 500)}

    def lookup(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return stored.get(key["pk"]["S"])

    request = {"TableName": "t", "Key": {"pk": {"S": "a"}}}
    sizes = capacity.before("UpdateItem", request, lookup)
    stored["a"] = _item("a", 1500)  # what the update wrote
    assert capacity.units("UpdateItem", request, {}, sizes, lookup) == {"write_request_units": 2}
    sizes = capacity.before("DeleteItem", request, lookup)
    del stored["a"]
    assert capacity.units("DeleteItem", request, {}, sizes, lookup) == {"write_request_units": 2}


def test_a_query_rounds_the_total_it_read_once() -> None:
    # three items of ~1,500 bytes: 4,5xx bytes in all -> 2 units strongly consistent (not 3)
    items = [_item(str(n), 1495) for n in range(3)]
    assert capacity.units("Query", {"ConsistentRead": True}, {"Items": items}, {}, lambda t, k: None) == {
        "read_request_units": 2.0
    }
    assert capacity.units("Scan", {}, {"Items": []}, {}, lambda t, k: None) == {"read_request_units": 0.5}


def test_a_missing_item_still_costs_the_minimum_read() -> None:
    assert capacity.units("GetItem", {}, {}, {}, lambda t, k: None) == {"read_request_units": 0.5}


def test_transactions_cost_twice() -> None:
    request = {"TransactItems": [{"Put": {"TableName": "t", "Item": _item("a", 10)}},
                                 {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "b"}}}}]}  # fmt: skip
    sizes = capacity.before("TransactWriteItems", request, lambda t, k: None)
    assert capacity.units("TransactWriteItems", request, {}, sizes, lambda t, k: None) == {"write_request_units": 4}
    read = {"Responses": [{"Item": _item("a", 5000)}, {}]}
    assert capacity.units("TransactGetItems", {}, read, {}, lambda t, k: None) == {"read_request_units": 6.0}


def test_batches_count_each_item() -> None:
    request = {"RequestItems": {"t": [{"PutRequest": {"Item": _item("a", 1100)}},
                                      {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}}]}}  # fmt: skip
    assert capacity.units("BatchWriteItem", request, {}, {}, lambda t, k: None) == {"write_request_units": 3}
    got = {"Responses": {"t": [_item("a", 10), _item("b", 10)], "u": [_item("c", 10)]}}
    asked = {"RequestItems": {"t": {"Keys": []}, "u": {"Keys": [], "ConsistentRead": True}}}
    assert capacity.units("BatchGetItem", asked, got, {}, lambda t, k: None) == {"read_request_units": 2.0}
