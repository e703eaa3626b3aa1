"""A table's items in buckets by hash key, each with its count of changes, so a checkpoint pickles
again only the buckets that changed (pickling.py). The requests that change a table count the
changes (dynamodb/changes.py); this is what both sides share."""

from __future__ import annotations

from typing import Any

MIN_BUCKETS, MAX_BUCKETS = 1, 4096  # a small table is pickled in the checkpoint itself
ITEMS_PER_BUCKET = 64  # a table grows its count of buckets (doubling) to keep about this many in each
WHOLE = "_emulator_changes"  # changes of the whole table
PER_BUCKET = "_emulator_buckets"  # bucket -> changes of its items
COUNT = "_emulator_bucket_count"  # how many buckets the table's items are split into


def buckets(table: Any) -> int:
    return int(getattr(table, COUNT, MIN_BUCKETS))


def bucket_of(hash_key: Any, count: int) -> int:
    """The bucket of an item by its hash key (moto's DynamoType), within this process."""
    return hash(hash_key) % count


def resized(table: Any, items: int) -> int:
    """The table's count of buckets for its size now; when that grows, every bucket counts as changed
    (its items are split anew). Called while no request runs (the checkpoint's gate is closed)."""
    count = buckets(table)
    wanted = count
    while wanted < MAX_BUCKETS and items > wanted * ITEMS_PER_BUCKET:
        wanted *= 2
    if wanted != count:
        setattr(table, COUNT, wanted)
        setattr(table, PER_BUCKET, {})
        setattr(table, WHOLE, getattr(table, WHOLE, 0) + 1)
    return wanted


def version(table: Any, bucket: int) -> tuple[int, int]:
    """What must be the same for a copy of the bucket's items to still be true."""
    return int(getattr(table, WHOLE, 0)), int(getattr(table, PER_BUCKET, {}).get(bucket, 0))
