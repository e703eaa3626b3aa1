"""Proxy events in, proxy responses out: parsing, routing, the error shape, CORS."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from lambdas.common.exceptions import InvalidEvent, PayloadTooLarge
from lambdas.common.http import MAX_BODY_BYTES, Cors, Request, Router, parse_request, response, to_json


def event(method: str = "GET", resource: str = "/things", **extra) -> dict:
    return {"httpMethod": method, "resource": resource, "path": resource, "headers": {"Origin": "https://app.example"},
            "requestContext": {"requestId": "r-1", "path": f"/prod{resource}"}, **extra}  # fmt: skip


def router(origins: tuple[str, ...] = ("https://app.example",)) -> Router:
    r = Router(lambda: Cors(origins))

    @r.route("GET", "/things")
    def things(request: Request) -> dict:
        return response(200, {"n": Decimal("3"), "price": Decimal("1.50"), "path": request.public_path})

    @r.route("POST", "/things")
    def boom(request: Request) -> dict:
        raise KeyError("table secret-internal-name")

    return r


def handle(r: Router, evt: dict) -> tuple[dict, list]:
    errors = []
    result = r.handle(evt, lambda exc, status: errors.append((type(exc).__name__, status)))
    return result, errors


def test_decimals_are_json_numbers() -> None:
    assert to_json({"a": Decimal("2"), "b": Decimal("2.5")}) == '{"a":2,"b":2.5}'


def test_a_route_answers_with_cors_for_an_allowed_origin() -> None:
    result, _ = handle(router(), event())
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"n": 3, "price": 1.5, "path": "/prod/things"}
    assert result["headers"]["Access-Control-Allow-Origin"] == "https://app.example"
    assert result["headers"]["Vary"] == "Origin"


def test_an_origin_not_listed_gets_no_cors_header() -> None:
    result, _ = handle(router(("https://other.example",)), event())
    assert "Access-Control-Allow-Origin" not in result["headers"]


def test_preflight_lists_the_methods_of_the_resource() -> None:
    result, _ = handle(router(), event("OPTIONS"))
    assert result["statusCode"] == 204
    assert result["headers"]["Access-Control-Allow-Methods"] == "GET, OPTIONS, POST"
    assert "Authorization" in result["headers"]["Access-Control-Allow-Headers"]


@pytest.mark.documents("services.md", "Routes and errors")
def test_unknown_methods_get_405_with_allow() -> None:
    result, errors = handle(router(), event("DELETE"))
    assert result["statusCode"] == 405
    assert result["headers"]["Allow"] == "GET, POST"
    assert json.loads(result["body"])["error"]["code"] == "method_not_allowed"
    assert errors == [("MethodNotAllowed", 405)]


def test_unknown_resources_get_404() -> None:
    result, _ = handle(router(), event(resource="/else"))
    assert result["statusCode"] == 404
    assert json.loads(result["body"]) == {"error": {"code": "not_found", "message": "no route for /else"}}


def test_internal_errors_leak_nothing() -> None:
    result, errors = handle(router(), event("POST"))
    assert result["statusCode"] == 500
    assert "secret-internal-name" not in result["body"]
    assert json.loads(result["body"])["error"]["code"] == "internal_error"
    assert errors == [("KeyError", 500)]


@pytest.mark.parametrize(
    "bad",
    [None, [], {"httpMethod": "GET"}, {"resource": "/x"}, event(body=5), event(headers="x"),
     event(body="%%%", isBase64Encoded=True)],
)  # fmt: skip
def test_events_api_gateway_never_sends_are_invalid(bad) -> None:
    with pytest.raises(InvalidEvent):
        parse_request(bad)
    result, _ = handle(router(), bad)
    assert result["statusCode"] == 400


def test_base64_bodies_are_decoded() -> None:
    request = parse_request(event(body=base64.b64encode(b'{"a": 1}').decode(), isBase64Encoded=True))
    assert request.json() == {"a": 1}


def test_oversize_bodies_are_refused() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_request(event(body="x" * (MAX_BODY_BYTES + 1)))


def test_headers_are_case_insensitive() -> None:
    request = parse_request(event(headers={"X-Slack-Signature": "v0=1"}))
    assert request.headers.get("x-slack-signature") == "v0=1"
