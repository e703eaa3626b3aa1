"""Faults injected by seed: each answered as its service answers it on AWS, the same seed giving the
same faults to the same requests, only the functions' calls faulted unless asked otherwise."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from toolchain.emulator.control import EmulatorControl
from toolchain.errors import ToolchainError

from .emulated import behind_live

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=NO_RETRIES)  # fmt: skip


def _failures(ddb: Any, count: int) -> list[tuple[int, str]]:
    failed = []
    for n in range(count):
        try:
            ddb.get_item(TableName="faulted", Key={"pk": {"S": "x"}})
        except ClientError as error:
            failed.append((n, error.response["Error"]["Code"]))
    return failed


@pytest.mark.documents("emulator.md", "Faults by seed")
def test_the_same_seed_gives_the_same_faults_to_the_same_requests(control: EmulatorControl, emulator: str) -> None:
    ddb = _client("dynamodb", emulator)
    ddb.create_table(TableName="faulted", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")  # fmt: skip
    rules = [{"service": "dynamodb", "kind": "throttle", "rate": 0.2}, {"service": "dynamodb", "kind": "error",
                                                                        "rate": 0.1}]  # fmt: skip
    try:
        control.set_faults(7, rules, functions_only=False)
        first = _failures(ddb, 60)
        sequence = control.faults()["sequence"]
        control.set_faults(7, rules, functions_only=False)
        again = _failures(ddb, 60)
        assert again == first and control.faults()["sequence"] == sequence
        assert {code for _n, code in first} == {"ProvisionedThroughputExceededException", "InternalFailure"}
        assert 6 <= len(first) <= 30  # about 28% of 60, as the rates ask
        control.set_faults(8, rules, functions_only=False)
        assert _failures(ddb, 60) != first  # another seed, other requests
    finally:
        control.set_faults(0, [])
    assert _failures(ddb, 10) == []


def test_each_service_answers_a_fault_as_it_does_on_aws(control: EmulatorControl, emulator: str) -> None:
    s3, sns, sqs = _client("s3", emulator), _client("sns", emulator), _client("sqs", emulator)
    s3.create_bucket(Bucket="faulted-bucket")
    rules = [{"service": s, "kind": "throttle", "rate": 1.0} for s in ("s3", "sns", "sqs")]
    try:
        control.set_faults(1, rules, functions_only=False)
        answers = {}
        for name, call in (("s3", lambda: s3.put_object(Bucket="faulted-bucket", Key="k", Body=b"x")),
                           ("sns", lambda: sns.list_topics()), ("sqs", lambda: sqs.list_queues())):  # fmt: skip
            with pytest.raises(ClientError) as refused:
                call()
            answers[name] = (refused.value.response["ResponseMetadata"]["HTTPStatusCode"],
                             refused.value.response["Error"]["Code"])  # fmt: skip
        assert answers == {"s3": (503, "SlowDown"), "sns": (400, "Throttling"), "sqs": (400, "ThrottlingException")}
        # and a client with its default retries rides over a fault that passes
        control.set_faults(1, [{"service": "s3", "kind": "throttle", "rate": 0.5}], functions_only=False)
        retrying = boto3.client("s3", endpoint_url=emulator, region_name="us-east-1", aws_access_key_id="test",
                                aws_secret_access_key="test", config=Config(retries={"max_attempts": 10,
                                                                                     "mode": "standard"}))  # fmt: skip
        for n in range(10):
            retrying.put_object(Bucket="faulted-bucket", Key=f"k{n}", Body=b"x")
        assert control.faults()["injected"].get("s3:throttle", 0) > 0
    finally:
        control.set_faults(0, [])
    assert s3.get_object(Bucket="faulted-bucket", Key="k9")["Body"].read() == b"x"


def test_by_default_only_the_functions_calls_are_faulted(control: EmulatorControl, emulator: str,
                                                         clients: dict[str, Any], role: str, layer_arn: str) -> None:  # fmt: skip
    name = behind_live(clients["lambda"], role, layer_arn, "faulted")
    clients["s3"].create_bucket(Bucket="faulted-by-function")
    try:
        control.set_faults(3, [{"service": "s3", "kind": "error", "rate": 1.0}])
        clients["s3"].put_object(Bucket="faulted-by-function", Key="edge.txt", Body=b"not faulted")  # the edge's
        answer = clients["lambda"].invoke(FunctionName=name, Qualifier="live",
                                          Payload=json.dumps({"action": "s3", "bucket": "faulted-by-function"}))  # fmt: skip
        assert answer.get("FunctionError") == "Unhandled"
        error = json.loads(answer["Payload"].read())
        assert "InternalError" in error["errorMessage"], error
        assert control.faults()["injected"]["s3:error"] >= 1
    finally:
        control.set_faults(0, [])


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"service": "iam", "kind": "throttle", "rate": 0.1}, "faults are injected into dynamodb"),
        ({"service": "s3", "kind": "explode", "rate": 0.1}, "a fault is one of throttle, error, latency"),
        ({"service": "s3", "kind": "error", "rate": 2}, "a rate is from 0 to 1"),
        ({"service": "s3", "kind": "latency", "rate": 0.1}, "give 1 to 30000 ms"),
    ],
)
def test_a_fault_that_cannot_be_injected_is_refused(control: EmulatorControl, rule: dict[str, Any],
                                                    reason: str) -> None:  # fmt: skip
    with pytest.raises(ToolchainError, match=reason):
        control.set_faults(1, [rule])
    assert control.faults()["rules"] == []


@pytest.mark.documents("emulator.md", "Workers crashed on request")
def test_a_crashed_worker_fails_its_invocation_and_the_next_one_starts_cold(
    control: EmulatorControl, clients: dict[str, Any], role: str, layer_arn: str
) -> None:
    import threading

    name = behind_live(clients["lambda"], role, layer_arn, "crashed")
    answers: list[dict[str, Any]] = []
    # GIVEN an invocation running in the function's worker
    running = threading.Thread(target=lambda: answers.append(clients["lambda"].invoke(
        FunctionName=name, Qualifier="live", Payload=json.dumps({"action": "sleep", "seconds": 5}))))  # fmt: skip
    running.start()
    # WHEN its worker is killed (once it has started: until then there is no process to kill)
    while (crashed := control.crash_workers(name)) == 0:
        assert running.is_alive(), answers
        threading.Event().wait(0.02)
    assert crashed == 1
    running.join(timeout=30)
    # THEN that invocation fails as a crashed environment does on Lambda, and the next one runs
    (answer,) = answers
    error = json.loads(answer["Payload"].read())
    assert (answer.get("FunctionError"), error["errorType"]) == ("Unhandled", "Runtime.ExitError"), error
    assert "FunctionError" not in clients["lambda"].invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
    assert control.crash_workers("no-such-function") == 0
