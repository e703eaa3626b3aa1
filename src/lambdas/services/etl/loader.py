"""Loading a stream of rows into the sales table in batches of 25, with a report. No AWS here.

Idempotent: a sale's key is its id and its item holds only what the file says, so loading the same
file again writes the same items. Two rows with one id in the same file: the later one wins (both
go to the same write lane, in file order; a batch is flushed before a duplicate joins it).
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
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
    encoding: str | None = None

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
        if self.encoding:
            data["encoding"] = self.encoding
        return data


class _Lanes:
    """Writes batches on `lanes` threads; a sale id always goes to the same lane, so per id the file's
    order is kept (the later row wins) while different ids are written in parallel. At most
    `max_pending` batches wait in memory, so memory stays flat for any file size."""

    def __init__(self, write_batch: Callable[[list[Sale]], None], lanes: int, max_pending: int) -> None:
        self._write_batch = write_batch
        self._executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lane{n}") for n in range(lanes)]
        self._batches: list[dict[str, Sale]] = [{} for _ in range(lanes)]
        self._pending: deque[Future[int]] = deque()
        self._max_pending = max_pending
        self.loaded = 0

    def _write(self, batch: list[Sale]) -> int:
        self._write_batch(batch)
        return len(batch)

    def _flush(self, lane: int) -> None:
        batch, self._batches[lane] = list(self._batches[lane].values()), {}
        if batch:
            self._pending.append(self._executors[lane].submit(self._write, batch))
        while len(self._pending) > self._max_pending:
            self.loaded += self._pending.popleft().result()

    def add(self, sale: Sale) -> None:
        lane = zlib.crc32(sale.sale_id.encode()) % len(self._executors)
        if sale.sale_id in self._batches[lane]:
            self._flush(lane)
        self._batches[lane][sale.sale_id] = sale
        if len(self._batches[lane]) == BATCH:
            self._flush(lane)

    def drain(self) -> None:
        for lane in range(len(self._batches)):
            self._flush(lane)
        while self._pending:
            self.loaded += self._pending.popleft().result()

    def close(self) -> None:
        for executor in self._executors:
            executor.shutdown(wait=True, cancel_futures=True)


def load(
    rows: Iterable[Sale | Rejection],
    write_batch: Callable[[list[Sale]], None],
    report: LoadReport,
    *,
    out_of_time: Callable[[], bool],
    lanes: int = 1,
    max_pending: int = 8,
) -> LoadReport:
    writer = _Lanes(write_batch, lanes, max_pending)
    try:
        for row in rows:
            if isinstance(row, Rejection):
                report.reject(row)
                continue
            report.rows_read += 1
            writer.add(row)
            if report.rows_read % BATCH == 0 and out_of_time():
                writer.drain()
                report.status = "incomplete"
                raise OutOfTime(f"stopped after {report.rows_read} rows to finish within the timeout")
        writer.drain()
    finally:
        report.rows_loaded = writer.loaded
        writer.close()
    report.status = "complete"
    return report
