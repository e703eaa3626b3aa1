"""Tokens the emulator's authorizer accepts: signed with the environment's own key, for its own issuer
and audience, read from the deployed authorizer (what it verifies with), never from defaults."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from toolchain.errors import ToolchainError


@dataclass(frozen=True)
class Verifier:
    mode: str
    secret_id: str
    issuer: str
    audience: str


def authorizer_verifier(lambda_client: Any, function_name: str) -> Verifier:
    """How the deployed authorizer verifies tokens (its configuration on the emulator)."""
    variables = lambda_client.get_function_configuration(FunctionName=function_name).get("Environment", {})
    found = variables.get("Variables", {})
    return Verifier(found.get("JWT_MODE", "hs256"), found.get("JWT_SECRET_ID", ""), found.get("JWT_ISSUER", ""),
                    found.get("JWT_AUDIENCE", ""))  # fmt: skip


def mint(key: str, verifier: Verifier, subject: str, scopes: str, minutes: int, now: float | None = None) -> str:
    import jwt

    if verifier.mode != "hs256":
        raise ToolchainError(
            f"the authorizer verifies {verifier.mode} tokens from an identity provider",
            "ask that provider for a token; only a key the platform holds (hs256) signs here",
        )
    if minutes < 1 or minutes > 24 * 60:
        raise ToolchainError(f"--minutes must be 1 to 1440, not {minutes}")
    issued = int(time.time() if now is None else now)
    claims = {"sub": subject, "iss": verifier.issuer, "aud": verifier.audience, "iat": issued,
              "exp": issued + minutes * 60, "scope": scopes}  # fmt: skip
    return jwt.encode(claims, key, algorithm="HS256")
