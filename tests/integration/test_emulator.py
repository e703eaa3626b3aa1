"""The emulator in its own process, driven over HTTP with boto3 as Terraform and the handlers drive it."""

from __future__ import annotations

import base64
import io
import json
import os
import textwrap
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl

HANDLER = """
import json, os, time
import boto3

def handler(event, context):
    action = event.get("action")
    if action == "fail":
        raise RuntimeError("asked to fail")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "s3":
        s3 = boto3.client("s3")
        s3.put_object(Bucket=event["bucket"], Key="from-handler.txt", Body=b"written by the handler")
    print("handled", json.dumps(event)[:60])
    return {"pid": os.getpid(), "version": VERSION, "remaining": context.get_remaining_time_in_millis(),
            "greeting": os.environ.get("GREETING"), "helper": __import__("helper").VALUE,
            "endpoint": os.environ.get("AWS_ENDPOINT_URL")}

VERSION = "__VERSION__"
"""


def code_zip(version: str = "1") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", textwrap.dedent(HANDLER).replace("__VERSION__", version))
    return out.getvalue()


def layer_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("python/helper.py", "VALUE = 'from the layer'\n")
    return out.getvalue()


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorControl]:
    previous = os.environ.get("EMULATOR_ASYNC_RETRY_DELAYS")
    os.environ["EMULATOR_ASYNC_RETRY_DELAYS"] = "0.2,0.2"
    emulator = EmulatorControl(tmp_path_factory.mktemp("emulator"))
    _, started = emulator.start()
    assert started
    yield emulator
    emulator.stop()
    if previous is None:
        os.environ.pop("EMULATOR_ASYNC_RETRY_DELAYS", None)
    else:
        os.environ["EMULATOR_ASYNC_RETRY_DELAYS"] = previous


@pytest.fixture(scope="module")
def emulator(control: EmulatorControl) -> str:
    return control.require().endpoint


@pytest.fixture(scope="module")
def clients(emulator: str) -> dict[str, Any]:
    return {name: emulator_client(name, emulator) for name in ("lambda", "iam", "s3", "sqs", "logs")}


@pytest.fixture(scope="module")
def role(clients: dict[str, Any]) -> str:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}  # fmt: skip
    return clients["iam"].create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


@pytest.fixture(scope="module")
def layer_arn(clients: dict[str, Any]) -> str:
    return clients["lambda"].publish_layer_version(LayerName="helpers", Content={"ZipFile": layer_zip()})[
        "LayerVersionArn"
    ]


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


def test_an_uncaught_exception_is_unhandled_like_on_lambda(clients, function) -> None:
    result, response = invoke(clients, function, {"action": "fail"})
    assert response["FunctionError"] == "Unhandled"
    assert (result["errorType"], result["errorMessage"]) == ("RuntimeError", "asked to fail")


def test_logs_are_returned_and_written_to_the_log_group(clients, function) -> None:
    _, response = invoke(clients, function, {"action": "ok"}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert tail.startswith("START RequestId: ")
    assert 'handled {"action": "ok"}' in tail
    assert "\nREPORT RequestId: " in tail and "Init Duration:" in tail
    events = clients["logs"].filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    messages = [e["message"] for e in events]
    assert any(m.startswith("END RequestId: ") for m in messages)


def test_the_timeout_is_enforced(clients, function) -> None:
    started = time.monotonic()
    result, response = invoke(clients, function, {"action": "sleep", "seconds": 20})
    assert time.monotonic() - started < 8
    assert response["FunctionError"] == "Unhandled"
    assert result["errorMessage"] == "Task timed out after 2.00 seconds"


def test_warm_workers_are_reused_until_the_code_changes(clients, function) -> None:
    first, _ = invoke(clients, function, {})
    second, _ = invoke(clients, function, {})
    assert first["pid"] == second["pid"]
    clients["lambda"].update_function_code(FunctionName=function, ZipFile=code_zip("2"))
    third, _ = invoke(clients, function, {})
    assert third["version"] == "2"
    assert third["pid"] != first["pid"]


def test_async_failures_are_retried_then_sent_to_the_failure_destination(clients, function, control) -> None:
    queue = clients["sqs"].create_queue(QueueName=f"{function}-failures")["QueueUrl"]
    queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    clients["lambda"].put_function_event_invoke_config(
        FunctionName=function, MaximumRetryAttempts=2, DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    started = time.monotonic()
    response = clients["lambda"].invoke(FunctionName=function, InvocationType="Event", Payload=b'{"action": "fail"}')
    assert response["StatusCode"] == 202
    assert time.monotonic() - started < 1.5
    assert control.wait_async(30)
    messages = clients["sqs"].receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"action": "fail"}


def test_s3_notifications_invoke_asynchronously(clients, function, control) -> None:
    s3 = clients["s3"]
    s3.create_bucket(Bucket=f"{function}-bucket")
    arn = clients["lambda"].get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    s3.put_bucket_notification_configuration(
        Bucket=f"{function}-bucket",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    started = time.monotonic()
    s3.put_object(Bucket=f"{function}-bucket", Key="k", Body=b"x")
    assert time.monotonic() - started < 1.5  # PutObject does not wait for the function
    assert control.wait_async(30)
    history = control.invocations(function)
    assert [(h["source"], h["errored"]) for h in history] == [("aws:s3", False)]


def test_control_api_answers_unknown_routes_with_404(emulator: str) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{emulator}/_emulator/nope", timeout=5)
    assert caught.value.code == 404
