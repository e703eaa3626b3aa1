"""Keys from a JWKS document over real HTTP on localhost (keys.py's JwksKeys): found by kid, matched to
the token's algorithm, fetched again when the cache's lifespan is over, and a JWKS that does not
answer in time is an outage (DependencyError), not a verdict on the token."""

from __future__ import annotations

import json
import time

import pytest

from lambdas.common.exceptions import DependencyError
from lambdas.services.authorizer.keys import JwksKeys
from lambdas.services.authorizer.tokens import TokenRejected
from tests import tokens
from tests.httpserver import serve

pytestmark = pytest.mark.documents("services.md", "Verification")


def _jwks(path: str) -> tuple:
    return 200, "application/json", json.dumps(tokens.jwks()).encode()


def _refused(keys: JwksKeys, header: dict) -> tuple[str, str]:
    with pytest.raises(TokenRejected) as caught:
        keys.key_for(header)
    return caught.value.reason, caught.value.message


def test_a_key_is_found_by_kid_for_its_own_algorithm_only() -> None:
    with serve({"/jwks": _jwks}) as url:
        keys = JwksKeys(f"{url}/jwks", 600)
        assert keys.key_for({"alg": "RS256", "kid": "rsa-1"}).public_numbers() == (
            tokens.rsa_key().public_key().public_numbers())  # fmt: skip
        mismatch = ("key_mismatch", "the key's type does not match the token's algorithm")
        assert _refused(keys, {"alg": "ES256", "kid": "rsa-1"}) == mismatch
        assert _refused(keys, {"kid": "ec-1"}) == mismatch  # no alg names no key type
        assert _refused(keys, {"alg": "RS256", "kid": "rsa-9"}) == ("unknown_key", "no key with that kid in the JWKS")
        for kid in (None, "", 7):
            assert _refused(keys, {"alg": "RS256", "kid": kid}) == ("unknown_key", "the token names no key (kid)")


def test_a_key_taken_out_of_the_jwks_is_refused_once_the_cache_lifespan_is_over() -> None:
    # GIVEN a JWKS from which the RSA key is then revoked (taken out), read with a TTL of 0, which is
    # PyJWT's shortest lifespan, 1 s
    served = {"keys": tokens.jwks()["keys"]}
    with serve({"/jwks": lambda path: (200, "application/json", json.dumps(served).encode())}) as url:
        keys = JwksKeys(f"{url}/jwks", 0)
        keys.key_for({"alg": "RS256", "kid": "rsa-1"})
        keys.key_for({"alg": "RS256", "kid": "rsa-1"})
        assert len(serve.hits) == 1  # type: ignore[attr-defined]  # read once within the lifespan
        served["keys"] = [k for k in served["keys"] if k["kid"] != "rsa-1"]
        time.sleep(1.2)  # past 1 s
        # THEN a token signed with it is refused: a warm container does not keep a revoked key
        assert _refused(keys, {"alg": "RS256", "kid": "rsa-1"}) == ("unknown_key", "no key with that kid in the JWKS")


def test_a_jwks_that_does_not_answer_in_time_is_an_outage() -> None:
    with serve({"/jwks": _jwks}, delays={"/jwks": 30}) as url:
        keys = JwksKeys(f"{url}/jwks", 600)
        started = time.monotonic()
        with pytest.raises(DependencyError) as caught:
            keys.key_for({"alg": "RS256", "kid": "rsa-1"})
        assert caught.value.message.startswith("cannot fetch the JWKS: ")
        # its own timeout (3 s), long before the server would answer (30 s), however busy the machine
        assert time.monotonic() - started < 20
