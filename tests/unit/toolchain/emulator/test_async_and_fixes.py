"""Lambda's asynchronous invocation policy and the moto corrections, without a server."""

from __future__ import annotations

import json
import types

import pytest

from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.awslambda.invocations import AsyncInvoker, InvocationLog, event_source
from toolchain.emulator.patches import apply_corrections


class RecordingDestinations:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.senders: list[object] = []  # whose role each delivery is made as: the function's, as Lambda does

    def deliver(self, arn: str, record: dict, fn: object = None) -> bool:
        self.sent.append((arn, record))
        self.senders.append(fn)
        return True


def function(config: dict | None = None) -> types.SimpleNamespace:
    invoke_config = [types.SimpleNamespace(config=config)] if config is not None else []
    return types.SimpleNamespace(
        function_name="fn", function_arn="arn:aws:lambda:us-east-1:123456789012:function:fn", version="$LATEST",
        event_invoke_config=invoke_config,
    )  # fmt: skip


def runner(failures: int):
    calls = []

    def run(fn, event: str) -> Invocation:
        calls.append(event)
        failed = len(calls) <= failures
        payload = json.dumps({"errorType": "Boom", "errorMessage": "x"} if failed else {"ok": True})
        return Invocation(f"req-{len(calls)}", payload, failed, "Boom" if failed else None, "")

    return run, calls


def invoker(run, destinations) -> AsyncInvoker:
    return AsyncInvoker(run, destinations, InvocationLog(), retry_delays=(0.01, 0.02), log=lambda m: None)


FAILURE_QUEUE = "arn:aws:sqs:us-east-1:123456789012:failures"


@pytest.mark.documents("emulator.md", "Asynchronous invocation")
def test_a_failing_event_is_tried_three_times_then_sent_to_the_failure_destination() -> None:
    run, calls = runner(failures=99)
    destinations = RecordingDestinations()
    async_invoker = invoker(run, destinations)
    config = {"MaximumRetryAttempts": 2, "DestinationConfig": {"OnFailure": {"Destination": FAILURE_QUEUE}}}
    failing = function(config)
    async_invoker.submit(failing, '{"n": 1}', "aws:s3")
    assert async_invoker.wait_idle(5)
    assert len(calls) == 3
    ((arn, record),) = destinations.sent
    assert arn == FAILURE_QUEUE
    assert destinations.senders == [failing]  # sent as the function's role
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"n": 1}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "Boom"
    # the ARN it was invoked by, and the version that ran
    assert record["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST"
    assert record["responseContext"]["executedVersion"] == "$LATEST"


def test_a_failure_record_names_the_alias_invoked_and_the_version_that_ran() -> None:
    run, _ = runner(failures=99)
    destinations = RecordingDestinations()
    fn = function({"MaximumRetryAttempts": 0, "DestinationConfig": {"OnFailure": {"Destination": FAILURE_QUEUE}}})
    fn.version, fn.invoked_arn = "7", "arn:aws:lambda:us-east-1:123456789012:function:fn:live"
    async_invoker = invoker(run, destinations)
    async_invoker.submit(fn, "{}", "aws:s3")
    assert async_invoker.wait_idle(5)
    ((_, record),) = destinations.sent
    assert (record["requestContext"]["functionArn"], record["responseContext"]["executedVersion"]) == (
        "arn:aws:lambda:us-east-1:123456789012:function:fn:live",
        "7",
    )


def test_a_retry_that_succeeds_sends_nothing_to_the_failure_destination() -> None:
    run, calls = runner(failures=1)
    destinations = RecordingDestinations()
    async_invoker = invoker(run, destinations)
    async_invoker.submit(function({"DestinationConfig": {"OnFailure": {"Destination": FAILURE_QUEUE}}}), "{}", "aws:s3")
    assert async_invoker.wait_idle(5)
    assert len(calls) == 2
    assert destinations.sent == []


@pytest.mark.documents("emulator.md", "Asynchronous invocation")
def test_an_event_older_than_its_maximum_age_is_not_retried() -> None:
    # The next retry would come 120 s after the first attempt; the event may live 60 s.
    run, calls = runner(failures=99)
    destinations = RecordingDestinations()
    async_invoker = AsyncInvoker(run, destinations, InvocationLog(), retry_delays=(120.0,), log=lambda m: None)
    config = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60,
              "DestinationConfig": {"OnFailure": {"Destination": FAILURE_QUEUE}}}  # fmt: skip
    async_invoker.submit(function(config), "{}", "aws:s3")
    assert async_invoker.wait_idle(5)
    assert len(calls) == 1
    ((_, record),) = destinations.sent
    assert (record["requestContext"]["condition"], record["requestContext"]["approximateInvokeCount"]) == (
        "EventAgeExceeded",
        1,
    )


