"""How the emulator changes moto: declared, applied once, in one place (emulator/patches.py lists them all).

Two kinds of change, the first wherever moto allows it:

- `Override`: moto keeps one backend class per service in its `BackendDict` and instantiates it for
  each account and region on first use: that is moto's own seam. A service package writes a mixin
  whose methods override the backend's (calling `super()` for moto's behaviour); every mixin declared
  for a backend is composed into one subclass, registered in the `BackendDict`.
- `Patch`: an attribute of a moto class or module replaced, where moto offers no such seam (models
  its backends build themselves, module-level functions). `replace` receives moto's original and the
  emulator's parts and returns the replacement.

Each names its owner (the emulator package whose behaviour it is) and why AWS needs it. Two patches
of the same attribute, or two mixins overriding the same method of the same backend, are refused: the
second would silently undo the first.

`CORRECTION` changes make moto answer as AWS does and need nothing running: tests that run moto
in-process apply them too. `EMULATION` changes need the emulator's running parts (`parts`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass
from typing import Any

CORRECTION = "correction"
EMULATION = "emulation"


class DoublePatch(Exception):
    """Two changes of the same moto attribute or backend method."""


def resolve(path: str) -> Any:
    """`"package.module:Name"` -> the object; `"package.module"` -> the module."""
    module_name, _, qualified = path.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in filter(None, qualified.split(".")):
        found = getattr(found, part)
    return found


@dataclass(frozen=True)
class Patch:
    owner: str
    target: str  # "moto.module:Class", or "moto.module" for a module-level function
    attribute: str
    replace: Callable[[Any, Any], Any]  # (moto's original, the emulator's parts or None) -> the replacement
    kind: str = CORRECTION
    _: KW_ONLY
    why: str

    @property
    def keys(self) -> list[str]:
        return [f"{self.target}.{self.attribute}"]


@dataclass(frozen=True)
class Override:
    owner: str
    backends: str  # "moto.module:service_backends", a BackendDict
    mixin: type  # its methods override the backend's; `self.emulator` is the emulator's parts (None in tests)
    kind: str = CORRECTION
    _: KW_ONLY
    why: str

    @property
    def keys(self) -> list[str]:
        methods = [name for name, value in vars(self.mixin).items() if callable(value) or isinstance(value, property)]
        return [f"{self.backends}.{name}" for name in methods if not (name.startswith("__") and name.endswith("__"))]


Change = Patch | Override


def check(changes: Iterable[Change]) -> list[Change]:
    """The changes, after refusing any two that change the same attribute or backend method."""
    owners: dict[str, str] = {}
    listed = list(changes)
    for change in listed:
        for key in change.keys:
            if key in owners:
                raise DoublePatch(f"{key} is changed by {owners[key]} and again by {change.owner}: the second "
                                  "would silently undo the first; make them one change")  # fmt: skip
            owners[key] = change.owner
    return listed


class Applied:
    """What this process has applied: each change once, however often it is asked for (tests ask often)."""

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._keys: dict[str, str] = {}
        self._mixins: dict[str, list[type]] = {}
        self._bases: dict[str, type] = {}

    def apply(self, changes: Iterable[Change], parts: Any = None, kinds: tuple[str, ...] = (CORRECTION,)) -> int:
        """Apply those of `kinds` not applied yet (refusing doubles among all, applied or not); returns
        how many were applied now."""
        wanted = [c for c in check(changes) if c.kind in kinds and id(c) not in self._done]
        for change in wanted:
            for key in change.keys:
                if key in self._keys:
                    raise DoublePatch(
                        f"{key} was changed by {self._keys[key]} already; {change.owner} changes it again"
                    )
        recomposed: set[str] = set()
        for change in wanted:
            if isinstance(change, Override):
                self._mixins.setdefault(change.backends, []).append(change.mixin)
                recomposed.add(change.backends)
            else:
                target = resolve(change.target)
                original = getattr(target, change.attribute, None)  # None: moto has none (a __deepcopy__)
                setattr(target, change.attribute, change.replace(original, parts))
            self._done.add(id(change))
            self._keys.update(dict.fromkeys(change.keys, change.owner))
        for path in recomposed:
            self._register(path, parts)
        return len(wanted)

    def _register(self, path: str, parts: Any) -> None:
        backends = resolve(path)
        base = self._bases.setdefault(path, backends.backend)
        # no two mixins override one method (check), so their order changes nothing; moto finds a
        # backend's URL module from the class's module, which stays moto's
        namespace = {"emulator": parts, "__module__": base.__module__}
        composed = type(f"Emulated{base.__name__}", (*self._mixins[path], base), namespace)
        backends.backend = composed
        for account in list(backends.values()):  # accounts made already build their next regions so too
            account.backend = composed

    def owners(self) -> dict[str, str]:
        return dict(self._keys)

    def composed(self) -> dict[type, str]:
        """The backend classes composed here, by the path of their BackendDict: they are not attributes of
        any module, so a checkpoint names them by that path (`new_backend` makes one again)."""
        return {resolve(path).backend: path for path in self._mixins}


def new_backend(path: str) -> Any:
    """An empty instance of the backend class now composed for `path`, for a checkpoint to fill."""
    cls = resolve(path).backend
    return cls.__new__(cls)


APPLIED = Applied()
