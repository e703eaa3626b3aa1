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


@pytest.mark.documents("services.md", "Verification")
def test_a_valid_hs256_token_yields_subject_and_scopes() -> None:
    claims = hs_verifier().verify("Bearer " + tokens.hs256(tokens.SECRET))
    assert (claims.subject, claims.scopes) == ("user-42", ("users:read", "users:write"))


@pytest.mark.parametrize("factory", [tokens.rs256, tokens.es256])
def test_valid_rs256_and_es256_tokens_pass_in_jwks_mode(factory) -> None:
    assert jwks_verifier().verify("Bearer " + factory()).subject == "user-42"


@pytest.mark.documents("services.md", "Verification")
@pytest.mark.parametrize("case", sorted(tokens.ATTACK_REASONS))
def test_every_attack_is_rejected_in_hs256_mode_for_its_own_reason(case: str) -> None:
    header = tokens.attack_list()[case]  # made now: a token made at collection could expire before the test
    with pytest.raises(TokenRejected) as refused:
        hs_verifier().verify(header.strip() if header else header)
    assert refused.value.reason == (tokens.ATTACK_REASONS[case] or "missing")


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
@pytest.mark.documents("services.md", "Verification")
def test_jwks_mode_refuses_confusion_and_forgery(case: str, header: str, reason: str) -> None:
    with pytest.raises(TokenRejected) as caught:
        jwks_verifier().verify(header)
    assert caught.value.reason == reason


@pytest.mark.documents("services.md", "Verification")
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


@pytest.mark.documents("services.md", "One policy for the stage, cached per token")
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


@pytest.mark.documents("services.md", "Verification")
@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_numeric_dates_must_be_numbers(claim: str) -> None:
    # RFC 7519 §2: a NumericDate is a JSON number. PyJWT alone accepted "exp": "<digits>".
    now = int(time.time())
    value = {"exp": now + 300, "iat": now - 10, "nbf": now - 10}[claim]
    with pytest.raises(TokenRejected) as refused:
        hs_verifier().verify("Bearer " + tokens.hs256(tokens.SECRET, **{claim: str(value)}))
    assert refused.value.reason == "invalid"
    assert claim in refused.value.message


def _respell(token: str, how: str) -> str:
    """Another spelling of the same signature bytes (PyJWT accepted the first two)."""
    header, payload, signature = token.split(".")
    if how == "padded":
        signature += "=" * (-len(signature) % 4)
    elif how == "standard alphabet":
        signature = signature.replace("-", "+").replace("_", "/")
    else:  # the last character's spare bits (43 characters carry 258 bits for 256)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        signature = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    return f"{header}.{payload}.{signature}"


@pytest.mark.documents("services.md", "One spelling per token")
@pytest.mark.parametrize("how", ["padded", "standard alphabet", "spare bits"])
def test_a_token_has_one_spelling(how: str) -> None:
    # API Gateway caches a policy per Authorization value: each extra spelling was a cache entry.
    for attempt in range(200):  # until the signature holds a character this spelling changes
        token = tokens.hs256(tokens.SECRET, jti=str(attempt))
        respelled = _respell(token, how)
        if respelled != token:
            break
    assert respelled != token
    assert hs_verifier().verify("Bearer " + token).subject == "user-42"
    with pytest.raises(TokenRejected) as refused:
        hs_verifier().verify("Bearer " + respelled)
    assert refused.value.reason == "malformed"


# RFC 7520 §4.4 (HMAC-SHA2 integrity protection): its HS256 JWS, compact form, and key.
RFC7520_KEY = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"
RFC7520_JWS = (
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9"
    ".SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9h"
    "ZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0"
    "IG9mZiB0by4"
    ".s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"
)


def test_the_rfc_7520_hs256_vector_is_read_and_refused_for_its_payload() -> None:
    key = jwt.utils.base64url_decode(RFC7520_KEY)

    class RfcKey:
        def key_for(self, header: dict) -> bytes:
            assert header == {"alg": "HS256", "kid": "018c0ae5-4d9b-471b-bfd6-eef314bc7037"}
            return key

    verifier = TokenVerifier(algorithms=("HS256",), issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30,
                             keys=RfcKey())  # fmt: skip
    # Its signature is good (the payload is a line of prose, not claims): refused as no JWT, not as forged.
    jwt.api_jws.decode(RFC7520_JWS, key, algorithms=["HS256"])
    with pytest.raises(TokenRejected) as refused:
        verifier.verify("Bearer " + RFC7520_JWS)
    assert refused.value.reason == "malformed"
    with pytest.raises(TokenRejected) as respelled:
        verifier.verify("Bearer " + _respell(RFC7520_JWS, "padded"))
    assert respelled.value.reason == "malformed"
