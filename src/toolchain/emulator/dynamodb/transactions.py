"""TransactWriteItems at the cost of the items it touches, not of the tables it names.

moto backs a transaction up by deep-copying every table it names before it starts, and puts the
copies back when it is cancelled: a users POST (two items) cost about 250 ms of the emulator's CPU
at 4,300 users and grew with the table, while every other DynamoDB request waited behind it (they
run one at a time, corrections.py). Here the transaction keeps a copy of each item it touches and
of each table stream's length; a cancelled transaction puts exactly those back, so the table is as
it was, as before, and moto's own table copy becomes the table itself for the length of the call.
"""

from __future__ import annotations

import copy as _copy
import threading
from typing import Any

_INSIDE = threading.local()


def tables_are_not_copied(original: Any, emulator: Any) -> Any:
    """moto.dynamodb.models' `copy` module: inside a transaction, a Table's deep copy is the table."""

    class CopyModule:
        def __getattr__(self, name: str) -> Any:
            return getattr(original, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            from moto.dynamodb.models.table import Table

            if getattr(_INSIDE, "transaction", False) and isinstance(value, Table):
                return value
            return original.deepcopy(value, memo)

    return CopyModule()


def _key_of(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    source = op.get("Item") if op_type == "Put" else op.get("Key")
    if not isinstance(source, dict) or table.hash_key_attr not in source:
        return None  # malformed: moto refuses it before writing anything
    range_value = source.get(table.range_key_attr) if table.range_key_attr else None
    if table.range_key_attr and range_value is None:
        return None
    return DynamoType(source[table.hash_key_attr]), DynamoType(range_value) if range_value is not None else None


class ItemLevelTransactions:
    """Mixin for moto's DynamoDBBackend."""

    def transact_write_items(self, transact_items: list[dict[str, Any]]) -> None:
        kept = self._touched(transact_items)
        _INSIDE.transaction = True
        try:
            return super().transact_write_items(transact_items)  # type: ignore[misc]
        except Exception:
            self._put_back(kept)
            raise
        finally:
            _INSIDE.transaction = False

    def _touched(self, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any, int | None]]:
        kept = []
        for entry in transact_items if isinstance(transact_items, list) else []:
            if not isinstance(entry, dict) or not entry:
                continue
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None  # type: ignore[attr-defined]
            key = _key_of(table, op_type, op) if table is not None else None
            if key is None:
                continue
            current = table.items.get(key[0])
            if key[1] is not None:
                current = current.get(key[1]) if isinstance(current, dict) else None
            stream = len(table.stream_shard.items) if table.stream_shard is not None else None
            kept.append((table, key[0], key[1], _copy.deepcopy(current), stream))
        return kept

    @staticmethod
    def _put_back(kept: list[tuple[Any, Any, Any, Any, int | None]]) -> None:
        for table, hash_key, range_key, item, stream in reversed(kept):  # the first copy of a key wins
            if range_key is not None:
                if item is None:
                    table.items.get(hash_key, {}).pop(range_key, None)
                    if hash_key in table.items and not table.items[hash_key]:
                        del table.items[hash_key]
                else:
                    table.items[hash_key][range_key] = item
            elif item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
            if stream is not None and table.stream_shard is not None:
                del table.stream_shard.items[stream:]  # records of writes that never happened
