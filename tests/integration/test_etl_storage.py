"""The ETL's S3 side, on moto: an object is read in chunks of CHUNK_BYTES (never whole), and the
report is stored as indented JSON with its content type."""

from __future__ import annotations

import json
from typing import Any

from lambdas.common.events import S3ObjectRef
from lambdas.services.etl.storage import CHUNK_BYTES, open_chunks, write_report


def test_an_object_is_read_in_chunks_never_whole(s3: Any) -> None:
    s3.create_bucket(Bucket="etl-data")
    data = bytes(range(256)) * (3 * CHUNK_BYTES // 256 + 7)
    s3.put_object(Bucket="etl-data", Key="incoming/big.csv", Body=data)
    chunks = list(open_chunks(S3ObjectRef("etl-data", "incoming/big.csv"), max_bytes=10 * len(data)))
    assert b"".join(chunks) == data
    assert len(chunks) == 4 and max(len(c) for c in chunks) == CHUNK_BYTES


def test_the_report_is_indented_json_with_its_content_type(s3: Any) -> None:
    s3.create_bucket(Bucket="etl-data")
    report = {"status": "complete", "rows_loaded": 2, "rejections": []}
    write_report("etl-data", "reports/a.csv.report.json", report)
    stored = s3.get_object(Bucket="etl-data", Key="reports/a.csv.report.json")
    assert stored["ContentType"] == "application/json"
    assert stored["Body"].read().decode() == json.dumps(report, indent=2)
