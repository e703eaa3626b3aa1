"""DynamoDB answers where moto's differ in ways the platform runs into."""

from __future__ import annotations

import threading
from typing import Any


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


_ONE_AT_A_TIME = threading.Lock()


def atomic_requests(original: Any, emulator: Any) -> Any:
    """DynamoHandler.call_action: each request a unit, as a DynamoDB write is atomic to readers. moto
    builds an UpdateItem in place (a key-only item, then each action) and serialises a Scan after
    letting go of the items: a Scan beside an UpdateItem could return the key alone (seen in CI as a
    fulfilment without its `processed` count). A table's stream records are queued for the poller
    inside the write (event_sources/mappings.py), so no handler waits on this lock."""
    held = threading.local()

    def one_request_at_a_time(self: Any) -> Any:
        if getattr(held, "inside", False):  # a request made from inside one (moto in-process)
            return original(self)
        held.inside = True
        try:
            with _ONE_AT_A_TIME:
                return original(self)
        finally:
            held.inside = False

    return one_request_at_a_time
