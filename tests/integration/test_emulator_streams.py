"""DynamoDB streams on the emulator as Lambda's poller delivers them: batches of the mapping's size
within its batching window, and a batch that keeps failing described to the on-failure destination."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import pytest

from toolchain.emulator.clients import emulator_client

from .emulated import code_zip

FAILING = "def handler(event, context):\n    raise RuntimeError('stream records refused')\n"


def _table_with_stream(endpoint: str, name: str) -> str:
    dynamodb = emulator_client("dynamodb", endpoint)
    table = dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                  KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})  # fmt: skip
    return table["TableDescription"]["LatestStreamArn"]


def _put(endpoint: str, table: str, count: int) -> None:
    dynamodb = emulator_client("dynamodb", endpoint)
    for n in range(count):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": f"item-{n}"}})


@pytest.mark.documents("emulator.md", "DynamoDB stream mappings, polled", "Each DynamoDB request is a unit")
def test_writes_arrive_in_batches_of_the_mappings_size(
    clients: dict[str, Any],
    role: str,
    layer_arn: str,
    emulator: str,
    control,
) -> None:
    name = f"streamed-{time.time_ns()}"
    clients["lambda"].create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                      Code={"ZipFile": code_zip()}, Timeout=10, Layers=[layer_arn])  # fmt: skip
    clients["s3"].create_bucket(Bucket="captured")
    stream = _table_with_stream(emulator, name)
    clients["lambda"].create_event_source_mapping(FunctionName=name, EventSourceArn=stream, StartingPosition="LATEST",
                                                  BatchSize=5, MaximumBatchingWindowInSeconds=1)  # fmt: skip
    # WHEN twelve items are written one by one
    _put(emulator, name, 12)
    assert control.wait_idle(60)
    # THEN they arrive in batches of at most five (not twelve one-record invocations), all of them
    captured = clients["s3"].list_objects_v2(Bucket="captured", Prefix="aws:dynamodb/").get("Contents", [])
    batches = [json.loads(clients["s3"].get_object(Bucket="captured", Key=o["Key"])["Body"].read()) for o in captured]
    sizes = sorted(len(batch["Records"]) for batch in batches)
    assert sum(sizes) == 12 and max(sizes) <= 5 and len(sizes) <= 4, sizes
    keys = sorted(r["dynamodb"]["Keys"]["pk"]["S"] for batch in batches for r in batch["Records"])
    assert keys == sorted(f"item-{n}" for n in range(12))
    # AND each handler could read back the table that called it (the write had let go of it)
    read_back = sorted(item["pk"]["S"] for batch in batches for item in batch["read_back"])
    assert read_back == keys


@pytest.mark.documents("emulator.md", "DynamoDB stream mappings, polled")
def test_a_failing_batch_is_retried_then_sent_to_the_failure_destination(
    clients: dict[str, Any],
    role: str,
    emulator: str,
) -> None:
    name = f"refusing-{time.time_ns()}"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", FAILING)
    clients["lambda"].create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                      Code={"ZipFile": archive.getvalue()}, Timeout=5)  # fmt: skip
    queue = clients["sqs"].create_queue(QueueName=f"{name}-failures")["QueueUrl"]
    queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    stream = _table_with_stream(emulator, name)
    clients["lambda"].create_event_source_mapping(
        FunctionName=name, EventSourceArn=stream, StartingPosition="LATEST", BatchSize=10,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )  # fmt: skip
    _put(emulator, name, 3)
    messages: list[dict] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not messages:
        messages = clients["sqs"].receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    (message,) = messages
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert (record["DDBStreamBatchInfo"]["batchSize"], record["DDBStreamBatchInfo"]["streamArn"]) == (3, stream)


@pytest.fixture(autouse=True)
def _started(control) -> None:
    """The emulator process, with this module's functions on it."""
