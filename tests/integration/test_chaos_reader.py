"""The chaos run's reading of the platform through AWS's APIs (moto): items by key or by any attribute,
a file's rows, objects, queues (this run's messages taken off, the others left as they were) and a
stream's on-failure records read back to the records they name."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from toolchain.chaos.driver import Sent
from toolchain.chaos.outcomes import Reader, account, text_of
from toolchain.chaos.profile import Account, Check
from toolchain.cost.profile import EntryPoint

RUN = "xrun1"


@pytest.fixture
def aws(moto_aws: None) -> dict[str, Any]:
    clients = {name: boto3.client(name, region_name="us-east-1") for name in ("dynamodb", "s3", "sqs", "kinesis")}
    clients["dynamodb"].create_table(TableName="users", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                     BillingMode="PAY_PER_REQUEST")  # fmt: skip
    return clients


def reader(aws: dict[str, Any], outputs: dict[str, Any]) -> Reader:
    return Reader(lambda service: aws[service], outputs, lambda body: RUN in body)


def test_items_are_read_by_their_key_or_found_by_any_attribute(aws: dict[str, Any]) -> None:
    ddb = aws["dynamodb"]
    for n in range(30):  # more than one page of a scan is not needed to be many: every item is indexed
        ddb.put_item(TableName="users", Item={"pk": {"S": f"USER#{n}"}, "email": {"S": f"u{n}@x"}})
    ddb.put_item(TableName="users", Item={"pk": {"S": "USER#dup"}, "email": {"S": "u3@x"}})
    read = reader(aws, {"users_table": "users"})
    assert read.key_of("users") == ["pk"]
    assert [i["email"] for i in read.get("users", {"pk": "USER#7"})] == ["u7@x"]
    assert read.get("users", {"pk": "USER#nobody"}) == []
    assert len(read.scan("users", {"email": "u3@x"})) == 2 and read.scan("users", {"email": "nobody"}) == []
    assert read.present("users", [{"pk": f"USER#{n}"} for n in range(25, 35)]) == 5
    created = Account(EntryPoint("create-user", "api", {}), 1.0,
                      (Check("item", {"table_output": "users_table", "match": {"email": "u{n}@x"}}),))  # fmt: skip
    assert account(created, Sent("create-user", 1, "7", status=201), read, {"users_table": "users"}).outcome == (
        "processed")  # fmt: skip
    assert account(created, Sent("create-user", 1, "3", status=201), read, {"users_table": "users"}).outcome == (
        "doubled")  # fmt: skip


def test_an_objects_absence_is_an_answer_and_its_presence_another(aws: dict[str, Any]) -> None:
    aws["s3"].create_bucket(Bucket="media")
    aws["s3"].put_object(Bucket="media", Key="thumbnails/a.jpg", Body=b"x")
    read = reader(aws, {})
    assert read.exists("media", "thumbnails/a.jpg") and not read.exists("media", "thumbnails/b.jpg")


def test_this_runs_messages_are_taken_off_and_the_others_left_visible(aws: dict[str, Any]) -> None:
    sqs = aws["sqs"]
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    for n in range(13):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"order": f"o-{RUN}-{n:06d}"}))
    for n in range(12):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"order": f"o-other-{n}"}))
    read = reader(aws, {})
    assert len(read.messages(queue)) == 25
    assert len(read.messages(queue)) == 25  # read once, then remembered
    left = []
    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        left += [json.loads(m["Body"])["order"] for m in batch]
    assert sorted(left) == sorted(f"o-other-{n}" for n in range(12))


def test_a_streams_on_failure_record_is_read_back_to_the_records_it_names(aws: dict[str, Any]) -> None:
    kinesis, sqs = aws["kinesis"], aws["sqs"]
    kinesis.create_stream(StreamName="orders", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="orders")["StreamDescription"]["StreamARN"]
    sequences = [kinesis.put_record(StreamName="orders", Data=f'{{"orderId": "o-{RUN}-{n:06d}"}}'.encode(),
                                    PartitionKey="k")["SequenceNumber"] for n in range(6)]  # fmt: skip
    shard = kinesis.describe_stream(StreamName="orders")["StreamDescription"]["Shards"][0]["ShardId"]
    record = {"requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 3},
              "KinesisBatchInfo": {"shardId": shard, "startSequenceNumber": sequences[2],
                                   "endSequenceNumber": sequences[3], "streamArn": arn}}  # fmt: skip
    failures = sqs.create_queue(QueueName="orders-failures")["QueueUrl"]
    sqs.send_message(QueueUrl=failures, MessageBody=json.dumps(record))
    outputs = {"alerts": sqs.create_queue(QueueName="alerts")["QueueUrl"], "failures": failures}
    read = reader(aws, outputs)
    (message,) = read.messages(failures)
    found = text_of(message)
    assert f"o-{RUN}-000002" in found and f"o-{RUN}-000003" in found
    assert f"o-{RUN}-000001" not in found and f"o-{RUN}-000004" not in found
    recorded = Account(EntryPoint("order-record", "record", {}), 1.0,
                       (Check("message", {"queue_output": "alerts", "contains": "o-{n}"}),), ("failures",))  # fmt: skip
    result = account(recorded, Sent("order-record", 2, f"{RUN}-000002", status=200), read, outputs)
    assert (result.outcome, result.reason) == ("dead_lettered", "RetryAttemptsExhausted")
    assert account(recorded, Sent("order-record", 5, f"{RUN}-000005", status=200), read, outputs).outcome == "lost"
