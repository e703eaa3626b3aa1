"""The authorizer's verification against the attack list, in both modes."""

from __future__ import annotations

import time

import jwt
import pytest

from lambdas.services.authorizer import policy
from lambdas.services.authorizer.tokens import TokenRejected, TokenVerifier
from tests import tokens


class StaticSecret:
    def key_for(self, header: dict) -> bytes:
        return tokens.SECRET.encode()


class StaticJwks:
    def __init__(self) -> None:
        self.keys = {k["kid"]: jwt.PyJWK(k) for k in tokens.jwks()["keys"]}

    def key_for(self, header: dict):
        if header.get("kid") not in self.keys:
            raise TokenRejected("unknown_key")
        return self.keys[header["kid"]].key


def hs_verifier() -> TokenVerifier:
    return TokenVerifier(
        algorithms=("HS256",), issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30, keys=StaticSecret()
    )


def jwks_verifier() -> TokenVerifier:
    return TokenVerifier(algorithms=("RS256", "ES256"), issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30,
                         keys=StaticJwks())  # fmt: skip


def test_a_valid_hs256_token_yields_subject_and_scopes() -> None:
    claims = hs_verifier().verify("Bearer " + tokens.hs256(tokens.SECRET))
    assert (claims.subject, claims.scopes) == ("user-42", ("users:read", "users:write"))


@pytest.mark.parametrize("factory", [tokens.rs256, tokens.es256])
def test_valid_rs256_and_es256_tokens_pass_in_jwks_mode(factory) -> None:
    assert jwks_verifier().verify("Bearer " + factory()).subject == "user-42"


@pytest.mark.parametrize(("case", "header"), list(tokens.attack_list().items()))
def test_every_attack_is_rejected_in_hs256_mode(case: str, header: str | None) -> None:
    with pytest.raises(TokenRejected):
        hs_verifier().verify(header)


@pytest.mark.parametrize(
    ("case", "header", "reason"),
    [
        ("HS256 signed with the public key", "Bearer " + tokens.hs256_with_public_key(), "algorithm_not_allowed"),
        ("HS256 with a secret", "Bearer " + tokens.hs256(tokens.SECRET), "algorithm_not_allowed"),
        ("alg none", "Bearer " + tokens.unsigned(), "algorithm_not_allowed"),
        ("unknown kid", "Bearer " + tokens.rs256(kid="rotated-away"), "unknown_key"),
        ("RS256 header with an EC key", "Bearer " + tokens.rs256(kid="ec-1"), "key_mismatch"),
        ("expired", "Bearer " + tokens.es256(exp=int(time.time()) - 600, iat=int(time.time()) - 900), "expired"),
        ("tampered", "Bearer " + tokens.tampered(tokens.rs256()), "bad_signature"),
    ],
)
def test_jwks_mode_refuses_confusion_and_forgery(case: str, header: str, reason: str) -> None:
    with pytest.raises(TokenRejected) as caught:
        jwks_verifier().verify(header)
    assert caught.value.reason == reason


def test_leeway_tolerates_small_clock_skew() -> None:
    now = int(time.time())
    assert hs_verifier().verify("Bearer " + tokens.hs256(tokens.SECRET, exp=now - 10, nbf=now + 10))


def test_reasons_are_specific() -> None:
    reasons = {}
    for case, header in tokens.attack_list().items():
        try:
            hs_verifier().verify(header)
        except TokenRejected as exc:
            reasons[case] = exc.reason
    assert reasons["expired"] == "expired"
    assert reasons["wrong issuer"] == "wrong_issuer"
    assert reasons["wrong audience"] == "wrong_audience"
    assert reasons["bad signature"] == "bad_signature"
    assert reasons["alg none"] == "algorithm_not_allowed"
    assert reasons["missing header"] == "missing"
    assert reasons["another scheme"] == "wrong_scheme"


def test_policies_cover_the_whole_stage() -> None:
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/users/42"
    assert policy.stage_arn(arn) == "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*"
    allowed = policy.allow("user-42", policy.stage_arn(arn), {"sub": "user-42", "scope": "a b"})
    assert allowed["principalId"] == "user-42"
    assert allowed["policyDocument"]["Statement"][0] == {
        "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*"
    }  # fmt: skip
    assert allowed["context"] == {"sub": "user-42", "scope": "a b"}
    assert policy.deny(None)["policyDocument"]["Statement"][0]["Effect"] == "Deny"


@pytest.mark.parametrize("arn", [None, 5, "", "arn:aws:s3:::bucket", "arn:aws:execute-api:us-east-1:123:abc/prod"])
def test_malformed_method_arns_are_not_stage_arns(arn) -> None:
    assert policy.stage_arn(arn) is None
