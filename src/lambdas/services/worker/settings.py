"""The SQS worker's settings (its environment, as infra/worker.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read

WORKFLOW_ARN = "WORKFLOW_ARN"
FULFILMENTS_TABLE = "FULFILMENTS_TABLE"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
VARIABLES = (WORKFLOW_ARN, FULFILMENTS_TABLE, IDEMPOTENCY_TABLE)


@dataclass(frozen=True)
class WorkerSettings:
    workflow_arn: str
    fulfilments_table: str
    idempotency_table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> WorkerSettings:
        return cls(
            workflow_arn=read.required(env, WORKFLOW_ARN),
            fulfilments_table=read.required(env, FULFILMENTS_TABLE),
            idempotency_table=read.required(env, IDEMPOTENCY_TABLE),
        )


current = read.cached(WorkerSettings.from_env)
