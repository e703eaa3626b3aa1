"""The emulator in its own process, driven over HTTP with boto3 as Terraform and the handlers drive it."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.metrics import metric_sum
from toolchain.emulator.clients import emulator_client

from .emulated import code_zip

_counter = iter(range(1000))


@pytest.fixture
def function(clients: dict[str, Any], role: str, layer_arn: str) -> str:
    name = f"fn-{next(_counter)}"
    clients["lambda"].create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": code_zip()},
        Timeout=2, MemorySize=256, Layers=[layer_arn], Environment={"Variables": {"GREETING": "hi"}},
    )  # fmt: skip
    return name


def invoke(clients: dict[str, Any], name: str, event: dict[str, Any], **kwargs: Any) -> tuple[dict, dict]:
    response = clients["lambda"].invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    return json.loads(response["Payload"].read() or b"null"), response


@pytest.mark.documents("emulator.md", "Handlers run in worker processes")
def test_the_real_handler_runs_with_its_layer_environment_and_endpoint(clients, function, emulator) -> None:
    result, response = invoke(clients, function, {"action": "ok"})
    assert "FunctionError" not in response
    assert (result["greeting"], result["helper"], result["endpoint"]) == ("hi", "from the layer", emulator)
    assert 0 < result["remaining"] <= 2000


def test_a_handler_calls_back_into_the_emulator(clients, function) -> None:
    clients["s3"].create_bucket(Bucket="callback")
    invoke(clients, function, {"action": "s3", "bucket": "callback"})
    body = clients["s3"].get_object(Bucket="callback", Key="from-handler.txt")["Body"].read()
    assert body == b"written by the handler"


@pytest.mark.documents("emulator.md", "Timeouts, crashes and import errors, as Lambda reports them")
def test_an_uncaught_exception_is_unhandled_like_on_lambda(clients, function) -> None:
    result, response = invoke(clients, function, {"action": "fail"})
    assert response["FunctionError"] == "Unhandled"
    assert (result["errorType"], result["errorMessage"]) == ("RuntimeError", "asked to fail")


@pytest.mark.documents("emulator.md", "Logs with START, END and REPORT")
def test_logs_are_returned_and_written_to_the_log_group(clients, function) -> None:
    _, response = invoke(clients, function, {"action": "ok"}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert tail.startswith("START RequestId: ")
    assert 'handled {"action": "ok"}' in tail
    assert "\nREPORT RequestId: " in tail and "Init Duration:" in tail
    events = clients["logs"].filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    messages = [e["message"] for e in events]
    assert any(m.startswith("END RequestId: ") for m in messages)


@pytest.mark.documents("emulator.md", "Timeouts, crashes and import errors, as Lambda reports them")
def test_the_timeout_is_enforced(clients, function) -> None:
    before, _ = invoke(clients, function, {})
    result, response = invoke(clients, function, {"action": "sleep", "seconds": 20})
    assert response["FunctionError"] == "Unhandled"
    assert result["errorMessage"] == "Task timed out after 2.00 seconds"
    # The sandbox was reset, as Lambda resets it: the next invocation runs in a new process.
    after, _ = invoke(clients, function, {})
    assert after["pid"] != before["pid"]


@pytest.mark.documents("emulator.md", "Warm workers")
def test_warm_workers_are_reused_until_the_code_changes(clients, function) -> None:
    first, _ = invoke(clients, function, {})
    second, _ = invoke(clients, function, {})
    assert first["pid"] == second["pid"]
    clients["lambda"].update_function_code(FunctionName=function, ZipFile=code_zip("2"))
    third, _ = invoke(clients, function, {})
    assert third["version"] == "2"
    assert third["pid"] != first["pid"]


@pytest.mark.documents("emulator.md", "Asynchronous invocation")
def test_an_event_invocation_is_acknowledged_before_the_function_runs_out(clients, function, control) -> None:
    response = clients["lambda"].invoke(
        FunctionName=function, InvocationType="Event", Payload=b'{"action": "sleep", "seconds": 1.5}'
    )
    # The mechanism, not the clock: when Invoke answers, the 1.5 s invocation is queued, not finished.
    assert response["StatusCode"] == 202
    assert control.invocations(function) == []
    assert control.health()["async_pending"] == 1
    assert control.wait_async(30)
    assert [i["source"] for i in control.invocations(function)] == ["invoke-async"]


@pytest.mark.documents("emulator.md", "Asynchronous invocation")
def test_async_failures_are_retried_then_sent_to_the_failure_destination(clients, function, control) -> None:
    queue = clients["sqs"].create_queue(QueueName=f"{function}-failures")["QueueUrl"]
    queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    clients["lambda"].put_function_event_invoke_config(
        FunctionName=function, MaximumRetryAttempts=2, DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    response = clients["lambda"].invoke(FunctionName=function, InvocationType="Event", Payload=b'{"action": "fail"}')
    assert response["StatusCode"] == 202
    assert control.wait_async(30)
    messages = clients["sqs"].receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"action": "fail"}


@pytest.mark.documents("emulator.md", "Memory is a limit")
def test_a_function_over_its_memory_is_killed_as_lambda_kills_it(clients, function, control) -> None:
    # GIVEN a function with 128 MB and an on-failure destination, WHEN it allocates 400 MB
    clients["lambda"].update_function_configuration(FunctionName=function, MemorySize=128)
    queue = clients["sqs"].create_queue(QueueName=f"{function}-oom")["QueueUrl"]
    arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients["lambda"].put_function_event_invoke_config(
        FunctionName=function, MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    result, response = invoke(clients, function, {"action": "allocate", "mb": 400}, LogType="Tail")
    # THEN it is killed with Lambda's error and REPORT line, and the next invocation gets a new sandbox
    assert response["FunctionError"] == "Unhandled" and result["errorType"] == "Runtime.OutOfMemory"
    assert result["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "Memory Size: 128 MB\tMax Memory Used: 128 MB" in tail
    assert "FunctionError" not in invoke(clients, function, {"action": "ok"})[1]
    # AND asynchronously it is retried, then lands in its failure destination
    clients["lambda"].invoke(
        FunctionName=function, InvocationType="Event", Payload=b'{"action": "allocate", "mb": 400}'
    )
    assert control.wait_async(60)
    (message,) = clients["sqs"].receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorType"] == "Runtime.OutOfMemory"


def _notify(clients: dict, bucket: str, arn: str) -> None:
    clients["s3"].put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )


def _allow_s3(clients: dict, function: str, bucket: str, sid: str = "s3") -> None:
    """What an aws_lambda_permission for s3.amazonaws.com grants (the platform's name the bucket and account)."""
    clients["lambda"].add_permission(FunctionName=function, StatementId=sid, Action="lambda:InvokeFunction",
                                     Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}",
                                     SourceAccount="123456789012")  # fmt: skip


