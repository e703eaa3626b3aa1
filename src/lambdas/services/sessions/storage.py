"""The sessions table: scanning for expired keys page by page, batched deletes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdas.common import aws
from lambdas.common.dynamo import batch_write

KEY = "sessionId"
EXPIRY = "expiresAt"


class DynamoSessions:
    def __init__(self, table: str) -> None:
        self._table = table

    def expired_pages(self, now: int, page_size: int) -> Iterator[list[dict[str, Any]]]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "#expires < :now",
            "ProjectionExpression": "#key",
            "ExpressionAttributeNames": {"#expires": EXPIRY, "#key": KEY},
            "ExpressionAttributeValues": {":now": {"N": str(now)}},
            "Limit": page_size,
        }
        while True:
            with aws.dependency(f"Scan of {self._table}"):
                page = aws.client("dynamodb").scan(**params)
            yield page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete(self, keys: list[dict[str, Any]]) -> None:
        batch_write(self._table, [{"DeleteRequest": {"Key": key}} for key in keys])
