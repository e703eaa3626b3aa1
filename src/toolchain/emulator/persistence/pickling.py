"""One pickle of the emulator's state, with what cannot or should not be pickled handled on the side.

Locks and conditions are recreated empty (nothing holds them while the gate is closed); bytes and
strings of BLOB_MIN or more that S3's objects and Lambda's functions and layers hold are stored
once by their sha256 and referenced, so a checkpoint after a small change writes kilobytes, not the
code of every function again. The long append-only lists of records (CloudWatch's datapoints, a
log stream's events) are stored in chunks the same way, each chunk pickled once while its records
stay the same objects: a checkpoint's pause follows what was added, not all the traffic of a day.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import copy
import copyreg
import gc
import hashlib
import io
import pickle
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

BLOB_MIN = 64 * 1024
_LOCK = type(threading.Lock())
_RLOCK = type(threading.RLock())


class StateUnreadable(Exception):
    """The pickle or one of its blobs cannot be read back (damaged, or written by other code)."""


def _fresh_lock() -> Any:
    return threading.Lock()


def _fresh_rlock() -> Any:
    return threading.RLock()


def _no_thread() -> None:
    return None


class CopyOf:
    """A defaultdict's factory that was a lambda (moto's `defaultdict(lambda: {})`): makes copies of
    what that lambda made, and, unlike it, can be pickled."""

    def __init__(self, sample: Any) -> None:
        self.sample = sample

    def __call__(self) -> Any:
        return copy.deepcopy(self.sample)


def _picklable(factory: Callable[[], Any] | None) -> Callable[[], Any] | None:
    """A defaultdict's factory as pickle can name it: a lambda or local function becomes a CopyOf."""
    if factory is not None and "<" in getattr(factory, "__qualname__", ""):
        return CopyOf(factory())
    return factory


def _reduce_defaultdict(mapping: collections.defaultdict[Any, Any]) -> Any:
    return (collections.defaultdict, (_picklable(mapping.default_factory),), None, None, iter(mapping.items()))


def _empty(cls: type) -> Any:
    return cls.__new__(cls)


def _fill_defaultdict(mapping: Any, state: tuple[Any, dict[str, Any]]) -> None:
    mapping.default_factory, attributes = state
    mapping.__dict__.update(attributes)


def _reduce_defaultdict_subclass(mapping: Any) -> Any:
    """A subclass of defaultdict whose __init__ takes other arguments (moto's ParameterDict): made
    empty, then given its factory, attributes and items."""
    state = (_picklable(mapping.default_factory), mapping.__dict__)
    return (_empty, (type(mapping),), state, None, iter(mapping.items()), _fill_defaultdict)


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


_REDUCERS: dict[type, Callable[[Any], Any]] = {
    collections.defaultdict: _reduce_defaultdict,
    # (moto's index of functions by ARN: the functions themselves are in the same pickle)
    weakref.WeakValueDictionary: lambda mapping: (weakref.WeakValueDictionary, (dict(mapping.items()),)),
    _LOCK: lambda _lock: (_fresh_lock, ()),
    _RLOCK: lambda _lock: (_fresh_rlock, ()),
    # a backend's helper thread (a timer, a worker) belongs to the process that started it
    threading.Thread: lambda _thread: (_no_thread, ()),
    threading.Timer: lambda _thread: (_no_thread, ()),
}