@pytest.mark.documents("emulator.md", "Asynchronous invocation")
def test_s3_notifications_invoke_asynchronously(clients, function, control, capture_bucket) -> None:
    s3 = clients["s3"]
    s3.create_bucket(Bucket=f"{function}-bucket")
    arn = clients["lambda"].get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    _allow_s3(clients, function, f"{function}-bucket")
    _notify(clients, f"{function}-bucket", arn)
    s3.put_object(Bucket=f"{function}-bucket", Key="k", Body=b"x")
    assert control.wait_async(30)
    history = control.invocations(function)
    assert [(h["source"], h["errored"]) for h in history] == [("aws:s3", False)]
    (event,) = captured(clients, "aws:s3")
    assert event["Records"][0]["s3"]["object"]["key"] == "k"


@pytest.mark.documents("emulator.md", "S3 notifies only the functions that allow it")
def test_a_notification_to_a_function_that_does_not_allow_s3_is_refused(clients, function, control) -> None:
    # GIVEN a bucket, and a function whose policy lets S3 invoke it from another bucket only
    bucket = f"{function}-refused"
    clients["s3"].create_bucket(Bucket=bucket)
    _allow_s3(clients, function, "some-other-bucket")
    arn = clients["lambda"].get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    # WHEN the notification is put, THEN S3's refusal, and the log says what to add
    with pytest.raises(ClientError) as refused:
        _notify(clients, bucket, arn)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert f'source_arn = "arn:aws:s3:::{bucket}"' in control.log_file.read_text()


