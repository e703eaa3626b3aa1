"""`invoke package` from an empty build/ against what a plain build script does with the same files.

Both start from the warm wheel cache (no downloads) and make the same archives: each function's
files and the layer's installed wheels, with byte code for the target Python. The plain script
stages the files, runs `python3.X -m compileall` on them (the same invalidation mode) and zips each
folder with `zipfile`'s defaults; the packager adds sorted entries, fixed times and permissions,
hashes, the manifest and the reproducibility checks. Then: an unchanged rebuild, and what byte code
costs in size.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from harness import ROOT, interleaved, median, result, table, timed

from toolchain.cache import cache_dir
from toolchain.config import load_config
from toolchain.packaging.builder import Packager
from toolchain.packaging.bytecode import InterpreterCompiler
from toolchain.packaging.layer import LayerContents
from toolchain.packaging.requirements import read_pins
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.sources import function_entries
from toolchain.packaging.wheels import SubprocessPip, WheelCache
from toolchain.pythons import find_interpreter
from toolchain.reporting import RecordingReporter

CONFIG = load_config(ROOT)
RUNTIME = Runtime.on_lambda(CONFIG.python, CONFIG.architecture)
INTERPRETER = find_interpreter(CONFIG.python)
COMPILER = InterpreterCompiler.probe(INTERPRETER) if INTERPRETER else None


def packager(out: Path, compiler: InterpreterCompiler | None = COMPILER) -> Packager:
    reporter = RecordingReporter()
    wheels = WheelCache(cache_dir() / "wheels", SubprocessPip(), reporter)
    return Packager(CONFIG, RUNTIME, out, wheels=wheels, reporter=reporter, compiler=compiler)


def plain_build(out: Path) -> None:
    stage = out / "stage"
    for spec in CONFIG.functions:
        for entry in function_entries(CONFIG, spec):
            target = stage / spec.name / entry.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entry.read())
    provided = set(CONFIG.layer.provided)
    pins = [p for p in read_pins(CONFIG.layer.requirements) if p.name not in provided]
    wheels = WheelCache(cache_dir() / "wheels", SubprocessPip(), RecordingReporter()).resolve(pins, RUNTIME)
    with LayerContents(wheels) as entries:
        for entry in entries:
            target = stage / "layer" / entry.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entry.read())
    if INTERPRETER:
        subprocess.run([str(INTERPRETER), "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                        "unchecked-hash", str(stage)], check=False, capture_output=True)  # fmt: skip
    for folder in stage.iterdir():
        with zipfile.ZipFile(out / f"{folder.name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-package-"))
    packager(work / "warmup").build()  # fills the wheel cache
    runs = iter(range(1000))

    def cold() -> float:
        return timed(lambda: packager(work / f"p{next(runs)}").build())

    def plain() -> float:
        return timed(lambda: plain_build(work / f"s{next(runs)}"))

    samples = interleaved({"project": cold, "floor": plain}, rounds=5)
    unchanged = [timed(lambda: packager(work / "warmup").build()) for _ in range(5)]
    packager(work / "sources", compiler=None).build()
    sizes = {kind: sum(p.stat().st_size for p in (work / kind).rglob("*.zip")) for kind in ("warmup", "sources")}
    shutil.rmtree(work)
    version = COMPILER.version if COMPILER else "none found: no byte code"
    table(f"building every artifact, byte code by Python {version} (5 runs, interleaved)", ["median s"],
          [["`invoke package`, empty build/ (warm wheel cache)", f"{median(samples['project']):.2f}"],
           ["floor: stage, compileall, zipfile", f"{median(samples['floor']):.2f}"],
           ["`invoke package`, nothing changed", f"{median(unchanged):.3f}"]])  # fmt: skip
    table("what byte code costs in size", ["all zips MB"],
          [["sources only", f"{sizes['sources'] / 1e6:.1f}"],
           ["sources and byte code (what ships)", f"{sizes['warmup'] / 1e6:.1f}"]])  # fmt: skip
    result("package_s", median(samples["project"]), median(samples["floor"]))


if __name__ == "__main__":
    main()
