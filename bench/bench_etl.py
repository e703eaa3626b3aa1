"""ETL transform throughput and peak memory for 10k, 100k and 1M-row CSV files.

Each size runs in a fresh process that streams the file line by line through the handler's own
parser and loader (batches of 25 handed to a writer that drops them), so the figures are the
transform's. Peak RSS must not grow with the file: rows are never all in memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10_000, 100_000, 1_000_000)

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1] + "/src")
from lambdas.services.etl.loader import LoadReport, load
from lambdas.services.etl.rows import parse_sales

started = time.perf_counter()
with open(sys.argv[2], encoding="utf-8", newline="") as handle:
    report = load(parse_sales(handle), lambda batch: None, LoadReport("bench"), out_of_time=lambda: False)
elapsed = time.perf_counter() - started
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"rows": report.rows_read, "loaded": report.rows_loaded, "seconds": elapsed, "rss_mb": hwm / 1024}))
"""


def write_csv(path: Path, rows: int) -> None:
    regions = ("eu", "us", "apac", "latam")
    with path.open("w", encoding="utf-8") as out:
        out.write("id,date,amount,region,product\n")
        for n in range(rows):
            out.write(
                f"sale-{n:08d},2026-{n % 12 + 1:02d}-{n % 28 + 1:02d},{n % 5000}.{n % 100:02d},{regions[n % 4]},Product {n % 997}\n"
            )


def main() -> None:
    print("| rows | file MB | transform rows/s | peak RSS MB |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in SIZES:
            path = Path(tmp) / f"{rows}.csv"
            write_csv(path, rows)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(ROOT), str(path)], capture_output=True, text=True, check=True
            )
            result = json.loads(out.stdout)
            assert result["loaded"] == rows, result
            print(
                f"| {rows:,} | {path.stat().st_size / 1e6:.1f} | {rows / result['seconds']:,.0f} | {result['rss_mb']:.0f} |"
            )


if __name__ == "__main__":
    main()