@pytest.mark.documents("emulator.md", "S3 notifies only the functions that allow it")
def test_a_permission_removed_after_the_notification_fails_each_delivery(clients, function, control) -> None:
    bucket = f"{function}-revoked"
    clients["s3"].create_bucket(Bucket=bucket)
    _allow_s3(clients, function, bucket, sid="revoked")
    _notify(clients, bucket, clients["lambda"].get_function(FunctionName=function)["Configuration"]["FunctionArn"])
    clients["lambda"].remove_permission(FunctionName=function, StatementId="revoked")
    before = len(control.invocations(function))
    clients["s3"].put_object(Bucket=bucket, Key="k", Body=b"x")  # the upload itself succeeds
    assert control.wait_async(30)
    assert len(control.invocations(function)) == before
    assert f"s3: a delivery from arn:aws:s3:::{bucket}" in control.log_file.read_text()


@pytest.mark.documents("emulator.md", "S3 notifies only the functions that allow it")
def test_s3_sends_to_a_queue_or_topic_only_as_its_policy_allows(clients, function, control, emulator) -> None:
    # GIVEN a queue whose policy lets this bucket send, a topic whose policy names another bucket only
    sns, sqs, s3 = emulator_client("sns", emulator), clients["sqs"], clients["s3"]
    bucket = f"{function}-fanout"
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=f"{function}-uploads")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name=f"{function}-uploads")["TopicArn"]

    def allow(source_bucket: str, action: str, resource: str) -> str:
        return json.dumps({"Statement": [{"Sid": "BucketSends", "Effect": "Allow",
                           "Principal": {"Service": "s3.amazonaws.com"}, "Action": action, "Resource": resource,
                           "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source_bucket}"}}}]})  # fmt: skip

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": allow(bucket, "sqs:SendMessage", queue)})
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy",
                             AttributeValue=allow("another-bucket", "SNS:Publish", topic))  # fmt: skip
    to_queue = {"QueueConfigurations": [{"QueueArn": queue, "Events": ["s3:ObjectCreated:*"]}]}
    to_topic = {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]}
    # WHEN both are put THEN S3 refuses the topic, and the log names what its policy lacks
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={**to_queue, **to_topic})
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"
    assert f"the policy of {topic} does not let s3.amazonaws.com call sns:Publish" in control.log_file.read_text()
    # AND the queue alone is taken, and an upload reaches it
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=to_queue)
    s3.put_object(Bucket=bucket, Key="a.csv", Body=b"x")

    def events() -> list[dict[str, Any]]:  # without the s3:TestEvent S3 sends when the configuration is put
        answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
        for message in answer:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in answer if "Records" in json.loads(m["Body"])]

    assert [e["Records"][0]["s3"]["object"]["key"] for e in events()] == ["a.csv"]
    # WHEN the queue's policy is taken away afterwards THEN the upload succeeds and its event is lost, logged
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    s3.put_object(Bucket=bucket, Key="b.csv", Body=b"x")
    assert events() == []
    assert f"s3: a notification from {bucket} to {queue} failed" in control.log_file.read_text()


@pytest.mark.documents("emulator.md", "Control API")
def test_control_api_answers_unknown_routes_with_404(emulator: str) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{emulator}/_emulator/nope", timeout=5)
    assert caught.value.code == 404


def captured(clients, source: str) -> list[dict]:
    s3 = clients["s3"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="captured", Prefix=source).get("Contents", [])]
    return [json.loads(s3.get_object(Bucket="captured", Key=k)["Body"].read()) for k in keys]


