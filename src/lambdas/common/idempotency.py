"""Doing something once per key, however often its event is delivered (Powertools idempotency, DynamoDB).

One wiring for every function that needs it (alerts per order, alerts per price drop, fulfilment per
job): the table, the key inside the payload, how long a key is remembered. A delivery that finds
its key in progress elsewhere fails and is redelivered; one that finds it done returns the result
the first one stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Action = Callable[[dict[str, Any]], dict[str, Any]]


class Once:
    def __init__(self, action: Action, *, table: str, key: str, remember_seconds: int) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        from lambdas.common import aws

        self._config = IdempotencyConfig(event_key_jmespath=key, expires_after_seconds=remember_seconds)
        store = DynamoDBPersistenceLayer(table_name=table, boto3_client=aws.client("dynamodb"))

        @idempotent_function(data_keyword_argument="payload", config=self._config, persistence_store=store)
        def run(payload: dict[str, Any]) -> dict[str, Any]:
            return action(payload)

        self._run = run

    def within(self, context: Any) -> Once:
        """Tie in-progress records to this invocation's deadline (Powertools needs the Lambda context)."""
        self._config.register_lambda_context(context)
        return self

    def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._run(payload=payload)
