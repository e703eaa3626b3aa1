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
GROUP = 8
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
    order is kept (the later row wins) while different ids are written in parallel. A lane's thread
    gets GROUP batches at a time (one hand-off per 200 rows rather than per 25), and at most
    `max_pending` groups wait in memory, so memory stays flat for any file size."""

    def __init__(self, write_batch: Callable[[list[Sale]], None], lanes: int, max_pending: int) -> None:
        self._write_batch = write_batch
        # One lane writes in the caller's thread: overlapping a write with parsing the next 25 rows
        # saves too little to pay a thread hand-off per batch; lanes exist to write in parallel.
        threads = lanes if lanes > 1 else 0
        self._executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lane{n}") for n in range(threads)]
        self._batches: list[dict[str, Sale]] = [{} for _ in range(lanes)]
        self._sealed: list[list[list[Sale]]] = [[] for _ in range(lanes)]
        self._written = [0] * lanes  # each lane's count, written only by that lane's thread
        self._pending: deque[Future[None]] = deque()
        self._max_pending = max_pending

    @property
    def loaded(self) -> int:
        return sum(self._written)

    def _write(self, lane: int, group: list[list[Sale]]) -> None:
        for batch in group:
            self._write_batch(batch)
            self._written[lane] += len(batch)

    def _seal(self, lane: int) -> None:
        batch, self._batches[lane] = list(self._batches[lane].values()), {}
        if batch:
            self._sealed[lane].append(batch)
        if len(self._sealed[lane]) >= GROUP:
            self._submit(lane)

    def _submit(self, lane: int) -> None:
        group, self._sealed[lane] = self._sealed[lane], []
        if group and not self._executors:
            self._write(lane, group)
        elif group:
            self._pending.append(self._executors[lane].submit(self._write, lane, group))
        while len(self._pending) > self._max_pending:
            self._pending.popleft().result()

    def add(self, sale: Sale) -> None:
        lanes = len(self._batches)
        lane = zlib.crc32(sale.sale_id.encode()) % lanes if lanes > 1 else 0
        batch = self._batches[lane]
        if sale.sale_id in batch:
            self._seal(lane)
            batch = self._batches[lane]
        batch[sale.sale_id] = sale
        if len(batch) == BATCH:
            self._seal(lane)

    def drain(self) -> None:
        for lane in range(len(self._batches)):
            self._seal(lane)
            self._submit(lane)
        while self._pending:
            self._pending.popleft().result()

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
    add, accepted = writer.add, 0  # locals: this loop runs once per row
    try:
        for row in rows:
            if type(row) is Rejection:
                report.reject(row)
                continue
            accepted += 1
            add(row)
            if accepted % BATCH == 0 and out_of_time():
                writer.drain()
                report.status = "incomplete"
                raise OutOfTime(f"stopped after {report.rows_read + accepted} rows to finish within the timeout")
        writer.drain()
    finally:
        report.rows_read += accepted
        report.rows_loaded = writer.loaded
        writer.close()
    report.status = "complete"
    return report
