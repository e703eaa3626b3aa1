"""The local API Gateway's own decisions: route matching, policy evaluation, throttling."""

from __future__ import annotations

import types

import pytest

from toolchain.emulator.apigateway.rules import GatewayError, TokenBucket, match_route, policy_allows


def api(*paths: str, methods: tuple[str, ...] = ("GET",)) -> types.SimpleNamespace:
    resources = {}
    for index, path in enumerate(paths):
        resources[str(index)] = types.SimpleNamespace(
            id=str(index), get_path=lambda p=path: p, resource_methods={m: f"{m} {path}" for m in methods}
        )
    return types.SimpleNamespace(resources=resources)


API = api("/", "/users", "/users/{userId}", "/users/me", "/files/{proxy+}")


@pytest.mark.parametrize(
    ("path", "resource", "params"),
    [
        ("/users", "/users", {}),
        ("/users/42", "/users/{userId}", {"userId": "42"}),
        ("/users/me", "/users/me", {}),  # a literal beats a parameter
        ("/files/a/b/c.txt", "/files/{proxy+}", {"proxy": "a/b/c.txt"}),
        ("/", "/", {}),
    ],
)
@pytest.mark.documents("emulator.md", "Routes matched as API Gateway matches them")
def test_the_most_specific_resource_wins(path: str, resource: str, params: dict) -> None:
    route = match_route(API, path, "GET")
    assert (route.resource.get_path(), route.path_params) == (resource, params)


@pytest.mark.parametrize(
    ("path", "method"), [("/nope", "GET"), ("/users/1/2", "GET"), ("/files", "GET"), ("/users", "POST")]
)
@pytest.mark.documents("emulator.md", "Routes matched as API Gateway matches them")
def test_unknown_routes_and_methods_get_api_gateways_answer(path: str, method: str) -> None:
    with pytest.raises(GatewayError) as caught:
        match_route(API, path, method)
    assert (caught.value.status, caught.value.body) == (403, {"message": "Missing Authentication Token"})


@pytest.mark.documents("emulator.md", "Routes matched as API Gateway matches them")
def test_any_matches_every_method() -> None:
    assert match_route(api("/x", methods=("ANY",)), "/x", "DELETE").method == "ANY /x"


ARN = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/users/1"


def statement(effect: str, resource: str, action: str = "execute-api:Invoke") -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/prod/*")], True),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/users/*")], True),
        ([statement("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/*")], None),
        ([statement("Allow", "*"), statement("Deny", "*")], False),
        ([statement("Allow", "*", action="s3:GetObject")], None),
        ([], None),
    ],
)
@pytest.mark.documents("emulator.md", "Policies cached per token, evaluated per request")
def test_policies_are_evaluated_like_iam(statements: list, expected) -> None:
    assert policy_allows({"Version": "2012-10-17", "Statement": statements}, ARN) is expected


@pytest.mark.documents("emulator.md", "Stage throttling")
def test_the_token_bucket_allows_the_burst_then_throttles() -> None:
    bucket = TokenBucket(rate=0.001, burst=3)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
