"""The checkout API's settings (its environment, as infra/checkout.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read

WORK_QUEUE_URL = "WORK_QUEUE_URL"
CORS_ALLOWED_ORIGINS = "CORS_ALLOWED_ORIGINS"
VARIABLES = (WORK_QUEUE_URL, CORS_ALLOWED_ORIGINS)


@dataclass(frozen=True)
class CheckoutSettings:
    queue_url: str
    cors_origins: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CheckoutSettings:
        return cls(queue_url=read.required(env, WORK_QUEUE_URL), cors_origins=read.origins(env, CORS_ALLOWED_ORIGINS))


current = read.cached(CheckoutSettings.from_env)
