"""The order stream consumer's settings (its environment, as infra/order_stream.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from lambdas.common import settings as read

ALERT_THRESHOLD = "ORDER_ALERT_THRESHOLD"
ALERTS_TOPIC_ARN = "ALERTS_TOPIC_ARN"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
VARIABLES = (ALERT_THRESHOLD, ALERTS_TOPIC_ARN, IDEMPOTENCY_TABLE)


@dataclass(frozen=True)
class OrderStreamSettings:
    threshold: Decimal
    topic_arn: str
    idempotency_table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> OrderStreamSettings:
        return cls(
            threshold=read.decimal(env, ALERT_THRESHOLD, "1000"),
            topic_arn=read.required(env, ALERTS_TOPIC_ARN),
            idempotency_table=read.required(env, IDEMPOTENCY_TABLE),
        )


current = read.cached(OrderStreamSettings.from_env)
