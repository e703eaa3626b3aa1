"""The order workflow steps' settings (their environment, as infra/order_workflow.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read

STATUS_TABLE = "ORDER_STATUS_TABLE"
EVENTS_TOPIC_ARN = "ORDER_EVENTS_TOPIC_ARN"
VARIABLES = (STATUS_TABLE, EVENTS_TOPIC_ARN)


@dataclass(frozen=True)
class WorkflowSettings:
    status_table: str
    events_topic_arn: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> WorkflowSettings:
        return cls(status_table=read.required(env, STATUS_TABLE), events_topic_arn=read.required(env, EVENTS_TOPIC_ARN))


current = read.cached(WorkflowSettings.from_env)
