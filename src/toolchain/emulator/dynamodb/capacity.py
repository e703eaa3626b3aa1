"""The request units DynamoDB bills an on-demand table for, counted as DynamoDB counts them.

An item's size is the sum of its attribute names' and values' sizes: a string its UTF-8 bytes, a
number one byte per two significant digits plus one, binary its bytes, a boolean or null one byte, a
list or map three bytes plus its elements and one byte for each (a map element with its name), a
set its elements
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
A write costs one write request unit per started KB of the larger of the item before and after it;
a read one read unit per started 4 KB (half for an eventually consistent read), a Query or Scan on
the total of what it read, rounded once; a transaction twice as much. A read of an item that does not
exist still costs the minimum. Stored, each item takes 100 bytes more (its index).

What the emulator cannot see is left out: a Query or Scan with a filter is counted on what it
returned, not on every item it read before the filter (docs/emulator.md says so).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096

# (table name, key as DynamoDB JSON) -> the stored item as DynamoDB JSON, or None
Stored = Callable[[str, dict[str, Any]], dict[str, Any] | None]


def _number_bytes(text: str) -> int:
    try:
        digits = Decimal(text).normalize().as_tuple().digits
    except InvalidOperation:
        return len(text)
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def _binary_bytes(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value).encode())


def value_bytes(value: dict[str, Any]) -> int:
    """The size of one attribute value in DynamoDB JSON (`{"S": "..."}`)."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return _number_bytes(str(inner))
    if kind == "B":
        return _binary_bytes(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode()) for v in inner)
    if kind == "NS":
        return sum(_number_bytes(str(v)) for v in inner)
    if kind == "BS":
        return sum(_binary_bytes(v) for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_bytes(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_bytes(v) + 1 for v in inner)
    return len(str(inner).encode())


def item_bytes(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_bytes(value) for name, value in (item or {}).items())


STORAGE_OVERHEAD_BYTES = 100


def write_units(*sizes: int) -> int:
    return max(1, math.ceil(max(sizes, default=0) / WRITE_UNIT_BYTES))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def _key(request: dict[str, Any]) -> dict[str, Any]:
    return dict(request.get("Key") or {})


def before(operation: str, request: dict[str, Any], stored: Stored) -> dict[str, int]:
    """What must be read before the call runs: the size of each item a write will replace or remove,
    by its position in the request ("" for a single-item call)."""
    sizes: dict[str, int] = {}
    if operation in ("UpdateItem", "DeleteItem"):
        sizes[""] = item_bytes(stored(str(request.get("TableName")), _key(request)))
    elif operation == "PutItem":
        sizes[""] = _stored_put(request, stored)
    elif operation == "TransactWriteItems":
        for n, entry in enumerate(request.get("TransactItems") or []):
            kind, body = next(iter(entry.items()))
            if kind == "Put":
                sizes[str(n)] = _stored_put(body, stored)
            else:
                sizes[str(n)] = item_bytes(stored(str(body.get("TableName")), _key(body)))
    return sizes


def _stored_put(request: dict[str, Any], stored: Stored) -> int:
    # the key of a Put is the item's key attributes; the stored lookup picks them out of the item
    return item_bytes(stored(str(request.get("TableName")), dict(request.get("Item") or {})))


def units(operation: str, request: dict[str, Any], response: dict[str, Any], sizes: dict[str, int],
          stored: Stored) -> dict[str, float]:  # fmt: skip
    """The write and read request units of one successful call."""
    consistent = bool(request.get("ConsistentRead"))
    if operation == "PutItem":
        return {"write_request_units": write_units(item_bytes(request.get("Item")), sizes.get("", 0))}
    if operation in ("UpdateItem", "DeleteItem"):
        after = item_bytes(stored(str(request.get("TableName")), _key(request))) if operation == "UpdateItem" else 0
        return {"write_request_units": write_units(sizes.get("", 0), after)}
    if operation == "GetItem":
        return {"read_request_units": read_units(item_bytes(response.get("Item")), consistent)}
    if operation in ("Query", "Scan"):
        read = sum(item_bytes(item) for item in response.get("Items") or [])
        return {"read_request_units": read_units(read, consistent)}
    if operation == "BatchGetItem":
        total = 0.0
        for table, items in (response.get("Responses") or {}).items():
            strong = bool(((request.get("RequestItems") or {}).get(table) or {}).get("ConsistentRead"))
            total += sum(read_units(item_bytes(item), strong) for item in items)
        return {"read_request_units": total}
    if operation == "BatchWriteItem":
        writes = 0
        for requests in (request.get("RequestItems") or {}).values():
            for entry in requests:
                put = (entry.get("PutRequest") or {}).get("Item")
                writes += write_units(item_bytes(put)) if put is not None else 1
        return {"write_request_units": writes}
    if operation == "TransactWriteItems":
        writes = 0
        for n, entry in enumerate(request.get("TransactItems") or []):
            kind, body = next(iter(entry.items()))
            now = 0
            if kind == "Put":
                now = item_bytes(body.get("Item"))
            elif kind == "Update":
                now = item_bytes(stored(str(body.get("TableName")), _key(body)))
            writes += 2 * write_units(sizes.get(str(n), 0), now)
        return {"write_request_units": writes}
    if operation == "TransactGetItems":
        reads = sum(2 * read_units(item_bytes(r.get("Item")), True) for r in response.get("Responses") or [])
        return {"read_request_units": reads}
    return {}
