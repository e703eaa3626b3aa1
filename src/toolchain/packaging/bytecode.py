"""Byte code for the target Python, shipped in the zips and the layer so that a cold start imports
instead of compiling.

Lambda's /var/task and /opt are read-only: without `__pycache__` entries in the archives every cold
start compiles every module it imports, and pays for it again on the next one. The `.pyc` files are
made by an interpreter of the target's version (a `.pyc` is specific to one minor version), with
hash-based, unchecked invalidation (PEP 552): no timestamps, so two builds of the same sources are
byte-identical, and Lambda never stats the source to check them. Each archive is compiled in a
process of its own with a fixed hash seed, so a file's byte code does not depend on what else was
compiled before it.

The code objects are compiled under the path Lambda gives the file (`/var/task/...`, `/opt/...`);
the import system renames them to wherever the source is found, so tracebacks and debuggers show the
real file, on Lambda and in the emulator alike.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from toolchain.errors import ToolchainError

# Run by the target interpreter: reads [[source_b64, runtime_path], ...], writes [pyc_b64 | error, ...].
_COMPILE = r"""
import base64, importlib.util, json, marshal, sys
out = []
for source_b64, runtime_path in json.load(sys.stdin):
    source = base64.b64decode(source_b64)
    try:
        code = compile(source, runtime_path, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError) as exc:
        out.append({"error": f"{type(exc).__name__}: {exc}"})
        continue
    # PEP 552 header: magic, flags (bit 0: hash-based; bit 1 clear: not checked), source hash, code
    pyc = importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + importlib.util.source_hash(source)
    out.append({"pyc": base64.b64encode(pyc + marshal.dumps(code)).decode()})
json.dump({"version": "%d.%d.%d" % sys.version_info[:3], "tag": sys.implementation.cache_tag, "files": out},
          sys.stdout)
"""


class Compiler(Protocol):
    """Turns Python sources into `.pyc` files for one target version."""

    version: str  # the exact interpreter version, part of every inputs hash

    def cache_tag(self) -> str: ...

    def compile(self, sources: Sequence[tuple[bytes, str]]) -> list[bytes | None]:
        """The `.pyc` for each (source, path on Lambda); None for a source that does not compile."""
        ...


@dataclass
class InterpreterCompiler:
    """Compiles in a child process of `interpreter` (which must be the target's minor version)."""

    interpreter: Path
    version: str
    tag: str

    @classmethod
    def probe(cls, interpreter: Path) -> InterpreterCompiler:
        answer = cls(interpreter, "", "")._run([])
        return cls(interpreter, answer["version"], answer["tag"])

    def cache_tag(self) -> str:
        return self.tag

    def _run(self, sources: Sequence[tuple[bytes, str]]) -> dict:
        request = json.dumps([[base64.b64encode(source).decode(), path] for source, path in sources])
        result = subprocess.run(
            [str(self.interpreter), "-I", "-S", "-c", _COMPILE], input=request, capture_output=True, text=True,
            env={"PYTHONHASHSEED": "0"}, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise ToolchainError(f"compiling byte code with {self.interpreter} failed: {result.stderr.strip()[-500:]}")
        return json.loads(result.stdout)

    def compile(self, sources: Sequence[tuple[bytes, str]]) -> list[bytes | None]:
        files = self._run(sources)["files"]
        return [base64.b64decode(f["pyc"]) if "pyc" in f else None for f in files]


def pyc_name(source_name: str, cache_tag: str) -> str:
    """`a/b/mod.py` -> `a/b/__pycache__/mod.<tag>.pyc`, where the import system looks for it."""
    folder, _, file = source_name.rpartition("/")
    stem = file.removesuffix(".py")
    return f"{folder}/__pycache__/{stem}.{cache_tag}.pyc" if folder else f"__pycache__/{stem}.{cache_tag}.pyc"
