"""The emulator's local API Gateway serving a REST API from moto, over real HTTP on localhost.

The functions behind it are stand-ins (a runner that answers like the authorizer and a proxy
function and counts its calls): what is under test is the gateway itself.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from toolchain.emulator.apigateway.gateway import LocalApiGateway
from toolchain.emulator.apigateway.rules import MAX_METHOD_ARN_BYTES, MAX_PAYLOAD_BYTES, MAX_URL_CHARACTERS
from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.metering import EDGE, METER
from toolchain.emulator.patches import apply_corrections

REGION = "us-east-1"


@dataclass
class Runner:
    """Answers as the authorizer and as a proxy function; counts both. "Bearer good..." is allowed,
    "Bearer elsewhere" gets an Allow for another API only (no statement matches), anything else a Deny."""

    calls: dict[str, int] = field(default_factory=lambda: {"apigateway-authorizer": 0, "apigateway": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)
    events: list[dict[str, Any]] = field(default_factory=list)  # what the proxy function was given
    log: list[str] = field(default_factory=list)  # the gateway's lines in the emulator's log
    release: threading.Event = field(default_factory=threading.Event)  # GET /users/slow answers once set

    def __call__(self, fn: Any, event: str, source: str) -> Invocation:
        with self.lock:
            self.calls[source] += 1
        request = json.loads(event)
        if source == "apigateway":
            self.events.append(request)
            if request["path"].endswith("/slow"):
                self.release.wait(60)
            answer = ANSWERS.get(request["path"].rsplit("/", 1)[-1])
            if answer is not None:
                return Invocation("req", answer, False, None, "")
        if source == "apigateway-authorizer":
            token, resource = request["authorizationToken"], request["methodArn"]
            effect = "Allow" if token.startswith(("Bearer good", "Bearer elsewhere")) else "Deny"
            if token == "Bearer elsewhere":
                resource = "arn:aws:execute-api:us-east-1:123456789012:another/local/GET/users"
            statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
            payload = {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
        else:
            payload = {"statusCode": 200, "body": json.dumps({"path": request["path"]})}
        return Invocation("req", json.dumps(payload), False, None, "")


# What the proxy function answers for GET /users/<last segment>, to see the gateway map it back.
ANSWERS = {
    "binary": json.dumps(
        {
            "statusCode": 200,
            "isBase64Encoded": True,
            "body": "AAEC/w==",
            "headers": {"Content-Type": "application/octet-stream"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        }
    ),
    "malformed": json.dumps({"body": "no status code"}),
    "forbidden": json.dumps({"statusCode": 403, "body": '{"error": "not yours"}'}),
    "not-json": "this is not a response",
}


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


def _allow_api_gateway(function_arn: str, source_arn: str) -> None:
    """What the rest_api module's aws_lambda_permission resources grant."""
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName=function_arn, StatementId=f"apigateway-{time.time_ns()}", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=source_arn)  # fmt: skip


def serve_api(
    ttl: int, validation: str = "", permitted: tuple[bool, bool] = (True, True)
) -> tuple[LocalApiGateway, Served]:
    """GET /users and GET /users/{id}, both behind a TOKEN authorizer, deployed to stage `local`;
    `permitted`: whether the authorizer and the integration's function let API Gateway invoke them."""
    apigw = boto3.client("apigateway", region_name=REGION)
    api_id = apigw.create_rest_api(name=f"api-{ttl}")["id"]
    execution = f"arn:aws:execute-api:{REGION}:123456789012:{api_id}"
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    users = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="users")["id"]
    user = apigw.create_resource(restApiId=api_id, parentId=users, pathPart="{id}")["id"]
    suffix = f"{ttl}-{bool(validation)}-{permitted[0]}-{permitted[1]}"
    authorizer_arn, function_arn = _function(f"auth-{suffix}"), _function(f"users-{suffix}")
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="jwt", type="TOKEN", authorizerUri=_uri(authorizer_arn),
        identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=ttl,
        **({"identityValidationExpression": validation} if validation else {}),
    )["id"]  # fmt: skip
    if permitted[0]:
        _allow_api_gateway(authorizer_arn, f"{execution}/authorizers/{authorizer}")
    if permitted[1]:
        _allow_api_gateway(function_arn, f"{execution}/*/*")
    function = _uri(function_arn)
    for resource in (users, user):
        apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM",
                         authorizerId=authorizer)  # fmt: skip
        apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=function)  # fmt: skip
    apigw.create_deployment(restApiId=api_id, stageName="local")
    runner = Runner()
    gateway = LocalApiGateway(runner, log=runner.log.append)
    (stage,) = [s for s in gateway.refresh() if s["api_id"] == api_id]
    return gateway, Served(stage["url"], runner, api_id)


