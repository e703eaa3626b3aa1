"""TransactWriteItems as DynamoDB keeps it: all or nothing, items and streams, at the cost of the
items it touches (moto deep-copied every table it named, per call)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from toolchain.emulator.patches import apply_corrections

REGION = "us-east-1"


@pytest.fixture
def ddb(moto_aws: None) -> Any:
    apply_corrections()
    client = boto3.client("dynamodb", region_name=REGION)
    for name, keys in (("users", ["pk"]), ("events", ["pk", "sk"])):
        client.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
            KeySchema=[{"AttributeName": k, "KeyType": "HASH" if i == 0 else "RANGE"} for i, k in enumerate(keys)],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )  # fmt: skip
    return client


def _items(ddb: Any, table: str) -> list[dict[str, Any]]:
    return sorted(ddb.scan(TableName=table)["Items"], key=lambda i: (i["pk"]["S"], i.get("sk", {}).get("S", "")))


def _stream_records(table: str) -> int:
    from moto.dynamodb.models import dynamodb_backends

    return len(dynamodb_backends["123456789012"][REGION].tables[table].stream_shard.items)


def test_a_cancelled_transaction_leaves_every_item_and_stream_as_it_was(ddb: Any) -> None:
    # GIVEN an item in each table
    ddb.put_item(TableName="users", Item={"pk": {"S": "u1"}, "name": {"S": "Ada"}})
    ddb.put_item(TableName="events", Item={"pk": {"S": "e"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    before = (_items(ddb, "users"), _items(ddb, "events"), _stream_records("users"), _stream_records("events"))
    # WHEN a transaction writes both tables, then fails its last condition
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "users", "Item": {"pk": {"S": "u1"}, "name": {"S": "Grace"}}}},
            {"Put": {"TableName": "users", "Item": {"pk": {"S": "u2"}, "name": {"S": "new"}}}},
            {"Update": {"TableName": "events", "Key": {"pk": {"S": "e"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": "events", "Key": {"pk": {"S": "e"}, "sk": {"S": "2"}}}},
            {"ConditionCheck": {"TableName": "users", "Key": {"pk": {"S": "nobody"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])  # fmt: skip
    # THEN DynamoDB's cancellation, with a reason per item, and nothing written: items nor stream records
    error = caught.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in error["CancellationReasons"]] == ["None"] * 4 + ["ConditionalCheckFailed"]
    assert (_items(ddb, "users"), _items(ddb, "events"), _stream_records("users"), _stream_records("events")) == before


def test_a_key_touched_twice_is_refused_and_the_first_write_undone(ddb: Any) -> None:
    with pytest.raises(ClientError, match="ValidationException|multiple operations"):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "users", "Item": {"pk": {"S": "twice"}, "v": {"S": "1"}}}},
            {"Put": {"TableName": "users", "Item": {"pk": {"S": "twice"}, "v": {"S": "2"}}}},
        ])  # fmt: skip
    assert _items(ddb, "users") == []


def test_a_committed_transaction_writes_everything(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "users", "Item": {"pk": {"S": "u9"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": "events", "Item": {"pk": {"S": "u9"}, "sk": {"S": "created"}}}},
    ])  # fmt: skip
    assert [i["pk"]["S"] for i in _items(ddb, "users")] == ["u9"] and len(_items(ddb, "events")) == 1
    assert _stream_records("users") == 1 and _stream_records("events") == 1


def test_no_table_is_copied_however_large(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    for start in range(0, 3000, 25):
        ddb.batch_write_item(RequestItems={"users": [{"PutRequest": {"Item": {"pk": {"S": f"bulk{n}"}}}}
                                                     for n in range(start, start + 25)]})  # fmt: skip

    def refuse(self: Any, memo: Any) -> Any:
        raise AssertionError("a whole table was copied")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "users", "Item": {"pk": {"S": "one-more"}}}}])
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[
            {"Delete": {"TableName": "users", "Key": {"pk": {"S": "bulk1"}}}},
            {"ConditionCheck": {"TableName": "users", "Key": {"pk": {"S": "none"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])  # fmt: skip
    assert ddb.get_item(TableName="users", Key={"pk": {"S": "bulk1"}}).get("Item") is not None
