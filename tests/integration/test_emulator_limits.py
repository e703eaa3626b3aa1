"""Concurrency limits on the emulator: reserved concurrency throttles as Lambda does (429, the
Throttles metric, the alarm on it), and asynchronous events wait out a throttle instead of failing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.metrics import metric_sum
from toolchain.emulator.clients import ACCESS_KEY_ID, SECRET_ACCESS_KEY, emulator_client
from toolchain.emulator.control import EmulatorControl

from .emulated import code_zip

pytestmark = pytest.mark.usefixtures("control")


@pytest.fixture
def limited(clients: dict[str, Any], role: str, layer_arn: str) -> str:
    name = f"limited-{time.time_ns()}"
    clients["lambda"].create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                      Code={"ZipFile": code_zip()}, Timeout=10, MemorySize=256, Layers=[layer_arn])  # fmt: skip
    clients["lambda"].put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    return name


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def throttles(cloudwatch: Any, function: str) -> float:
    return metric_sum(cloudwatch, "AWS/Lambda", "Throttles", {"FunctionName": function})


@pytest.mark.documents("emulator.md", "Reserved concurrency is a limit", "Control API")
def test_reserved_concurrency_throttles_with_429_counts_throttles_and_fires_the_alarm(
    emulator: str, limited: str, control: EmulatorControl
) -> None:
    # one attempt per call: boto3 would otherwise retry a throttle until it got through
    direct = boto3.client("lambda", region_name="us-east-1", endpoint_url=emulator, aws_access_key_id=ACCESS_KEY_ID,
                          aws_secret_access_key=SECRET_ACCESS_KEY,
                          config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))  # fmt: skip
    cloudwatch = emulator_client("cloudwatch", emulator)
    cloudwatch.put_metric_alarm(AlarmName=f"{limited}-throttles", Namespace="AWS/Lambda", MetricName="Throttles",
                                Dimensions=[{"Name": "FunctionName", "Value": limited}], Statistic="Sum", Period=300,
                                EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
                                TreatMissingData="notBreaching")  # fmt: skip
    outcomes: list[str] = []

    def call() -> None:
        try:
            direct.invoke(FunctionName=limited, Payload=json.dumps({"action": "sleep", "seconds": 1.5}).encode())
            outcomes.append("ran")
        except ClientError as error:
            outcomes.append(f"{error.response['ResponseMetadata']['HTTPStatusCode']} {error.response['Error']['Code']}")

    # WHEN three invocations arrive at a function with reserved concurrency 1, while the first runs
    first = threading.Thread(target=call)
    first.start()
    wait_until(lambda: control.concurrency(limited) == 1)
    others = [threading.Thread(target=call) for _ in range(2)]
    for caller in others:
        caller.start()
    for caller in [first, *others]:
        caller.join(60)
    # THEN one runs and two are throttled, the Throttles metric says so, and the alarm fires
    assert sorted(outcomes) == ["429 TooManyRequestsException", "429 TooManyRequestsException", "ran"]
    assert throttles(cloudwatch, limited) == 2

    def alarmed() -> bool:
        (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{limited}-throttles"])["MetricAlarms"]
        return alarm["StateValue"] == "ALARM"

    wait_until(alarmed)


@pytest.mark.documents("emulator.md", "Reserved concurrency is a limit", "Control API")
def test_an_async_event_waits_out_a_throttle_and_then_runs(emulator: str, limited: str, control) -> None:
    lam = emulator_client("lambda", emulator)
    busy = threading.Thread(
        target=lambda: lam.invoke(FunctionName=limited, Payload=b'{"action": "sleep", "seconds": 1}')
    )
    busy.start()
    # GIVEN the one slot taken (waited for, not slept for: a slow worker start must not let the event through)
    wait_until(lambda: control.concurrency(limited) == 1)
    lam.invoke(FunctionName=limited, InvocationType="Event", Payload=b'{"action": "ok"}')
    busy.join(30)
    assert control.wait_async(30)
    # THEN the event was throttled, waited, and ran once, on its first attempt: a throttle uses up no retry
    history = [h for h in control.invocations(limited) if h["source"] == "invoke-async"]
    assert [(h["attempt"], h["errored"]) for h in history] == [(1, False)]
    assert throttles(emulator_client("cloudwatch", emulator), limited) >= 1


@pytest.mark.documents("emulator.md", "Alarms notify their topics")
def test_an_alarm_that_changes_state_notifies_its_topic_as_cloudwatch_does(emulator: str) -> None:
    # GIVEN an alarm on a metric, its ALARM and OK actions a topic a queue listens to
    sns, sqs, cloudwatch = (emulator_client(s, emulator) for s in ("sns", "sqs", "cloudwatch"))
    name = f"alarmed-{time.time_ns()}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # as on AWS, the queue's policy must let the topic deliver (the queue module's aws_sqs_queue_policy)
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})  # fmt: skip
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    quiet = f"{name}-quiet"
    for alarm, enabled in ((name, True), (quiet, False)):
        cloudwatch.put_metric_alarm(AlarmName=alarm, Namespace="Shop", MetricName="Refunds", Statistic="Sum",
                                    Period=60, EvaluationPeriods=1, Threshold=2, ComparisonOperator="GreaterThanThreshold",
                                    TreatMissingData="notBreaching", AlarmActions=[topic], OKActions=[topic],
                                    ActionsEnabled=enabled)  # fmt: skip
    (before,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    # WHEN the metric crosses the threshold (the evaluator runs every few seconds)
    cloudwatch.put_metric_data(Namespace="Shop", MetricData=[{"MetricName": "Refunds", "Value": 5}])

    def notices() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not found:
            for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                "Messages", []
            ):
                found.append(json.loads(message["Body"]))
        return found

    # THEN the topic gets CloudWatch's notice, from the alarm whose actions are enabled only
    (notice,) = notices()
    assert (notice["AlarmName"], notice["NewStateValue"], notice["OldStateValue"]) == (name, "ALARM",
                                                                                       before["StateValue"])  # fmt: skip
    assert notice["NewStateReason"].startswith("Threshold Crossed")
    assert notice["Trigger"]["MetricName"] == "Refunds" and notice["Trigger"]["Threshold"] == 2
    # AND an operator setting it back to OK by hand notifies the OK action
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="refunds reviewed")
    (back,) = notices()
    assert (back["NewStateValue"], back["NewStateReason"]) == ("OK", "refunds reviewed")


@pytest.mark.documents("emulator.md", "A throttled batch is tried again")
def test_a_throttled_sqs_batch_is_made_visible_again_and_runs_when_a_slot_frees(
    emulator: str, limited: str, control: EmulatorControl, clients: dict[str, Any]
) -> None:
    # GIVEN a queue mapped to the function, whose one slot a synchronous call holds
    sqs = emulator_client("sqs", emulator)
    queue = sqs.create_queue(QueueName=limited, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients["s3"].create_bucket(Bucket="captured")
    lam = emulator_client("lambda", emulator)
    busy = threading.Thread(
        target=lambda: lam.invoke(FunctionName=limited, Payload=b'{"action": "sleep", "seconds": 2}')
    )
    busy.start()
    wait_until(lambda: control.concurrency(limited) == 1)
    lam.create_event_source_mapping(FunctionName=limited, EventSourceArn=arn, BatchSize=1)
    # WHEN a message arrives while the slot is taken
    sqs.send_message(QueueUrl=queue, MessageBody="while busy")
    wait_until(lambda: throttles(emulator_client("cloudwatch", emulator), limited) >= 1)
    busy.join(30)
    # THEN it was throttled, made visible again a second later (not after its 30 s visibility), and ran
    assert control.wait_idle(20)
    ran = [h for h in control.invocations(limited) if h["source"] == "aws:sqs"]
    assert [(h["attempt"], h["errored"]) for h in ran] == [(1, False)]
    remaining = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (remaining["ApproximateNumberOfMessages"], remaining["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def _queue_for(sqs: Any, name: str, topic: str, kms_key: str | None) -> tuple[str, str]:
    attributes = {"KmsMasterKeyId": kms_key} if kms_key else {}
    queue = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})  # fmt: skip
    return queue, arn


@pytest.mark.documents("emulator.md", "Encrypted deliveries need a key the service may use")
def test_sns_delivers_into_a_queue_only_under_a_key_its_policy_lets_sns_use(emulator: str, control) -> None:
    sns, sqs, kms = (emulator_client(s, emulator) for s in ("sns", "sqs", "kms"))
    name = f"keyed-{time.time_ns()}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    allows_sns = kms.create_key(Policy=json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*"}]}))["KeyMetadata"]["Arn"]  # fmt: skip
    account_only = kms.create_key()["KeyMetadata"]["Arn"]  # the default key policy: the account's principals
    queues = {key: _queue_for(sqs, f"{name}-{n}", topic, key)
              for n, key in enumerate(("alias/aws/sqs", account_only, allows_sns, None))}  # fmt: skip
    for _, queue_arn in queues.values():
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="hello")  # the publisher is told nothing either way

    def received(key: str | None) -> list[str]:
        answer = sqs.receive_message(QueueUrl=queues[key][0], WaitTimeSeconds=0, MaxNumberOfMessages=10)
        return [m["Body"] for m in answer.get("Messages", [])]

    assert received(allows_sns) == ["hello"] and received(None) == ["hello"]
    assert received("alias/aws/sqs") == [] and received(account_only) == []
    log = control.log_file.read_text()
    assert "alias/aws/sqs is an AWS managed key, which sns.amazonaws.com cannot use" in log
    assert f"the policy of KMS key {account_only} does not let sns.amazonaws.com call" in log


@pytest.mark.documents("emulator.md", "Encrypted deliveries need a key the service may use")
def test_an_alarm_does_not_notify_a_topic_under_the_aws_managed_key(emulator: str, control) -> None:
    sns, cloudwatch = (emulator_client(s, emulator) for s in ("sns", "cloudwatch"))
    name = f"managed-{time.time_ns()}"
    topic = sns.create_topic(Name=name, Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="Shop", MetricName="Refunds", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=2, ComparisonOperator="GreaterThanThreshold",
                                AlarmActions=[topic])  # fmt: skip
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="forced")
    assert f"alarm {name}: action {topic} not notified: alias/aws/sns is an AWS managed key" in (
        control.log_file.read_text()
    )


@pytest.mark.documents("emulator.md", "Resource policies of buckets, secrets, queues and topics")
def test_an_alarm_notifies_a_topic_only_as_its_policy_lets_cloudwatch_publish(emulator: str, control) -> None:
    # GIVEN two topics: one with the policy SNS gives a new topic, one whose policy admits only S3
    sns, sqs, cloudwatch = (emulator_client(s, emulator) for s in ("sns", "sqs", "cloudwatch"))
    name = f"policed-{time.time_ns()}"
    default, s3_only = (sns.create_topic(Name=f"{name}-{n}")["TopicArn"] for n in ("default", "s3"))
    sns.set_topic_attributes(TopicArn=s3_only, AttributeName="Policy", AttributeValue=json.dumps({"Statement": [{
        "Sid": "BucketEvents", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "SNS:Publish", "Resource": s3_only}]}))  # fmt: skip
    queues = {topic: _queue_for(sqs, f"{name}-{n}", topic, None) for n, topic in enumerate((default, s3_only))}
    for topic, (_, queue_arn) in queues.items():
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="Shop", MetricName="Refunds", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=2, ComparisonOperator="GreaterThanThreshold",
                                AlarmActions=[default, s3_only])  # fmt: skip
    # WHEN the alarm fires
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="forced")

    # THEN only the topic whose policy lets CloudWatch publish is notified, and the log says why not
    def received(topic: str) -> list[str]:
        answer = sqs.receive_message(QueueUrl=queues[topic][0], WaitTimeSeconds=0, MaxNumberOfMessages=10)
        return [json.loads(m["Body"])["NewStateValue"] for m in answer.get("Messages", [])]

    assert received(default) == ["ALARM"] and received(s3_only) == []
    assert (f"alarm {name}: action {s3_only} not notified: the policy of {s3_only} does not let "
            "cloudwatch.amazonaws.com call sns:Publish") in control.log_file.read_text()  # fmt: skip


@pytest.mark.documents("emulator.md", "Queues report their depth")
def test_a_dead_letter_queue_that_is_not_empty_fires_its_alarm(emulator: str) -> None:
    # GIVEN a queue with the alarm the platform puts on its dead-letter queues, and a message in it
    sqs, cloudwatch = emulator_client("sqs", emulator), emulator_client("cloudwatch", emulator)
    name = f"dead-{time.time_ns()}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
                                Dimensions=[{"Name": "QueueName", "Value": name}], Statistic="Maximum", Period=60,
                                EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
                                TreatMissingData="notBreaching")  # fmt: skip
    sqs.send_message(QueueUrl=url, MessageBody="dead letter")

    # WHEN SQS samples the queue THEN the alarm fires, and the depth and the age are in AWS/SQS
    def state() -> str:
        return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]

    wait_until(lambda: state() == "ALARM")
    by_queue = [{"Name": "QueueName", "Value": name}]
    stats = cloudwatch.get_metric_statistics(Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
                                             Dimensions=by_queue, StartTime=time.time() - 300,
                                             EndTime=time.time() + 60, Period=60, Statistics=["Maximum"])  # fmt: skip
    assert stats["Datapoints"] and all(d["Unit"] == "Seconds" for d in stats["Datapoints"])
