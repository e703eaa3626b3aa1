"""DynamoDB's request limits moto did not check
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html)."""

from __future__ import annotations

from typing import Any

MAX_BATCH_WRITE = 25


def batch_writes_within_limit(original: Any, emulator: Any) -> Any:
    """DynamoHandler.batch_write_item: 1 to 25 requests in all, over every table, or a ValidationException."""
    from moto.dynamodb.exceptions import MockValidationException

    def batch_write_item(self: Any) -> Any:
        requested = self.body.get("RequestItems") if isinstance(self.body, dict) else None
        count = sum(len(v) for v in requested.values() if isinstance(v, list)) if isinstance(requested, dict) else 0
        if not 1 <= count <= MAX_BATCH_WRITE:
            raise MockValidationException(
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must "
                f"satisfy constraint: [Member must have length less than or equal to {MAX_BATCH_WRITE}, Member must "
                "have length greater than or equal to 1]"
            )
        return original(self)

    return batch_write_item
