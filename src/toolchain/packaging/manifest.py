"""build/manifest.json: every artifact with its hashes; what Terraform and promotion read.

Paths are relative to the manifest's directory so a build directory can move (or be uploaded)
as a whole. `base64sha256` is what Terraform's `filebase64sha256()` and Lambda's CodeSha256 show.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolchain.digests import sha256_of

FORMAT = 1


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    base64sha256: str
    size: int

    @classmethod
    def of(cls, path: Path) -> FileDigest:
        digest = sha256_of(path)
        return cls(digest.hexdigest(), base64.b64encode(digest.digest()).decode("ascii"), path.stat().st_size)


@dataclass(frozen=True)
class Artifact:
    path: str
    sha256: str
    base64sha256: str
    size: int
    inputs_sha256: str
    handler: str | None = None
    packages: dict[str, dict[str, str]] | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Artifact:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class Manifest:
    target: dict[str, Any]
    layer: Artifact
    functions: dict[str, Artifact] = field(default_factory=dict)

    def artifacts(self) -> dict[str, Artifact]:
        return {"layer": self.layer, **{f"function:{n}": a for n, a in self.functions.items()}}

    def to_text(self) -> str:
        data = {
            "format": FORMAT,
            "target": self.target,
            "layer": self.layer.to_json(),
            "functions": {name: self.functions[name].to_json() for name in sorted(self.functions)},
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Manifest:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"manifest format {data.get('format')!r} is not {FORMAT}")
        return cls(
            target=data["target"],
            layer=Artifact.from_json(data["layer"]),
            functions={n: Artifact.from_json(a) for n, a in data["functions"].items()},
        )


def load_manifest(path: Path) -> Manifest | None:
    """The manifest at `path`, or None if there is none or it cannot be trusted."""
    try:
        return Manifest.from_text(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_if_changed(path: Path, text: str) -> bool:
    """Atomically replace `path` with `text` unless it already holds exactly that."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True
