"""The checks that need a deployed environment, run as CI runs them: `invoke security.iam` and `security.secrets`."""

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


def _secret(deployed: Deployed, name: str) -> str:
    return deployed.client("secretsmanager").get_secret_value(SecretId=f"platform-local/{name}")["SecretString"]


@pytest.fixture(scope="module")
def secrets_in_use(deployed: Deployed) -> dict[str, str]:
    """Both functions that read a secret have read it and logged their requests."""
    (stage,) = [a for a in deployed.control.apis() if a["name"] == "platform-local-api"]
    jwt_key, slack_key = _secret(deployed, "jwt-signing-key"), _secret(deployed, "slack-signing-secret")
    token = tokens.hs256(jwt_key, sub="secret-search")
    assert requests.get(f"{stage['url']}/users", headers={"Authorization": f"Bearer {token}"}, timeout=10).ok
    body, ts = urlencode({"command": "/status", "user_id": "U1"}), str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(slack_key.encode(), ts, body.encode())}  # fmt: skip
    assert requests.post(f"{stage['url']}/slack/commands", data=body, headers=headers, timeout=10).ok
    return {"jwt": jwt_key, "slack": slack_key}


def test_the_iam_audit_of_the_plan_has_no_findings(deployed: Deployed) -> None:
    audit = json.loads(deployed.invoke("security.iam", "--json").stdout)

    assert audit["ok"] is True and audit["findings"] == []
    functions = len(deployed.manifest["functions"])
    assert (audit["functions"], audit["roles"]) == (functions, functions + 2)  # + the workflow's and API Gateway's
    assert "xray:PutTraceSegments" in audit["resource_star"]


@pytest.mark.documents("environments.md", "Secrets")
def test_no_secret_value_is_in_plan_state_environment_or_logs(deployed: Deployed, secrets_in_use: dict) -> None:
    result = deployed.invoke("security.secrets")

    assert "3 secrets (jwt_secret_id, slack_secret_id, users_cursor_secret_id)" in result.stdout
    assert result.stdout.rstrip().endswith("not found")


def test_a_secret_written_to_a_log_fails_the_search(deployed: Deployed, secrets_in_use: dict) -> None:
    # GIVEN a careless log line carrying the Slack signing secret
    logs, group = deployed.client("logs"), "/aws/lambda/platform-local-slack"
    logs.create_log_stream(logGroupName=group, logStreamName="leak")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="leak",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": f"debug secret={secrets_in_use['slack']}"}],
    )
    try:
        # WHEN the search runs THEN it fails, naming the secret and the place, never the value
        result = deployed.invoke("security.secrets", check=False)
        assert result.returncode == 1
        assert f"LEAK slack_secret_id found in log group {group} (as written)" in result.stdout
        assert secrets_in_use["slack"] not in result.stdout + result.stderr
        # AND for machines the same, as JSON, with the same exit status and still without the value
        found = deployed.invoke("security.secrets", "--json", check=False)
        assert found.returncode == 1 and secrets_in_use["slack"] not in found.stdout + found.stderr
        search = json.loads(found.stdout)
        assert search["ok"] is False
        assert {"secret": "slack_secret_id", "place": f"log group {group}", "form": "as written"} in search["leaks"]
    finally:
        logs.delete_log_stream(logGroupName=group, logStreamName="leak")