class BlobCache:
    """Digests of the large values already stored, by identity, so each is hashed once per process;
    and of the chunks of records already pickled, by the identity of their records.

    Holds the values it names (an id is unique only while its object lives); `forget_unseen` drops
    those the last pickle did not meet."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, str]] = {}
        self._seen: set[int] = set()
        self._chunks: dict[tuple[int, ...], tuple[list[Any], str]] = {}
        self._chunks_seen: set[tuple[int, ...]] = set()
        self._objects: dict[int, tuple[Any, Any, Any]] = {}  # S3 object -> (it, its buffer, its value's ref)
        # (a table, a bucket) -> (the table, the bucket's version, the digest of its items' blob)
        self._buckets: dict[tuple[int, int], tuple[Any, tuple[int, int], str]] = {}
        self._placed: dict[int, tuple[Any, int, dict[int, tuple[Any, int]]]] = {}

    def digest(self, value: bytes | str) -> tuple[str, bool]:
        """(sha256, whether it was already known)."""
        self._seen.add(id(value))
        known = self._known.get(id(value))
        if known is not None and known[0] is value:
            return known[1], True
        data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(data).hexdigest()
        self._known[id(value)] = (value, digest)
        return digest, False

    def chunk(self, records: list[Any], write_blob: Callable[[str, bytes], None]) -> str:
        """The digest of a chunk of records, pickled and written the first time these very records
        are met (records are never changed once made: a changed list is other records)."""
        key = tuple(map(id, records))
        self._chunks_seen.add(key)
        known = self._chunks.get(key)
        if known is not None and all(a is b for a, b in zip(known[0], records, strict=True)):
            return known[1]
        data = pickle.dumps(records, protocol=5)
        digest = hashlib.sha256(data).hexdigest()
        write_blob(digest, data)
        self._chunks[key] = (records, digest)
        return digest

    def bucket(self, table: Any, bucket: int, version: tuple[int, int]) -> str | None:
        """The blob of a bucket of a table's items, pickled when it had this version, while it still has."""
        self._seen.add(id(table))
        known = self._buckets.get((id(table), bucket))
        return known[2] if known is not None and known[0] is table and known[1] == version else None

    def remember_bucket(self, table: Any, bucket: int, version: tuple[int, int], digest: str) -> None:
        self._buckets[(id(table), bucket)] = (table, version, digest)

    def placed(self, table: Any, count: int, size: int) -> dict[int, tuple[Any, int]]:
        """The bucket of each key of a table already placed (id -> (the key, its bucket)), for this count
        of buckets; started again when the count changed or deleted keys make up most of it."""
        known = self._placed.get(id(table))
        if known is None or known[0] is not table or known[1] != count or len(known[2]) > 2 * size + 1024:
            known = self._placed[id(table)] = (table, count, {})
        return known[2]

    def object_value(self, key: Any) -> Any:
        """The reference last made for an S3 object's large value, while it is the same object with the
        same buffer (moto never rewrites a key's value: a new put is a new key); else None."""
        known = self._objects.get(id(key))
        self._seen.add(id(key))
        if known is not None and known[0] is key and known[1] is key._value_buffer:
            return known[2]
        return None

    def remember_object_value(self, key: Any, ref: Any) -> None:
        self._objects[id(key)] = (key, key._value_buffer, ref)

    def forget_unseen(self) -> None:
        self._known = {k: v for k, v in self._known.items() if k in self._seen}
        self._objects = {k: v for k, v in self._objects.items() if k in self._seen}
        self._buckets = {k: v for k, v in self._buckets.items() if k[0] in self._seen}
        self._placed = {k: v for k, v in self._placed.items() if k in self._seen}
        self._seen = set()
        self._chunks = {k: v for k, v in self._chunks.items() if k in self._chunks_seen}
        self._chunks_seen = set()


def _private_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem, password=None)


def _key_reducers() -> dict[type, Callable[[Any], Any]]:
    """KMS's asymmetric keys are objects of the cryptography package's (Rust) classes: kept as PKCS#8."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    def as_pem(key: Any) -> Any:
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
        return (_private_key, (pem,))

    # the concrete classes are found from one small key of each kind (1024-bit RSA takes milliseconds)
    small_rsa = rsa.generate_private_key(65537, 1024)  # noqa: S505 (a sample of the class, never used)
    samples = (small_rsa, ec.generate_private_key(ec.SECP256R1()), ed25519.Ed25519PrivateKey.generate())
    return {type(sample): as_pem for sample in samples}


_KEYS: dict[type, Callable[[Any], Any]] = {}


def _composed() -> dict[type, str]:
    from toolchain.emulator.patching import APPLIED

    return APPLIED.composed()


def _composed_reducers() -> dict[type, Callable[[Any], Any]]:
    from toolchain.emulator.patching import new_backend

    def by_path(path: str) -> Callable[[Any], Any]:
        return lambda backend: (new_backend, (path,), backend.__dict__)

    return {cls: by_path(path) for cls, path in _composed().items()}


# The classes whose instances hold the large values (by module, loaded or not): S3's objects, Lambda's
# code and layers. A hook on every object (pickle's persistent_id) would find them anywhere, at the
# cost of a Python call per object: 2.3x the pickling time of a 100,000-item table.
HOLDERS = {"moto.s3.models": ("FakeKey",), "moto.awslambda.models": ("LambdaFunction", "LayerVersion")}
# The classes holding long lists of records that are appended to and cut from the front, never
# changed in place: the attributes holding them.
CHUNKED = {"moto.cloudwatch.models": {"CloudWatchBackend": ("metric_data",)},
           "moto.logs.models": {"LogStream": ("events",)}}  # fmt: skip
CHUNK = 512
# The classes whose items are kept in buckets, each pickled again only when a request may have changed
# it: DynamoDB's tables (their buckets and counts of changes: buckets.py), so a checkpoint
# copies the items written since the last, not every table.
BUCKETED = {"moto.dynamodb.models.table": {"Table": "items"}}
_READER: contextvars.ContextVar[Callable[[str], bytes]] = contextvars.ContextVar("blob_reader")


def _blob(kind: str, digest: str) -> bytes | str:
    """A blob's value, while a checkpoint is loaded (the pickle names this function and the digest)."""
    data = _READER.get()(digest)
    return data if kind == "b" else data.decode("utf-8", "surrogatepass")


