"""Doing something once per key, however often its event is delivered (Powertools idempotency, DynamoDB).

One wiring for every function that needs it (alerts per order, alerts per price drop, fulfilment per
job): the table, the key inside the payload, how long a key is remembered. A delivery that finds
its key in progress elsewhere fails and is redelivered; one that finds it done returns the result
the first one stored.

A delivery that dies after its action and before recording it done (a crashed or timed-out
invocation) leaves the key in progress until its deadline; a redelivery after that runs the action
again. For an action that cannot be undone or deduplicated downstream (an SNS publish to a standard
topic), `in_progress_grace_seconds` keeps the key in progress that much longer: the retries of the
crashed delivery fail meanwhile and reach the source's dead-letter destination, with their reason,
instead of sending a second message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Action = Callable[[dict[str, Any]], dict[str, Any]]


class _Deadline:
    """A Lambda context whose deadline, as the in-progress record reads it, is `grace_ms` later."""

    def __init__(self, context: Any, grace_ms: int) -> None:
        self._context, self._grace_ms = context, grace_ms

    def get_remaining_time_in_millis(self) -> int:
        return int(self._context.get_remaining_time_in_millis()) + self._grace_ms

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class Once:
    def __init__(self, action: Action, *, table: str, key: str, remember_seconds: int,
                 in_progress_grace_seconds: int = 0) -> None:  # fmt: skip
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        from lambdas.common import aws

        self._config = IdempotencyConfig(event_key_jmespath=key, expires_after_seconds=remember_seconds)
        self._grace_ms = in_progress_grace_seconds * 1000
        store = DynamoDBPersistenceLayer(table_name=table, boto3_client=aws.client("dynamodb"))

        @idempotent_function(data_keyword_argument="payload", config=self._config, persistence_store=store)
        def run(payload: dict[str, Any]) -> dict[str, Any]:
            return action(payload)

        self._run = run

    def within(self, context: Any) -> Once:
        """Tie in-progress records to this invocation's deadline (Powertools needs the Lambda context)."""
        self._config.register_lambda_context(_Deadline(context, self._grace_ms) if self._grace_ms else context)
        return self

    def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._run(payload=payload)
