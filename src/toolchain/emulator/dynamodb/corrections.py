"""DynamoDB answers where moto's differ in ways the platform runs into."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from toolchain.emulator.dynamodb.changes import count_changes


def tolerant_comparison(original: Any, emulator: Any) -> Any:
    """Op*.expr for `<`, `<=`, `>`, `>=`: false between a number and a string (or a list), as in
    DynamoDB; moto compared the Python values and raised TypeError, failing the whole Scan or Query, so
    one item with a malformed attribute stopped the session sweep."""

    def expr(self: Any, item: Any) -> bool:
        try:
            return original(self, item)
        except TypeError:
            return False

    return expr


# Actions that name their tables in `TableName`, `RequestItems` or `TransactItems` and change no
# table's definition: each runs holding only its own tables. Anything else (CreateTable, UpdateTable,
# PartiQL, whose statements name tables in SQL) runs alone.
_ITEM_ACTIONS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
    "TransactGetItems", "TransactWriteItems", "DescribeTable", "DescribeTimeToLive",
})  # fmt: skip


def tables_named(action: str, params: Any) -> list[str] | None:
    """The tables a request works on, in lock order; None when it must run alone."""
    if action not in _ITEM_ACTIONS or not isinstance(params, dict):
        return None
    names: set[str] = set()
    if isinstance(params.get("TableName"), str):
        names.add(params["TableName"])
    if isinstance(params.get("RequestItems"), dict):
        names.update(name for name in params["RequestItems"] if isinstance(name, str))
    for entry in params.get("TransactItems") or []:
        for op in entry.values() if isinstance(entry, dict) else []:
            if isinstance(op, dict) and isinstance(op.get("TableName"), str):
                names.add(op["TableName"])
    return sorted(names) if names else None


class TableLocks:
    """One lock per table, and a catalogue lock over all of them.

    A request holds its tables' locks (taken in name order, so two transactions never wait on each
    other) while requests on other tables go on; a request that may change what tables exist holds
    the catalogue alone. Two requests on one table still take turns: moto's reads are not read-only
    (a GetItem of a missing key adds an empty entry to the table's dict, under a Scan's iteration).
    """

    def __init__(self) -> None:
        self._guard = threading.Condition()
        self._tables: dict[str, threading.Lock] = {}
        self._sharing = 0  # requests holding table locks
        self._alone = False  # a catalogue request runs or waits: no new table request starts

    @contextmanager
    def holding(self, tables: list[str] | None) -> Iterator[None]:
        if tables is None:
            with self._guard:
                self._guard.wait_for(lambda: not self._alone)
                self._alone = True
                self._guard.wait_for(lambda: self._sharing == 0)
            try:
                yield
            finally:
                with self._guard:
                    self._alone = False
                    self._guard.notify_all()
            return
        with self._guard:
            self._guard.wait_for(lambda: not self._alone)
            self._sharing += 1
            locks = [self._tables.setdefault(name, threading.Lock()) for name in tables]
        try:
            with ExitStack() as held:
                for lock in locks:
                    held.enter_context(lock)
                yield
        finally:
            with self._guard:
                self._sharing -= 1
                self._guard.notify_all()


def atomic_requests(original: Any, emulator: Any) -> Any:
    """DynamoHandler.call_action: each request a unit, as a DynamoDB write is atomic to readers. moto
    builds an UpdateItem in place (a key-only item, then each action) and serialises a Scan after
    letting go of the items: a Scan beside an UpdateItem could return the key alone (seen in CI as a
    fulfilment without its `processed` count). Requests on different tables run side by side
    (TableLocks); a table's stream records are queued for the poller inside the write
    (event_sources/mappings.py), so no handler waits on these locks."""
    held = threading.local()
    locks = TableLocks()

    def one_request_per_table(self: Any) -> Any:
        try:
            tables = tables_named(self._get_action(), getattr(self, "params", None))
        except Exception:  # a request moto will refuse: let it, alone
            tables = None
        if getattr(held, "inside", False):  # a request made from inside one (moto in-process)
            try:
                return original(self)
            finally:
                count_changes(self, tables)
        held.inside = True
        try:
            with locks.holding(tables):
                try:
                    return original(self)
                finally:
                    count_changes(self, tables)
        finally:
            held.inside = False

    return one_request_per_table