@pytest.fixture
def api(moto_aws: None) -> Iterator[Served]:
    gateway, served = serve_api(ttl=300)
    yield served
    gateway.shutdown()


@pytest.mark.documents("emulator.md", "API Gateway's limits")
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


@pytest.mark.documents("emulator.md", "API Gateway's limits")
def test_a_url_over_api_gateways_limit_is_414(api: Served) -> None:
    long = f"{api.url}/users?q={'a' * MAX_URL_CHARACTERS}"
    reply = requests.get(long, headers={"Authorization": "Bearer good"}, timeout=10)
    assert (reply.status_code, reply.json()) == (414, {"message": "Request-URI Too Long"})
    assert api.runner.calls == {"apigateway-authorizer": 0, "apigateway": 0}
    assert requests.get(f"{api.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).status_code == 200


@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request")
def test_the_authorizer_result_is_cached_for_its_ttl(api: Served) -> None:
    for _ in range(3):
        assert requests.get(f"{api.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
    assert api.runner.calls == {"apigateway-authorizer": 1, "apigateway": 3}


@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request")
def test_a_ttl_of_zero_caches_nothing(moto_aws: None) -> None:
    gateway, served = serve_api(ttl=0)
    try:
        for _ in range(3):
            assert requests.get(f"{served.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
        assert served.runner.calls["apigateway-authorizer"] == 3
    finally:
        gateway.shutdown()


@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request")
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


def _billed() -> float:
    return METER.totals().get(EDGE, {}).get("apigateway.rest_requests", 0.0)


@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request", "Billable usage, metered")
def test_a_denied_token_is_403_and_the_function_never_runs(api: Served) -> None:
    billed = _billed()
    reply = requests.get(f"{api.url}/users", headers={"Authorization": "Bearer bad"}, timeout=10)
    assert reply.status_code == 403
    assert api.runner.calls["apigateway"] == 0
    assert _billed() == billed  # API Gateway bills no request its authorizer refused
    # but a 403 the function itself answers is a request served, and billed
    assert requests.get(f"{api.url}/users/forbidden", headers=GOOD, timeout=10).status_code == 403
    assert _billed() == billed + 1


@pytest.mark.documents("emulator.md", "Stages served from their deployment")
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
        orders_function = _function("orders-snapshot")
        _allow_api_gateway(orders_function, f"arn:aws:execute-api:{REGION}:123456789012:{served.api_id}/*/*")
        apigw.put_integration(restApiId=served.api_id, resourceId=orders, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=_uri(orders_function))  # fmt: skip
        missing = requests.get(f"{served.url}/orders", timeout=10)
        assert (missing.status_code, missing.json()) == (403, {"message": "Missing Authentication Token"})
        # WHEN it is deployed, THEN it is served
        apigw.create_deployment(restApiId=served.api_id, stageName="local")
        assert requests.get(f"{served.url}/orders", timeout=10).status_code == 200
        assert requests.get(f"{served.url}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
    finally:
        gateway.shutdown()


GOOD = {"Authorization": "Bearer good"}


@pytest.mark.documents("emulator.md", "API Gateway's limits")
def test_a_url_of_exactly_api_gateways_limit_is_served(api: Served) -> None:
    prefix = f"{api.url}/users?q="
    at_the_limit = prefix + "a" * (MAX_URL_CHARACTERS - len(urlsplit(prefix)._replace(scheme="", netloc="").geturl()))
    reply = requests.get(at_the_limit, headers=GOOD, timeout=10)
    assert reply.status_code == 200, reply.text
    over = requests.get(at_the_limit + "a", headers=GOOD, timeout=10)
    assert over.status_code == 414


@pytest.mark.documents("emulator.md", "API Gateway's limits")
def test_a_method_arn_over_1600_bytes_is_414_before_the_authorizer_runs(api: Served) -> None:
    base = f"arn:aws:execute-api:{REGION}:123456789012:{api.api_id}/local/GET/users/"
    fits = "a" * (MAX_METHOD_ARN_BYTES - len(base))
    assert requests.get(f"{api.url}/users/{fits}", headers=GOOD, timeout=10).status_code == 200
    reply = requests.get(f"{api.url}/users/{fits}a", headers=GOOD, timeout=10)
    assert (reply.status_code, reply.json()) == (414, {"message": "Request-URI Too Long"})
    assert api.runner.calls == {"apigateway-authorizer": 1, "apigateway": 1}  # only the request that fitted


@pytest.mark.documents("emulator.md", "TOKEN authorizers")
def test_no_token_or_one_the_validation_expression_refuses_is_401_without_the_authorizer(moto_aws: None) -> None:
    apply_corrections()  # moto drops the expression given at creation (apigateway/corrections.py)
    gateway, served = serve_api(ttl=0, validation=r"^Bearer [a-z]+$")
    try:
        for headers in ({}, {"Authorization": ""}, {"Authorization": "Bearer 123"}, {"Authorization": "bearer good"}):
            reply = requests.get(f"{served.url}/users", headers=headers, timeout=10)
            assert (reply.status_code, reply.json()) == (401, {"message": "Unauthorized"}), headers
        assert served.runner.calls == {"apigateway-authorizer": 0, "apigateway": 0}
        assert requests.get(f"{served.url}/users", headers=GOOD, timeout=10).ok
    finally:
        gateway.shutdown()


@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request")
def test_a_policy_whose_statements_match_nothing_is_403_not_an_allow(api: Served) -> None:
    reply = requests.get(f"{api.url}/users", headers={"Authorization": "Bearer elsewhere"}, timeout=10)
    assert (reply.status_code, reply.json()) == (403, {"Message": "User is not authorized to access this resource"})
    denied = requests.get(f"{api.url}/users", headers={"Authorization": "Bearer bad"}, timeout=10)
    assert denied.json() == {"Message": "User is not authorized to access this resource with an explicit deny"}
    assert api.runner.calls["apigateway"] == 0


@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request")
def test_the_cache_holds_one_policy_per_token(api: Served) -> None:
    for token in ("Bearer good", "Bearer goodbye", "Bearer good", "Bearer goodbye"):
        assert requests.get(f"{api.url}/users", headers={"Authorization": token}, timeout=10).ok
    assert api.runner.calls == {"apigateway-authorizer": 2, "apigateway": 4}
    # a cached Allow for one route is evaluated again for another route: it covers only its method ARN
    other = requests.get(f"{api.url}/users/42", headers=GOOD, timeout=10)
    assert other.status_code == 403 and api.runner.calls["apigateway-authorizer"] == 2


@pytest.mark.documents("emulator.md", "Stage throttling")
def test_a_request_beyond_the_stages_burst_is_429_and_never_reaches_the_function(api: Served) -> None:
    apigw = boto3.client("apigateway", region_name=REGION)
    apigw.update_stage(restApiId=api.api_id, stageName="local", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.001"},  # one token per 1000 s
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "2"},
    ])  # fmt: skip
    billed = _billed()
    answers = [requests.get(f"{api.url}/users", headers=GOOD, timeout=10) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert _billed() == billed + 2  # nor one it throttled
    assert answers[-1].json() == {"message": "Too Many Requests"}
    assert api.runner.calls["apigateway"] == 2


@pytest.mark.documents("emulator.md", "The Lambda proxy integration")
def test_the_proxy_event_carries_the_request_and_the_response_is_mapped_back(api: Served) -> None:
    reply = requests.get(f"{api.url}/users/binary?tag=a&tag=b&one=1", headers={**GOOD, "X-Trace": "t"}, timeout=10)
    assert reply.status_code == 200 and reply.content == bytes([0, 1, 2, 255])
    assert reply.headers["Content-Type"] == "application/octet-stream"
    assert reply.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    (event,) = api.runner.events
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/users/{id}", "/users/binary", "GET")
    assert event["pathParameters"] == {"id": "binary"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "one": ["1"]}
    assert event["queryStringParameters"]["one"] == "1" and event["headers"]["X-Trace"] == "t"
    assert event["requestContext"]["authorizer"]["principalId"] == "u"


@pytest.mark.documents("emulator.md", "The Lambda proxy integration")
def test_a_binary_request_body_reaches_the_function_in_base64(api: Served) -> None:
    apigw = boto3.client("apigateway", region_name=REGION)
    apigw.update_rest_api(restApiId=api.api_id, patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/image~1png", "value": "image/png"}])  # fmt: skip
    body = b"\x89PNG\r\n\x1a\n\xff"
    requests.get(f"{api.url}/users/1", headers={**GOOD, "Content-Type": "image/png"}, data=body, timeout=10)
    requests.get(f"{api.url}/users/1", headers={**GOOD, "Content-Type": "text/plain"}, data=b"plain", timeout=10)
    binary, text = api.runner.events
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == body
    assert (text["isBase64Encoded"], text["body"]) == (False, "plain")


@pytest.mark.documents("emulator.md", "The Lambda proxy integration")
@pytest.mark.parametrize("answer", ["malformed", "not-json"])
def test_a_malformed_function_response_is_502(api: Served, answer: str) -> None:
    reply = requests.get(f"{api.url}/users/{answer}", headers=GOOD, timeout=10)
    assert (reply.status_code, reply.json()) == (502, {"message": "Internal server error"})


@pytest.mark.documents("emulator.md", "API Gateway invokes only what allows it")
@pytest.mark.parametrize(
    ("permitted", "body", "error"),
    [
        ((True, False), {"message": "Internal server error"},
         "Execution failed due to configuration error: Invalid permissions on Lambda function"),
        ((False, True), {"message": None}, "AuthorizerConfigurationException"),
    ],
)  # fmt: skip
def test_a_function_without_a_permission_for_api_gateway_is_a_500(
    moto_aws: None, permitted: tuple[bool, bool], body: dict[str, Any], error: str
) -> None:
    gateway, served = serve_api(ttl=0, permitted=permitted)
    try:
        answer = requests.get(f"{served.url}/users", headers={"Authorization": "Bearer good"}, timeout=10)
    finally:
        gateway.shutdown()
    assert (answer.status_code, answer.json()) == (500, body)
    (line,) = served.runner.log
    assert line.startswith(f"apigateway: {error}") and 'principal = "apigateway.amazonaws.com"' in line
    # the function that may not be invoked never ran
    assert served.runner.calls["apigateway" if not permitted[1] else "apigateway-authorizer"] == 0


@pytest.mark.documents("emulator.md", "API Gateway's limits")
def test_a_body_over_10_mb_is_413_before_the_authorizer_and_10_mb_is_served(api: Served) -> None:
    limit = MAX_PAYLOAD_BYTES
    over = requests.get(f"{api.url}/users/1", headers=GOOD, data=b"x" * (limit + 1), timeout=60)
    assert (over.status_code, over.json()) == (413, {"message": "Request Too Long"})
    assert api.runner.calls == {"apigateway-authorizer": 0, "apigateway": 0}
    served = requests.get(f"{api.url}/users/1", headers=GOOD, data=b"x" * limit, timeout=60)
    assert served.status_code == 200 and len(api.runner.events[0]["body"]) == limit


@pytest.mark.documents("emulator.md", "API Gateway's limits")
def test_an_integration_past_its_timeout_is_504_while_the_function_runs_on(api: Served) -> None:
    # GIVEN the integration's timeout set to 200 ms (29 s unless set) and deployed
    apigw = boto3.client("apigateway", region_name=REGION)
    resources = apigw.get_resources(restApiId=api.api_id)["items"]
    user = next(r for r in resources if r["path"] == "/users/{id}")
    current = apigw.get_integration(restApiId=api.api_id, resourceId=user["id"], httpMethod="GET")
    apigw.put_integration(restApiId=api.api_id, resourceId=user["id"], httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=current["uri"], timeoutInMillis=200)  # fmt: skip
    apigw.create_deployment(restApiId=api.api_id, stageName="local")
    try:
        # WHEN the function takes longer
        reply = requests.get(f"{api.url}/users/slow", headers=GOOD, timeout=60)
        # THEN API Gateway answers 504 without waiting for it, and the function is still running
        assert (reply.status_code, reply.json()) == (504, {"message": "Endpoint request timed out"})
        assert not api.runner.release.is_set() and api.runner.calls["apigateway"] == 1
        assert any("timeout" in line for line in api.runner.log)
    finally:
        api.runner.release.set()


@pytest.mark.documents("emulator.md", "Service roles are enforced")
def test_access_logs_are_written_only_as_the_accounts_cloudwatch_role_allows(moto_aws: None) -> None:
    from moto.logs.models import logs_backends

    from toolchain.emulator.iam.enforcement import Authorisations
    from toolchain.emulator.iam.sessions import RoleSessions

    apigw, iam = boto3.client("apigateway", region_name=REGION), boto3.client("iam", region_name=REGION)
    first, served = serve_api(ttl=0)
    first.shutdown()
    group = f"arn:aws:logs:{REGION}:123456789012:log-group:/aws/apigateway/access-{time.time_ns()}"
    apigw.update_stage(restApiId=served.api_id, stageName="local", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": group},
        {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId $context.status"}])  # fmt: skip
    lines: list[str] = []
    gateway = LocalApiGateway(served.runner, log=lines.append, iam=Authorisations(RoleSessions("t"), log=lines.append))
    (stage,) = [s for s in gateway.refresh() if s["api_id"] == served.api_id]
    name = group.split(":log-group:")[1]

    def written() -> int:
        found = logs_backends["123456789012"][REGION].groups.get(name)
        return sum(len(s.events) for s in found.streams.values()) if found else 0

    try:
        # GIVEN no CloudWatch role in API Gateway's account settings: the request is served, its line lost
        assert requests.get(f"{stage['url']}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
        assert written() == 0
        assert any("no CloudWatch role in API Gateway's account settings" in line for line in lines)
        # GIVEN a role that may not write logs: still lost, the denial names the role and the action
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        role = iam.create_role(RoleName="apigw-logs", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}])
        assert requests.get(f"{stage['url']}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
        assert written() == 0
        assert any("apigw-logs/apigateway logs:CreateLogStream" in line for line in lines)
        # GIVEN the grant: the line is written
        iam.put_role_policy(RoleName="apigw-logs", PolicyName="push", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"]}]}))  # fmt: skip
        assert requests.get(f"{stage['url']}/users", headers={"Authorization": "Bearer good"}, timeout=10).ok
        assert written() == 1
    finally:
        gateway.shutdown()
