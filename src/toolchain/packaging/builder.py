"""`invoke package`: function zips and the layer zip, rebuilt only when their inputs change.

Each artifact has an inputs hash computed without building it (source files for a function; the
lock file, runtime and exclusions for the layer). If the manifest already records that inputs hash
and the file on disk still has the recorded sha256, nothing is compressed and nothing is written.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from toolchain.config import FunctionSpec, ProjectConfig
from toolchain.digests import sha256_hex
from toolchain.errors import ToolchainError
from toolchain.packaging.bytecode import Compiler, pyc_name
from toolchain.packaging.layer import LayerContents
from toolchain.packaging.manifest import Artifact, FileDigest, Manifest, load_manifest, write_if_changed
from toolchain.packaging.requirements import read_pins
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.sources import function_entries
from toolchain.packaging.wheels import WheelCache
from toolchain.packaging.zipper import Entry, write_zip
from toolchain.reporting import Reporter

# Part of every inputs hash: bump it when the archive layout changes, and everything is rebuilt.
BUILDER_VERSION = "2"
_HOST_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def _inputs_hash(description: dict[str, object]) -> str:
    return sha256_hex(json.dumps({"builder": BUILDER_VERSION, **description}, sort_keys=True).encode())


@dataclass
class BuildReport:
    manifest: Manifest
    manifest_path: Path
    built: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    manifest_written: bool = False
    seconds: float = 0.0


class Packager:
    def __init__(
        self,
        config: ProjectConfig,
        runtime: Runtime,
        out_dir: Path,
        *,
        wheels: WheelCache,
        reporter: Reporter,
        compiler: Compiler | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.config = config
        if compiler is not None and not compiler.version.startswith(f"{runtime.python}."):
            raise ToolchainError(f"byte code for Python {runtime.python} cannot be made by Python {compiler.version}")
        self.compiler = compiler
        self.runtime = runtime
        self.out_dir = out_dir
        self.manifest_path = out_dir / "manifest.json"
        self._wheels = wheels
        self._reporter = reporter
        self._clock = clock

    def _target_json(self) -> dict[str, str]:
        if self.runtime.is_host:
            machine = platform.machine().lower()
            return {
                "python": self.runtime.python,
                "architecture": _HOST_ARCHITECTURES.get(machine, machine),
                "platform": "host",
                "slug": self.runtime.slug,
            }
        return {
            "python": self.runtime.python,
            "architecture": self.runtime.architecture or "",
            "platform": "lambda",
            "slug": self.runtime.slug,
        }

    def _bytecode(self) -> dict[str, str] | None:
        """What the archives' byte code was made by (part of their inputs), None without byte code."""
        if self.compiler is None:
            return None
        return {"python": self.compiler.version, "tag": self.compiler.cache_tag(), "invalidation": "unchecked-hash"}

    def _with_bytecode(self, entries: list[Entry], runtime_root: str, *, strict: bool) -> list[Entry]:
        """`entries` and a `.pyc` for each of their `.py` files (what `python -m compileall` would add).

        A function's source that does not compile is refused (it could not be imported on Lambda);
        a third-party file that does not (a Python 2 example in a wheel) is shipped without byte code.
        """
        if self.compiler is None:
            return entries
        sources = [(e, e.read()) for e in entries if e.name.endswith(".py")]
        compiled = self.compiler.compile([(data, runtime_root + e.name) for e, data in sources])
        tag = self.compiler.cache_tag()
        added = []
        for (entry, _data), pyc in zip(sources, compiled, strict=True):
            if pyc is None:
                if strict:
                    raise ToolchainError(
                        f"{entry.name} does not compile for Python {self.runtime.python}",
                        "fix the syntax error (the function could not be imported on Lambda)",
                    )
                continue
            added.append(Entry(pyc_name(entry.name, tag), read=lambda pyc=pyc: pyc))
        return entries + added

    def _reusable(self, previous: Artifact | None, inputs: str) -> bool:
        if previous is None or previous.inputs_sha256 != inputs:
            return False
        path = self.out_dir / previous.path
        if not path.is_file():
            return False
        digest = FileDigest.of(path)
        return (digest.sha256, digest.size) == (previous.sha256, previous.size)

    def _function(self, spec: FunctionSpec, previous: Artifact | None, report: BuildReport) -> Artifact:
        entries = []
        described = []
        for entry in function_entries(self.config, spec):
            data = entry.read()
            described.append([entry.name, entry.executable, sha256_hex(data)])
            entries.append(Entry(entry.name, read=lambda data=data: data, executable=entry.executable))
        inputs = _inputs_hash(
            {"kind": "function", "handler": spec.handler, "files": described, "bytecode": self._bytecode()}
        )
        label = f"function {spec.name}"
        if self._reusable(previous, inputs):
            report.reused.append(label)
            return previous  # type: ignore[return-value]
        entries = self._with_bytecode(entries, "/var/task/", strict=True)
        relative = f"functions/{spec.name}.zip"
        write_zip(self.out_dir / relative, entries)
        digest = FileDigest.of(self.out_dir / relative)
        report.built.append(label)
        self._reporter.detail(f"{relative}: {len(entries)} files, {digest.size:,} bytes")
        return Artifact(relative, digest.sha256, digest.base64sha256, digest.size, inputs, handler=spec.handler)

    def _layer(self, previous: Artifact | None, report: BuildReport) -> Artifact:
        provided = {canonicalize_name(p) for p in self.config.layer.provided}
        pins = [p for p in read_pins(self.config.layer.requirements) if p.name not in provided]
        inputs = _inputs_hash(
            {
                "kind": "layer",
                "target": self.runtime.slug,
                "best_tag": str(self.runtime.supported_tags[0]),
                "pins": [str(p) for p in pins],
                "bytecode": self._bytecode(),
            }
        )
        if self._reusable(previous, inputs):
            report.reused.append("layer")
            return previous  # type: ignore[return-value]
        self._reporter.step(f"Building the dependency layer for {self.runtime.describe()}")
        wheels = self._wheels.resolve(pins, self.runtime)
        with LayerContents(wheels) as entries:
            entries = self._with_bytecode(entries, "/opt/", strict=False)
            self._reporter.detail(f"compressing {len(entries):,} files from {len(wheels)} wheels")
            write_zip(self.out_dir / "layer.zip", entries)
        digest = FileDigest.of(self.out_dir / "layer.zip")
        self._reporter.detail(f"layer.zip: {digest.size:,} bytes")
        report.built.append("layer")
        packages = {w.name: {"version": w.version, "wheel": w.path.name, "sha256": w.sha256()} for w in wheels}
        return Artifact("layer.zip", digest.sha256, digest.base64sha256, digest.size, inputs, packages=packages)

    def build(self) -> BuildReport:
        started = self._clock()
        # The runtime is part of the layer's inputs hash; function zips do not depend on it.
        previous = load_manifest(self.manifest_path)
        report = BuildReport(manifest=None, manifest_path=self.manifest_path)  # type: ignore[arg-type]
        functions = {
            spec.name: self._function(spec, previous.functions.get(spec.name) if previous else None, report)
            for spec in self.config.functions
        }
        layer = self._layer(previous.layer if previous else None, report)
        for name in sorted(set(previous.functions) - set(functions)) if previous else []:
            (self.out_dir / previous.functions[name].path).unlink(missing_ok=True)
            report.removed.append(f"function {name}")
        target = {**self._target_json(), "bytecode": self._bytecode()}
        report.manifest = Manifest(target=target, layer=layer, functions=functions)
        report.manifest_written = write_if_changed(self.manifest_path, report.manifest.to_text())
        report.seconds = self._clock() - started
        return report
