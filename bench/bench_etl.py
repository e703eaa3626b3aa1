"""ETL: the parse + validate + batch path against the same work written plainly, in one process;
peak memory for growing files; and rows/s into DynamoDB (moto's, over HTTP on localhost) with the
function's write lanes against boto3's own `batch_writer`.

The floor reads with `csv.reader` and applies the same checks inline (id and region patterns, ISO
date, plain decimal with at most four places below 1e12, product length), then hands batches of 25
to the same writer. What the project adds over it: a named rejection per bad row, the encoding
check per line, blank-row skipping, and per-id ordering across write lanes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from harness import ROOT, interleaved, median, result, table

from lambdas.services.etl.loader import LoadReport, load
from lambdas.services.etl.rows import parse_sales
from lambdas.services.etl.storage import CHUNK_BYTES
from lambdas.services.etl.text import DecodedText

ROWS = 100_000
SIZES = (10_000, 100_000, 1_000_000)
REGIONS = ("eu", "us", "apac", "latam")
# The floor's own checks, as a plain script would write them (the same shapes as rows.py's)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_REGION = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,31}")
_AMOUNT = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")


def csv_lines(rows: int) -> list[str]:
    body = [f"sale-{n:08d},2026-{n % 12 + 1:02d}-{n % 28 + 1:02d},{n % 5000}.{n % 100:02d},{REGIONS[n % 4]},"
            f"Product {n % 997}\n" for n in range(rows)]  # fmt: skip
    return ["id,date,amount,region,product\n", *body]


def floor(data: bytes, write) -> int:
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""))
    header = [h.strip().lower() for h in next(reader)]
    i, d, a, r, p = (header.index(c) for c in ("id", "date", "amount", "region", "product"))
    batch: list[tuple] = []
    loaded = 0
    for row in reader:
        if len(row) < 5:
            continue
        sale_id, day, amount = row[i].strip(), row[d].strip(), row[a].strip()
        region, product = row[r].strip(), row[p].strip()
        number = _AMOUNT.fullmatch(amount)
        if not (_ID.fullmatch(sale_id) and number and _REGION.fullmatch(region) and 1 <= len(product) <= 200):
            continue
        if (number.group(2) and len(number.group(2)) > 4) or len(number.group(1).lstrip("0")) > 12:
            continue
        try:
            day = date.fromisoformat(day).isoformat()
        except ValueError:
            continue
        batch.append((sale_id, day, Decimal(amount), region.upper(), product))
        if len(batch) == 25:
            write(batch)
            loaded += len(batch)
            batch = []
    if batch:
        write(batch)
        loaded += len(batch)
    return loaded


def project(data: bytes, write) -> int:
    """What the function does with an object's chunks (storage.CHUNK_BYTES each)."""
    text = DecodedText(data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES))
    report = load(parse_sales(text.lines(), text.invalid), write, LoadReport("bench"), out_of_time=lambda: False)
    return report.rows_loaded


def rate(path, data: bytes) -> float:
    started = time.perf_counter()
    loaded = path(data, lambda batch: None)
    assert loaded == ROWS, loaded
    return ROWS / (time.perf_counter() - started)


CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1] + "/src")
from lambdas.services.etl.loader import LoadReport, load
from lambdas.services.etl.rows import parse_sales
from lambdas.services.etl.storage import CHUNK_BYTES
from lambdas.services.etl.text import DecodedText
def chunks(handle):
    while chunk := handle.read(CHUNK_BYTES):  # as the function streams the object from S3
        yield chunk
if sys.argv[3] == "function":
    with open(sys.argv[2], "rb") as handle:
        text = DecodedText(chunks(handle))
        report = load(parse_sales(text.lines(), text.invalid), lambda batch: None, LoadReport("bench"),
                      out_of_time=lambda: False)
    loaded = report.rows_loaded
else:  # the floor: Python's text file and csv.reader, nothing kept
    import csv
    with open(sys.argv[2], encoding="utf-8", newline="") as handle:
        loaded = sum(1 for _ in csv.reader(handle)) - 1
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"loaded": loaded, "rss_mb": hwm / 1024}))
"""


def peak_memory() -> list[list[object]]:
    """Peak RSS of a fresh process loading each file: the function's own path (chunks of bytes as
    streamed from S3, `DecodedText`, `parse_sales`, `load`) and the floor (a text file, csv.reader)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            path = Path(tmp) / f"{size}.csv"
            path.write_text("".join(csv_lines(size)))
            peaks = {}
            for mode in ("function", "floor"):
                out = json.loads(subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path), mode],
                                                capture_output=True, text=True, check=True).stdout)  # fmt: skip
                assert out["loaded"] == size
                peaks[mode] = out["rss_mb"]
            rows.append([f"{size:,}", f"{path.stat().st_size / 1e6:.1f}", f"{peaks['function']:.0f}",
                         f"{peaks['floor']:.0f}"])  # fmt: skip
    return rows


def into_dynamodb(rows: int = ROWS) -> list[list[object]]:
    """rows/s into moto's DynamoDB over HTTP: the function's SalesTable with its write lanes, and boto3's batch_writer."""
    import os

    import boto3
    from moto.server import ThreadedMotoServer

    from lambdas.services.etl.storage import SalesTable, sale_item

    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_DEFAULT_REGION="us-east-1")  # fmt: skip
    dynamodb = boto3.client("dynamodb")
    lines = csv_lines(rows)
    figures = []
    try:
        for name, lanes in (("function: SalesTable, 4 write lanes", 4), ("function: SalesTable, 1 lane", 1),
                            ("floor: boto3 Table.batch_writer()", 0)):  # fmt: skip
            table_name = f"sales-{lanes}"
            dynamodb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                                  KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])  # fmt: skip
            started = time.perf_counter()
            if lanes:
                report = load(parse_sales(lines), SalesTable(table_name, "bench.csv").write, LoadReport("bench"),
                              out_of_time=lambda: False, lanes=lanes)  # fmt: skip
                assert report.rows_loaded == rows
            else:
                with boto3.resource("dynamodb").Table(table_name).batch_writer() as writer:
                    for sale in parse_sales(lines):
                        item = {k: next(iter(v.values())) for k, v in sale_item(sale, "bench.csv").items()}  # type: ignore[arg-type]
                        writer.put_item(Item={**item, "amount": sale.amount})  # type: ignore[union-attr]
            figures.append([name, f"{rows / (time.perf_counter() - started):,.0f}"])
    finally:
        server.stop()
    return figures


def main() -> None:
    data = "".join(csv_lines(ROWS)).encode()
    samples = interleaved({"project": lambda: rate(project, data), "floor": lambda: rate(floor, data)}, rounds=9)
    table(f"decode + parse + validate + batch, {ROWS:,} rows from bytes in memory (9 runs, interleaved)",
          ["median rows/s"],
          [["the ETL (`DecodedText` + `parse_sales` + `load`)", f"{median(samples['project']):,.0f}"],
           ["floor: TextIOWrapper + csv.reader + the same checks inline", f"{median(samples['floor']):,.0f}"]])  # fmt: skip
    table(
        "streaming a file (fresh process each)",
        ["file MB", "peak RSS MB, the function's path", "peak RSS MB, floor: csv.reader on a text file"],
        peak_memory(),
    )
    table(f"{ROWS:,} rows into DynamoDB (moto over HTTP on localhost)", ["rows/s"], into_dynamodb())
    result("etl_rows_per_s", median(samples["project"]), median(samples["floor"]), higher_is_better=True)


if __name__ == "__main__":
    main()