@pytest.mark.documents("emulator.md", "Asynchronous invocation")
@pytest.mark.parametrize(("retries", "attempts"), [(0, 1), (1, 2)])
def test_the_configured_retry_count_is_honoured(retries: int, attempts: int) -> None:
    run, calls = runner(failures=99)
    async_invoker = invoker(run, RecordingDestinations())
    async_invoker.submit(function({"MaximumRetryAttempts": retries}), "{}", "aws:s3")
    assert async_invoker.wait_idle(5)
    assert len(calls) == attempts


def test_without_configuration_lambdas_defaults_apply() -> None:
    run, calls = runner(failures=99)
    async_invoker = invoker(run, RecordingDestinations())
    async_invoker.submit(function(), "{}", "aws:sns")
    assert async_invoker.wait_idle(5)
    assert len(calls) == 3


def test_success_goes_to_the_success_destination() -> None:
    run, _ = runner(failures=0)
    destinations = RecordingDestinations()
    async_invoker = invoker(run, destinations)
    async_invoker.submit(function({"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:sns:us-east-1:1:ok"}}}),
                         "{}", "invoke-async")  # fmt: skip
    assert async_invoker.wait_idle(5)
    assert destinations.sent[0][1]["requestContext"]["condition"] == "Success"


@pytest.mark.parametrize(
    ("body", "source"),
    [
        ('{"Records": [{"eventSource": "aws:s3"}]}', "aws:s3"),
        ('{"Records": [{"EventSource": "aws:sns"}]}', "aws:sns"),
        ('{"Records": [{"eventSource": "aws:sqs"}]}', "aws:sqs"),
        ('{"anything": 1}', ""),
        ("not json", ""),
        ('{"Records": ["x"]}', ""),
    ],
)
def test_event_sources_are_recognised(body: str, source: str) -> None:
    assert event_source(body) == source


TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
    }],
}  # fmt: skip


@pytest.mark.documents("emulator.md", "Policy conditions are evaluated")
def test_a_deny_unless_tls_policy_does_not_deny_the_emulators_requests() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    apply_corrections()
    assert IAMPolicy(json.dumps(TLS_ONLY)).is_action_permitted("s3:PutObject", "arn:aws:s3:::b/k") == (
        PermissionResult.NEUTRAL
    )


@pytest.mark.documents("emulator.md", "Policy conditions are evaluated")
def test_an_unconditional_deny_still_denies() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    apply_corrections()
    policy = json.loads(json.dumps(TLS_ONLY))
    del policy["Statement"][0]["Condition"]
    assert IAMPolicy(json.dumps(policy)).is_action_permitted("s3:PutObject", "arn:aws:s3:::b/k") == (
        PermissionResult.DENIED
    )
    policy["Statement"][0]["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    assert IAMPolicy(json.dumps(policy)).is_action_permitted("s3:PutObject", "arn:aws:s3:::b/k") == (
        PermissionResult.DENIED
    )


@pytest.mark.documents("emulator.md", "SQS mappings, polled")
def test_redrive_policies_come_back_as_compact_json() -> None:
    import boto3
    from moto import mock_aws

    apply_corrections()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3}, separators=(",", ":"))
        queue = sqs.create_queue(QueueName="q", Attributes={"RedrivePolicy": policy})["QueueUrl"]
        got = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
        assert got == policy


def test_metric_statistics_count_only_the_datapoints_with_exactly_the_dimensions_asked() -> None:
    from datetime import UTC, datetime, timedelta

    import boto3
    from moto import mock_aws

    apply_corrections()
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        by_function = [{"Name": "FunctionName", "Value": "f"}]
        by_version = [*by_function, {"Name": "Resource", "Value": "f:live"}, {"Name": "ExecutedVersion", "Value": "2"}]
        # one invocation through the alias: Lambda publishes it under both dimension sets
        cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            {"MetricName": "Invocations", "Value": 1, "Dimensions": dimensions} for dimensions in (by_function, by_version)
        ])  # fmt: skip

        def total(dimensions: list[dict[str, str]]) -> float:
            now = datetime.now(UTC)
            points = cloudwatch.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Invocations",
                                                      Dimensions=dimensions, StartTime=now - timedelta(minutes=5),
                                                      EndTime=now + timedelta(minutes=1), Period=60,
                                                      Statistics=["Sum"])["Datapoints"]  # fmt: skip
            return sum(p["Sum"] for p in points)

        assert (total(by_function), total(by_version)) == (1, 1)


