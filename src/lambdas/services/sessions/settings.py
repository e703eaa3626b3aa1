"""The session sweep's settings (its environment, as infra/sessions.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read

TABLE = "SESSIONS_TABLE"
PAGE_SIZE = "SWEEP_PAGE_SIZE"
TIME_MARGIN_SECONDS = "TIME_MARGIN_SECONDS"
VARIABLES = (TABLE, PAGE_SIZE, TIME_MARGIN_SECONDS)


@dataclass(frozen=True)
class SweepSettings:
    table: str
    page_size: int
    time_margin_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SweepSettings:
        return cls(
            table=read.required(env, TABLE),
            page_size=read.integer(env, PAGE_SIZE, 1000, minimum=25, maximum=10000),
            time_margin_seconds=read.integer(env, TIME_MARGIN_SECONDS, 10, minimum=1, maximum=300),
        )


current = read.cached(SweepSettings.from_env)
