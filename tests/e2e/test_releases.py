"""The `live` alias: every trigger invokes it (read from the deployed configuration), and `invoke rollback`
moves it back in one command, after which the trigger runs the earlier version."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from toolchain.deploy.release import ALIAS, Releaser

from .conftest import Deployed
from .test_spine import wait_for

pytestmark = pytest.mark.e2e


def _live(arn: str) -> bool:
    return arn.endswith(f":{ALIAS}")


@pytest.mark.documents("environments.md", "The `live` alias: releases and rollbacks")
@pytest.mark.documents("emulator.md", "Versions, aliases, weights")
def test_every_trigger_and_integration_invokes_the_live_alias(deployed: Deployed) -> None:
    outputs = deployed.outputs()
    # API Gateway: every Lambda integration and the authorizer
    apigateway = deployed.client("apigateway")
    (api,) = [a for a in apigateway.get_rest_apis()["items"] if a["name"] == "platform-local-api"]
    uris = [method["methodIntegration"]["uri"] for resource in apigateway.get_resources(restApiId=api["id"],
            embed=["methods"])["items"] for method in (resource.get("resourceMethods") or {}).values()
            if method.get("methodIntegration")]  # fmt: skip
    uris += [a["authorizerUri"] for a in apigateway.get_authorizers(restApiId=api["id"])["items"]]
    assert len(uris) >= 8 and all(uri.endswith(f":{ALIAS}/invocations") for uri in uris), uris
    # S3 notifications
    s3 = deployed.client("s3")
    for bucket in (outputs["media_bucket_name"], outputs["data_bucket_name"]):
        targets = s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]
        assert targets and all(_live(t["LambdaFunctionArn"]) for t in targets), targets
    # queue and stream mappings
    mappings = deployed.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    assert len(mappings) >= 2 and all(_live(m["FunctionArn"]) for m in mappings), mappings
    # schedules
    events = deployed.client("events")
    for rule in (outputs["session_cleanup_rule_name"], outputs["scraper_rule_name"]):
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        assert targets and all(_live(t["Arn"]) for t in targets), targets
    # topic subscriptions
    subscriptions = deployed.client("sns").list_subscriptions_by_topic(TopicArn=outputs["order_events_topic_arn"])
    lambdas = [s["Endpoint"] for s in subscriptions["Subscriptions"] if s["Protocol"] == "lambda"]
    assert lambdas and all(_live(e) for e in lambdas), lambdas
    # state machine tasks
    definition = json.loads(deployed.client("stepfunctions").describe_state_machine(
        stateMachineArn=outputs["order_workflow_arn"])["definition"])  # fmt: skip
    tasks = [s["Resource"] for s in definition["States"].values() if s["Type"] == "Task"]
    assert len(tasks) == 4 and all(_live(t) for t in tasks), tasks
    # and the outputs name it
    assert all(_live(fn["live_arn"]) for fn in outputs["functions"].values())


def _served_version(deployed: Deployed, function_name: str, request: Any) -> str:
    """The version that served a request: Lambda's START line says it."""
    logs = deployed.client("logs")
    since = int(time.time() * 1000)
    request()

    def start_line() -> str | None:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}", startTime=since,
                                        filterPattern='"START RequestId"')["events"]  # fmt: skip
        # one stream per sandbox: the newest line is the newest by time, not the last listed
        return max(events, key=lambda e: e["timestamp"])["message"] if events else None

    return wait_for(start_line, timeout=20).rsplit("Version: ", 1)[1].strip()


def _live_in_outputs(deployed: Deployed) -> tuple[str, str]:
    users = json.loads(deployed.invoke("outputs", "--json").stdout)["functions"]["users"]
    table = deployed.invoke("outputs").stdout
    (row,) = [line for line in table.splitlines() if line.startswith("users ")]
    assert row.split()[1] == users["live"]["version"]  # the table's first version is live's
    return users["live"]["version"], str(users["version"])


@pytest.mark.documents("environments.md", "The `live` alias: releases and rollbacks")
def test_rollback_moves_live_back_and_the_api_runs_the_earlier_version_again(deployed: Deployed) -> None:
    outputs = deployed.outputs()
    users = outputs["functions"]["users"]
    name, deployed_version = users["function_name"], str(users["version"])
    (api,) = [a["url"] for a in deployed.control.apis() if a["name"] == "platform-local-api"]

    def request() -> None:
        # unauthorized requests never reach the function; the preflight does
        requests.options(f"{api}/users", headers={"Origin": "https://example.com"}, timeout=30)

    client = deployed.client("lambda")
    before = client.get_function_configuration(FunctionName=name)["Description"]
    client.update_function_configuration(FunctionName=name, Description=before + " (release under test)")
    new = str(client.publish_version(FunctionName=name)["Version"])
    try:
        # GIVEN a release moved live to a new version, which serves the API
        Releaser(client).move(name, new)
        assert _served_version(deployed, name, request) == new
        # (outputs say what live serves, beside the version Terraform published)
        assert _live_in_outputs(deployed) == (new, deployed_version)
        # WHEN it is rolled back
        result = deployed.invoke("rollback", "--function", "users")
        assert f"{name}: live {new} -> {deployed_version}" in result.stdout
        # THEN the API runs the earlier version, outputs say so, and a second rollback has nothing to do
        assert _served_version(deployed, name, request) == deployed_version
        assert _live_in_outputs(deployed) == (deployed_version, deployed_version)
        again = deployed.invoke("rollback", "--function", "users", check=False)
        assert again.returncode == 1 and "nothing to roll back in emulator" in again.stderr
    finally:
        Releaser(client).move(name, deployed_version)
        client.update_alias(FunctionName=name, Name=ALIAS, Description="")
        client.delete_function(FunctionName=name, Qualifier=new)
        client.update_function_configuration(FunctionName=name, Description=before)
    # AND the rollback told `up` the environment no longer runs what it applied: the next `up` applies
    # (and releases) instead of skipping Terraform, after which a no-op `up` is a no-op again
    assert "no Terraform" not in deployed.invoke("up").stderr
    assert "already runs this build and infra/: no Terraform" in deployed.invoke("up").stderr
