"""The emulator's state survives `invoke down`/`up` and a `kill -9`: every service the platform uses,
read back through AWS's APIs after the restart, on the same port and under the same identity."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl, _pid_alive
from toolchain.emulator.persistence.snapshots import Snapshots, start_afresh
from toolchain.emulator.persistence.store import StateStore
from toolchain.errors import ToolchainError

from .emulated import behind_live, code_zip

SERVICES = ("lambda", "iam", "s3", "sqs", "logs", "dynamodb", "secretsmanager", "ssm", "kms", "kinesis", "sns",
            "cloudwatch", "stepfunctions")  # fmt: skip


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorControl]:
    emulator = EmulatorControl(tmp_path_factory.mktemp("persistent"))
    emulator.start()
    yield emulator
    emulator.stop()


def _clients(control: EmulatorControl) -> dict[str, Any]:
    endpoint = control.require().endpoint
    return {name: emulator_client(name, endpoint) for name in SERVICES}


def _saved(control: EmulatorControl, timeout: float = 60.0) -> None:
    """Until the state on disk holds every change made so far (the checkpoint's clock writes it)."""
    wanted = control.state()["writes"]
    deadline = time.monotonic() + timeout
    while control.state()["writes_saved"] < wanted:
        assert time.monotonic() < deadline, control.state()
        time.sleep(0.05)


def _killed(pid: int) -> None:
    """kill -9, and wait until it is gone (no checkpoint on a clock, no last one at a stop)."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _pid_alive(pid):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _make_platform(c: dict[str, Any], role: str, layer_arn: str) -> dict[str, Any]:
    made: dict[str, Any] = {}
    made["function"] = behind_live(c["lambda"], role, layer_arn, "kept")
    c["lambda"].update_function_code(FunctionName=made["function"], ZipFile=code_zip("2"))
    c["lambda"].publish_version(FunctionName=made["function"])
    c["lambda"].update_alias(FunctionName=made["function"], Name="live", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})  # fmt: skip
    c["dynamodb"].create_table(TableName="kept", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST")  # fmt: skip
    c["dynamodb"].transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "kept", "Item": {"pk": {"S": f"user-{i}"}, "n": {"N": str(i)}}}} for i in range(5)
        ]
    )
    queue = c["sqs"].create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    made["queue"] = queue
    c["sqs"].send_message(QueueUrl=queue, MessageBody="waiting")
    c["sqs"].send_message(QueueUrl=queue, MessageBody="in flight")
    received = c["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=2, VisibilityTimeout=2)["Messages"]
    made["in_flight_receipts"] = len(received)
    c["s3"].create_bucket(Bucket="kept-bucket")
    c["s3"].put_object(Bucket="kept-bucket", Key="photo.jpg", Body=bytes(range(256)) * 1000)  # a blob
    c["s3"].put_object(Bucket="kept-bucket", Key="note.txt", Body=b"small")
    c["secretsmanager"].create_secret(Name="kept/signing-key", SecretString="s3cr3t")
    c["ssm"].put_parameter(Name="/kept/flag", Value="on", Type="String")
    key = c["kms"].create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    made["key"] = key
    made["signature"] = c["kms"].sign(KeyId=key, Message=b"order 42", SigningAlgorithm="RSASSA_PSS_SHA_256")[
        "Signature"
    ]
    c["kinesis"].create_stream(StreamName="kept", ShardCount=1)
    for n in range(3):
        c["kinesis"].put_record(StreamName="kept", Data=f"record {n}".encode(), PartitionKey="p")
    topic = c["sns"].create_topic(Name="kept")["TopicArn"]
    alerts = c["sqs"].create_queue(QueueName="kept-alerts")["QueueUrl"]
    alerts_arn = c["sqs"].get_queue_attributes(QueueUrl=alerts, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    allow = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
         "Resource": alerts_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]}  # fmt: skip
    c["sqs"].set_queue_attributes(QueueUrl=alerts, Attributes={"Policy": json.dumps(allow)})
    c["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=alerts_arn)
    made.update(topic=topic, alerts=alerts)
    c["cloudwatch"].put_metric_alarm(AlarmName="kept-errors", Namespace="AWS/Lambda", MetricName="Errors",
                                     Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                     ComparisonOperator="GreaterThanOrEqualToThreshold")  # fmt: skip
    c["logs"].create_log_group(logGroupName="/kept")
    c["logs"].create_log_stream(logGroupName="/kept", logStreamName="s")
    c["logs"].put_log_events(logGroupName="/kept", logStreamName="s",
                             logEvents=[{"timestamp": int(time.time() * 1000), "message": "kept line"}])  # fmt: skip
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = c["stepfunctions"].create_state_machine(name="kept", definition=json.dumps(definition),
                                                      roleArn=role)["stateMachineArn"]  # fmt: skip
    made["execution"] = c["stepfunctions"].start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    return made


def _check_platform(c: dict[str, Any], made: dict[str, Any]) -> None:
    alias = c["lambda"].get_alias(FunctionName=made["function"], Name="live")
    assert alias["FunctionVersion"] == "1" and alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.25}
    answer = json.loads(c["lambda"].invoke(FunctionName=made["function"], Qualifier="2")["Payload"].read())
    assert answer["version"] == "2" and answer["helper"] == "from the layer"  # code and layer, from their blobs
    items = c["dynamodb"].scan(TableName="kept")["Items"]
    assert sorted(int(i["n"]["N"]) for i in items) == [0, 1, 2, 3, 4]
    assert c["s3"].get_object(Bucket="kept-bucket", Key="photo.jpg")["Body"].read() == bytes(range(256)) * 1000
    assert c["s3"].get_object(Bucket="kept-bucket", Key="note.txt")["Body"].read() == b"small"
    assert c["secretsmanager"].get_secret_value(SecretId="kept/signing-key")["SecretString"] == "s3cr3t"
    assert c["ssm"].get_parameter(Name="/kept/flag")["Parameter"]["Value"] == "on"
    assert c["kms"].verify(KeyId=made["key"], Message=b"order 42", Signature=made["signature"],
                           SigningAlgorithm="RSASSA_PSS_SHA_256")["SignatureValid"]  # fmt: skip
    shard = c["kinesis"].describe_stream(StreamName="kept")["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = c["kinesis"].get_shard_iterator(StreamName="kept", ShardId=shard,
                                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]  # fmt: skip
    assert [r["Data"] for r in c["kinesis"].get_records(ShardIterator=iterator)["Records"]] == [
        b"record 0",
        b"record 1",
        b"record 2",
    ]
    c["sns"].publish(TopicArn=made["topic"], Message="after the restart")  # the subscription still delivers
    delivered = c["sqs"].receive_message(QueueUrl=made["alerts"], WaitTimeSeconds=5).get("Messages", [])
    assert delivered and json.loads(delivered[0]["Body"])["Message"] == "after the restart"
    c["sqs"].delete_message(QueueUrl=made["alerts"], ReceiptHandle=delivered[0]["ReceiptHandle"])
    assert c["cloudwatch"].describe_alarms(AlarmNames=["kept-errors"])["MetricAlarms"]
    events = c["logs"].get_log_events(logGroupName="/kept", logStreamName="s")["events"]
    assert [e["message"] for e in events] == ["kept line"]
    assert c["stepfunctions"].describe_execution(executionArn=made["execution"])["status"] == "SUCCEEDED"


@pytest.mark.documents("emulator.md", "State survives a restart")
def test_every_service_is_as_it_was_after_a_stop_and_a_start(control: EmulatorControl, role: str,
                                                             layer_arn: str) -> None:  # fmt: skip
    before = control.require()
    made = _make_platform(_clients(control), role, layer_arn)
    control.stop()
    after, started = control.start()
    assert started and after.pid != before.pid
    assert (after.state_id, after.port) == (before.state_id, before.port)  # the same emulator, to Terraform too
    c = _clients(control)
    _check_platform(c, made)
    # the messages that were in flight are visible again once their visibility timeout passed, as in SQS
    deadline = time.monotonic() + 30
    bodies: set[str] = set()
    while bodies != {"waiting", "in flight"} and time.monotonic() < deadline:
        for message in c["sqs"].receive_message(QueueUrl=made["queue"], MaxNumberOfMessages=2,
                                                WaitTimeSeconds=1).get("Messages", []):  # fmt: skip
            bodies.add(message["Body"])
            c["sqs"].delete_message(QueueUrl=made["queue"], ReceiptHandle=message["ReceiptHandle"])
    assert bodies == {"waiting", "in flight"}


@pytest.mark.documents("emulator.md", "State survives a crash")
def test_what_was_written_before_a_kill_is_there_after_a_start(control: EmulatorControl) -> None:
    c = _clients(control)
    before = control.require()
    c["dynamodb"].create_table(TableName="crashed", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST")  # fmt: skip
    c["dynamodb"].put_item(TableName="crashed", Item={"pk": {"S": "before-the-crash"}})
    c["sqs"].send_message(QueueUrl=c["sqs"].create_queue(QueueName="crashed")["QueueUrl"], MessageBody="crash")
    _saved(control)
    _killed(before.pid)
    after, started = control.start()
    assert started and after.state_id == before.state_id
    c = _clients(control)
    assert c["dynamodb"].get_item(TableName="crashed", Key={"pk": {"S": "before-the-crash"}}).get("Item")
    queue = c["sqs"].get_queue_url(QueueName="crashed")["QueueUrl"]
    assert [m["Body"] for m in c["sqs"].receive_message(QueueUrl=queue).get("Messages", [])] == ["crash"]


@pytest.mark.documents("emulator.md", "A state it cannot load is refused")
def test_a_damaged_state_is_refused_before_the_emulator_starts(tmp_path: Path) -> None:
    control = EmulatorControl(tmp_path)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "checkpoint").write_bytes(b"{broken\n")
    with pytest.raises(ToolchainError) as refused:
        control.start()
    assert "the emulator's stored state cannot be loaded" in str(refused.value)
    assert "`invoke up --fresh`" in refused.value.hint
    assert control.running() is None


@pytest.mark.documents("emulator.md", "Durable when answered, on request")
def test_with_durability_on_answer_a_write_survives_a_kill_right_after_its_answer(tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("EMULATOR_DURABILITY", "answer")
    monkeypatch.setenv("EMULATOR_CHECKPOINT_SECONDS", "3600")  # the clock alone would write nothing in this test
    control = EmulatorControl(tmp_path)
    try:
        info, _ = control.start()
        ddb = emulator_client("dynamodb", info.endpoint)
        ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")  # fmt: skip
        for n in range(20):
            ddb.put_item(TableName="orders", Item={"pk": {"S": f"order-{n}"}})
        _killed(info.pid)  # at once: no checkpoint on a clock, no last one at a stop
        after, _ = control.start()
        ddb = emulator_client("dynamodb", after.endpoint)
        assert ddb.scan(TableName="orders", Select="COUNT")["Count"] == 20
    finally:
        control.stop()


@pytest.mark.documents("emulator.md", "Starting empty")
def test_up_fresh_says_what_it_discards_and_the_emulator_starts_empty(tmp_path: Path) -> None:
    # GIVEN an emulator that kept a table, and the Terraform state of two environments on it
    control = EmulatorControl(tmp_path / "emulator")
    terraform = tmp_path / "tf" / "emulator"
    snapshots = Snapshots(tmp_path / "snapshots", StateStore(control.state_store_dir), terraform)
    try:
        before, _ = control.start()
        emulator_client("dynamodb", before.endpoint).create_table(
            TableName="doomed",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for env in ("dev", "emulator"):
            state = terraform / "root" / "terraform.tfstate.d" / env / "terraform.tfstate"
            state.parent.mkdir(parents=True)
            state.write_text("{}")
        (terraform / "root" / ".emulator-instance").write_text(before.state_id)
        # WHEN `up --fresh` discards (what it does before its deploy)
        said = start_afresh(control, snapshots)
        # THEN it said what it stopped and what went, and nothing of it is left
        assert said == [f"stopped the emulator (pid {before.pid})",
                        "discarding the stored state: 1 tables; environments dev, emulator"]  # fmt: skip
        assert not control.state_store_dir.exists() and not list(terraform.rglob("terraform.tfstate"))
        assert not (terraform / "root" / ".emulator-instance").exists()
        after, _ = control.start()
        assert after.state_id != before.state_id
        assert emulator_client("dynamodb", after.endpoint).list_tables()["TableNames"] == []
        control.stop()
        assert start_afresh(control, Snapshots(tmp_path / "snapshots", StateStore(tmp_path / "none"), terraform)) == [
            "no stored state: the emulator starts empty"
        ]
    finally:
        control.stop()


@pytest.mark.documents("emulator.md", "State survives a restart")
def test_async_events_accepted_and_not_finished_run_after_a_restart(control: EmulatorControl, role: str,
                                                                     layer_arn: str) -> None:  # fmt: skip
    c = _clients(control)
    name = behind_live(c["lambda"], role, layer_arn, "queued")
    c["lambda"].put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    c["s3"].create_bucket(Bucket="async-kept")
    # GIVEN one event running (it sleeps) and one waiting behind it for the function's only slot
    c["lambda"].invoke(FunctionName=name, Qualifier="live", InvocationType="Event",
                       Payload=json.dumps({"action": "sleep", "seconds": 4}))  # fmt: skip
    c["lambda"].invoke(FunctionName=name, Qualifier="live", InvocationType="Event",
                       Payload=json.dumps({"action": "s3", "bucket": "async-kept"}))  # fmt: skip
    assert control.health()["async_pending"] == 2
    # WHEN the emulator stops before either is done, and starts again
    control.stop()
    control.start()
    # THEN what Lambda accepted runs: the waiting event writes its object
    assert control.wait_async(timeout=60)
    body = _clients(control)["s3"].get_object(Bucket="async-kept", Key="from-handler.txt")["Body"].read()
    assert body == b"written by the handler"
    # and each event is accounted for once: accepted before the stop, succeeded after it
    assert control.async_outcomes()[name] == {
        "invoke-async": {"accepted": 2, "succeeded": 2, "failed": 0, "dropped": 0}
    }


WAITING_MACHINE = {"StartAt": "Wait", "States": {
    "Wait": {"Type": "Wait", "Seconds": 3, "Next": "Done"},
    "Done": {"Type": "Pass", "Result": {"done": True}, "End": True}}}  # fmt: skip


@pytest.mark.documents("emulator.md", "Running executions run again after a restart")
def test_an_execution_running_at_a_crash_runs_again_after_the_start(control: EmulatorControl, role: str) -> None:
    states = _clients(control)["stepfunctions"]
    machine = states.create_state_machine(name=f"waiting-{time.time_ns()}", definition=json.dumps(WAITING_MACHINE),
                                          roleArn=role)["stateMachineArn"]  # fmt: skip
    # GIVEN an execution running (in its Wait state) and on disk
    execution = states.start_execution(stateMachineArn=machine, name="order-1", input='{"n": 1}')["executionArn"]
    _saved(control)
    before = control.require()
    # WHEN the emulator is killed before it ends, and started again
    _killed(before.pid)
    control.start()
    # THEN it runs again from its input, under its ARN, to its end
    states = _clients(control)["stepfunctions"]
    deadline = time.monotonic() + 60
    while (described := states.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert (described["status"], json.loads(described["output"]), described["input"]) == (
        "SUCCEEDED", {"done": True}, '{"n": 1}')  # fmt: skip
    assert len(states.list_executions(stateMachineArn=machine)["executions"]) == 1


@pytest.mark.documents("emulator.md", "One emulator per state")
def test_a_second_emulator_on_the_same_state_refuses_to_start(control: EmulatorControl) -> None:
    import subprocess
    import sys

    second = subprocess.run([sys.executable, "-m", "toolchain.emulator", "serve", "--state-dir", str(control.state_dir)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert second.returncode == 4, second.stdout + second.stderr
    assert "another emulator serves" in second.stdout + second.stderr
    assert control.running() is not None  # the first goes on


@pytest.mark.documents("emulator.md", "State survives a crash")
def test_each_kind_of_table_write_after_a_checkpoint_is_in_the_next(control: EmulatorControl) -> None:
    # A checkpoint copies again only the tables written since the last: every kind of write must count,
    # so each kind writes a table of its own that nothing else changes
    ddb = _clients(control)["dynamodb"]
    kinds = ("update", "delete", "batch", "transact-a", "transact-b", "partiql")
    for kind in kinds:
        ddb.create_table(TableName=f"kind-{kind}", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")  # fmt: skip
        ddb.put_item(TableName=f"kind-{kind}", Item={"pk": {"S": "item"}, "n": {"N": "1"}})
    _saved(control)
    # WHEN each is changed after that checkpoint, the next is taken, and the emulator killed
    ddb.update_item(TableName="kind-update", Key={"pk": {"S": "item"}}, UpdateExpression="SET n = :two",
                    ExpressionAttributeValues={":two": {"N": "2"}})  # fmt: skip
    ddb.delete_item(TableName="kind-delete", Key={"pk": {"S": "item"}})
    ddb.batch_write_item(RequestItems={"kind-batch": [{"PutRequest": {"Item": {"pk": {"S": "batched"}}}}]})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "kind-transact-a", "Item": {"pk": {"S": "transacted"}}}},
        {"Update": {"TableName": "kind-transact-b", "Key": {"pk": {"S": "item"}}, "UpdateExpression": "SET n = :three",
                    "ExpressionAttributeValues": {":three": {"N": "3"}}}}])  # fmt: skip
    ddb.execute_statement(Statement="UPDATE \"kind-partiql\" SET n = ? WHERE pk = 'item'", Parameters=[{"N": "9"}])
    _saved(control)
    before = control.require()
    _killed(before.pid)
    control.start()
    # THEN each write is there
    ddb = _clients(control)["dynamodb"]

    def table(kind: str) -> dict[str, str]:
        items = ddb.scan(TableName=f"kind-{kind}", ConsistentRead=True)["Items"]
        return {i["pk"]["S"]: i.get("n", {}).get("N", "-") for i in items}

    assert {kind: table(kind) for kind in kinds} == {
        "update": {"item": "2"}, "delete": {}, "batch": {"item": "1", "batched": "-"},
        "transact-a": {"item": "1", "transacted": "-"}, "transact-b": {"item": "3"}, "partiql": {"item": "9"}}  # fmt: skip
