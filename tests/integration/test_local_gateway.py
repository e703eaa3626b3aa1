"""The emulator's local API Gateway serving a REST API from moto, over real HTTP on localhost.

The functions behind it are stand-ins (a runner that answers like the authorizer and a proxy
function and counts its calls): what is under test is the gateway itself.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from toolchain.emulator.apigateway.gateway import LocalApiGateway
from toolchain.emulator.apigateway.rules import MAX_URL_CHARACTERS
from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.patches import apply_corrections

REGION = "us-east-1"


@dataclass
class Runner:
    """Answers as the authorizer (Allow for "Bearer good") and as a proxy function; counts both."""

    calls: dict[str, int] = field(default_factory=lambda: {"apigateway-authorizer": 0, "apigateway": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, fn: Any, event: str, source: str) -> Invocation:
        with self.lock:
            self.calls[source] += 1
        request = json.loads(event)
        if source == "apigateway-authorizer":
            effect = "Allow" if request["authorizationToken"] == "Bearer good" else "Deny"
            statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": request["methodArn"]}
            payload = {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
        else:
            payload = {"statusCode": 200, "body": json.dumps({"path": request["path"]})}
        return Invocation("req", json.dumps(payload), False, None, "")


def _function(name: str) -> str:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]  # fmt: skip


def _uri(arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


@dataclass
class Served:
    url: str
    runner: Runner
    api_id: str


def serve_api(ttl: int) -> tuple[LocalApiGateway, Served]:
    apigw = boto3.client("apigateway", region_name=REGION)
    api_id = apigw.create_rest_api(name=f"api-{ttl}")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    users = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="users")["id"]
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="jwt", type="TOKEN", authorizerUri=_uri(_function(f"auth-{ttl}")),
        identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=ttl,
    )["id"]  # fmt: skip
    apigw.put_method(restApiId=api_id, resourceId=users, httpMethod="GET", authorizationType="CUSTOM",
                     authorizerId=authorizer)  # fmt: skip
    apigw.put_integration(restApiId=api_id, resourceId=users, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=_uri(_function(f"users-{ttl}")))  # fmt: skip
    apigw.create_deployment(restApiId=api_id, stageName="local")
    runner = Runner()
    gateway = LocalApiGateway(runner)
    (stage,) = [s for s in gateway.refresh() if s["api_id"] == api_id]
    return gateway, Served(stage["url"], runner, api_id)


@pytest.fixture
def api(moto_aws: None) -> Iterator[Served]:
    gateway, served = serve_api(ttl=300)
    yield served
    gateway.shutdown()


def test_a_request_line_over_64_kib_gets_api_gateways_json_not_an_html_page(api: Served) -> None:
    # Found from outside: http.server's own HTML 414 page reached the client.
    parts = urlsplit(api.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(f"GET {parts.path}/users?q={'a' * 70_000} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414") or head.startswith(b"HTTP/1.0 414")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body) == {"message": "Request-URI Too Long"}


def test_a_url_over_api_gateways_limit_is_414(api: Served) -> None:
    long = f"{api.url}/users?q={'a' * MAX_URL_CHARACTERS}"
    reply = requests.get(long, headers={"Authorization": "Bearer good"}, timeout=10)
    assert (reply.status_code, reply.json()) == (414, {"message": "Request-URI Too Long"})
    assert api.runner.calls == {"apigateway-authorizer": 0, "apigateway": 0}
    assert requests.get(f"{api.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).status_code == 200


def test_the_authorizer_result_is_cached_for_its_ttl(api: Served) -> None:
    for _ in range(3):
        assert requests.get(f"{api.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
    assert api.runner.calls == {"apigateway-authorizer": 1, "apigateway": 3}


def test_a_ttl_of_zero_caches_nothing(moto_aws: None) -> None:
    gateway, served = serve_api(ttl=0)
    try:
        for _ in range(3):
            assert requests.get(f"{served.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
        assert served.runner.calls["apigateway-authorizer"] == 3
    finally:
        gateway.shutdown()


def test_a_cached_result_expires_after_its_ttl(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    gateway, served = serve_api(ttl=60)
    clock = [1000.0]
    monkeypatch.setattr("toolchain.emulator.apigateway.gateway.time.monotonic", lambda: clock[0])
    try:
        get = lambda: requests.get(f"{served.url}/users", headers={"Authorization": "Bearer good"}, timeout=10)  # noqa: E731
        assert get().ok and get().ok
        assert served.runner.calls["apigateway-authorizer"] == 1
        clock[0] += 59
        assert get().ok
        assert served.runner.calls["apigateway-authorizer"] == 1
        clock[0] += 2
        assert get().ok
        assert served.runner.calls["apigateway-authorizer"] == 2
    finally:
        gateway.shutdown()


def test_a_denied_token_is_403_and_the_function_never_runs(api: Served) -> None:
    reply = requests.get(f"{api.url}/users", headers={"Authorization": "Bearer bad"}, timeout=10)
    assert reply.status_code == 403
    assert api.runner.calls["apigateway"] == 0


def test_a_stage_serves_its_deployment_not_the_live_api(moto_aws: None) -> None:
    # GIVEN deployments that snapshot the API (as the emulator installs them) and a deployed stage
    apply_corrections()
    gateway, served = serve_api(ttl=0)
    apigw = boto3.client("apigateway", region_name=REGION)
    try:
        # WHEN a route is added without a new deployment, THEN the stage does not serve it
        root = apigw.get_resources(restApiId=served.api_id)["items"][0]["id"]
        orders = apigw.create_resource(restApiId=served.api_id, parentId=root, pathPart="orders")["id"]
        apigw.put_method(restApiId=served.api_id, resourceId=orders, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=served.api_id, resourceId=orders, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=_uri(_function("orders-snapshot")))  # fmt: skip
        missing = requests.get(f"{served.url}/orders", timeout=10)
        assert (missing.status_code, missing.json()) == (403, {"message": "Missing Authentication Token"})
        # WHEN it is deployed, THEN it is served
        apigw.create_deployment(restApiId=served.api_id, stageName="local")
        assert requests.get(f"{served.url}/orders", timeout=10).status_code == 200
        assert requests.get(f"{served.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
    finally:
        gateway.shutdown()
