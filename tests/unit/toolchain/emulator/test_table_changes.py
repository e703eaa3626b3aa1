"""Which buckets of a table each kind of write counts as changed: the checkpoint copies only those
again, so a write counted in the wrong bucket would be lost at the next restart."""

from __future__ import annotations

from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType

from toolchain.emulator.dynamodb.changes import count_changes
from toolchain.emulator.persistence.buckets import MIN_BUCKETS, PER_BUCKET, WHOLE, bucket_of

from .tables import hash_keyed_table


class Handler:
    """What moto's DynamoHandler gives the count: the action, its parsed parameters, the backend."""

    def __init__(self, backend: DynamoDBBackend, action: str, params: dict[str, Any]) -> None:
        self.dynamodb_backend, self._action, self.params = backend, action, params

    def _get_action(self) -> str:
        return self._action


@pytest.fixture
def backend() -> DynamoDBBackend:
    found = DynamoDBBackend("us-east-1", "123456789012")
    for name in ("a", "b"):
        hash_keyed_table(found, name)
    return found


def counted(backend: DynamoDBBackend) -> dict[str, tuple[int, dict[int, int]]]:
    return {name: (getattr(t, WHOLE, 0), dict(getattr(t, PER_BUCKET, {}))) for name, t in backend.tables.items()}


def bucket(key: str) -> int:
    return bucket_of(DynamoType({"S": key}), MIN_BUCKETS)


@pytest.mark.parametrize(
    ("action", "params", "tables", "expected"),
    [
        ("PutItem", {"TableName": "a", "Item": {"pk": {"S": "k1"}, "x": {"N": "1"}}}, ["a"], {"a": ["k1"]}),
        ("UpdateItem", {"TableName": "a", "Key": {"pk": {"S": "k2"}}}, ["a"], {"a": ["k2"]}),
        ("DeleteItem", {"TableName": "b", "Key": {"pk": {"S": "k3"}}}, ["b"], {"b": ["k3"]}),
        ("BatchWriteItem", {"RequestItems": {"a": [{"PutRequest": {"Item": {"pk": {"S": "k4"}}}}],
                                             "b": [{"DeleteRequest": {"Key": {"pk": {"S": "k5"}}}}]}},
         ["a", "b"], {"a": ["k4"], "b": ["k5"]}),
        ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "a", "Item": {"pk": {"S": "k6"}}}},
                                                  {"Update": {"TableName": "b", "Key": {"pk": {"S": "k7"}}}},
                                                  {"ConditionCheck": {"TableName": "b", "Key": {"pk": {"S": "k8"}}}}]},
         ["a", "b"], {"a": ["k6"], "b": ["k7"]}),
    ],
)  # fmt: skip
def test_a_write_that_names_its_keys_counts_their_buckets(backend: DynamoDBBackend, action: str,
                                                           params: dict[str, Any], tables: list[str],
                                                           expected: dict[str, list[str]]) -> None:  # fmt: skip
    count_changes(Handler(backend, action, params), tables)
    want = {name: (0, {}) for name in backend.tables}
    for name, keys in expected.items():
        per: dict[int, int] = {}
        for key in keys:
            per[bucket(key)] = per.get(bucket(key), 0) + 1
        want[name] = (0, per)
    assert counted(backend) == want


@pytest.mark.parametrize(
    ("action", "params", "tables", "whole"),
    [
        ("ExecuteStatement", {"Statement": "UPDATE a SET x = 1 WHERE pk = 'k'"}, None, {"a", "b"}),
        ("UpdateTable", {"TableName": "b"}, ["b"], {"b"}),
        ("PutItem", {"TableName": "a", "Item": {"other": {"S": "no key"}}}, ["a"], {"a"}),
        ("PutItem", {"TableName": "a"}, ["a"], {"a"}),
    ],
)
def test_a_write_that_does_not_name_its_keys_counts_its_whole_tables(backend: DynamoDBBackend, action: str,
                                                                      params: dict[str, Any], tables: list[str] | None,
                                                                      whole: set[str]) -> None:  # fmt: skip
    count_changes(Handler(backend, action, params), tables)
    assert {name for name, (changes, _per) in counted(backend).items() if changes} == whole


@pytest.mark.parametrize("action", ["GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "TransactGetItems"])
def test_a_read_counts_nothing(backend: DynamoDBBackend, action: str) -> None:
    count_changes(Handler(backend, action, {"TableName": "a", "Key": {"pk": {"S": "k"}}}), ["a"])
    assert counted(backend) == {"a": (0, {}), "b": (0, {})}