class _BlobRef:
    __slots__ = ("digest", "kind")

    def __init__(self, kind: str, digest: str) -> None:
        self.kind, self.digest = kind, digest

    def __reduce__(self) -> Any:
        return (_blob, (self.kind, self.digest))


def _chunks(digests: tuple[str, ...], tail: list[Any]) -> list[Any]:
    """A chunked list, while a checkpoint is loaded."""
    read = _READER.get()
    records: list[Any] = []
    for digest in digests:
        records += pickle.loads(read(digest))  # noqa: S301 (the checkpoint's own chunks)
    return records + tail


class _ChunkedRef:
    __slots__ = ("digests", "tail")

    def __init__(self, digests: tuple[str, ...], tail: list[Any]) -> None:
        self.digests, self.tail = digests, tail

    def __reduce__(self) -> Any:
        return (_chunks, (self.digests, self.tail))


def _loaded_classes(spec: dict[str, dict[str, Any]]) -> dict[type, Any]:
    """{module: {class name: what it says}} as {class (and its subclasses): what it says}, for the
    modules loaded (a backend never used has no instances to pickle)."""
    found: dict[type, Any] = {}
    for module_name, classes in spec.items():
        module = sys.modules.get(module_name)
        for name, said in classes.items():
            cls = getattr(module, name, None) if module is not None else None
            if isinstance(cls, type):
                found.update(dict.fromkeys({cls, *_subclasses(cls)}, said))
    return found


def chunked_classes(chunked: dict[str, dict[str, tuple[str, ...]]] = CHUNKED) -> dict[type, tuple[str, ...]]:
    return _loaded_classes(chunked)


def _bucketed(digests: tuple[str, ...]) -> Any:
    """A table's items from its buckets, while a checkpoint is loaded."""
    read = _READER.get()
    items: collections.defaultdict[Any, Any] = collections.defaultdict(dict)
    for digest in digests:
        items.update(pickle.loads(read(digest)))  # noqa: S301 (the checkpoint's own blobs)
    return items


class _BucketsRef:
    __slots__ = ("digests",)

    def __init__(self, digests: tuple[str, ...]) -> None:
        self.digests = digests

    def __reduce__(self) -> Any:
        return (_bucketed, (self.digests,))


def bucketed_classes(bucketed: dict[str, dict[str, str]] = BUCKETED) -> dict[type, str]:
    return _loaded_classes(bucketed)


