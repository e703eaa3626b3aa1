"""Requests past a limit AWS enforces fail as on AWS, at the documented limit (docs/emulator.md,
"Limits, checked"): one byte under passes, one byte over is refused with the service's error."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from toolchain.emulator.awslambda.limits import MAX_ASYNC_BYTES, MAX_SYNC_BYTES, invoke_within_limit
from toolchain.emulator.dynamodb.limits import MAX_BATCH_WRITE
from toolchain.emulator.kinesis.records import MAX_RECORD_BYTES
from toolchain.emulator.s3.limits import MAX_KEY_BYTES, MAX_USER_METADATA_BYTES
from toolchain.emulator.sns.limits import MAX_MESSAGE_BYTES as MAX_SNS_BYTES
from toolchain.emulator.sqs.limits import MAX_BATCH_BYTES as MAX_SQS_BATCH_BYTES
from toolchain.emulator.stepfunctions.limits import MAX_INPUT_BYTES

REGION = "us-east-1"
pytestmark = pytest.mark.documents("emulator.md", "Limits, checked")


def _code(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    error = caught.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def bucket(moto_aws: None) -> Any:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="limits")
    return s3


def test_user_metadata_up_to_2_kb_is_stored_and_more_is_refused(bucket: Any) -> None:
    name = "note"  # counted without its x-amz-meta- prefix, with its value (headers: ASCII)
    fits = "v" * (MAX_USER_METADATA_BYTES - len(name))
    bucket.put_object(Bucket="limits", Key="a", Body=b"x", Metadata={name: fits})
    assert bucket.head_object(Bucket="limits", Key="a")["Metadata"][name] == fits
    with pytest.raises(ClientError) as caught:
        bucket.put_object(Bucket="limits", Key="b", Body=b"x", Metadata={name: fits + "v"})
    assert _code(caught) == ("MetadataTooLarge", 400)
    with pytest.raises(ClientError):
        bucket.head_object(Bucket="limits", Key="b")  # nothing stored


@pytest.mark.parametrize("make", ["put", "multipart"])
def test_keys_up_to_1024_bytes_are_taken_and_longer_ones_refused(bucket: Any, make: str) -> None:
    longest = "k/" + "é" * ((MAX_KEY_BYTES - 2) // 2)  # 1,024 bytes in UTF-8, 513 characters

    def create(key: str) -> None:
        if make == "put":
            bucket.put_object(Bucket="limits", Key=key, Body=b"x")
        else:
            bucket.create_multipart_upload(Bucket="limits", Key=key)

    create(longest)
    with pytest.raises(ClientError) as caught:
        create(longest + "x")
    assert _code(caught) == ("KeyTooLongError", 400)


def test_batch_write_takes_25_requests_over_all_tables(moto_aws: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    for table in ("a", "b"):
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])  # fmt: skip

    def puts(n: int, prefix: str) -> list[dict[str, Any]]:
        return [{"PutRequest": {"Item": {"pk": {"S": f"{prefix}{i}"}}}} for i in range(n)]

    ddb.batch_write_item(RequestItems={"a": puts(13, "a"), "b": puts(MAX_BATCH_WRITE - 13, "b")})
    with pytest.raises(ClientError) as caught:
        ddb.batch_write_item(RequestItems={"a": puts(13, "c"), "b": puts(MAX_BATCH_WRITE - 12, "d")})
    assert _code(caught) == ("ValidationException", 400)
    assert "less than or equal to 25" in caught.value.response["Error"]["Message"]
    assert ddb.scan(TableName="a", Select="COUNT")["Count"] == 13  # the refused batch wrote nothing


def _visible(sqs: Any, queue: str) -> int:
    return int(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"])  # fmt: skip


def test_an_sqs_message_counts_utf8_bytes_and_its_attributes(moto_aws: None) -> None:
    # GIVEN a queue of 1 KiB messages (its MaximumMessageSize) and a body of two-byte characters
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    attribute = {"tag": {"DataType": "String", "StringValue": "abc"}}  # 3 + 6 + 3 bytes
    # WHEN 1,024 bytes in all are sent THEN it is taken (500 characters, 1,000 bytes, and 12 of attribute)
    sqs.send_message(QueueUrl=queue, MessageBody="é" * 500 + "x" * 12, MessageAttributes=attribute)
    # AND one byte more, though only 513 characters, is refused with SQS's words, nothing stored
    with pytest.raises(ClientError) as caught:
        sqs.send_message(QueueUrl=queue, MessageBody="é" * 500 + "x" * 13, MessageAttributes=attribute)
    assert _code(caught) == ("InvalidParameterValue", 400)
    assert "Message must be shorter than 1024 bytes" in caught.value.response["Error"]["Message"]
    assert _visible(sqs, queue) == 1


@pytest.mark.documents("emulator.md", "Limits, checked")
@pytest.mark.parametrize(("attribute", "kind"), [({"DataType": "String", "StringValue": ""}, "String"),
                                               ({"DataType": "Number.int", "StringValue": ""}, "Number"),
                                               ({"DataType": "Binary", "BinaryValue": b""}, "Binary")])  # fmt: skip
def test_an_sqs_attribute_with_an_empty_value_is_refused_as_sqs_refuses_it(moto_aws: None, attribute: dict[str, Any],
                                                                          kind: str) -> None:  # fmt: skip
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="strict")["QueueUrl"]
    with pytest.raises(ClientError) as caught:
        sqs.send_message(QueueUrl=queue, MessageBody="m", MessageAttributes={"tag": attribute})
    assert _code(caught) == ("InvalidParameterValue", 400)
    assert caught.value.response["Error"]["Message"] == (
        f"Message (user) attribute 'tag' must contain a non-empty value of type '{kind}'.")  # fmt: skip
    assert _visible(sqs, queue) == 0


def test_an_sqs_batch_is_at_most_1_mib_with_attributes(moto_aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="batched")["QueueUrl"]
    attribute = {"n": {"DataType": "Binary", "BinaryValue": b"\x00" * 10}}  # 1 + 6 + 10 bytes
    half = (MAX_SQS_BATCH_BYTES - 17) // 2

    def entries(extra: int) -> list[dict[str, Any]]:
        return [{"Id": "a", "MessageBody": "x" * half, "MessageAttributes": attribute},
                {"Id": "b", "MessageBody": "y" * (MAX_SQS_BATCH_BYTES - 17 - half + extra)}]  # fmt: skip

    sqs.send_message_batch(QueueUrl=queue, Entries=entries(0))
    with pytest.raises(ClientError) as caught:
        sqs.send_message_batch(QueueUrl=queue, Entries=entries(1))
    assert _code(caught)[0].endswith("BatchRequestTooLong")
    assert _visible(sqs, queue) == 2


def test_an_sns_message_is_at_most_256_kib_with_its_attributes(moto_aws: None) -> None:
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    # 4 + 6 + 5 bytes, and 3 + 6 + 9 (the binary value's bytes, not its base64)
    attribute = {"kind": {"DataType": "String", "StringValue": "order"},
                 "raw": {"DataType": "Binary", "BinaryValue": b"\x00" * 9}}  # fmt: skip
    at_limit = "é" * ((MAX_SNS_BYTES - 33) // 2) + "x" * ((MAX_SNS_BYTES - 33) % 2)
    assert len(at_limit.encode()) + 33 == MAX_SNS_BYTES
    sns.publish(TopicArn=topic, Message=at_limit, MessageAttributes=attribute)
    for too_long, code in (
        (lambda: sns.publish(TopicArn=topic, Message=at_limit + "x", MessageAttributes=attribute), "InvalidParameter"),
        (lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "x" * (MAX_SNS_BYTES // 2)}, {"Id": "b", "Message": "y" * (MAX_SNS_BYTES // 2 + 1)}]),
         "BatchRequestTooLong"),
    ):  # fmt: skip
        with pytest.raises(ClientError) as caught:
            too_long()
        assert _code(caught)[0] == code
    assert _visible(sqs, queue) == 1  # only the one at the limit was delivered


def test_a_record_of_1_mib_is_taken_and_one_byte_more_refused(moto_aws: None) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="s", ShardCount=1)
    kinesis.put_record(StreamName="s", Data=b"x" * (MAX_RECORD_BYTES - 1), PartitionKey="p")
    with pytest.raises(ClientError) as caught:
        kinesis.put_record(StreamName="s", Data=b"x" * MAX_RECORD_BYTES, PartitionKey="p")
    assert _code(caught) == ("ValidationException", 400)


def test_records_put_at_once_each_keep_their_own_sequence_number(moto_aws: None) -> None:
    # GIVEN one shard and eight writers at once
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="s", ShardCount=1)
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        client = boto3.client("kinesis", region_name=REGION)
        start.wait()
        for i in range(40):
            client.put_record(StreamName="s", Data=f"{n}-{i}".encode(), PartitionKey="p")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every record can be read back, none replaced by another
    shard = kinesis.describe_stream(StreamName="s")["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="s", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = kinesis.get_records(ShardIterator=iterator["ShardIterator"], Limit=10000)["Records"]
    assert sorted(r["Data"].decode() for r in records) == sorted(f"{n}-{i}" for n in range(8) for i in range(40))


def test_an_execution_input_of_256_kib_starts_and_more_is_refused(moto_aws: None) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    arn = sfn.create_state_machine(name="m", definition=definition,
                                   roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]  # fmt: skip
    padding = MAX_INPUT_BYTES - len(json.dumps({"p": ""}))
    sfn.start_execution(stateMachineArn=arn, input=json.dumps({"p": "x" * padding}))
    with pytest.raises(ClientError) as caught:
        sfn.start_execution(stateMachineArn=arn, input=json.dumps({"p": "x" * (padding + 1)}))
    assert _code(caught) == ("ValidationException", 400)


@pytest.mark.parametrize(("kind", "limit"), [("RequestResponse", MAX_SYNC_BYTES), ("Event", MAX_ASYNC_BYTES)])
def test_an_invocation_payload_is_measured_before_anything_runs(kind: str, limit: int) -> None:
    ran: list[int] = []
    invoke = invoke_within_limit(lambda request: ran.append(len(request.body)) or "ran", None)
    assert invoke(SimpleNamespace(headers={"X-Amz-Invocation-Type": kind}, body=b"x" * limit)) == "ran"
    with pytest.raises(Exception, match=f"Request must be smaller than {limit} bytes") as refused:
        invoke(SimpleNamespace(headers={"X-Amz-Invocation-Type": kind}, body=b"x" * (limit + 1)))
    assert (refused.value.code, refused.value.error_type) == (413, "RequestEntityTooLargeException")
    assert ran == [limit]


def test_environment_variables_of_4_kb_are_taken_and_more_refused(moto_aws: None) -> None:
    import io
    import zipfile

    from toolchain.emulator.awslambda.limits import MAX_ENVIRONMENT_BYTES

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return 1\n")
    iam, client = boto3.client("iam", region_name=REGION), boto3.client("lambda", region_name=REGION)
    role = iam.create_role(RoleName="env-limit", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    # measured as compact JSON: {"BIG":"..."} is 10 characters plus the value
    fits = {"BIG": "v" * (MAX_ENVIRONMENT_BYTES - len('{"BIG":""}'))}
    create = {"Runtime": "python3.12", "Role": role, "Handler": "app.handler", "Code": {"ZipFile": archive.getvalue()}}
    client.create_function(FunctionName="env-fits", Environment={"Variables": fits}, **create)
    with pytest.raises(ClientError) as caught:
        client.create_function(FunctionName="env-over", Environment={"Variables": {"BIG": fits["BIG"] + "v"}}, **create)
    assert _code(caught) == ("InvalidParameterValueException", 400)
    assert "exceeded the 4KB limit" in str(caught.value)
    with pytest.raises(ClientError):
        client.update_function_configuration(FunctionName="env-fits", Environment={"Variables": {**fits, "A": "b"}})
    assert client.get_function_configuration(FunctionName="env-fits")["Environment"]["Variables"] == fits


def test_a_state_whose_output_passes_256_kib_fails_the_execution(
    moto_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from moto.core import config

    monkeypatch.setitem(config.default_user_config, "stepfunctions", {"execute_state_machine": True})
    iam, sfn = boto3.client("iam", region_name=REGION), boto3.client("stepfunctions", region_name=REGION)
    role = iam.create_role(RoleName="states", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    doubled = {"StartAt": "Double", "States": {"Double": {"Type": "Pass", "Parameters": {"a.$": "$", "b.$": "$"},
                                                          "End": True}}}  # fmt: skip
    machine = sfn.create_state_machine(name="double", definition=json.dumps(doubled), roleArn=role)["stateMachineArn"]

    def run(size: int) -> dict[str, Any]:
        arn = sfn.start_execution(stateMachineArn=machine, name=f"run-{size}", input=json.dumps({"x": "v" * size}))[
            "executionArn"
        ]
        while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            time.sleep(0.05)
        return described

    # twice the input: 2 x 100 KiB fits in 256 KiB, 2 x 130 KiB does not
    assert run(100 * 1024)["status"] == "SUCCEEDED"
    failed = run(130 * 1024)
    assert (failed["status"], failed["error"]) == ("FAILED", "States.DataLimitExceeded")
