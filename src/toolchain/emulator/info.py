"""What a running emulator says of itself (build/emulator/server.json), and the version of its code.

Light on purpose: the toolchain reads these to find, reuse or replace an emulator without importing
moto or the emulator's machinery.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parent


def code_version() -> str:
    """Hash of every file of the emulator's code and of moto's version: an emulator running older code is stale."""
    from importlib.metadata import version

    digest = hashlib.sha256(version("moto").encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    endpoint: str
    port: int
    instance_id: str
    started: float
    code_version: str = ""
    # who the stored state is: the same across restarts that load it, new when the emulator starts empty
    state_id: str = ""

    @property
    def identity(self) -> str:
        """What the resources on this emulator belong to: its stored state's, or this process's alone."""
        return self.state_id or self.instance_id

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ServerInfo:
        return cls(**json.loads(text))
