"""`invoke package` against a plain zip of the same files.

The packager adds sorting, fixed metadata, hashing and the manifest; the plain zip is what a naive
build script does (`zipfile`, default settings). Wheels come from the warm cache in both cases, so
neither figure includes downloads.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from toolchain.config import load_config  # noqa: E402
from toolchain.context import cache_dir  # noqa: E402
from toolchain.packaging.builder import Packager  # noqa: E402
from toolchain.packaging.layer import LayerContents  # noqa: E402
from toolchain.packaging.runtimes import Runtime  # noqa: E402
from toolchain.packaging.sources import function_entries  # noqa: E402
from toolchain.packaging.wheels import SubprocessPip, WheelCache  # noqa: E402
from toolchain.reporting import RecordingReporter  # noqa: E402

RUNS = 5


def packager(out: Path) -> Packager:
    config = load_config(ROOT)
    reporter = RecordingReporter()
    wheels = WheelCache(cache_dir() / "wheels", SubprocessPip(), reporter)
    return Packager(
        config, Runtime.on_lambda(config.python, config.architecture), out, wheels=wheels, reporter=reporter
    )


def plain_zip(out: Path, p: Packager) -> None:
    config = p.config
    out.mkdir(parents=True, exist_ok=True)
    for spec in config.functions:
        with zipfile.ZipFile(out / f"{spec.name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for entry in function_entries(config, spec):
                archive.writestr(entry.name, entry.read())
    from toolchain.packaging.requirements import read_pins

    pins = [
        pin
        for pin in read_pins(config.layer.requirements)
        if pin.name not in {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six"}
    ]
    wheels = WheelCache(cache_dir() / "wheels", SubprocessPip(), RecordingReporter()).resolve(pins, p.target)
    with LayerContents(wheels) as entries, zipfile.ZipFile(out / "layer.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            archive.writestr(entry.name, entry.read())


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-package-"))
    packager(work / "warmup").build()  # fills the wheel cache
    cold, warm, plain = [], [], []
    for run in range(RUNS):
        out = work / f"run{run}"
        cold.append(timed(lambda out=out: packager(out).build()))
        warm.append(timed(lambda out=out: packager(out).build()))
        plain.append(timed(lambda run=run: plain_zip(work / f"plain{run}", packager(work / "unused"))))
    shutil.rmtree(work)
    rows = [
        ("`invoke package`, empty build/ (warm wheel cache)", cold),
        ("`invoke package`, nothing changed", warm),
        ("plain `zipfile` of the same files", plain),
    ]
    print(f"| build ({RUNS} runs) | median s | min s |")
    print("|---|---:|---:|")
    for label, values in rows:
        print(f"| {label} | {statistics.median(values):.3f} | {min(values):.3f} |")


if __name__ == "__main__":
    main()
