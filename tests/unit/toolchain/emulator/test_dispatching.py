"""The emulator's HTTP server: an access log of what failed, and moto's service lookup done once."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from toolchain.emulator.dispatching import errors_only_handler, modules_listed_once


@pytest.mark.parametrize(
    ("code", "logged"),
    [(200, False), (HTTPStatus.NO_CONTENT, False), ("304", False), (400, True), (HTTPStatus.FORBIDDEN, True),
     (500, True), ("-", True)],
)  # fmt: skip
def test_only_refused_and_failed_requests_are_logged(code: object, logged: bool) -> None:
    handler = object.__new__(errors_only_handler())
    lines: list[tuple] = []
    handler.log = lambda kind, message, *args: lines.append((kind, message % args))  # type: ignore[method-assign]
    handler.requestline, handler.client_address = "POST / HTTP/1.1", ("127.0.0.1", 1)
    handler.log_request(code)
    assert bool(lines) is logged
    if logged:
        assert f'"POST / HTTP/1.1" {getattr(code, "value", code)}' in lines[0][1]


def test_moto_lists_its_services_once() -> None:
    calls = []

    def listing() -> list[str]:
        calls.append(1)
        return ["dynamodb", "s3"]

    listed = modules_listed_once(listing, None)
    assert listed() == listed() == ("dynamodb", "s3")
    assert len(calls) == 1
