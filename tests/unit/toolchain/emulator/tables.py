"""A DynamoDB table made on moto's backend directly, as the checkpoint's unit tests need one."""

from __future__ import annotations

from typing import Any


def hash_keyed_table(backend: Any, name: str) -> Any:
    """A pay-per-request table keyed by a string `pk`, on `backend` (moto's DynamoDBBackend)."""
    return backend.create_table(name, schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                attr=[{"AttributeName": "pk", "AttributeType": "S"}], throughput=None,
                                billing_mode="PAY_PER_REQUEST", indexes=None, global_indexes=None, streams=None,
                                sse_specification=None, tags=None, deletion_protection_enabled=False,
                                warm_throughput=None)  # fmt: skip
