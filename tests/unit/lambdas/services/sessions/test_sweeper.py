from __future__ import annotations

import pytest

from lambdas.services.sessions.sweeper import sweep


class MemorySessions:
    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages
        self.deleted: list[str] = []

    def expired_pages(self, now: int, page_size: int):
        for page in self.pages:
            yield [{"sessionId": {"S": key}} for key in page]

    def delete(self, keys) -> None:
        assert len(keys) <= 25
        self.deleted += [k["sessionId"]["S"] for k in keys]


@pytest.mark.documents("services.md", "TTL and a nightly sweep")
def test_the_sweep_deletes_every_expired_session_across_pages() -> None:
    store = MemorySessions([[f"a{n}" for n in range(60)], [], [f"b{n}" for n in range(3)]])
    report = sweep(store, now=1000, page_size=60, out_of_time=lambda: False)
    assert (report.pages, report.expired_found, report.deleted, report.complete) == (3, 63, 63, True)
    assert report.remaining == "none"


@pytest.mark.documents("services.md", "The sweep stops in time")
def test_the_sweep_stops_cleanly_when_time_runs_out_and_says_what_remains() -> None:
    store = MemorySessions([[f"a{n}" for n in range(60)], [f"b{n}" for n in range(10)]])
    ticks = iter([False, False, True])
    report = sweep(store, now=1000, page_size=60, out_of_time=lambda: next(ticks, True))
    assert (report.deleted, report.complete) == (50, False)
    assert report.remaining.startswith("10 found but not deleted")
