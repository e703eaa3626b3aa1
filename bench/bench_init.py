"""Each function's init time (importing its handler module) in a fresh interpreter, as on Lambda.

Setup mirrors the emulator's workers and Lambda itself: `python -I -S -B` (no site-packages, no
byte code written: Lambda's /opt and /var/task are read-only, so every cold start compiles), the
path is the function's zip, the layer and the runtime-provided packages, and the environment has
Lambda's variables. The floor is the same measurement for only the third-party imports the
function cannot do without (the SDK, Powertools' logger and metrics, and its own libraries).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from toolchain.emulator.interpreters import choose_interpreter  # noqa: E402
from toolchain.emulator.runtime_packages import provided_packages_dir  # noqa: E402

RUNS = 9
OBSERVABILITY = ["aws_lambda_powertools.logging", "aws_lambda_powertools.metrics"]
# X-Ray is required for these: Powertools' Tracer, the X-Ray SDK and what it patches.
TRACING = ["aws_lambda_powertools.tracing", "aws_xray_sdk.core", "aws_xray_sdk.ext.botocore.patch", "botocore.client"]
FLOORS = {
    "thumbnails": ["PIL.Image", "PIL.ImageOps", *TRACING],
    "authorizer": ["jwt", "cryptography.hazmat.primitives.asymmetric.rsa"],
    "slack": [],
    "sessions": [],
    "notifications": [],
    "scraper": ["bs4", "lxml.etree", "requests", "aws_xray_sdk.ext.requests.patch", *TRACING],
}
DEFAULT_FLOOR = TRACING  # every other function is traced and imports nothing else heavy at init

CHILD = r"""
import importlib, json, sys, time
paths, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.path[:] = paths + sys.path[1:]
started = time.perf_counter()
for name in modules:
    importlib.import_module(name)
print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
"""


def measure(python: Path, paths: list[str], modules: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        out = subprocess.run([str(python), "-I", "-S", "-B", "-c", CHILD, json.dumps(paths), json.dumps(modules)],
                             capture_output=True, text=True, env=env, check=True)  # fmt: skip
        times.append(json.loads(out.stdout)["ms"])
    return statistics.median(times)


def main() -> None:
    build = ROOT / "build"
    manifest = json.loads((build / "manifest.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        layer = Path(tmp) / "layer"
        zipfile.ZipFile(build / manifest["layer"]["path"]).extractall(layer)
        python, version = choose_interpreter([layer])
        runtime = provided_packages_dir(Path(tmp) / "runtime")
        base_paths = [str(layer / "python"), str(runtime)]
        print(f"| function (python {version}, {RUNS} cold starts each) | init ms | floor ms | above floor ms |")
        print("|---|---:|---:|---:|")
        results = {}
        for name, artifact in sorted(manifest["functions"].items()):
            code = Path(tmp) / name
            zipfile.ZipFile(build / artifact["path"]).extractall(code)
            module = artifact["handler"].rsplit(".", 1)[0]
            env = {"PATH": "/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC", "AWS_REGION": "us-east-1",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
                   "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
                   "LAMBDA_TASK_ROOT": str(code), "_HANDLER": artifact["handler"], "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                   "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"}  # fmt: skip
            init = measure(python, [str(code), *base_paths], [module], env)
            floor = measure(python, base_paths, FLOORS.get(name, DEFAULT_FLOOR) + OBSERVABILITY, env)
            results[name] = init
            print(f"| {name} | {init:.0f} | {floor:.0f} | {init - floor:.0f} |")
        code = Path(tmp) / "thumbnails"
        env = {
            **os.environ,
            "AWS_LAMBDA_FUNCTION_NAME": "thumbnails",
            "LAMBDA_TASK_ROOT": str(code),
            "AWS_REGION": "us-east-1",
        }
        untraced = measure(
            python,
            [str(code), *base_paths],
            ["lambdas.services.thumbnails.handler"],
            {**env, "POWERTOOLS_TRACE_DISABLED": "true"},
        )
        traced = measure(python, [str(code), *base_paths], ["lambdas.services.thumbnails.handler"], env)
        print(
            f"\nX-Ray tracing (Powertools Tracer patching botocore), thumbnails: {traced:.0f} ms with, {untraced:.0f} ms without"
        )


if __name__ == "__main__":
    main()
