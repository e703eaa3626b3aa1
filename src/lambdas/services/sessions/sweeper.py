"""The sweep: page through expired sessions, delete them in batches, stop before the time runs out.

DynamoDB TTL deletes expired items by itself, typically within days; this sweep closes the gap
nightly. Pages are bounded (a scan page is at most 1 MB, or `page_size` items), so any table size
works; when the time budget runs out the sweep stops between batches and says what remains.
No AWS here: the store is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

BATCH = 25


class SessionStore(Protocol):
    def expired_pages(self, now: int, page_size: int) -> Iterator[list[dict[str, Any]]]:
        """Keys of sessions with expiresAt < now, a page at a time."""
        ...

    def delete(self, keys: list[dict[str, Any]]) -> None: ...


@dataclass
class SweepReport:
    pages: int = 0
    expired_found: int = 0
    deleted: int = 0
    complete: bool = False

    @property
    def remaining(self) -> str:
        if self.complete:
            return "none"
        left = self.expired_found - self.deleted
        return f"{left} found but not deleted, and the rest of the table not yet scanned"

    def to_json(self) -> dict[str, Any]:
        return {"pages": self.pages, "expired_found": self.expired_found, "deleted": self.deleted,
                "complete": self.complete, "remaining": self.remaining}  # fmt: skip


def sweep(store: SessionStore, now: int, page_size: int, out_of_time: Callable[[], bool]) -> SweepReport:
    report = SweepReport()
    for page in store.expired_pages(now, page_size):
        report.pages += 1
        report.expired_found += len(page)
        for start in range(0, len(page), BATCH):
            if out_of_time():
                return report
            batch = page[start : start + BATCH]
            store.delete(batch)
            report.deleted += len(batch)
        if out_of_time():
            return report
    report.complete = True
    return report
