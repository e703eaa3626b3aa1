"""Loading a stream of rows into the sales table in batches of 25, with a report. No AWS here.

Idempotent: a sale's key is its id and its item holds only what the file says, so loading the same
file again writes the same items. Two rows with one id in the same file: the later one wins (the
batch is flushed before the duplicate joins it, keeping file order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lambdas.common.exceptions import PlatformError
from lambdas.services.etl.rows import Rejection, Sale

BATCH = 25
MAX_LISTED_REJECTIONS = 1000


class OutOfTime(PlatformError):
    """The file did not finish loading within the invocation's time: split it, or raise the timeout."""

    code = "out_of_time"


@dataclass
class LoadReport:
    source: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    status: str = "loading"
    error: str | None = None

    def reject(self, rejection: Rejection) -> None:
        self.rows_read += 1
        self.rows_rejected += 1
        if len(self.rejections) < MAX_LISTED_REJECTIONS:
            self.rejections.append({"line": rejection.line, "reason": rejection.reason})

    def to_json(self) -> dict[str, Any]:
        data = {
            "source": self.source,
            "status": self.status,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "rejections": self.rejections,
        }
        if self.rows_rejected > len(self.rejections):
            data["rejections_not_listed"] = self.rows_rejected - len(self.rejections)
        if self.error:
            data["error"] = self.error
        return data


def load(
    rows: Iterable[Sale | Rejection],
    write_batch: Callable[[list[Sale]], None],
    report: LoadReport,
    *,
    out_of_time: Callable[[], bool],
) -> LoadReport:
    batch: dict[str, Sale] = {}

    def flush() -> None:
        if batch:
            write_batch(list(batch.values()))
            report.rows_loaded += len(batch)
            batch.clear()

    for row in rows:
        if isinstance(row, Rejection):
            report.reject(row)
            continue
        report.rows_read += 1
        if row.sale_id in batch:
            flush()
        batch[row.sale_id] = row
        if len(batch) == BATCH:
            flush()
            if out_of_time():
                report.status = "incomplete"
                raise OutOfTime(f"stopped after {report.rows_read} rows to finish within the timeout")
    flush()
    report.status = "complete"
    return report