@pytest.fixture(scope="module")
def capture_bucket(clients) -> str:
    clients["s3"].create_bucket(Bucket="captured")
    return "captured"


@pytest.mark.documents("emulator.md", "SNS to Lambda as AWS delivers it")
def test_sns_delivers_to_lambda_with_filter_policy_and_attributes(clients, function, control, capture_bucket) -> None:
    sns = emulator_client("sns", control.require().endpoint)
    topic = sns.create_topic(Name=f"{function}-topic")["TopicArn"]
    arn = clients["lambda"].get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    clients["lambda"].add_permission(FunctionName=function, StatementId="sns", Action="lambda:InvokeFunction",
                                     Principal="sns.amazonaws.com", SourceArn=topic)  # fmt: skip
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn,
                  Attributes={"FilterPolicy": json.dumps({"event_type": ["order.completed"]})})  # fmt: skip
    sns.publish(
        TopicArn=topic,
        Message="ignored",
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "order.created"}},
    )
    published = sns.publish(TopicArn=topic, Message='{"order_id": "o-1"}', Subject="done",
                            MessageAttributes={"event_type": {"DataType": "String", "StringValue": "order.completed"}})  # fmt: skip
    assert control.wait_async(30)
    events = [e for e in captured(clients, "aws:sns") if e["Records"][0]["Sns"]["TopicArn"] == topic]
    assert len(events) == 1
    sns_part = events[0]["Records"][0]["Sns"]
    assert (sns_part["MessageId"], sns_part["Message"], sns_part["Subject"]) == (
        published["MessageId"],
        '{"order_id": "o-1"}',
        "done",
    )
    assert sns_part["MessageAttributes"] == {"event_type": {"Type": "String", "Value": "order.completed"}}


@pytest.mark.documents("emulator.md", "SNS to Lambda as AWS delivers it")
def test_sns_does_not_deliver_to_a_function_that_does_not_allow_it(clients, function, control) -> None:
    sns = emulator_client("sns", control.require().endpoint)
    topic = sns.create_topic(Name=f"{function}-unallowed")["TopicArn"]
    arn = clients["lambda"].get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    before = len(control.invocations(function))
    sns.publish(TopicArn=topic, Message="{}")  # the publisher is not told
    assert control.wait_async(30)
    assert len(control.invocations(function)) == before
    log = control.log_file.read_text()
    assert f"sns: a delivery from {topic} to {arn} failed" in log
    assert f'principal = "sns.amazonaws.com", source_arn = "{topic}"' in log
    # AND SNS counts it failed, as AWS/SNS does
    cloudwatch, by_topic = (
        emulator_client("cloudwatch", control.require().endpoint),
        {"TopicName": topic.rsplit(":", 1)[-1]},
    )
    assert metric_sum(cloudwatch, "AWS/SNS", "NumberOfNotificationsFailed", by_topic) == 1
    assert metric_sum(cloudwatch, "AWS/SNS", "NumberOfNotificationsDelivered", by_topic) == 0


@pytest.mark.documents("emulator.md", "EventBridge schedules, fired")
def test_a_rule_whose_target_does_not_allow_eventbridge_counts_a_failed_invocation(clients, function, control) -> None:
    events = emulator_client("events", control.require().endpoint)
    arn = clients["lambda"].get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    events.put_rule(Name=f"{function}-unallowed", ScheduleExpression="rate(1 day)")
    events.put_targets(Rule=f"{function}-unallowed", Targets=[{"Id": "fn", "Arn": arn}])
    # WHEN the rule fires at a function whose resource policy does not let EventBridge invoke it
    assert control.fire(f"{function}-unallowed") == []
    # THEN nothing runs, and AWS/Events counts the invocation and its failure
    cloudwatch, by_rule = (
        emulator_client("cloudwatch", control.require().endpoint),
        {"RuleName": f"{function}-unallowed"},
    )
    assert metric_sum(cloudwatch, "AWS/Events", "Invocations", by_rule) == 1
    assert metric_sum(cloudwatch, "AWS/Events", "FailedInvocations", by_rule) == 1


