"""The emulator's meter (`/_emulator/usage`): each service's billable units counted as AWS counts
them, at the edges of its chunks, credited to who paid; a refused request costs nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl

from .emulated import code_zip

pytestmark = pytest.mark.documents("emulator.md", "Billable usage, metered")


@pytest.fixture(scope="module")
def aws(emulator: str) -> dict[str, Any]:
    return {name: emulator_client(name, emulator) for name in
            ("dynamodb", "sqs", "sns", "kinesis", "s3", "secretsmanager", "cloudwatch", "logs", "lambda")}  # fmt: skip


class Meter:
    """Reads of the meter around one step: what the step added, by payer."""

    def __init__(self, control: EmulatorControl) -> None:
        self._control = control

    def _reading(self) -> dict[str, dict[str, float]]:
        found = self._control.usage()
        merged: dict[str, dict[str, float]] = {}
        for source in (found["meter"], found["units"]):
            for payer, units in source.items():
                for unit, amount in units.items():
                    merged.setdefault(payer, {})[unit] = merged.get(payer, {}).get(unit, 0) + amount
        return merged

    def added(self, step: Any) -> dict[str, dict[str, float]]:
        before = self._reading()
        step()
        after = self._reading()
        return {payer: {unit: amount - before.get(payer, {}).get(unit, 0) for unit, amount in units.items()
                        if amount - before.get(payer, {}).get(unit, 0)}
                for payer, units in after.items()
                if any(amount != before.get(payer, {}).get(unit, 0) for unit, amount in units.items())}  # fmt: skip


@pytest.fixture(scope="module")
def meter(control: EmulatorControl) -> Meter:
    return Meter(control)


def test_dynamodb_counts_request_units_by_item_size(aws: dict[str, Any], meter: Meter) -> None:
    ddb = aws["dynamodb"]
    ddb.create_table(TableName="metered", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")  # fmt: skip
    # an item of exactly 1,024 bytes ("pk" + "a" = 3, "p" + 1,020 x) is one unit; one byte more is two
    one_kb = {"pk": {"S": "a"}, "p": {"S": "x" * 1020}}
    assert meter.added(lambda: ddb.put_item(TableName="metered", Item=one_kb)) == {
        "edge": {"dynamodb.write_request_units": 1}, "storage": {"dynamodb.stored_bytes:metered": 1124}}  # fmt: skip
    bigger = {"pk": {"S": "a"}, "p": {"S": "x" * 1021}}
    assert meter.added(lambda: ddb.put_item(TableName="metered", Item=bigger))["edge"] == {
        "dynamodb.write_request_units": 2}  # fmt: skip
    key = {"pk": {"S": "a"}}
    assert meter.added(lambda: ddb.get_item(TableName="metered", Key=key))["edge"] == {
        "dynamodb.read_request_units": 0.5}  # fmt: skip
    assert meter.added(lambda: ddb.get_item(TableName="metered", Key=key, ConsistentRead=True))["edge"] == {
        "dynamodb.read_request_units": 1}  # fmt: skip
    # the delete is billed on the 1,025-byte item it removed
    assert meter.added(lambda: ddb.delete_item(TableName="metered", Key=key))["edge"] == {
        "dynamodb.write_request_units": 2}  # fmt: skip


def test_a_client_reading_a_table_stream_pays_its_read_requests(aws: dict[str, Any], meter: Meter,
                                                                emulator: str) -> None:  # fmt: skip
    ddb, streams = aws["dynamodb"], emulator_client("dynamodbstreams", emulator)
    arn = ddb.create_table(TableName="metered-stream", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           BillingMode="PAY_PER_REQUEST",
                           StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                           )["TableDescription"]["LatestStreamArn"]  # fmt: skip
    ddb.put_item(TableName="metered-stream", Item={"pk": {"S": "a"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    read = meter.added(lambda: streams.get_records(ShardIterator=iterator["ShardIterator"]))
    assert read == {"edge": {"dynamodb.stream_read_requests": 1}}


def test_a_refused_request_costs_nothing(aws: dict[str, Any], meter: Meter) -> None:
    def refused() -> None:
        with pytest.raises(ClientError):
            aws["dynamodb"].get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})

    assert meter.added(refused) == {}


def test_sqs_sns_and_kinesis_count_their_chunks(aws: dict[str, Any], meter: Meter) -> None:
    queue = aws["sqs"].create_queue(QueueName="metered")["QueueUrl"]
    # 64 KB is one request, a byte more two
    assert meter.added(lambda: aws["sqs"].send_message(QueueUrl=queue, MessageBody="x" * 65536)) == {
        "edge": {"sqs.requests": 1}}  # fmt: skip
    assert meter.added(lambda: aws["sqs"].send_message(QueueUrl=queue, MessageBody="x" * 65537)) == {
        "edge": {"sqs.requests": 2}}  # fmt: skip
    topic = aws["sns"].create_topic(Name="metered")["TopicArn"]
    assert meter.added(lambda: aws["sns"].publish(TopicArn=topic, Message="y" * 65537)) == {
        "edge": {"sns.publishes": 2}}  # fmt: skip
    aws["kinesis"].create_stream(StreamName="metered", ShardCount=1)
    aws["kinesis"].get_waiter("stream_exists").wait(StreamName="metered", WaiterConfig={"Delay": 0.2})
    # a record of 25 KB (data and partition key) is one PUT payload unit, a byte more two
    assert meter.added(lambda: aws["kinesis"].put_record(StreamName="metered", Data=b"d" * 25599, PartitionKey="p")) == {
        "edge": {"kinesis.put_payload_units": 1}}  # fmt: skip
    assert meter.added(lambda: aws["kinesis"].put_record(StreamName="metered", Data=b"d" * 25600, PartitionKey="p")) == {
        "edge": {"kinesis.put_payload_units": 2}}  # fmt: skip


def test_s3_counts_its_two_request_classes_and_what_is_stored(aws: dict[str, Any], meter: Meter) -> None:
    s3 = aws["s3"]
    s3.create_bucket(Bucket="metered-bucket")
    put = meter.added(lambda: s3.put_object(Bucket="metered-bucket", Key="a/b.txt", Body=b"z" * 1000))
    assert put == {"edge": {"s3.tier1_requests": 1}, "storage": {"s3.stored_bytes:metered-bucket": 1000}}
    assert meter.added(lambda: s3.get_object(Bucket="metered-bucket", Key="a/b.txt")) == {
        "edge": {"s3.tier2_requests": 1}}  # fmt: skip
    assert meter.added(lambda: s3.list_objects_v2(Bucket="metered-bucket")) == {"edge": {"s3.tier1_requests": 1}}
    deleted = meter.added(lambda: s3.delete_object(Bucket="metered-bucket", Key="a/b.txt"))
    assert deleted == {"storage": {"s3.stored_bytes:metered-bucket": -1000}}  # DELETE is free


def test_api_calls_and_log_bytes_and_embedded_metrics(
    aws: dict[str, Any], meter: Meter, control: EmulatorControl
) -> None:
    secret = aws["secretsmanager"].create_secret(Name="metered", SecretString="s")["ARN"]
    assert meter.added(lambda: aws["secretsmanager"].get_secret_value(SecretId=secret)) == {
        "edge": {"secretsmanager.api_calls": 1}}  # fmt: skip
    metric = [{"MetricName": "Hits", "Value": 1, "Dimensions": [{"Name": "service", "Value": "m"}]}]
    assert meter.added(lambda: aws["cloudwatch"].put_metric_data(Namespace="Mine", MetricData=metric)) == {
        "edge": {"cloudwatch.api_requests": 1}}  # fmt: skip
    started = time.time() - 1
    aws["logs"].create_log_group(logGroupName="/metered")
    aws["logs"].create_log_stream(logGroupName="/metered", logStreamName="s")
    emf = json.dumps({"_aws": {"Timestamp": 0, "CloudWatchMetrics": [
        {"Namespace": "Mine", "Dimensions": [["service"], []], "Metrics": [{"Name": "Sold", "Unit": "Count"}]}]},
        "service": "shop", "Sold": 1})  # fmt: skip
    events = [{"timestamp": int(time.time() * 1000), "message": emf}]
    logged = meter.added(lambda: aws["logs"].put_log_events(logGroupName="/metered", logStreamName="s",
                                                            logEvents=events))  # fmt: skip
    assert logged == {"edge": {"logs.ingested_bytes": len(emf) + 26}}
    # each metric once per dimension set, put or written in the embedded metric format
    assert {"Mine|Hits|service=m", "Mine|Sold|service=shop", "Mine|Sold|"} <= set(
        control.usage(started)["custom_metrics"]
    )


def test_a_function_pays_its_invocation_and_its_own_calls(aws: dict[str, Any], meter: Meter, role: str,
                                                          layer_arn: str) -> None:  # fmt: skip
    aws["lambda"].create_function(FunctionName="metered-fn", Runtime="python3.12", Role=role, Handler="app.handler",
                                  Code={"ZipFile": code_zip()}, Timeout=5, MemorySize=256, Layers=[layer_arn])  # fmt: skip
    aws["s3"].create_bucket(Bucket="metered-by-fn")
    event = json.dumps({"action": "s3", "bucket": "metered-by-fn"}).encode()
    added = meter.added(lambda: aws["lambda"].invoke(FunctionName="metered-fn", Payload=event))
    paid = added["metered-fn"]
    assert paid["lambda.requests"] == 1 and paid["lambda.billed_ms"] >= 1
    assert paid["s3.tier1_requests"] == 1  # its put_object, signed with its role's session
    assert paid["logs.ingested_bytes"] > 0
    assert added["storage"] == {"s3.stored_bytes:metered-by-fn": len(b"written by the handler")}
