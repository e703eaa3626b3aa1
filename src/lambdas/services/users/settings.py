"""The users API's settings (its environment, as infra/http.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read

TABLE = "USERS_TABLE"
CORS_ALLOWED_ORIGINS = "CORS_ALLOWED_ORIGINS"
VARIABLES = (TABLE, CORS_ALLOWED_ORIGINS)


@dataclass(frozen=True)
class UsersSettings:
    table: str
    cors_origins: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> UsersSettings:
        return cls(table=read.required(env, TABLE), cors_origins=read.origins(env, CORS_ALLOWED_ORIGINS))


current = read.cached(UsersSettings.from_env)
