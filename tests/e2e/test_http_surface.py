"""The REST API over real HTTP on localhost, after `invoke up`: users, the authorizer, the Slack bot."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
import requests

from lambdas.services.slack.signature import sign
from tests import tokens

from .conftest import Deployed

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def auth(secret: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens.hs256(secret)}


@pytest.mark.documents("emulator.md", "Stages served from their deployment")
def test_up_prints_the_local_api(deployed: Deployed, api: str) -> None:
    assert f"platform-local-api (local)  {api}" in deployed.up_output


def test_users_crud_over_http(api: str, auth: dict[str, str]) -> None:
    created = requests.post(
        f"{api}/users", json={"name": "Grace Hopper", "email": "grace@navy.example"}, headers=auth, timeout=30
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["Location"] == f"/local/users/{user['userId']}"
    assert requests.get(f"{api}/users/{user['userId']}", headers=auth, timeout=10).json() == user
    patched = requests.patch(
        f"{api}/users/{user['userId']}", json={"name": "Rear Admiral Hopper"}, headers=auth, timeout=10
    )
    assert (patched.status_code, patched.json()["name"]) == (200, "Rear Admiral Hopper")
    assert requests.delete(f"{api}/users/{user['userId']}", headers=auth, timeout=10).status_code == 204
    gone = requests.get(f"{api}/users/{user['userId']}", headers=auth, timeout=10)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "user_not_found")


def test_listing_over_several_pages(api: str, auth: dict[str, str]) -> None:
    emails = {f"pager{n}@example.com" for n in range(5)}
    for n, email in enumerate(sorted(emails)):
        assert (
            requests.post(
                f"{api}/users", json={"name": f"Pager {n}", "email": email}, headers=auth, timeout=10
            ).status_code
            == 201
        )
    seen, url, pages = set(), f"{api}/users?limit=2", 0
    while url:
        page = requests.get(url, headers=auth, timeout=10).json()
        assert len(page["items"]) <= 2
        seen |= {u["email"] for u in page["items"]}
        pages += 1
        url = f"{api}/users?limit=2&next={page['next']}" if page.get("next") else None
    assert emails <= seen
    assert pages >= 3


def test_a_duplicate_email_is_409_and_errors_have_one_shape(api: str, auth: dict[str, str]) -> None:
    body = {"name": "Twin", "email": "twin@example.com"}
    assert requests.post(f"{api}/users", json=body, headers=auth, timeout=10).status_code == 201
    again = requests.post(f"{api}/users", json={**body, "email": "TWIN@example.com"}, headers=auth, timeout=10)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "email_taken")
    bad = requests.post(f"{api}/users", data="{", headers={**auth, "Content-Type": "application/json"}, timeout=10)
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "malformed_json")
    wrong = requests.put(f"{api}/users", json=body, headers=auth, timeout=10)
    assert (wrong.status_code, wrong.headers["Allow"]) == (405, "GET, POST")


@pytest.mark.documents("emulator.md", "Routes matched as API Gateway matches them")
def test_unknown_routes_get_api_gateways_answer(api: str, auth: dict[str, str]) -> None:
    answer = requests.get(f"{api}/nothing/here", headers=auth, timeout=10)
    assert (answer.status_code, answer.json()) == (403, {"message": "Missing Authentication Token"})


@pytest.mark.documents("services.md", "CORS")
def test_cors_preflight_needs_no_token(api: str) -> None:
    answer = requests.options(f"{api}/users", headers={"Origin": "http://localhost:3000"}, timeout=10)
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


@pytest.mark.documents("emulator.md", "TOKEN authorizers")
@pytest.mark.parametrize("case", sorted(tokens.ATTACK_REASONS))
def test_every_attack_is_refused_for_its_own_reason(deployed: Deployed, api: str, secret: str, case: str) -> None:
    # Signed with the deployed key: an expired token is refused for its expiry, not for its signature.
    header = tokens.attack_list(secret)[case]
    headers = {} if header is None else {"Authorization": header}
    answer = requests.get(f"{api}/users", headers=headers, timeout=10)
    reason = tokens.ATTACK_REASONS[case]
    if reason is None:
        assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
        return
    assert answer.status_code == 403, (case, answer.text)
    assert answer.json() == {"Message": "User is not authorized to access this resource with an explicit deny"}
    logs = deployed.client("logs").filter_log_events(logGroupName="/aws/lambda/platform-local-authorizer")["events"]
    refusals = [json.loads(e["message"]) for e in logs if '"token rejected"' in e["message"]]
    assert refusals[-1]["reason"] == reason, (case, refusals[-1])


@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request")
def test_the_authorizer_result_is_cached_per_token(deployed: Deployed, api: str, secret: str) -> None:
    token = {"Authorization": "Bearer " + tokens.hs256(secret, sub="cache-check")}
    before = len(deployed.control.invocations("platform-local-authorizer"))
    for path in ("/users", "/users?limit=1", "/users/" + "0" * 32):
        assert requests.get(f"{api}{path}", headers=token, timeout=10).status_code in (200, 404)
    assert len(deployed.control.invocations("platform-local-authorizer")) - before == 1


def slack_post(
    api: str, secret: str, body: str, timestamp: int | None = None, signature: str | None = None
) -> requests.Response:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": signature or sign(secret.encode(), ts, body.encode())}  # fmt: skip
    return requests.post(f"{api}/slack/commands", data=body.encode(), headers=headers, timeout=10)


@pytest.fixture(scope="module")
def slack_secret(deployed: Deployed) -> str:
    return deployed.client("secretsmanager").get_secret_value(SecretId="platform-local/slack-signing-secret")[
        "SecretString"
    ]


def test_a_slack_signed_command_is_answered(api: str, slack_secret: str) -> None:
    answer = slack_post(api, slack_secret, urlencode({"command": "/weather", "text": "Reykjavik", "user_id": "U1"}))
    assert answer.status_code == 200
    assert answer.json()["response_type"] == "in_channel"
    assert answer.json()["text"].startswith("Weather in Reykjavik: ")
    status = slack_post(api, slack_secret, urlencode({"command": "/status"})).json()
    assert status["text"].startswith("All systems healthy.")


@pytest.mark.documents("emulator.md", "Stand-ins for outside websites")
def test_a_failing_weather_site_gets_a_friendly_reply(api: str, slack_secret: str) -> None:
    answer = slack_post(api, slack_secret, urlencode({"command": "/weather", "text": "Atlantis"}))
    assert (answer.status_code, answer.json()["response_type"]) == (200, "ephemeral")


def test_tampered_and_replayed_slack_requests_get_401(api: str, slack_secret: str) -> None:
    body = urlencode({"command": "/joke"})
    ts = int(time.time())
    tampered = slack_post(api, slack_secret, body + "&text=x", ts, sign(slack_secret.encode(), str(ts), body.encode()))
    replayed_at = int(time.time()) - 400
    replayed = slack_post(api, slack_secret, body, replayed_at)
    for answer in (tampered, replayed):
        assert (answer.status_code, answer.json()["error"]["code"]) == (401, "bad_signature")


@pytest.mark.documents("emulator.md", "Access logs")
def test_access_logs_are_written(deployed: Deployed, api: str, auth: dict[str, str]) -> None:
    requests.get(f"{api}/users", headers=auth, timeout=10)
    logs = deployed.client("logs")
    events = logs.filter_log_events(logGroupName="/aws/apigateway/platform-local-api/access")["events"]
    assert any('"status":"200"' in e["message"].replace(" ", "") for e in events)
