"""The users API's settings (its environment, as infra/http.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read

TABLE = "USERS_TABLE"
CORS_ALLOWED_ORIGINS = "CORS_ALLOWED_ORIGINS"
CURSOR_SECRET_ID = "USERS_CURSOR_SECRET_ID"  # nosec B105: the secret's id, not its value
VARIABLES = (TABLE, CORS_ALLOWED_ORIGINS, CURSOR_SECRET_ID)
# how long a container keeps the signing key before reading it again (a rotation reaches it by then)
CURSOR_KEY_CACHE_SECONDS = 300


@dataclass(frozen=True)
class UsersSettings:
    table: str
    cors_origins: tuple[str, ...]
    cursor_secret_id: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> UsersSettings:
        return cls(
            table=read.required(env, TABLE),
            cors_origins=read.origins(env, CORS_ALLOWED_ORIGINS),
            cursor_secret_id=read.required(env, CURSOR_SECRET_ID),
        )


current = read.cached(UsersSettings.from_env)
