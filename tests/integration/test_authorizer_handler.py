"""The authorizer handler with its key from moto's Secrets Manager, or a JWKS served over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from lambdas.common import secrets, settings
from lambdas.common.exceptions import ConfigurationError, DependencyError
from lambdas.services.authorizer import handler as authorizer
from lambdas.services.authorizer.keys import SecretsManagerKey
from tests import tokens
from tests.httpserver import serve

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/local/GET/users/42"
STAGE = "arn:aws:execute-api:us-east-1:123456789012:abc123/local/*"


def reset() -> None:
    settings.clear_cached()
    authorizer.verifier.cache_clear()
    secrets._provider.cache_clear()


@pytest.fixture
def hs256_mode(moto_aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="jwt", SecretString=tokens.SECRET)[
        "ARN"
    ]
    monkeypatch.setenv("JWT_MODE", "hs256")
    monkeypatch.setenv("JWT_SECRET_ID", arn)
    monkeypatch.setenv("JWT_ISSUER", tokens.ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", tokens.AUDIENCE)
    reset()
    yield arn
    reset()


@pytest.fixture
def jwks_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    document = json.dumps(tokens.jwks()).encode()
    with serve({"/.well-known/jwks.json": lambda path: (200, "application/json", document)}) as url:
        monkeypatch.setenv("JWT_MODE", "jwks")
        monkeypatch.setenv("JWKS_URL", f"{url}/.well-known/jwks.json")
        monkeypatch.setenv("JWT_ISSUER", tokens.ISSUER)
        monkeypatch.setenv("JWT_AUDIENCE", tokens.AUDIENCE)
        reset()
        yield url
        reset()


def authorize(header: str | None, context) -> dict:
    event = {"type": "TOKEN", "methodArn": METHOD_ARN}
    if header is not None:
        event["authorizationToken"] = header
    return authorizer.lambda_handler(event, context)


def effect(result: dict) -> str:
    return result["policyDocument"]["Statement"][0]["Effect"]


@pytest.mark.documents("services.md", "One policy for the stage, cached per token")
def test_a_valid_token_is_allowed_for_the_whole_stage(hs256_mode, lambda_context) -> None:
    result = authorize("Bearer " + tokens.hs256(tokens.SECRET), lambda_context)
    assert (effect(result), result["principalId"]) == ("Allow", "user-42")
    assert result["policyDocument"]["Statement"][0]["Resource"] == STAGE
    assert result["context"] == {"sub": "user-42", "scope": "users:read users:write"}


@pytest.mark.documents("services.md", "Every refusal is a Deny")
@pytest.mark.parametrize("case", sorted(tokens.ATTACK_REASONS))
def test_the_attack_list_is_denied_for_its_own_reason(hs256_mode, lambda_context, caplog, case: str) -> None:
    result = authorize(tokens.attack_list()[case], lambda_context)
    assert (effect(result), result["principalId"]) == ("Deny", "unauthorized")
    assert "context" not in result
    assert [r.reason for r in caplog.records if r.getMessage() == "token rejected"] == [
        tokens.ATTACK_REASONS[case] or "missing"
    ]


@pytest.mark.documents("services.md", "Verification")
def test_the_secret_is_cached_between_invocations(hs256_mode, lambda_context, monkeypatch) -> None:
    assert effect(authorize("Bearer " + tokens.hs256(tokens.SECRET), lambda_context)) == "Allow"
    boto3.client("secretsmanager", region_name="us-east-1").delete_secret(
        SecretId=hs256_mode, ForceDeleteWithoutRecovery=True
    )
    assert effect(authorize("Bearer " + tokens.hs256(tokens.SECRET), lambda_context)) == "Allow"


def test_with_max_age_zero_a_rotated_secret_is_used_at_once(hs256_mode: str) -> None:
    source = SecretsManagerKey(hs256_mode, max_age=0, clock=lambda: 1000.0)
    assert source.key_for({}) == tokens.SECRET.encode()
    rotated = "r" * 40
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(SecretId=hs256_mode, SecretString=rotated)
    assert source.key_for({}) == rotated.encode()


def test_a_signing_secret_shorter_than_32_characters_is_refused_as_a_configuration_error(hs256_mode: str) -> None:
    # 31 characters: HS256 with a key this short is guessable; the authorizer refuses to verify with it
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(SecretId=hs256_mode,
                                                                              SecretString="k" * 31)  # fmt: skip
    secrets._provider.cache_clear()
    with pytest.raises(ConfigurationError, match="must be a string of at least 32 characters"):
        SecretsManagerKey(hs256_mode, max_age=0, clock=lambda: 1000.0).key_for({})


def test_the_key_is_kept_for_max_age_then_read_again(hs256_mode: str) -> None:
    now = [1000.0]
    source = SecretsManagerKey(hs256_mode, max_age=300, clock=lambda: now[0])
    assert source.key_for({}) == tokens.SECRET.encode()
    boto3.client("secretsmanager", region_name="us-east-1").delete_secret(
        SecretId=hs256_mode, ForceDeleteWithoutRecovery=True
    )
    now[0] += 299.9
    assert source.key_for({}) == tokens.SECRET.encode()  # kept: no read
    secrets._provider.cache_clear()  # the value cache's own clock is real time: let it have expired too
    now[0] += 0.2
    with pytest.raises(DependencyError):  # read again, and the secret is gone
        source.key_for({})


@pytest.mark.documents("services.md", "Every refusal is a Deny")
def test_a_missing_secret_fails_loudly_instead_of_allowing(moto_aws, monkeypatch, lambda_context) -> None:
    monkeypatch.setenv("JWT_SECRET_ID", "no-such-secret")
    monkeypatch.setenv("JWT_ISSUER", tokens.ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", tokens.AUDIENCE)
    reset()
    with pytest.raises(DependencyError, match="cannot read secret no-such-secret"):
        authorize("Bearer " + tokens.hs256(tokens.SECRET), lambda_context)
    reset()


@pytest.mark.parametrize("factory", [tokens.rs256, tokens.es256])
def test_jwks_mode_allows_rs256_and_es256(jwks_mode, lambda_context, factory) -> None:
    assert effect(authorize("Bearer " + factory(), lambda_context)) == "Allow"


@pytest.mark.parametrize(
    "header",
    ["Bearer " + tokens.hs256_with_public_key(), "Bearer " + tokens.hs256(tokens.SECRET), "Bearer " + tokens.unsigned(),
     "Bearer " + tokens.rs256(kid="unknown"), "Bearer " + tokens.tampered(tokens.es256())],
)  # fmt: skip
def test_jwks_mode_denies_confusion_and_forgery(jwks_mode, lambda_context, header: str) -> None:
    assert effect(authorize(header, lambda_context)) == "Deny"


@pytest.mark.documents("services.md", "Verification")
def test_jwks_keys_are_cached(jwks_mode, lambda_context) -> None:
    for _ in range(3):
        assert effect(authorize("Bearer " + tokens.rs256(), lambda_context)) == "Allow"
    assert len([h for h in serve.hits if h.endswith("jwks.json")]) == 1


def test_an_unreachable_jwks_fails_loudly(monkeypatch, lambda_context) -> None:
    monkeypatch.setenv("JWT_MODE", "jwks")
    monkeypatch.setenv("JWKS_URL", "http://127.0.0.1:9/jwks.json")
    monkeypatch.setenv("JWT_ISSUER", tokens.ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", tokens.AUDIENCE)
    reset()
    with pytest.raises(DependencyError, match="cannot fetch the JWKS"):
        authorize("Bearer " + tokens.rs256(), lambda_context)
    reset()


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"type": "REQUEST", "methodArn": METHOD_ARN},
        {"type": "TOKEN", "methodArn": "arn:aws:s3:::x"},
        [],
        "Bearer x",
    ],
)
@pytest.mark.documents("services.md", "Every refusal is a Deny")
def test_malformed_authorizer_events_are_denied(hs256_mode, lambda_context, event) -> None:
    assert effect(authorizer.lambda_handler(event, lambda_context)) == "Deny"