@pytest.mark.documents("emulator.md", "Scans compare as DynamoDB compares")
def test_a_scan_compares_only_values_of_the_same_type() -> None:
    import boto3
    from moto import mock_aws

    apply_corrections()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])  # fmt: skip
        for key, value in {"n": {"N": "1"}, "s": {"S": "0"}, "l": {"L": [{"N": "0"}]}}.items():
            ddb.put_item(TableName="t", Item={"k": {"S": key}, "v": value})
        found = ddb.scan(TableName="t", FilterExpression="v < :x", ExpressionAttributeValues={":x": {"N": "5"}})
        assert [item["k"]["S"] for item in found["Items"]] == ["n"]


@pytest.mark.documents("emulator.md", "Versions, aliases, weights")
def test_a_published_function_is_answered_from_a_shallow_copy() -> None:
    import copy

    import boto3
    from moto import mock_aws
    from moto.awslambda.models import lambda_backends

    apply_corrections()
    with mock_aws():
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
        created = boto3.client("lambda", region_name="us-east-1").create_function(
            FunctionName="f", Runtime="python3.12", Role=role, Handler="h.h", Code={"ZipFile": b"PK\\x05\\x06" + bytes(18)},
            Publish=True,
        )  # fmt: skip
        (latest,) = lambda_backends["123456789012"]["us-east-1"]._lambdas.latest()
        twin = copy.deepcopy(latest)
        assert created["Version"] == "1" and latest.version == "$LATEST"
        assert twin is not latest and twin.tags is latest.tags  # shallow: shared state is not walked


@pytest.mark.documents("emulator.md", "Asynchronous invocation")
def test_putting_a_functions_async_settings_again_replaces_them() -> None:
    import boto3
    from moto import mock_aws

    apply_corrections()
    with mock_aws():
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
        awslambda = boto3.client("lambda", region_name="us-east-1")
        awslambda.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="h.h",
                                  Code={"ZipFile": b"PK\x05\x06" + bytes(18)})  # fmt: skip
        awslambda.put_function_event_invoke_config(FunctionName="f", MaximumRetryAttempts=2,
                                                   MaximumEventAgeInSeconds=3600)  # fmt: skip
        awslambda.put_function_event_invoke_config(FunctionName="f", MaximumRetryAttempts=0)
        got = awslambda.get_function_event_invoke_config(FunctionName="f")
        # Put replaces the whole configuration, as Lambda does: the age it no longer names is gone
        assert got["MaximumRetryAttempts"] == 0 and "MaximumEventAgeInSeconds" not in got
        assert len(awslambda.list_function_event_invoke_configs(FunctionName="f")["FunctionEventInvokeConfigs"]) == 1


@pytest.mark.documents("emulator.md", "Each DynamoDB request is a unit")
def test_a_scan_beside_an_update_sees_the_item_whole_or_not_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import boto3
    from moto import mock_aws
    from moto.dynamodb import models

    apply_corrections()
    scanned: list[list[dict[str, object]]] = []
    readers: list[threading.Thread] = []
    original_execute = models.UpdateExpressionExecutor.execute

    def execute_with_a_scan_beside(self: object) -> None:
        # GIVEN a Scan arriving while moto is half-way through an UpdateItem on a new key
        monkeypatch.setattr(models.UpdateExpressionExecutor, "execute", original_execute)
        readers.append(threading.Thread(target=lambda: scanned.append(ddb.scan(TableName="t")["Items"])))
        readers[0].start()
        readers[0].join(timeout=1)  # without the fix the Scan answers now, with the key alone
        original_execute(self)

    monkeypatch.setattr(models.UpdateExpressionExecutor, "execute", execute_with_a_scan_beside)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])  # fmt: skip
        # WHEN one update sets and adds
        ddb.update_item(TableName="t", Key={"k": {"S": "job"}}, UpdateExpression="SET c = :c ADD #p :one",
                        ExpressionAttributeNames={"#p": "processed"},
                        ExpressionAttributeValues={":c": {"S": "x"}, ":one": {"N": "1"}})  # fmt: skip
        readers[0].join(timeout=10)
    # THEN the reader saw the finished item
    assert scanned == [[{"k": {"S": "job"}, "c": {"S": "x"}, "processed": {"N": "1"}}]]
