"""The Slack bot: its signing secret from moto's Secrets Manager, the weather over real HTTP on localhost."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import boto3
import pytest

from lambdas.common import secrets, settings
from lambdas.services.slack import adapters
from lambdas.services.slack import handler as slack
from lambdas.services.slack.signature import sign
from tests.httpserver import serve

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def weather(path: str) -> tuple[int, str, bytes]:
    body = {"current_condition": [{"temp_C": "18", "weatherDesc": [{"value": "Partly cloudy"}]}]}
    return 200, "application/json", json.dumps(body).encode()


@pytest.fixture
def bot(moto_aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    arn = sm.create_secret(Name="slack", SecretString=SIGNING_SECRET)["ARN"]
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="users", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )  # fmt: skip
    routes = {"/w/": weather, "/down/": lambda path: (503, "text/plain", b"maintenance"),
              "/slow/": weather, "/junk/": lambda path: (200, "text/html", b"<html>")}  # fmt: skip
    with serve(routes, delays={"/slow/": 30}) as url:
        monkeypatch.setenv("SLACK_SIGNING_SECRET_ID", arn)
        monkeypatch.setenv("WEATHER_URL", f"{url}/w/{{place}}?format=j1")
        monkeypatch.setenv("WEATHER_TIMEOUT_SECONDS", "1")
        monkeypatch.setenv("STATUS_TABLES", "users")
        monkeypatch.setenv("STATUS_FUNCTIONS", "gone-function")
        monkeypatch.setattr(serve, "base", url, raising=False)
        settings.clear_cached()
        slack.bot.cache_clear()
        secrets._provider.cache_clear()
        yield
        settings.clear_cached()
        slack.bot.cache_clear()


def post(load_event, context, body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET,
         signature: str | None = None) -> tuple[int, dict]:  # fmt: skip
    ts = str(int(time.time()) if timestamp is None else timestamp)
    event = load_event("apigateway-rest-proxy.json")
    event.update(httpMethod="POST", resource="/slack/commands", path="/slack/commands", pathParameters=None, body=body)
    event["headers"] = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                        "X-Slack-Signature": sign(secret.encode(), ts, body.encode()) if signature is None else signature}  # fmt: skip
    result = slack.lambda_handler(event, context)
    return result["statusCode"], json.loads(result["body"])


def command(name: str, text: str = "") -> str:
    return urlencode({"token": "x", "team_id": "T1", "user_id": "U1", "command": name, "text": text})


@pytest.mark.documents("services.md", "Commands, within Slack's 3 seconds")
def test_weather_makes_a_real_request(bot, load_event, lambda_context) -> None:
    status, reply = post(load_event, lambda_context, command("/weather", "Lisbon"))
    assert (status, reply) == (200, {"response_type": "in_channel", "text": "Weather in Lisbon: 18°C, partly cloudy"})
    assert any(h.startswith("/w/Lisbon") for h in serve.hits)


@pytest.mark.parametrize(
    ("route", "cause"), [("down", "HTTPError"), ("slow", "ReadTimeout"), ("junk", "JSONDecodeError")]
)
@pytest.mark.documents("services.md", "Commands, within Slack's 3 seconds")
def test_a_failing_weather_service_gets_a_friendly_reply_in_time(
    bot, load_event, lambda_context, monkeypatch, caplog, route: str, cause: str
) -> None:
    monkeypatch.setenv("WEATHER_URL", f"{serve.base}/{route}/{{place}}")
    settings.clear_cached()
    slack.bot.cache_clear()
    status, reply = post(load_event, lambda_context, command("/weather", "Porto"))
    assert (status, reply["response_type"]) == (200, "ephemeral")
    assert "can't get the weather for Porto" in reply["text"]
    # The mechanism, not the clock: "slow" answers after 30 s; the 1 s read timeout ended the wait.
    (unavailable,) = [r for r in caplog.records if r.getMessage() == "weather unavailable"]
    assert unavailable.reason.startswith(cause)


@pytest.mark.documents("services.md", "Commands, within Slack's 3 seconds")
def test_status_checks_the_platforms_resources(bot, load_event, lambda_context, monkeypatch) -> None:
    # what each check answers, not whether a loaded machine's moto answers within the 1.5 s budget
    # (the wait ends as soon as both have answered)
    monkeypatch.setattr(adapters, "STATUS_BUDGET_SECONDS", 120.0)
    status, reply = post(load_event, lambda_context, command("/status"))
    lines = reply["text"].splitlines()
    assert (status, reply["response_type"], lines[0]) == (200, "ephemeral", "Some resources are unhealthy.")
    assert "✅ table users: ACTIVE" in lines
    assert "❌ function gone-function: ResourceNotFoundException" in lines


@pytest.mark.documents("services.md", "Commands, within Slack's 3 seconds")
def test_joke_and_help(bot, load_event, lambda_context) -> None:
    assert post(load_event, lambda_context, command("/joke"))[1]["response_type"] == "in_channel"
    assert "Commands:" in post(load_event, lambda_context, command("/what"))[1]["text"]


@pytest.mark.parametrize(
    "kind",
    ["tampered body", "wrong secret", "replayed (old timestamp)", "no signature"],
)
@pytest.mark.documents("services.md", "Signed requests")
def test_unsigned_tampered_and_replayed_requests_get_401(bot, load_event, lambda_context, caplog, kind: str) -> None:
    body = command("/joke")
    if kind == "tampered body":
        ts = int(time.time())
        good = sign(SIGNING_SECRET.encode(), str(ts), body.encode())
        status, reply = post(load_event, lambda_context, body + "&text=x", timestamp=ts, signature=good)
    elif kind == "wrong secret":
        status, reply = post(load_event, lambda_context, body, secret="not-the-secret")
    elif kind == "replayed (old timestamp)":
        status, reply = post(load_event, lambda_context, body, timestamp=int(time.time()) - 600)
    else:
        status, reply = post(load_event, lambda_context, body, signature="")
    assert (status, reply["error"]["code"]) == (401, "bad_signature")
    assert [r for r in caplog.records if r.getMessage() == "request rejected"]
