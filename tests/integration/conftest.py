"""moto in-process: the handlers' AWS calls go to moto's backends; everything else runs for real."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests import hostile
from tests.httpserver import serve
from toolchain.emulator import moto_fixes

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
    moto_fixes.apply()  # the emulator's corrections of moto, so handlers meet the same AWS here
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
