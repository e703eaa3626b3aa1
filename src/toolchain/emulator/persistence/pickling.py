"""One pickle of the emulator's state, with what cannot or should not be pickled handled on the side.

Locks and conditions are recreated empty (nothing holds them while the gate is closed); bytes and
strings of BLOB_MIN or more (function and layer code, S3 objects, big messages) are stored once by
their sha256 and referenced, so a checkpoint after a small change writes kilobytes, not the code of
every function again.
"""

from __future__ import annotations

import collections
import copy
import copyreg
import hashlib
import io
import pickle
import threading
import weakref
from collections.abc import Callable
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


def _reduce_defaultdict(mapping: collections.defaultdict[Any, Any]) -> Any:
    factory = mapping.default_factory
    if factory is not None and "<" in getattr(factory, "__qualname__", ""):
        factory = CopyOf(factory())
    return (collections.defaultdict, (factory,), None, None, iter(mapping.items()))


def _empty(cls: type) -> Any:
    return cls.__new__(cls)


def _fill_defaultdict(mapping: Any, state: tuple[Any, dict[str, Any]]) -> None:
    mapping.default_factory, attributes = state
    mapping.__dict__.update(attributes)


def _reduce_defaultdict_subclass(mapping: Any) -> Any:
    """A subclass of defaultdict whose __init__ takes other arguments (moto's ParameterDict): made
    empty, then given its factory, attributes and items."""
    factory = mapping.default_factory
    if factory is not None and "<" in getattr(factory, "__qualname__", ""):
        factory = CopyOf(factory())
    return (_empty, (type(mapping),), (factory, mapping.__dict__), None, iter(mapping.items()), _fill_defaultdict)


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
    """Digests of the large values already stored, by identity, so each is hashed once per process.

    Holds the values it names (an id is unique only while its object lives); `forget_unseen` drops
    those the last pickle did not meet."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, str]] = {}
        self._seen: set[int] = set()

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

    def forget_unseen(self) -> None:
        self._known = {k: v for k, v in self._known.items() if k in self._seen}
        self._seen = set()


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


def _composed_reducers() -> dict[type, Callable[[Any], Any]]:
    from toolchain.emulator.patching import APPLIED, new_backend

    def by_path(path: str) -> Callable[[Any], Any]:
        return lambda backend: (new_backend, (path,), backend.__dict__)

    return {cls: by_path(path) for cls, path in APPLIED.composed().items()}


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, cache: BlobCache, write_blob: Callable[[str, bytes], None],
                 used: set[str]) -> None:  # fmt: skip
        super().__init__(file, protocol=5)
        self.dispatch_table = copyreg.dispatch_table.copy()
        self.dispatch_table.update(_REDUCERS)
        self.dispatch_table.update(_composed_reducers())
        self.dispatch_table.update(dict.fromkeys(_subclasses(collections.defaultdict), _reduce_defaultdict_subclass))
        if not _KEYS:
            _KEYS.update(_key_reducers())
        self.dispatch_table.update(_KEYS)
        self._cache, self._write_blob, self._used = cache, write_blob, used

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if (kind is bytes or kind is str) and len(obj) >= BLOB_MIN:
            digest, known = self._cache.digest(obj)
            if not known:
                self._write_blob(digest, obj if kind is bytes else obj.encode("utf-8", "surrogatepass"))
            self._used.add(digest)
            return ("blob", "b" if kind is bytes else "s", digest)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, read_blob: Callable[[str], bytes]) -> None:
        super().__init__(file)
        self._read_blob = read_blob

    def persistent_load(self, pid: Any) -> Any:
        try:
            tag, kind, digest = pid
        except (TypeError, ValueError):
            raise StateUnreadable(f"unknown reference {pid!r}") from None
        if tag != "blob":
            raise StateUnreadable(f"unknown reference {pid!r}")
        data = self._read_blob(digest)
        return data if kind == "b" else data.decode("utf-8", "surrogatepass")


def dump(state: Any, cache: BlobCache, write_blob: Callable[[str, bytes], None]) -> tuple[bytes, set[str]]:
    """(the pickle, the digests of the blobs it refers to); new blobs are handed to `write_blob`."""
    buffer = io.BytesIO()
    used: set[str] = set()
    _Pickler(buffer, cache, write_blob, used).dump(state)
    cache.forget_unseen()
    return buffer.getvalue(), used


def load(data: bytes, read_blob: Callable[[str], bytes]) -> Any:
    try:
        return _Unpickler(io.BytesIO(data), read_blob).load()
    except StateUnreadable:
        raise
    except Exception as exc:  # a pickle from other code fails in many ways; all mean the same here
        raise StateUnreadable(f"{type(exc).__name__}: {exc}") from exc