def holder_classes(holders: dict[str, tuple[str, ...]] = HOLDERS) -> set[type]:
    found: set[type] = set()
    for module_name, names in holders.items():
        module = sys.modules.get(module_name)
        for name in names:
            cls = getattr(module, name, None) if module is not None else None
            if isinstance(cls, type):
                found |= {cls, *_subclasses(cls)}
    return found


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, cache: BlobCache, write_blob: Callable[[str, bytes], None],
                 used: set[str], holders: set[type]) -> None:  # fmt: skip
        super().__init__(file, protocol=5)
        self.dispatch_table = copyreg.dispatch_table.copy()
        self.dispatch_table.update(_REDUCERS)
        self.dispatch_table.update(_composed_reducers())
        self.dispatch_table.update(dict.fromkeys(_subclasses(collections.defaultdict), _reduce_defaultdict_subclass))
        if not _KEYS:
            _KEYS.update(_key_reducers())
        self.dispatch_table.update(_KEYS)
        self.dispatch_table.update(dict.fromkeys(holders, self._reduce_holder))
        self._chunked, self._composed = chunked_classes(), _composed()
        self.dispatch_table.update(dict.fromkeys(self._chunked, self._reduce_chunked))
        self._bucketed = bucketed_classes()
        self.dispatch_table.update(dict.fromkeys(self._bucketed, self._reduce_bucketed))
        self._cache, self._write_blob, self._used = cache, write_blob, used

    def _ref(self, value: Any) -> Any:
        kind = type(value)
        if (kind is bytes or kind is str) and len(value) >= BLOB_MIN:
            digest, known = self._cache.digest(value)
            if not known:
                self._write_blob(digest, value if kind is bytes else value.encode("utf-8", "surrogatepass"))
            self._used.add(digest)
            return _BlobRef("b" if kind is bytes else "s", digest)
        if kind is dict:  # (Lambda's `code`, whose ZipFile is the code again, base64)
            return {k: self._ref(v) for k, v in value.items()}
        return value

    def _reduce_bucketed(self, obj: Any) -> Any:
        from toolchain.emulator.persistence.buckets import bucket_of, resized, version

        name = self._bucketed[type(obj)]
        items = getattr(obj, name)
        count = resized(obj, len(items))
        state = dict(vars(obj))
        if count == 1:  # a small table: in the checkpoint itself, as before (a file of its own costs a flush)
            return (_empty, (type(obj),), state)
        versions = [version(obj, bucket) for bucket in range(count)]
        digests = [self._cache.bucket(obj, bucket, versions[bucket]) for bucket in range(count)]
        stale = {bucket: {} for bucket, digest in enumerate(digests) if digest is None}
        if stale:
            placed = self._cache.placed(obj, count, len(items))
            for key, value in items.items():  # (one pass over the keys, only when a bucket moved)
                known = placed.get(id(key))
                if known is None or known[0] is not key:  # (a key's hash is slow: moto casts its value)
                    known = placed[id(key)] = (key, bucket_of(key, count))
                part = stale.get(known[1])
                if part is not None:
                    part[key] = value
            for bucket, part in stale.items():
                data = pickle.dumps(part, protocol=5)
                digests[bucket] = hashlib.sha256(data).hexdigest()
                self._write_blob(digests[bucket], data)
                self._cache.remember_bucket(obj, bucket, versions[bucket], digests[bucket])
        self._used.update(digests)
        state[name] = _BucketsRef(tuple(digests))
        return (_empty, (type(obj),), state)

    def _reduce_chunked(self, obj: Any) -> Any:
        state = dict(obj.__getstate__() if hasattr(obj, "__getstate__") else vars(obj)) or {}
        for name in self._chunked[type(obj)]:
            records = state.get(name)
            if type(records) is not list or len(records) < CHUNK:
                continue
            full = len(records) - len(records) % CHUNK
            digests = tuple(self._cache.chunk(records[start:start + CHUNK], self._write_blob)
                            for start in range(0, full, CHUNK))  # fmt: skip
            self._used.update(digests)
            state[name] = _ChunkedRef(digests, records[full:])
        path = self._composed.get(type(obj))
        if path is not None:  # a backend class composed by the emulator: named by its BackendDict's path
            from toolchain.emulator.patching import new_backend

            return (new_backend, (path,), state)
        return (_empty, (type(obj),), state)

    def _reduce_holder(self, obj: Any) -> Any:
        if hasattr(obj, "_value_buffer"):  # an S3 object: its getstate reads (copies) the whole value
            ref = self._cache.object_value(obj)
            if isinstance(ref, _BlobRef):
                self._used.add(ref.digest)
                state = {k: v for k, v in obj.__dict__.items() if k not in ("_value_buffer", "lock")}
                return (_empty, (type(obj),), {**state, "value": ref})
        state = obj.__getstate__() or {}
        reduced = {name: self._ref(value) for name, value in state.items()}
        if hasattr(obj, "_value_buffer") and isinstance(reduced.get("value"), _BlobRef):
            self._cache.remember_object_value(obj, reduced["value"])
        return (_empty, (type(obj),), reduced)


def dump(state: Any, cache: BlobCache, write_blob: Callable[[str, bytes], None],
         holders: set[type] | None = None) -> tuple[bytes, set[str]]:  # fmt: skip
    """(the pickle, the digests of the blobs it refers to); the large values of the `holders` (moto's,
    by default) are handed to `write_blob` the first time they are met."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with _no_collection():
        _Pickler(buffer, cache, write_blob, used, holder_classes() if holders is None else holders).dump(state)
    cache.forget_unseen()
    return buffer.getvalue(), used


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Without the cycle collector, which would walk every object of a large table again and again
    while a pickle is written or read (a third of a 100,000-item table's load time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(data: bytes, read_blob: Callable[[str], bytes]) -> Any:
    token = _READER.set(read_blob)
    try:
        # a checkpoint or snapshot is code, as a pickle is: docs/emulator.md says to load only trusted ones
        with _no_collection():
            return pickle.loads(data)  # noqa: S301
    except StateUnreadable:
        raise
    except Exception as exc:  # a pickle from other code fails in many ways; all mean the same here
        raise StateUnreadable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        _READER.reset(token)
