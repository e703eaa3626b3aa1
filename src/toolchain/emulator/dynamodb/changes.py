"""Which parts of a table a request may have changed, counted on the table, so a checkpoint copies
again only those (persistence/pickling.py).

A table's items are split into buckets by their hash key (one, doubling as the table grows, so
each holds about 64 items). A write whose keys the request names
(PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) counts a change in each of
their buckets; any other request that may write (PartiQL, table updates, one moto refused before
naming its keys) counts a change of the whole table. Every change to a table's items comes through
a request: clients', functions' and Step Functions' calls alike.
"""

from __future__ import annotations

from typing import Any

from toolchain.emulator.persistence.buckets import PER_BUCKET, WHOLE, bucket_of, buckets

# Operations that only read, by the prefix of their name: every other request may have changed its tables
_READS = ("Get", "BatchGet", "Query", "Scan", "Describe", "List", "TransactGet")


def _keys(action: str, params: dict[str, Any]) -> dict[str, list[dict[str, Any]]] | None:
    """Table name -> the keys (or items) a write names; None when it names them in no way read here."""
    named: dict[str, list[dict[str, Any]]] = {}
    if action in ("PutItem", "UpdateItem", "DeleteItem"):
        named[params["TableName"]] = [params["Item"] if action == "PutItem" else params["Key"]]
    elif action == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            for request in requests:
                put, delete = request.get("PutRequest"), request.get("DeleteRequest")
                named.setdefault(table, []).append(put["Item"] if put else delete["Key"])
    elif action == "TransactWriteItems":
        for entry in params["TransactItems"]:
            for kind, op in entry.items():
                if kind != "ConditionCheck":
                    named.setdefault(op["TableName"], []).append(op["Item"] if kind == "Put" else op["Key"])
    else:
        return None
    return named


def count_changes(handler: Any, tables: list[str] | None) -> None:
    """After a request: each part of a table it may have changed counts one more change."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    action = handler._get_action()
    if action.startswith(_READS):
        return
    try:
        found = handler.dynamodb_backend.tables
        every = dict(found) if tables is None else {n: found[n] for n in tables if n in found}
    except Exception:  # a request moto refused before naming a backend: nothing of it changed
        return
    try:
        named = _keys(action, getattr(handler, "params", None) or {})
    except (KeyError, TypeError, AttributeError):  # a malformed write: moto refused it, or counts it whole
        named = None
    for name, table in every.items():
        keys = None if named is None else named.get(name)
        try:
            count = buckets(table)
            touched = [bucket_of(DynamoType(key[table.hash_key_attr]), count) for key in keys] if keys else None
        except (KeyError, TypeError, AttributeError):
            touched = None
        if touched is None:
            setattr(table, WHOLE, getattr(table, WHOLE, 0) + 1)
            continue
        counts = table.__dict__.setdefault(PER_BUCKET, {})
        for bucket in touched:
            counts[bucket] = counts.get(bucket, 0) + 1
