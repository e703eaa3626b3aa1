"""S3 and DynamoDB for the ETL: streamed reads, batched writes, reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lambdas.common import objects
from lambdas.common.dynamo import batch_write
from lambdas.common.events import S3ObjectRef
from lambdas.common.exceptions import PayloadTooLarge
from lambdas.services.etl.rows import Sale

CHUNK_BYTES = 256 * 1024


class FileTooLarge(PayloadTooLarge):
    code = "file_too_large"

    def __init__(self, message: str) -> None:
        super().__init__(f"{message}: more than one invocation loads within its timeout; split the file")


def sale_item(sale: Sale, source: str) -> dict[str, Any]:
    return {
        "id": {"S": sale.sale_id},
        "date": {"S": sale.day},
        "amount": {"N": str(sale.amount)},
        "region": {"S": sale.region},
        "product": {"S": sale.product},
        "source": {"S": source},
    }


def open_chunks(ref: S3ObjectRef, max_bytes: int) -> Iterator[bytes]:
    """The object's bytes, streamed from S3 in chunks, never read whole."""
    return objects.stream_object(ref, max_bytes, FileTooLarge, CHUNK_BYTES)


class SalesTable:
    def __init__(self, table: str, source: str) -> None:
        self._table = table
        self._source = source

    def write(self, sales: list[Sale]) -> None:
        batch_write(self._table, [{"PutRequest": {"Item": sale_item(s, self._source)}} for s in sales])


def write_report(bucket: str, key: str, report: dict[str, Any]) -> None:
    objects.put_object(bucket, key, json.dumps(report, indent=2).encode(), content_type="application/json")
