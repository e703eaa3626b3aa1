"""The price scraper's settings (its environment, as infra/scraper.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from lambdas.common import settings as read

PRODUCTS_PARAMETER = "PRODUCTS_PARAMETER"
PRICES_TABLE = "PRICES_TABLE"
ALERTS_TOPIC_ARN = "ALERTS_TOPIC_ARN"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
DROP_PERCENT = "PRICE_DROP_PERCENT"
ALLOW_HOSTS = "SCRAPER_ALLOW_HOSTS"
HOST_DELAY_SECONDS = "SCRAPER_HOST_DELAY_SECONDS"
TIMEOUT_SECONDS = "SCRAPER_TIMEOUT_SECONDS"
PRODUCT_SECONDS = "SCRAPER_PRODUCT_SECONDS"
TIME_MARGIN_SECONDS = "TIME_MARGIN_SECONDS"
VARIABLES = (PRODUCTS_PARAMETER, PRICES_TABLE, ALERTS_TOPIC_ARN, IDEMPOTENCY_TABLE, DROP_PERCENT, ALLOW_HOSTS,
             HOST_DELAY_SECONDS, TIMEOUT_SECONDS, PRODUCT_SECONDS, TIME_MARGIN_SECONDS)  # fmt: skip


@dataclass(frozen=True)
class ScraperSettings:
    products_parameter: str
    prices_table: str
    topic_arn: str
    idempotency_table: str
    drop_percent: Decimal
    allow_hosts: tuple[str, ...]
    host_delay_seconds: float
    timeout_seconds: int
    product_seconds: int  # one product's whole budget: every attempt, redirect and Retry-After wait
    time_margin_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ScraperSettings:
        return cls(
            products_parameter=read.required(env, PRODUCTS_PARAMETER),
            prices_table=read.required(env, PRICES_TABLE),
            topic_arn=read.required(env, ALERTS_TOPIC_ARN),
            idempotency_table=read.required(env, IDEMPOTENCY_TABLE),
            drop_percent=read.decimal(env, DROP_PERCENT, "10"),
            allow_hosts=read.names(env, ALLOW_HOSTS),
            host_delay_seconds=float(read.decimal(env, HOST_DELAY_SECONDS, "1")),
            timeout_seconds=read.integer(env, TIMEOUT_SECONDS, 10, minimum=1, maximum=60),
            product_seconds=read.integer(env, PRODUCT_SECONDS, 30, minimum=1, maximum=600),
            time_margin_seconds=read.integer(env, TIME_MARGIN_SECONDS, 10, minimum=1, maximum=300),
        )


current = read.cached(ScraperSettings.from_env)
