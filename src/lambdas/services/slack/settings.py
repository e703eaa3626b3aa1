"""The Slack bot's settings (its environment, as infra/http.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read
from lambdas.common.exceptions import ConfigurationError

SIGNING_SECRET_ID = "SLACK_SIGNING_SECRET_ID"  # nosec B105 - the name of a variable holding a secret's id
SECRET_CACHE_SECONDS = "SECRET_CACHE_SECONDS"  # nosec B105
WEATHER_URL = "WEATHER_URL"
WEATHER_TIMEOUT_SECONDS = "WEATHER_TIMEOUT_SECONDS"
STATUS_TABLES = "STATUS_TABLES"
STATUS_FUNCTIONS = "STATUS_FUNCTIONS"
VARIABLES = (SIGNING_SECRET_ID, SECRET_CACHE_SECONDS, WEATHER_URL, WEATHER_TIMEOUT_SECONDS, STATUS_TABLES,
             STATUS_FUNCTIONS)  # fmt: skip


@dataclass(frozen=True)
class SlackSettings:
    signing_secret_id: str
    secret_cache_seconds: int
    weather_url: str
    weather_timeout: float
    status_tables: tuple[str, ...]
    status_functions: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SlackSettings:
        weather_url = read.url(env, WEATHER_URL)
        if "{place}" not in weather_url:
            raise ConfigurationError(f"{WEATHER_URL} must contain {{place}} where the place goes")
        return cls(
            signing_secret_id=read.required(env, SIGNING_SECRET_ID),
            secret_cache_seconds=read.integer(env, SECRET_CACHE_SECONDS, 300, minimum=0, maximum=3600),
            weather_url=weather_url,
            weather_timeout=read.integer(env, WEATHER_TIMEOUT_SECONDS, 2, minimum=1, maximum=10),
            status_tables=read.names(env, STATUS_TABLES),
            status_functions=read.names(env, STATUS_FUNCTIONS),
        )


current = read.cached(SlackSettings.from_env)
