"""invoke token's minting: the deployed authorizer's key, issuer and audience; bounded lifetimes."""

from __future__ import annotations

import jwt
import pytest

from toolchain.errors import ToolchainError
from toolchain.tokens import Verifier, authorizer_verifier, mint

VERIFIER = Verifier("hs256", "arn:secret", "https://auth.example.com/", "platform-api")
KEY = "k" * 48


def test_a_minted_token_verifies_as_the_authorizer_verifies_it() -> None:
    token = mint(KEY, VERIFIER, "dev-1", "users:read", 60, now=1_800_000_000)
    claims = jwt.decode(token, KEY, algorithms=["HS256"], audience="platform-api", issuer="https://auth.example.com/",
                        options={"verify_exp": False, "verify_iat": False})  # fmt: skip
    assert claims == {"sub": "dev-1", "iss": "https://auth.example.com/", "aud": "platform-api",
                      "iat": 1_800_000_000, "exp": 1_800_003_600, "scope": "users:read"}  # fmt: skip


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_a_lifetime_outside_a_day_is_refused(minutes: int) -> None:
    with pytest.raises(ToolchainError, match="--minutes must be 1 to 1440"):
        mint(KEY, VERIFIER, "dev-1", "users:read", minutes)


def test_an_authorizer_of_an_identity_provider_is_not_signed_for() -> None:
    with pytest.raises(ToolchainError, match="verifies jwks tokens from an identity provider"):
        mint(KEY, Verifier("jwks", "", "iss", "aud"), "dev-1", "users:read", 60)


def test_the_verifier_is_read_from_the_deployed_authorizer() -> None:
    class Lambda:
        def get_function_configuration(self, FunctionName: str) -> dict[str, object]:
            assert FunctionName == "platform-local-authorizer"
            return {"Environment": {"Variables": {"JWT_MODE": "hs256", "JWT_SECRET_ID": "arn:s", "JWT_ISSUER": "i",
                                                  "JWT_AUDIENCE": "a"}}}  # fmt: skip

    assert authorizer_verifier(Lambda(), "platform-local-authorizer") == Verifier("hs256", "arn:s", "i", "a")
