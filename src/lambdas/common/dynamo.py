"""DynamoDB batch writes that finish: unprocessed items are retried with backoff, then fail loudly.

BatchWriteItem may accept only part of a batch (throttling, hot partitions) and report the rest as
UnprocessedItems; dropping them would lose data silently.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from lambdas.common import aws
from lambdas.common.exceptions import DependencyError

BATCH_SIZE = 25
MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 0.05
MAX_DELAY_SECONDS = 2.0


class UnprocessedItems(DependencyError):
    code = "unprocessed_items"


def batch_write(
    table: str,
    requests: list[dict[str, Any]],
    *,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Write up to 25 Put/Delete requests; returns how many retries it took. UnprocessedItems if some never land."""
    if len(requests) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} requests per batch")
    client = client or aws.client("dynamodb")
    pending: dict[str, list[dict[str, Any]]] = {table: requests}
    for attempt in range(MAX_ATTEMPTS):
        try:
            result = client.batch_write_item(RequestItems=pending)
        except Exception as exc:
            if aws.error_code(exc) not in ("ProvisionedThroughputExceededException", "ThrottlingException"):
                raise DependencyError(f"BatchWriteItem on {table} failed: {aws.error_code(exc) or exc}") from exc
            result = {"UnprocessedItems": pending}
        pending = {k: v for k, v in (result.get("UnprocessedItems") or {}).items() if v}
        if not pending:
            return attempt
        # Exponential backoff with full jitter, as AWS recommends for BatchWriteItem (jitter, not a secret).
        sleep(random.uniform(0, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2**attempt)))  # noqa: S311  # nosec B311
    left = sum(len(v) for v in pending.values())
    raise UnprocessedItems(f"{left} of {len(requests)} items were still unprocessed after {MAX_ATTEMPTS} attempts")


def update_expression(
    *, set_fields: dict[str, dict[str, str]], add_fields: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """UpdateExpression with every attribute name behind a placeholder.

    DynamoDB reserves hundreds of words (STATUS, TOTAL, PROCESSED, NAME, ...); placeholders make any
    attribute name safe. Returns the three UpdateItem parameters.
    """
    names: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    clauses = []
    for verb, fields, joiner in (("SET", set_fields, " = "), ("ADD", add_fields or {}, " ")):
        parts = []
        for name, value in fields.items():
            index = len(names)
            names[f"#n{index}"] = name
            values[f":v{index}"] = value
            parts.append(f"#n{index}{joiner}:v{index}")
        if parts:
            clauses.append(f"{verb} {', '.join(parts)}")
    return {
        "UpdateExpression": " ".join(clauses),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
