"""S3 and DynamoDB for the ETL: streamed reads, batched writes, reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lambdas.common import aws
from lambdas.common.dynamo import batch_write
from lambdas.common.events import S3ObjectRef
from lambdas.common.exceptions import DependencyError, PayloadTooLarge, RejectedInput
from lambdas.services.etl.rows import Sale

CHUNK_BYTES = 256 * 1024


class FileTooLarge(PayloadTooLarge):
    code = "file_too_large"


class SourceGone(RejectedInput):
    code = "source_gone"


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
    params = {"Bucket": ref.bucket, "Key": ref.key, **({"VersionId": ref.version_id} if ref.version_id else {})}
    try:
        response = aws.client("s3").get_object(**params)
    except Exception as exc:
        if aws.error_code(exc) in ("NoSuchKey", "NoSuchVersion", "404"):
            raise SourceGone(f"s3://{ref.bucket}/{ref.key} no longer exists") from None
        raise DependencyError(f"cannot read s3://{ref.bucket}/{ref.key}: {aws.error_code(exc) or exc}") from exc
    if response["ContentLength"] > max_bytes:
        response["Body"].close()
        raise FileTooLarge(
            f"{response['ContentLength']} bytes is more than one invocation loads within its timeout "
            f"({max_bytes} bytes); split the file"
        )
    body = response["Body"]
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    except Exception as exc:  # a reset or timed-out stream (botocore's own errors are not OSErrors)
        raise DependencyError(f"reading s3://{ref.bucket}/{ref.key} failed: {exc}") from exc
    finally:
        body.close()


class SalesTable:
    def __init__(self, table: str, source: str) -> None:
        self._table = table
        self._source = source

    def write(self, sales: list[Sale]) -> None:
        batch_write(self._table, [{"PutRequest": {"Item": sale_item(s, self._source)}} for s in sales])


def write_report(bucket: str, key: str, report: dict[str, Any]) -> None:
    try:
        aws.client("s3").put_object(
            Bucket=bucket, Key=key, Body=json.dumps(report, indent=2).encode(), ContentType="application/json"
        )
    except Exception as exc:
        raise DependencyError(f"cannot write the report s3://{bucket}/{key}: {aws.error_code(exc) or exc}") from exc
