"""moto in-process: the handlers' AWS calls go to moto's backends; everything else runs for real."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests import hostile
from tests.httpserver import serve
from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl
from toolchain.emulator.patches import apply_corrections

from .emulated import layer_zip
from .world import World, build_world, fresh_container


@dataclass
class FakeLambdaContext:
    """The attributes Lambda's context has; handlers read them through Powertools."""

    function_name: str = "test-function"
    memory_limit_in_mb: str = "512"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def moto_aws() -> Iterator[None]:
    apply_corrections()  # the emulator's corrections of moto, so handlers meet the same AWS here
    fresh_container()
    with mock_aws():
        yield
    fresh_container()


@pytest.fixture
def s3(moto_aws: None) -> Any:
    return boto3.client("s3", region_name="us-east-1")


def logged(caplog: pytest.LogCaptureFixture, message: str) -> list[logging.LogRecord]:
    """Records a handler logged with this message; Powertools puts `extra=` fields on the record."""
    return [r for r in caplog.records if r.getMessage() == message]


def _fixed(reply: tuple[Any, ...]) -> Any:
    return lambda _path: reply


@pytest.fixture
def world(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Every handler's resources in moto, and a local HTTP server with shop pages and a weather service."""
    routes = {path: _fixed(reply) for path, reply in hostile.page_cases().items()}
    routes["/ok"] = _fixed((200, "text/html", b'<span class="price">$10.00</span>'))
    routes["/weather/"] = _fixed((200, "application/json", b"{}"))
    with serve(routes) as url:
        monkeypatch.setattr(serve, "base", url, raising=False)
        yield build_world(monkeypatch, url)


# -- the emulator process, one per test module that asks for it ------------------------------------
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
    arn = clients["iam"].create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # The emulator enforces each function's role (test_emulator_iam.py): these handlers call back into
    # the queues, buckets, topics and tables their tests make, whatever their names.
    grants = {"Version": "2012-10-17", "Statement": [
        {"Sid": "TestHandlers", "Effect": "Allow", "Action": ["sqs:*", "s3:*", "sns:*", "dynamodb:*", "lambda:*",
                                                         "kinesis:*", "logs:*", "events:*", "states:*"],
         "Resource": "*"}]}  # fmt: skip
    clients["iam"].put_role_policy(RoleName="fn-role", PolicyName="test-handlers", PolicyDocument=json.dumps(grants))
    return arn


@pytest.fixture(scope="module")
def layer_arn(clients: dict[str, Any]) -> str:
    return clients["lambda"].publish_layer_version(LayerName="helpers", Content={"ZipFile": layer_zip()})[
        "LayerVersionArn"
    ]
