"""The authorizer's refusals word for word, at their edges: the reason that is logged and the message,
for the header, the token's shape, its scopes, its subject and a token issued in the future; the
policies it answers with; and its settings' defaults and bounds."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from lambdas.common.exceptions import ConfigurationError
from lambdas.services.authorizer import policy
from lambdas.services.authorizer.settings import AuthSettings
from lambdas.services.authorizer.tokens import MAX_TOKEN_LENGTH, Claims, TokenRejected, TokenVerifier, bearer_token
from tests import tokens

pytestmark = pytest.mark.documents("services.md", "Verification")

SCHEME = "the Authorization header is not 'Bearer <token>'"


class StaticSecret:
    def key_for(self, header: dict[str, Any]) -> bytes:
        return tokens.SECRET.encode()


def verifier(clock: Any = time.time) -> TokenVerifier:
    return TokenVerifier(algorithms=("HS256",), issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30,
                         keys=StaticSecret(), clock=clock)  # fmt: skip


def refused(authorization: Any, clock: Any = time.time) -> tuple[str, str]:
    with pytest.raises(TokenRejected) as caught:
        verifier(clock).verify(authorization)
    return caught.value.reason, caught.value.message


def test_a_rejection_without_words_says_its_reason() -> None:
    assert TokenRejected("expired").message == "expired"
    assert (TokenRejected("expired", "Signature has expired").message, TokenRejected("x").reason) == (
        "Signature has expired", "x")  # fmt: skip


@pytest.mark.parametrize("header", [None, "", "   ", 7])
def test_no_header_is_missing(header: Any) -> None:
    assert refused(header) == ("missing", "no Authorization header")


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer   ", "Bearer a b", "bearer: abc", "Token abc"])
def test_another_scheme_is_named(header: str) -> None:
    assert refused(header) == ("wrong_scheme", SCHEME)


def test_the_token_is_what_follows_the_first_space_and_the_scheme_is_any_case() -> None:
    assert bearer_token("Bearer  abc ") == "abc"  # the scheme ends at the first space
    assert bearer_token("bEaReR abc") == "abc"


def test_a_token_of_the_limit_is_read_and_one_character_more_is_refused() -> None:
    assert bearer_token("Bearer " + "a" * MAX_TOKEN_LENGTH) == "a" * MAX_TOKEN_LENGTH
    with pytest.raises(TokenRejected) as caught:
        bearer_token("Bearer " + "a" * (MAX_TOKEN_LENGTH + 1))
    assert (caught.value.reason, caught.value.message) == ("malformed", "the token is too long")


@pytest.mark.parametrize("token", ["abc.def", "a.b.c.d", "ab=.cd.ef", "ab+c.cd.ef", "abcde.abcd.abcd", "ab.ab.ab"])
def test_a_token_that_is_not_three_canonical_segments_is_malformed(token: str) -> None:
    # two or four segments; padding; the standard alphabet; a segment of 5 characters (1 mod 4: no
    # byte count spells it); "ab", whose last character carries bits beyond its one byte ("aQ" would not)
    assert refused(f"Bearer {token}") == ("malformed", "the token is not three unpadded base64url segments")


def _signed(**claims: Any) -> str:
    return jwt.encode(tokens.claims(**claims), tokens.SECRET, algorithm="HS256")


def test_an_algorithm_not_accepted_is_named_at_most_20_characters() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "X" * 30}).encode()).rstrip(b"=").decode()
    payload = _signed().split(".")[1]
    assert refused(f"Bearer {header}.{payload}.AAAA") == (
        "algorithm_not_allowed",
        f"algorithm {'X' * 20!r} is not accepted",
    )


def test_pyjwts_words_are_kept_for_what_it_refuses() -> None:
    assert refused(f"Bearer {_signed(exp=int(time.time()) - 3600)}") == ("expired", "Signature has expired")


@pytest.mark.parametrize(("scope", "expected"), [
    ("users:read  users:write ", ("users:read", "users:write")), (["a", "b"], ("a", "b")), ("", ()),
])  # fmt: skip
def test_scopes_are_a_space_separated_string_or_a_list(scope: Any, expected: tuple[str, ...]) -> None:
    claims = verifier().verify(f"Bearer {_signed(scope=scope)}")
    assert claims.scopes == expected


def test_scp_is_read_when_scope_is_absent_and_none_is_no_scope() -> None:
    token = jwt.encode({**tokens.claims(scope=None), "scp": "orders:write"}, tokens.SECRET, algorithm="HS256")
    assert verifier().verify(f"Bearer {token}").scopes == ("orders:write",)
    both = jwt.encode({**tokens.claims(scope="a"), "scp": "b"}, tokens.SECRET, algorithm="HS256")
    assert verifier().verify(f"Bearer {both}").scopes == ("a",)
    assert verifier().verify(f"Bearer {_signed(scope=None)}").scopes == ()


@pytest.mark.parametrize("scope", [["a", 1], {"users:read": True}, 5, True])
def test_any_other_scope_is_refused(scope: Any) -> None:
    assert refused(f"Bearer {_signed(scope=scope)}") == ("invalid", "scope must be a string or a list of strings")


def test_the_claims_are_the_tokens_own() -> None:
    now = int(time.time())
    assert verifier().verify(f"Bearer {_signed(sub='ada', iat=now, exp=now + 99)}") == Claims(
        "ada", ("users:read", "users:write"), tokens.ISSUER, now + 99)  # fmt: skip


def test_a_subject_of_256_characters_is_taken_and_longer_or_empty_is_refused() -> None:
    assert verifier().verify(f"Bearer {_signed(sub='s' * 256)}").subject == "s" * 256
    for subject in ("s" * 257, ""):
        assert refused(f"Bearer {_signed(sub=subject)}") == ("invalid", "sub must be a non-empty string")


def test_a_token_issued_after_the_authorizers_own_clock_plus_leeway_is_refused() -> None:
    # PyJWT checks iat against the real time; the authorizer against its clock too (its tests' clock,
    # or a container whose clock lags): 30 s of leeway, and one second past it is refused
    issued = int(time.time()) - 10
    token = f"Bearer {_signed(iat=issued)}"
    assert verifier(clock=lambda: issued - 30).verify(token).subject == "user-42"
    assert refused(token, clock=lambda: issued - 31) == ("not_yet_valid", "the token is issued in the future")


def test_policies_are_iam_documents_of_their_version() -> None:
    allowed = policy.allow("ada", "arn:aws:execute-api:us-east-1:123456789012:a1/dev/*", {"scopes": "x"})
    assert allowed == {"principalId": "ada", "context": {"scopes": "x"}, "policyDocument": {
        "Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow",
                                                "Resource": "arn:aws:execute-api:us-east-1:123456789012:a1/dev/*"}]}}  # fmt: skip
    assert policy.deny(None)["policyDocument"]["Statement"][0]["Resource"] == "*"
    assert policy.deny("arn:x")["policyDocument"]["Statement"][0] == {
        "Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "arn:x"}  # fmt: skip
    assert policy.deny("arn:x")["principalId"] == "unauthorized"


BASE = {"JWT_ISSUER": "https://i/", "JWT_AUDIENCE": "a", "JWT_SECRET_ID": "s"}


def test_settings_default_as_documented() -> None:
    found = AuthSettings.from_env(BASE)
    assert (found.mode, found.leeway, found.secret_cache_seconds, found.jwks_cache_seconds) == ("hs256", 30, 300, 600)


@pytest.mark.parametrize(("name", "highest"), [("JWT_LEEWAY_SECONDS", 300), ("SECRET_CACHE_SECONDS", 3600),
                                               ("JWKS_CACHE_SECONDS", 86400)])  # fmt: skip
def test_each_number_is_taken_from_0_to_its_highest_and_refused_past_it(name: str, highest: int) -> None:
    field = {"JWT_LEEWAY_SECONDS": "leeway", "SECRET_CACHE_SECONDS": "secret_cache_seconds",
             "JWKS_CACHE_SECONDS": "jwks_cache_seconds"}[name]  # fmt: skip
    for value in (0, highest):
        assert getattr(AuthSettings.from_env({**BASE, name: str(value)}), field) == value
    for value in (-1, highest + 1):
        with pytest.raises(ConfigurationError):
            AuthSettings.from_env({**BASE, name: str(value)})


def test_a_key_pyjwt_cannot_use_is_a_key_mismatch_with_pyjwts_words() -> None:
    class NotAKey:
        def key_for(self, header: dict[str, Any]) -> int:
            return 12345

    checker = TokenVerifier(algorithms=("HS256",), issuer=tokens.ISSUER, audience=tokens.AUDIENCE, leeway=30,
                            keys=NotAKey())  # fmt: skip
    with pytest.raises(TokenRejected) as caught:
        checker.verify(f"Bearer {_signed()}")
    assert (caught.value.reason, caught.value.message) == ("key_mismatch", "Expected a string or bytes value")
