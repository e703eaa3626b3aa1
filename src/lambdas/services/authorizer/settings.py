"""The JWT authorizer's settings (its environment, as infra/http.tf sets it).

HS256 with a Secrets Manager secret, or RS256/ES256 against a JWKS URL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read
from lambdas.common.exceptions import ConfigurationError

MODE = "JWT_MODE"
# Names of variables holding Secrets Manager ids (bandit's B105 reads "SECRET" as a password).
SECRET_ID = "JWT_SECRET_ID"  # nosec B105
JWKS_URL = "JWKS_URL"
ISSUER = "JWT_ISSUER"
AUDIENCE = "JWT_AUDIENCE"
LEEWAY_SECONDS = "JWT_LEEWAY_SECONDS"
SECRET_CACHE_SECONDS = "SECRET_CACHE_SECONDS"  # nosec B105
JWKS_CACHE_SECONDS = "JWKS_CACHE_SECONDS"
VARIABLES = (MODE, SECRET_ID, JWKS_URL, ISSUER, AUDIENCE, LEEWAY_SECONDS, SECRET_CACHE_SECONDS, JWKS_CACHE_SECONDS)
_ALGORITHMS = {"hs256": ("HS256",), "jwks": ("RS256", "ES256")}


@dataclass(frozen=True)
class AuthSettings:
    mode: str
    algorithms: tuple[str, ...]
    issuer: str
    audience: str
    leeway: int
    secret_id: str | None
    jwks_url: str | None
    secret_cache_seconds: int
    jwks_cache_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AuthSettings:
        mode = env.get(MODE, "hs256").strip().lower()
        if mode not in _ALGORITHMS:
            raise ConfigurationError(f"{MODE}={mode!r} must be hs256 or jwks")
        return cls(
            mode=mode,
            algorithms=_ALGORITHMS[mode],
            issuer=read.required(env, ISSUER),
            audience=read.required(env, AUDIENCE),
            leeway=read.integer(env, LEEWAY_SECONDS, 30, minimum=0, maximum=300),
            secret_id=read.required(env, SECRET_ID) if mode == "hs256" else None,
            jwks_url=read.url(env, JWKS_URL) if mode == "jwks" else None,
            secret_cache_seconds=read.integer(env, SECRET_CACHE_SECONDS, 300, minimum=0, maximum=3600),
            jwks_cache_seconds=read.integer(env, JWKS_CACHE_SECONDS, 600, minimum=0, maximum=86400),
        )


current = read.cached(AuthSettings.from_env)