@pytest.mark.documents("emulator.md", "SQS mappings, polled")
def test_sqs_batches_are_polled_retried_and_dead_lettered(clients, function, control, capture_bucket) -> None:
    sqs = clients["sqs"]
    dlq = sqs.create_queue(QueueName=f"{function}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName=f"{function}-q", Attributes={"VisibilityTimeout": "2",
                             "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})["QueueUrl"]  # fmt: skip
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message(QueueUrl=queue, MessageBody="fine 1")
    sqs.send_message(QueueUrl=queue, MessageBody="fine 2")
    clients["lambda"].create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function, BatchSize=10)
    # Lambda checks the visibility timeout (at least the function's 2 s) only when the mapping is made;
    # a shorter one afterwards keeps the poison pill's retries quick.
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "1"})
    deadline = time.monotonic() + 20
    while (
        time.monotonic() < deadline
        and len([e for e in captured(clients, "aws:sqs") if e["Records"][0]["eventSourceARN"] == queue_arn]) < 1
    ):
        time.sleep(0.3)
    batches = [e for e in captured(clients, "aws:sqs") if e["Records"][0]["eventSourceARN"] == queue_arn]
    assert sorted(r["body"] for b in batches for r in b["Records"]) == ["fine 1", "fine 2"]  # one batch, both messages
    assert batches[0]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "1"
    sqs.send_message(QueueUrl=queue, MessageBody="poison pill")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
        if moved:
            break
    assert [m["Body"] for m in moved] == ["poison pill"]
    poison_deliveries = [r for b in captured(clients, "aws:sqs") for r in b["Records"] if r["body"] == "poison pill"]
    assert sorted(r["attributes"]["ApproximateReceiveCount"] for r in poison_deliveries) == ["1", "2"]


class DapClient:
    """Enough of the Debug Adapter Protocol to attach as an IDE does: requests and their responses."""

    def __init__(self, port: int) -> None:
        import socket

        deadline = time.monotonic() + 60
        while True:
            try:
                self.conn = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.seq = 0
        self.buffer = b""

    def send(self, command: str, **arguments: Any) -> int:
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command, "arguments": arguments}).encode()
        self.conn.sendall(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        return self.seq

    def wait(self, kind: str, name: str | int) -> dict[str, Any]:
        """The next message that is this response (to a request seq) or this event."""
        while True:
            message = self._message()
            if kind == "response" and message.get("type") == "response" and message.get("request_seq") == name:
                return message
            if kind == "event" and message.get("type") == "event" and message.get("event") == name:
                return message

    def _message(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.conn.recv(65536)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(head.decode().split("Content-Length:")[1].split("\r\n")[0])
        while len(self.buffer) < length:
            self.buffer += self.conn.recv(65536)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(body)


def test_a_function_waits_for_a_debugger_and_runs_once_one_attaches(clients, function, control) -> None:
    import socket
    import threading

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    control.debug(function, port)
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(invoke(clients, function, {"action": "ok"})))
    caller.start()
    try:
        dap = DapClient(port)
        initialize = dap.send("initialize", adapterID="debugpy", clientID="tests", linesStartAt1=True)
        capabilities = dap.wait("response", initialize)
        assert capabilities["success"] and capabilities["body"]["supportsConfigurationDoneRequest"]
        attach = dap.send("attach", justMyCode=False)
        dap.wait("event", "initialized")  # the adapter asks for configuration, then the attach completes
        assert dap.wait("response", dap.send("configurationDone"))["success"]
        assert dap.wait("response", attach)["success"]
        caller.join(60)
        ((result, response),) = answers
        assert "FunctionError" not in response and result["pid"]
    finally:
        control.debug(function, 0)
        caller.join(60)
    _, after = invoke(clients, function, {"action": "ok"}, LogType="Tail")
    assert "FunctionError" not in after
